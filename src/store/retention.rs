//! What the scheduler deletes because it has been kept long enough: bulk-fix previews and
//! outcomes (PROVISIO_BULK_KEEP) and the screenshots of support cases resolved long ago.
//!
//! Each purge works in batches, each its own write transaction of a fixed number of
//! statements: the batches (or cases) due are picked from a partial index that holds only
//! what is still to purge, and locked (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so that an
//! apply or a discard of the same batch waits for this one, and two schedulers share the
//! work; SQLite has its one writer). A batch of previews holds at most [`ROWS_PER_BATCH`]
//! rows, so that SQLite's writer is never held for long.
//!
//! The picked ids go to the statements as a JSON array. PostgreSQL reads it as an array
//! (`= ANY (ARRAY(…))`), which it looks up in the index; as `IN (SELECT … FROM
//! jsonb_array_elements_text(…))` it planned a hash join over every row of `bulk_rows`
//! (EXPLAIN, 300,000 rows).

use chrono::{DateTime, Duration, Utc};

use super::{Store, sql, write_tx};
use crate::stop::Stop;

/// The most bulk rows one purge transaction deletes (unless a single batch has more).
const ROWS_PER_BATCH: i64 = 20_000;
/// The most batches (or cases) one purge transaction looks at.
const PICK: i64 = 50;
/// Cases whose screenshots one transaction deletes (three of 5 MB each at most).
const CASES_PER_BATCH: i64 = 20;

/// What a bulk purge deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BulkPurge {
    /// Unapplied previews deleted with their rows.
    pub previews: u64,
    /// Applied batches whose rows were deleted.
    pub outcomes: u64,
    /// Rows deleted, of both.
    pub rows: u64,
}

#[derive(Clone, Copy)]
enum Kind {
    /// Unapplied, uploaded before the cutoff: deleted whole.
    Preview,
    /// Applied before the cutoff, rows still kept: the rows go; the batch too unless a
    /// transaction names it (then it is marked purged).
    Outcome,
}

/// The ids of `picked` (id, rows) that fit in one transaction: at least one.
fn within_budget(picked: &[(i64, i64)]) -> Vec<i64> {
    let mut rows = 0;
    let mut ids = Vec::new();
    for (id, n) in picked {
        if !ids.is_empty() && rows + n > ROWS_PER_BATCH {
            break;
        }
        rows += n;
        ids.push(*id);
    }
    ids
}

impl Store {
    /// Deletes unapplied previews uploaded more than `keep` before `now` with their rows,
    /// and the rows of batches applied more than `keep` before `now`.
    pub async fn purge_bulk(&self, keep: Duration, now: DateTime<Utc>) -> sqlx::Result<BulkPurge> {
        self.purge_bulk_until(keep, now, &Stop::never()).await
    }

    /// [`Store::purge_bulk`], ending between two batches once `stop` is raised.
    pub async fn purge_bulk_until(&self, keep: Duration, now: DateTime<Utc>, stop: &Stop) -> sqlx::Result<BulkPurge> {
        let cutoff = now - keep;
        let mut purged = BulkPurge::default();
        for kind in [Kind::Preview, Kind::Outcome] {
            loop {
                let (batches, rows, more) = self.purge_bulk_batch(kind, cutoff, now).await?;
                match kind {
                    Kind::Preview => purged.previews += batches,
                    Kind::Outcome => purged.outcomes += batches,
                }
                purged.rows += rows;
                if !more || stop.is_raised() {
                    break;
                }
            }
        }
        Ok(purged)
    }

