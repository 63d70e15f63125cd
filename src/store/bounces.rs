//! Recording bounce and delay reports (docs/product.md rule 14): one write transaction per
//! report, a fixed number of statements whatever the number of lines.
//!
//! A message moves sent → delayed → sent or bounced, or sent → bounced; bounced is final.
//! Its transactions follow. A bounce of a provisioning email (not a copy, an invitation or
//! an alert) queues an alert to the order's creator and the people whose change sent it,
//! about the lines that still show that message, at most one per line and person per day.

use chrono::{DateTime, Duration, Utc};

use super::{OrderLock, Store, retrying, sql, write_tx};
use crate::domain::bounce::{BounceOutcome, BounceReport};

/// What recording a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BounceRecorded {
    /// The message's state moved (to `outcome`'s); `alerts` alert emails were queued.
    Changed { outcome: BounceOutcome, alerts: usize },
    /// This report was read before: nothing changed.
    Duplicate,
    /// Read and kept, but it changes nothing (a delay after the bounce, a delivery of a
    /// message that was never delayed, a report about a message not yet accepted).
    Unchanged,
    /// No such message (its token held, but the message is not in this database).
    UnknownMessage,
}

/// The causes whose bounce is a provisioning email that did not arrive: worth an alert.
const ALERTED_CAUSES: [&str; 4] = ["rsd", "edit", "resend", "reminder"];

impl Store {
    pub async fn record_bounce(&self, report: &BounceReport, now: DateTime<Utc>) -> sqlx::Result<BounceRecorded> {
        retrying(|| self.record_bounce_once(report, now)).await
    }

    async fn record_bounce_once(&self, report: &BounceReport, now: DateTime<Utc>) -> sqlx::Result<BounceRecorded> {
        let stored = report.reason.stored();
        // (new status, the statuses it moves from, the transactions' status and detail)
        let (to, from, tx_status, detail) = match report.outcome {
            BounceOutcome::Bounced => ("bounced", ("sent", "delayed"), "bounced", format!("bounced:{stored}")),
            BounceOutcome::Delayed => ("delayed", ("sent", "sent"), "delayed", format!("delayed:{stored}")),
            BounceOutcome::Delivered => ("sent", ("delayed", "delayed"), "success", String::new()),
        };
        write_tx!(self, |tx, pg| {
            let message: Option<(Option<String>, String)> =
                sqlx::query_as("SELECT order_id, cause FROM outbox WHERE id = $1")
                    .bind(report.outbox_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((order_id, cause)) = message else {
                tx.commit().await?;
                return Ok(BounceRecorded::UnknownMessage);
            };
            // Edits and this take the order first: two reports about one order queue, so
            // the alert limit holds, and neither deadlocks with an edit.
            if let Some(order_id) = &order_id {
                tx.lock_order(order_id).await?;
            }
            let first: Option<i64> = sqlx::query_scalar(
                "INSERT INTO bounces (fingerprint, outbox_id, outcome, recipient, status_code, diagnostic, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
            )
            .bind(&report.fingerprint)
            .bind(report.outbox_id)
            .bind(report.outcome.as_str())
            .bind(&report.recipient)
            .bind(&report.reason.code)
            .bind(&report.reason.diagnostic)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if first.is_none() {
                tx.commit().await?;
                return Ok(BounceRecorded::Duplicate);
            }
            let moved = sqlx::query(
                "UPDATE outbox SET status = $2, last_error = CASE WHEN $2 = 'sent' THEN last_error ELSE $3 END
                 WHERE id = $1 AND status IN ($4, $5)",
            )
            .bind(report.outbox_id)
            .bind(to)
            .bind(&stored)
            .bind(from.0)
            .bind(from.1)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                tx.commit().await?;
                return Ok(BounceRecorded::Unchanged);
            }
            sqlx::query(
                "UPDATE transactions SET status = $2, updated_at = $3,
                        detail = CASE WHEN $2 = 'success'
                                      THEN 'accepted:' || COALESCE((SELECT server_reply FROM outbox WHERE id = $1), '')
                                      ELSE $4 END
                 WHERE outbox_id = $1 AND status IN ('success', 'delayed')",
            )
            .bind(report.outbox_id)
            .bind(tx_status)
            .bind(now)
            .bind(&detail)
            .execute(&mut *tx)
            .await?;
            let mut alerts = 0;
            if let (BounceOutcome::Bounced, Some(order_id)) = (report.outcome, &order_id)
                && ALERTED_CAUSES.contains(&cause.as_str())
            {
                // The lines that still show this message (an edit since has moved on).
                let lines: Vec<String> = sqlx::query_scalar(
                    "SELECT l.subscription_id FROM outbox_lines ol JOIN lines l ON l.subscription_id = ol.subscription_id
                     WHERE ol.outbox_id = $1 AND l.last_outbox_id = $1 ORDER BY l.position, l.subscription_id",
                )
                .bind(report.outbox_id)
                .fetch_all(&mut *tx)
                .await?;
                // The order's creator and whoever triggered the message (none for the RSD email).
                let people: Vec<String> = sqlx::query_scalar(
                    "SELECT u.email FROM users u
                     WHERE u.active AND (u.id = (SELECT created_by FROM orders WHERE id = $1)
                                         OR u.id IN (SELECT actor_user_id FROM transactions WHERE outbox_id = $2))
                     ORDER BY u.id",
                )
                .bind(order_id)
                .bind(report.outbox_id)
                .fetch_all(&mut *tx)
                .await?;
                let alerted: Vec<(String, String)> = sqlx::query_as(
                    "SELECT lower(a.recipient), al.subscription_id FROM outbox a
                     JOIN outbox_lines al ON al.outbox_id = a.id
                     WHERE a.order_id = $1 AND a.cause = 'bounce_alert' AND a.created_at > $2",
                )
                .bind(order_id)
                .bind(now - Duration::days(1))
                .fetch_all(&mut *tx)
                .await?;
                // At most two people: a statement or two each, never one per line.
                for person in &people {
                    let due: Vec<&String> = lines
                        .iter()
                        .filter(|line| !alerted.iter().any(|(r, s)| *r == person.to_lowercase() && s == *line))
                        .collect();
                    if due.is_empty() {
                        continue;
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at,
                                             about_outbox_id)
                         VALUES ($1, $2, 'bounce_alert', 'queued', 0, $3, $3, $4) RETURNING id",
                    )
                    .bind(order_id)
                    .bind(person)
                    .bind(now)
                    .bind(report.outbox_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(sql(
                        pg,
                        "INSERT INTO outbox_lines (outbox_id, subscription_id)
                         SELECT $1, jsonb_array_elements_text($2::jsonb)",
                        "INSERT INTO outbox_lines (outbox_id, subscription_id) SELECT $1, value FROM json_each($2)",
                    ))
                    .bind(id)
                    .bind(serde_json::to_string(&due).unwrap_or_default())
                    .execute(&mut *tx)
                    .await?;
                    alerts += 1;
                }
            }
            tx.commit().await?;
            Ok(BounceRecorded::Changed { outcome: report.outcome, alerts })
        })
    }
}
