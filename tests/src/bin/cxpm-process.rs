//! The `cxpm` program, built inside the tests crate so that its tests can start it as
//! a process (Cargo tells a crate's tests where that crate's own binaries are, and no
//! others). The same entry point as `api/src/main.rs`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cxpm_api::cli::main().await
}
