//! The command line: serve | migrate | import | onboard | tick.

use std::path::PathBuf;

use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::demo;
use crate::import_progress;
use crate::jobs;
use crate::mail::{Dispatcher, Mailer};
use crate::startup::Application;
use crate::stop::Stop;
use crate::store::{OnboardOutcome, Store};

#[derive(Parser)]
#[command(name = "provisio", version, about = "Provisioning contacts of cloud subscription orders")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP and run the background work.
    Serve {
        /// Listen address (default 127.0.0.1:8080, or PROVISIO_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo data into an empty database and print the demo sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load companies, users and orders from a JSON file (atomic and idempotent).
    Import { file: PathBuf },
    /// Record that an order was mapped to the customer organisation (PONR).
    Onboard { order_id: String },
    /// Run every piece of due scheduled work once (RSD emails, closing, purges, email dispatch) and exit.
    Tick,
}

/// Runs the command; the error is printed as one line by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let mut config = Config::from_env(|k| std::env::var(k).ok(), bind.as_deref())?;
    config.demo = matches!(cli.command, Command::Serve { demo: true, .. });
    let store = Store::connect(&config.database_url)
        .await
        .map_err(|e| anyhow::anyhow!("DATABASE_URL: cannot open the database: {e}"))?;
    let result = match cli.command {
        Command::Serve { demo, .. } => serve(config, store.clone(), demo).await,
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Import { file } => {
            let reader =
                std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", file.display()))?;
            let size = reader.metadata().map(|m| m.len()).unwrap_or(0);
            let started = std::time::Instant::now();
            let shown = import_progress::Shown::new(size);
            let summary = store.import_json(reader, Utc::now(), Some(shown.callback())).await;
            shown.finish();
            let summary = summary?;
            println!(
                "imported {} companies, {} users, {} orders, {} lines ({} contact changes recorded) in {:.1} s",
                summary.companies,
                summary.users,
                summary.orders,
                summary.lines,
                summary.contact_changes,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Onboard { order_id } => match store.onboard(&order_id, Utc::now()).await? {
            OnboardOutcome::Onboarded => {
                println!("{order_id}: PONR recorded (organisation onboarded)");
                Ok(())
            }
            OnboardOutcome::AlreadyOnboarded => {
                println!("{order_id}: already onboarded; nothing changed");
                Ok(())
            }
            OnboardOutcome::NotFound => Err(anyhow::anyhow!("{order_id}: no such order")),
        },
        Command::Tick => {
            // SIGTERM or Ctrl-C: stop between batches, finish and record what is on the wire.
            let stop = Stop::never();
            let raise = stop.clone();
            tokio::spawn(async move {
                crate::stop::signalled().await;
                raise.raise();
            });
            let queued = jobs::send_due_rsd_emails(&store, &stop).await?;
            let reminders = jobs::send_due_reminders(&store, &config.reminders, &stop).await?;
            let closed = jobs::close_due_lines(&store, &stop).await?;
            jobs::purge_expired(&store, &config.login).await?;
            let bulk = jobs::purge_bulk(&store, config.bulk_keep, &stop).await?;
            let screenshots = jobs::purge_case_attachments(&store, &stop).await?;
            let mailer = Mailer::new(&config.mail, config.mail.mailbox.clone(), 4)?;
            let mut dispatcher =
                Dispatcher::new(store.clone(), mailer, config.mail.clone(), config.admin_console_url.clone());
            dispatcher.stop = stop;
            let attempted = dispatcher.drain().await?;
            let counts = store.email_counts().await?;
            println!(
                "queued {queued} requested-start-date emails and {reminders} reminders; closed {closed} lines; \
                 deleted {} bulk-fix previews, the outcomes of {} applied bulk fixes and {screenshots} screenshots \
                 of resolved cases; attempted {attempted} deliveries; outbox: {} queued, {} sent, {} failed",
                bulk.previews, bulk.outcomes, counts.queued, counts.sent, counts.failed
            );
            Ok(())
        }
    };
    store.close().await;
    result
}

async fn serve(config: Config, store: Store, demo: bool) -> anyhow::Result<()> {
    if demo {
        if store.is_empty().await? {
            store.import(&demo::data(Utc::now()), Utc::now()).await?;
            println!("Demo data loaded.");
        } else {
            println!("The database already holds data: demo data not loaded again.");
        }
        println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
        for (email, role) in demo::DEMO_USERS {
            println!("  {email:<26} {role}");
        }
    }
    let app = Application::build(config.clone(), store).await?;
    println!("Provisio listening on http://{}:{}", config.bind.ip(), app.port());
    app.run_until_signalled().await?;
    Ok(())
}
