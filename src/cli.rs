//! The command line: serve | migrate | import | onboard | tick | bounce.

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
    /// Read one email message on standard input (what an MTA's alias or pipe hands over) and
    /// record it if it is a bounce or delay report about a message of ours.
    Bounce,
}

/// The database could not be reached: `main` exits with EX_TEMPFAIL (75), which Postfix's
/// and Exim's pipes take as "try again later", so the MTA keeps the message and retries.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TryAgainLater(pub String);

/// Exit status of [`TryAgainLater`] (sysexits.h EX_TEMPFAIL).
pub const EX_TEMPFAIL: i32 = 75;

/// Runs the command; the error is printed as one line by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let mut config = Config::from_env(|k| std::env::var(k).ok(), bind.as_deref())?;
    config.demo = matches!(cli.command, Command::Serve { demo: true, .. });
    // The whole message is read before anything else, so the MTA never writes into a
    // closed pipe; only the first MAX_MESSAGE bytes are kept.
    let message = match cli.command {
        Command::Bounce => Some(read_message(std::io::stdin().lock())?),
        _ => None,
    };
    let store = match Store::connect(&config.database_url).await {
        Ok(store) => store,
        Err(e) if message.is_some() => {
            return Err(TryAgainLater(format!("DATABASE_URL: cannot open the database: {e}")).into());
        }
        Err(e) => return Err(anyhow::anyhow!("DATABASE_URL: cannot open the database: {e}")),
    };
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
            let key = crate::startup::signing_key(&store).await?;
            let mut dispatcher =
                Dispatcher::new(store.clone(), mailer, config.mail.clone(), config.admin_console_url.clone())
                    .with_bounces(key, &config.public_url);
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
        Command::Bounce => bounce(&store, &message.unwrap_or_default()).await,
    };
    store.close().await;
    result
}

/// Standard input, the first [`MAX_MESSAGE`](crate::mail::bounce::MAX_MESSAGE) bytes kept
/// and the rest read and dropped.
fn read_message(mut input: impl std::io::Read) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let limit = crate::mail::bounce::MAX_MESSAGE as u64;
    let mut message = Vec::new();
    input.by_ref().take(limit).read_to_end(&mut message)?;
    std::io::copy(&mut input, &mut std::io::sink())?;
    Ok(message)
}

/// `provisio bounce`: exits 0 for anything it could read (docs/product.md rule 14), so
/// the MTA never bounces a bounce; a database that stops answering is [`TryAgainLater`].
async fn bounce(store: &Store, message: &[u8]) -> anyhow::Result<()> {
    use crate::mail::bounce::{Reading, read};
    let unreachable = |e: &dyn std::fmt::Display| TryAgainLater(format!("the database did not answer: {e}"));
    let key = crate::startup::signing_key(store).await.map_err(|e| unreachable(&e))?;
    // Postfix's local(8) names the address it delivered to; Exim's pipe likewise.
    let envelope = ["ORIGINAL_RECIPIENT", "RECIPIENT"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .collect::<Vec<_>>()
        .join(" ");
    match read(message, &key, Some(&envelope)) {
        Reading::Report(report) => {
            let recorded = store.record_bounce(&report, Utc::now()).await.map_err(|e| unreachable(&e))?;
            println!("message {}: {} report, {recorded:?}", report.outbox_id, report.outcome.as_str());
        }
        Reading::AutoReply => println!("an automatic reply: not a failure; nothing recorded"),
        Reading::NotOurs => println!("not a report about a message of ours; nothing recorded"),
        Reading::Unreadable => println!("not an email message; nothing recorded"),
    }
    Ok(())
}

async fn serve(config: Config, store: Store, demo: bool) -> anyhow::Result<()> {
    if demo {
        let loaded = store.is_empty().await?;
        if loaded {
            store.import(&demo::data(Utc::now()), Utc::now()).await?;
            println!("Demo data loaded.");
        } else {
            println!("The database already holds data: demo data not loaded again.");
        }
        println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
        let key = crate::startup::signing_key(&store).await?;
        let secret = totp_rs::Secret::try_from_base32(demo::DEMO_TOTP_KEY)
            .map_err(|e| anyhow::anyhow!("the demo's one-time code key: {e:?}"))?;
        let mut with_codes = Vec::new();
        for (email, role) in demo::DEMO_USERS {
            let user = store.user_credentials(email).await?.map(|(user, _)| user);
            // Those PROVISIO_MFA covers sign in with a one-time code too (enrolled with the
            // printed key only when the demo data was loaded into an empty database now).
            let covered = user.as_ref().is_some_and(|u| config.mfa.covers(&u.actor()));
            if let (true, true, Some(user)) = (loaded, covered, &user) {
                let sealed = crate::web::factors::seal(&key, user.id, secret.as_ref());
                store.enrol_totp_directly(user.id, &sealed, Utc::now()).await?;
            }
            let mark = if covered { " *" } else { "" };
            if covered {
                with_codes.push(email);
            }
            println!("  {email:<26} {role}{mark}");
        }
        if !with_codes.is_empty() {
            println!(
                "* also a one-time code (PROVISIO_MFA): add the key {} to an authenticator app\n  \
                 (or run `oathtool --totp -b {}`) and enter its 6-digit code after the password.",
                demo::DEMO_TOTP_KEY,
                demo::DEMO_TOTP_KEY
            );
        }
    }
    let app = Application::build(config.clone(), store).await?;
    println!("Provisio listening on http://{}:{}", config.bind.ip(), app.port());
    app.run_until_signalled().await?;
    Ok(())
}
