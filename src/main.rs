use clap::Parser;

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
