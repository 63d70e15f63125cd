//! Scheduled work: the first provisioning email on the requested start date, reminders
//! before a line closes, closing the lines whose policy period ran out, and deleting what
//! has been kept long enough (sessions, bulk-fix files, old screenshots).

use std::time::Duration;

use chrono::Utc;

use crate::config::LoginConfig;
use crate::stop::Stop;
use crate::store::{BulkPurge, Store};

/// The screenshots of a support case are kept this long after it was resolved.
pub const RESOLVED_CASE_SCREENSHOTS_KEEP_DAYS: i64 = 90;

/// Queues the RSD emails that are due now; returns how many messages were queued. Ends
/// between two batches once `stop` is raised.
pub async fn send_due_rsd_emails(store: &Store, stop: &Stop) -> anyhow::Result<usize> {
    Ok(store.enqueue_due_rsd_emails_until(Utc::now(), stop).await?)
}

/// Queues the reminders before lines close that are due now (PROVISIO_REMINDERS); returns
/// how many messages were queued. Ends between two batches once `stop` is raised.
pub async fn send_due_reminders(store: &Store, offsets: &[chrono::Duration], stop: &Stop) -> anyhow::Result<usize> {
    Ok(store.enqueue_due_reminders_until(Utc::now(), offsets, stop).await?)
}

/// Closes the lines whose policy period after the first email ran out; returns how many.
/// Ends between two batches once `stop` is raised.
pub async fn close_due_lines(store: &Store, stop: &Stop) -> anyhow::Result<u64> {
    Ok(store.close_due_lines_until(Utc::now(), stop).await?)
}

/// Removes expired sessions, sign-in failures whose window is over, and old idempotency keys.
pub async fn purge_expired(store: &Store, login: &LoginConfig) -> anyhow::Result<u64> {
    let window = login.per_account.per.max(login.per_address.per);
    Ok(store.purge_expired(window, Utc::now()).await?)
}

/// Deletes the bulk-fix previews not applied within `keep` (PROVISIO_BULK_KEEP) of their
/// upload, with their rows, and the rows (the outcome) of batches applied more than `keep`
/// ago. Ends between two batches once `stop` is raised.
pub async fn purge_bulk(store: &Store, keep: chrono::Duration, stop: &Stop) -> anyhow::Result<BulkPurge> {
    Ok(store.purge_bulk_until(keep, Utc::now(), stop).await?)
}

/// Deletes the screenshots of support cases resolved more than
/// [`RESOLVED_CASE_SCREENSHOTS_KEEP_DAYS`] ago; returns how many. Ends between two batches
/// once `stop` is raised.
pub async fn purge_case_attachments(store: &Store, stop: &Stop) -> anyhow::Result<u64> {
    let now = Utc::now();
    let before = now - chrono::Duration::days(RESOLVED_CASE_SCREENSHOTS_KEEP_DAYS);
    Ok(store.purge_case_attachments(before, now, stop).await?)
}

/// Runs in the background of `provisio serve`, every `every`, until `stop` is raised
/// (then it ends between two batches).
pub fn spawn_scheduler(
    store: Store,
    every: Duration,
    login: LoginConfig,
    reminders: Vec<chrono::Duration>,
    bulk_keep: chrono::Duration,
    stop: Stop,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.is_raised() {
            if let Err(e) = purge_expired(&store, &login).await {
                tracing::error!(error = %e, "purging expired sessions failed; trying again");
            }
            match purge_bulk(&store, bulk_keep, &stop).await {
                Ok(p) if p == BulkPurge::default() => {}
                Ok(p) => tracing::info!(
                    previews = p.previews,
                    outcomes = p.outcomes,
                    rows = p.rows,
                    "deleted bulk-fix previews and outcomes kept long enough"
                ),
                Err(e) => tracing::error!(error = %e, "purging bulk fixes failed; trying again"),
            }
            match purge_case_attachments(&store, &stop).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(screenshots = n, "deleted screenshots of cases resolved long ago"),
                Err(e) => tracing::error!(error = %e, "purging case screenshots failed; trying again"),
            }
            if stop.is_raised() {
                break;
            }
            match send_due_rsd_emails(&store, &stop).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "queued requested-start-date emails"),
                Err(e) => tracing::error!(error = %e, "the RSD scheduler failed; trying again"),
            }
            // Before closing: a reminder due in the same run as the closing time never is.
            if stop.is_raised() {
                break;
            }
            match send_due_reminders(&store, &reminders, &stop).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "queued reminders before lines close"),
                Err(e) => tracing::error!(error = %e, "the reminder scheduler failed; trying again"),
            }
            if stop.is_raised() {
                break;
            }
            match close_due_lines(&store, &stop).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(lines = n, "closed lines whose policy period ran out"),
                Err(e) => tracing::error!(error = %e, "closing failed; trying again"),
            }
            stop.sleep(every).await;
        }
    })
}
