//! The `cxpm` program, built inside the tests crate so that its tests can start it as
//! a process (Cargo tells a crate's tests where that crate's own binaries are, and no
//! others). The same entry point and allocator as `api/src/main.rs`, so that what the
//! benchmarks measure of it (peak RSS above all) is what ships.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    cxpm_api::cli::settle_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(cxpm_api::cli::main())
}