    /// One transaction of a bulk purge: (batches, rows, whether more may be due).
    async fn purge_bulk_batch(
        &self,
        kind: Kind,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<(u64, u64, bool)> {
        write_tx!(self, |tx, pg| {
            let pick = match kind {
                Kind::Preview => sql(
                    pg,
                    "SELECT id, CAST(row_count AS BIGINT) FROM bulk_batches
                     WHERE applied_at IS NULL AND created_at <= $1
                     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                    "SELECT id, CAST(row_count AS BIGINT) FROM bulk_batches
                     WHERE applied_at IS NULL AND created_at <= $1
                     ORDER BY created_at LIMIT $2",
                ),
                Kind::Outcome => sql(
                    pg,
                    "SELECT id, CAST(row_count AS BIGINT) FROM bulk_batches
                     WHERE applied_at IS NOT NULL AND purged_at IS NULL AND applied_at <= $1
                     ORDER BY applied_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                    "SELECT id, CAST(row_count AS BIGINT) FROM bulk_batches
                     WHERE applied_at IS NOT NULL AND purged_at IS NULL AND applied_at <= $1
                     ORDER BY applied_at LIMIT $2",
                ),
            };
            let picked: Vec<(i64, i64)> = sqlx::query_as(pick).bind(cutoff).bind(PICK).fetch_all(&mut *tx).await?;
            if picked.is_empty() {
                return Ok((0, 0, false));
            }
            let ids = within_budget(&picked);
            let more = ids.len() < picked.len() || picked.len() as i64 == PICK;
            let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
            let rows = sqlx::query(sql(
                pg,
                "DELETE FROM bulk_rows WHERE batch_id = ANY (ARRAY(SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT)))",
                "DELETE FROM bulk_rows WHERE batch_id IN (SELECT value FROM json_each($1))",
            ))
            .bind(&ids_json)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // A batch that transactions name stays (their detail links to it), marked purged.
            let keep_named = matches!(kind, Kind::Outcome);
            sqlx::query(sql(
                pg,
                "DELETE FROM bulk_batches
                 WHERE id = ANY (ARRAY(SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT)))
                   AND NOT ($2 AND EXISTS (SELECT 1 FROM transactions t WHERE t.bulk_batch_id = bulk_batches.id))",
                "DELETE FROM bulk_batches
                 WHERE id IN (SELECT value FROM json_each($1))
                   AND NOT ($2 AND EXISTS (SELECT 1 FROM transactions t WHERE t.bulk_batch_id = bulk_batches.id))",
            ))
            .bind(&ids_json)
            .bind(keep_named)
            .execute(&mut *tx)
            .await?;
            if keep_named {
                sqlx::query(sql(
                    pg,
                    "UPDATE bulk_batches SET purged_at = $2
                     WHERE id = ANY (ARRAY(SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT)))",
                    "UPDATE bulk_batches SET purged_at = $2 WHERE id IN (SELECT value FROM json_each($1))",
                ))
                .bind(&ids_json)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok((ids.len() as u64, rows, more))
        })
    }

    /// Deletes the screenshots of cases resolved at or before `resolved_before` (and still
    /// resolved); returns how many screenshots. Each such case is marked, so the next run
    /// does not look at it again.
    pub async fn purge_case_attachments(
        &self,
        resolved_before: DateTime<Utc>,
        now: DateTime<Utc>,
        stop: &Stop,
    ) -> sqlx::Result<u64> {
        let mut deleted = 0;
        loop {
            let (cases, attachments) = write_tx!(self, |tx, pg| {
                let ids: Vec<i64> = sqlx::query_scalar(sql(
                    pg,
                    "SELECT id FROM cases
                     WHERE status = 'resolved' AND attachments_purged_at IS NULL AND resolved_at <= $1
                     ORDER BY resolved_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                    "SELECT id FROM cases
                     WHERE status = 'resolved' AND attachments_purged_at IS NULL AND resolved_at <= $1
                     ORDER BY resolved_at LIMIT $2",
                ))
                .bind(resolved_before)
                .bind(CASES_PER_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                if ids.is_empty() {
                    return Ok(deleted);
                }
                let ids_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
                let n = sqlx::query(sql(
                    pg,
                    "DELETE FROM case_attachments
                     WHERE case_id = ANY (ARRAY(SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT)))",
                    "DELETE FROM case_attachments WHERE case_id IN (SELECT value FROM json_each($1))",
                ))
                .bind(&ids_json)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query(sql(
                    pg,
                    "UPDATE cases SET attachments_purged_at = $2
                     WHERE id = ANY (ARRAY(SELECT CAST(jsonb_array_elements_text($1::jsonb) AS BIGINT)))",
                    "UPDATE cases SET attachments_purged_at = $2 WHERE id IN (SELECT value FROM json_each($1))",
                ))
                .bind(&ids_json)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                (ids.len() as i64, n)
            });
            deleted += attachments;
            if cases < CASES_PER_BATCH || stop.is_raised() {
                return Ok(deleted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purge_transaction_holds_a_bounded_number_of_rows_but_at_least_one_batch() {
        assert_eq!(within_budget(&[(1, 10_000), (2, 10_000), (3, 1)]), [1, 2]);
        assert_eq!(within_budget(&[(1, 30_000), (2, 1)]), [1]);
        assert_eq!(within_budget(&[(1, 5), (2, 5)]), [1, 2]);
        assert!(within_budget(&[]).is_empty());
    }
}
