//! Scheduled work: the first provisioning email on the requested start date, reminders
//! before a line closes, and closing the lines whose policy period ran out.

use std::time::Duration;

use chrono::Utc;

use crate::config::LoginConfig;
use crate::store::Store;

/// Queues the RSD emails that are due now; returns how many messages were queued.
pub async fn send_due_rsd_emails(store: &Store) -> anyhow::Result<usize> {
    Ok(store.enqueue_due_rsd_emails(Utc::now()).await?)
}

/// Queues the reminders before lines close that are due now (PROVISIO_REMINDERS); returns
/// how many messages were queued.
pub async fn send_due_reminders(store: &Store, offsets: &[chrono::Duration]) -> anyhow::Result<usize> {
    Ok(store.enqueue_due_reminders(Utc::now(), offsets).await?)
}

/// Closes the lines whose policy period after the first email ran out; returns how many.
pub async fn close_due_lines(store: &Store) -> anyhow::Result<u64> {
    Ok(store.close_due_lines(Utc::now()).await?)
}

/// Removes expired sessions, sign-in failures whose window is over, and old idempotency keys.
pub async fn purge_expired(store: &Store, login: &LoginConfig) -> anyhow::Result<u64> {
    let window = login.per_account.per.max(login.per_address.per);
    Ok(store.purge_expired(window, Utc::now()).await?)
}

/// Runs in the background of `provisio serve`, every `every`.
pub fn spawn_scheduler(
    store: Store,
    every: Duration,
    login: LoginConfig,
    reminders: Vec<chrono::Duration>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = purge_expired(&store, &login).await {
                tracing::error!(error = %e, "purging expired sessions failed; trying again");
            }
            match send_due_rsd_emails(&store).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "queued requested-start-date emails"),
                Err(e) => tracing::error!(error = %e, "the RSD scheduler failed; trying again"),
            }
            // Before closing: a reminder due in the same run as the closing time never is.
            match send_due_reminders(&store, &reminders).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "queued reminders before lines close"),
                Err(e) => tracing::error!(error = %e, "the reminder scheduler failed; trying again"),
            }
            match close_due_lines(&store).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(lines = n, "closed lines whose policy period ran out"),
                Err(e) => tracing::error!(error = %e, "closing failed; trying again"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
