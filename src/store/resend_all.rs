//! Resend for every line of an order ("för prenumerationslinje(er) på din beställning"):
//! the lines a page may resend, one email per recipient listing that recipient's lines,
//! one transaction per line, all or nothing and within the limits of every line and
//! recipient it covers.

use chrono::{DateTime, Utc};

use super::counted_for_recipient;
use super::outbox::{Emailed, OutboxTx};
use super::{EditScope, OrderLock, Stopped, Store, write_tx};
use crate::domain::SendLimit;
use crate::domain::wait_for_limit;
use crate::domain::{EditGrant, Refusal};

/// A request to send the provisioning email again for every line of an order that the
/// page may resend.
#[derive(Debug)]
pub struct ResendAll<'a> {
    pub grant: &'a EditGrant,
    pub actor_name: &'a str,
    pub scope: EditScope,
    pub at: DateTime<Utc>,
    pub limit: SendLimit,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResendAllOutcome {
    /// Queued: the lines (in the order's order) and the recipients, one email each.
    Queued { lines: Vec<String>, recipients: Vec<String> },
    /// No line of the order may be resent (refused), a line or recipient would go over
    /// its limit, or the order is not there.
    Stopped(Stopped),
}

/// What "send for every line" would cover, for the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResendAllSummary {
    pub lines: i64,
    pub recipients: i64,
    /// The first few recipients, in the order's order.
    pub sample: Vec<String>,
}

/// The lines of order `$1` that a page may resend: its statuses (`$2`, `$3`) and the first
/// email gone out. One text for every statement below.
macro_rules! resendable {
    ($alias:literal) => {
        concat!($alias, ".order_id = $1 AND ", $alias, ".status IN ($2, $3) AND ", $alias, ".email_sent_at IS NOT NULL")
    };
}

