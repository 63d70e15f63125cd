//! Transactions: one and its order, a failed one's email queued again, a line's history.
//! The Transaction Manager's pages are in `lists.rs`.

use chrono::{DateTime, Utc};

use super::{Store, TransactionRecord, read, write_tx};
use crate::domain::{OperatorGrant, TransactionKind, TransactionStatus};

/// The filters of the Transaction Manager.
#[derive(Debug, Default, Clone)]
pub struct TransactionFilter {
    pub kind: Option<TransactionKind>,
    pub status: Option<TransactionStatus>,
    pub q: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: the last transaction id of the previous page.
    pub before_id: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum RetryOutcome {
    Queued,
    /// Only a failed delivery can be retried.
    NotFailed,
    NotFound,
}

impl Store {
    /// One transaction and its order (none for a permission change), for permission checks.
    pub async fn transaction(&self, id: i64) -> sqlx::Result<Option<(TransactionRecord, Option<String>)>> {
        read!(self, |pool, pg| {
            let tx: Option<TransactionRecord> = sqlx::query_as(
                "SELECT id, kind, subscription_id, order_id, old_value, new_value, actor, status, detail,
                        created_at, updated_at, subject
                 FROM transactions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            Ok(tx.map(|t| {
                let order = t.order_id.clone();
                (t, order)
            }))
        })
    }

    /// Delivers a failed transaction's email again (operators): its message goes back to
    /// the queue with fresh attempts, and the transaction records who asked, and when.
    pub async fn retry_transaction(
        &self,
        _grant: &OperatorGrant,
        id: i64,
        actor_name: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<RetryOutcome> {
        write_tx!(self, |tx, pg| {
            let row: Option<(String, Option<i64>)> =
                sqlx::query_as("SELECT status, outbox_id FROM transactions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((status, outbox_id)) = row else { return Ok(RetryOutcome::NotFound) };
            let Some(outbox_id) = outbox_id.filter(|_| status == "failed") else {
                return Ok(RetryOutcome::NotFailed);
            };
            sqlx::query(
                "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $2, lease_until = NULL,
                        lease_token = NULL
                 WHERE id = $1 AND status = 'failed'",
            )
            .bind(outbox_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            // Every transaction the message carries goes back to in progress.
            sqlx::query(
                "UPDATE transactions SET status = 'in_progress', updated_at = $2, detail = $3 WHERE outbox_id = $1",
            )
            .bind(outbox_id)
            .bind(at)
            .bind(format!("retry:{actor_name}"))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(RetryOutcome::Queued)
        })
    }

    /// Every transaction of one line, newest first.
    pub async fn line_transactions(&self, subscription_id: &str) -> sqlx::Result<Vec<TransactionRecord>> {
        self.line_history(subscription_id, None, i64::MAX).await
    }

    /// A line's transactions, newest first, at most `limit` of them older than `before`
    /// (keyset: the history of a busy line is read a page at a time).
    pub async fn line_history(
        &self,
        subscription_id: &str,
        before: Option<i64>,
        limit: i64,
    ) -> sqlx::Result<Vec<TransactionRecord>> {
        // Subscription ids are unique case-insensitively, so the case-insensitive index
        // (which the Transaction Manager's search needs anyway) finds exactly this line's.
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, kind, subscription_id, order_id, old_value, new_value, actor, status, detail,
                        created_at, updated_at, subject, bulk_batch_id, outbox_id
                 FROM transactions WHERE lower(subscription_id) = lower($1) AND subscription_id = $1
                   AND id < $2
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(subscription_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await
        })
    }
}
