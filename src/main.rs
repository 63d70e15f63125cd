use clap::Parser;

/// mimalloc rather than glibc's allocator: a page allocates and frees thousands of small
/// strings (every line's fields, then its row's), and glibc's malloc and free were about a
/// fifth of the order page's instructions (docs/performance.md, "The order page's rows").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PROVISIO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = provisio::cli::Cli::parse();
    if let Err(e) = provisio::cli::run(cli).await {
        eprintln!("error: {e}");
        // `provisio bounce` without its database: the MTA keeps the message and tries again.
        let code = if e.is::<provisio::cli::TryAgainLater>() { provisio::cli::EX_TEMPFAIL } else { 1 };
        std::process::exit(code);
    }
}