impl Store {
    pub async fn resend_all_summary(&self, order_id: &str, scope: EditScope) -> sqlx::Result<ResendAllSummary> {
        let (a, b) = scope.editable_statuses();
        super::read!(self, |pool, pg| {
            let (lines, recipients): (i64, i64) = sqlx::query_as(concat!(
                "SELECT COUNT(*), COUNT(DISTINCT lower(l.contact)) FROM lines l WHERE ",
                resendable!("l")
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .fetch_one(pool)
            .await?;
            let sample: Vec<String> = sqlx::query_scalar(concat!(
                "SELECT MIN(l.contact) FROM lines l WHERE ",
                resendable!("l"),
                " GROUP BY lower(l.contact) ORDER BY MIN(l.position) LIMIT 5"
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .fetch_all(pool)
            .await?;
            Ok(ResendAllSummary { lines, recipients, sample })
        })
    }

    pub async fn resend_all(&self, resend: ResendAll<'_>) -> sqlx::Result<ResendAllOutcome> {
        super::retrying(|| self.resend_all_once(&resend)).await
    }

    async fn resend_all_once(&self, resend: &ResendAll<'_>) -> sqlx::Result<ResendAllOutcome> {
        let (a, b) = resend.scope.editable_statuses();
        let order_id = resend.grant.order_id();
        write_tx!(self, |tx, pg| {
            // The order row is locked (PostgreSQL; SQLite: the write lock), as by an edit:
            // onboarding writes it, so nothing is sent after PONR, and no other change of
            // this order's emails runs meanwhile.
            let mapped = tx.lock_order(order_id).await?;
            let Some(org_mapped_at) = mapped else { return Ok(ResendAllOutcome::Stopped(Stopped::NotFound)) };
            if org_mapped_at.is_some() {
                return Ok(ResendAllOutcome::Stopped(Stopped::Refused(Refusal::Ponr)));
            }
            let first: Option<String> = sqlx::query_scalar(concat!(
                "SELECT l.contact FROM lines l WHERE ",
                resendable!("l"),
                " ORDER BY l.position, l.subscription_id LIMIT 1"
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(first) = first else {
                // Nothing to send: say why, for the lines this page could have sent.
                let not_yet: Option<chrono::NaiveDate> = sqlx::query_scalar(
                    "SELECT MIN(rsd) FROM lines WHERE order_id = $1 AND status IN ($2, $3) AND email_sent_at IS NULL",
                )
                .bind(order_id)
                .bind(a)
                .bind(b)
                .fetch_one(&mut *tx)
                .await?;
                let closed: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM lines WHERE order_id = $1 AND status = 'closed' AND status NOT IN ($2, $3)",
                )
                .bind(order_id)
                .bind(a)
                .bind(b)
                .fetch_one(&mut *tx)
                .await?;
                let refusal = match not_yet {
                    Some(rsd) => Refusal::NotYetSent { rsd },
                    None if closed > 0 => Refusal::ClosedOnOrderPage,
                    None => Refusal::Complete,
                };
                return Ok(ResendAllOutcome::Stopped(Stopped::Refused(refusal)));
            };

            // Every line it covers against its own limit (the order's emails first: while
            // they fit, so do each line's), then every recipient.
            let emailed = Emailed::Order { statuses: (a, b) };
            let line_wait = tx.limit_wait(order_id, first.as_str(), emailed, resend.limit, resend.at).await?;
            let since = resend.at - chrono::Duration::days(1);
            let by_recipient: Vec<(String, DateTime<Utc>)> = sqlx::query_as(concat!(
                "SELECT lower(recipient), created_at FROM outbox
                 WHERE lower(recipient) IN (SELECT lower(l.contact) FROM lines l WHERE ",
                resendable!("l"),
                ") AND ",
                counted_for_recipient!(),
                " AND created_at > $4 ORDER BY lower(recipient), created_at"
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            let mut wait = line_wait;
            for sent in by_recipient.chunk_by(|x, y| x.0 == y.0) {
                let times: Vec<DateTime<Utc>> = sent.iter().map(|(_, at)| *at).collect();
                wait = wait.max(wait_for_limit(&times, resend.limit, resend.at));
            }
            if let Some(wait) = wait {
                return Ok(ResendAllOutcome::Stopped(Stopped::Limited(wait)));
            }

            // One message per recipient (compared case-insensitively), then each line
            // points at its recipient's message: messages, message lines and transactions
            // in a fixed number of statements whatever the number of lines.
            let queued: Vec<(i64, String)> = sqlx::query_as(concat!(
                "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                 SELECT $1, MIN(l.contact), 'resend', 'queued', 0, $4, $4 FROM lines l WHERE ",
                resendable!("l"),
                " GROUP BY lower(l.contact) ORDER BY MIN(l.position) RETURNING id, recipient"
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .bind(resend.at)
            .fetch_all(&mut *tx)
            .await?;
            let (lo, hi) = queued.iter().fold((i64::MAX, i64::MIN), |(lo, hi), (id, _)| (lo.min(*id), hi.max(*id)));
            // The order is locked: its resend messages with ids in [lo, hi] are these.
            let lines: Vec<String> = sqlx::query_scalar(concat!(
                "UPDATE lines SET last_outbox_id = o.id FROM outbox o
                 WHERE o.order_id = $1 AND o.cause = 'resend' AND o.id BETWEEN $4 AND $5
                   AND lower(o.recipient) = lower(lines.contact) AND ",
                resendable!("lines"),
                " RETURNING lines.subscription_id"
            ))
            .bind(order_id)
            .bind(a)
            .bind(b)
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO outbox_lines (outbox_id, subscription_id)
                 SELECT last_outbox_id, subscription_id FROM lines
                 WHERE order_id = $1 AND last_outbox_id BETWEEN $2 AND $3",
            )
            .bind(order_id)
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                           actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                           distributor_id)
                 SELECT 'provisioning_email_resend', subscription_id, order_id, contact, contact, $4, $5,
                        'in_progress', NULL, $6, $6, last_outbox_id, partner_id, distributor_id
                 FROM lines WHERE order_id = $1 AND last_outbox_id BETWEEN $2 AND $3
                 ORDER BY position, subscription_id",
            )
            .bind(order_id)
            .bind(lo)
            .bind(hi)
            .bind(resend.grant.user_id())
            .bind(resend.actor_name)
            .bind(resend.at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let recipients = queued.into_iter().map(|(_, r)| r).collect();
            Ok(ResendAllOutcome::Queued { lines, recipients })
        })
    }
}
