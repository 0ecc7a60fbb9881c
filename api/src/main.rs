//! `cxpm`: serve the API, apply migrations, print the spec, or build a demo (see
//! [`cxpm_api::cli`]).

/// A request allocates many small short-lived values (headers, JSON, rows) across
/// threads; mimalloc serves those markedly faster than glibc's malloc (see README,
/// Benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    cxpm_api::cli::settle_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(cxpm_api::cli::main())
}
