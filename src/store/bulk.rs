//! Bulk fix batches: the rows of an uploaded file go into `bulk_rows` in one statement;
//! the preview classifies them all with one join against the lines and orders and the
//! rules of one edit ([`check_row`], then the email limits through [`LimitBook`]); apply
//! runs one database transaction per group of orders, each a fixed number of set-based
//! statements, re-checking its rows under the orders' locks so that nothing changes after
//! PONR.
//!
//! About 600 lines: upload, preview, apply and outcome share the row facts and the limit
//! book, and splitting them would pass those between files.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::{OrderLock, Store, User, read, retrying, sql, tx_steps, write_tx};
use super::{counted_for_line, counted_for_recipient};
use crate::domain::LimitBook;
use crate::domain::SendLimit;
use crate::domain::bulk::{BulkResult, LineFacts, PreparedRow, check_row};
use crate::domain::{Actor, EditScope, LineStatus, OrderParties};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BulkBatch {
    pub id: i64,
    pub user_id: i64,
    pub filename: String,
    pub row_count: i64,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
    /// When the rows of this applied batch were deleted (PROVISIO_BULK_KEEP after apply):
    /// the batch is kept only because transactions name it.
    pub purged_at: Option<DateTime<Utc>>,
    /// Who uploaded it, where a list of several users' uploads names them.
    #[sqlx(default)]
    pub uploader: Option<String>,
}

/// The columns of a [`BulkBatch`].
macro_rules! batch_columns {
    () => {
        "id, user_id, filename, CAST(row_count AS BIGINT) AS row_count, created_at, applied_at, purged_at"
    };
}

/// What became of an upload.
#[derive(Debug)]
pub enum BulkCreated {
    Created(i64),
    /// The user already holds the most unapplied previews: nothing was stored. The oldest
    /// of them, to name and offer to discard.
    OverQuota(BulkBatch),
}

#[derive(Debug, PartialEq, Eq)]
pub enum BulkDiscardOutcome {
    Discarded,
    /// Applied batches keep their outcome (until the purge).
    Applied,
    NotFound,
}

/// One row of a batch as the preview or the outcome shows it. The order and the current
/// contact are there only when the viewer may see the line.
#[derive(Debug, Clone)]
pub struct BulkRowOutcome {
    pub row: i64,
    pub subscription_id: String,
    pub typed_email: String,
    pub result: BulkResult,
    /// Why the address was refused (a catalog key), for `invalid` rows.
    pub email_error: Option<String>,
    pub order_id: Option<String>,
    pub contact: Option<String>,
    /// A `done` row: the contact the line had before the batch changed it (its update
    /// transaction's old value), so the outcome keeps showing old → new.
    pub old_contact: Option<String>,
    /// The change sends the provisioning email at once (its first one already went out).
    pub emails: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum BulkApplyOutcome {
    Applied,
    /// Applied before: nothing changed now.
    AlreadyApplied,
    /// Discarded or purged meanwhile.
    NotFound,
}

/// A row of a batch with what the database says of its line now.
#[derive(Debug, Clone, sqlx::FromRow)]
struct RowFacts {
    row_no: i64,
    subscription_id: String,
    typed_email: String,
    email: Option<String>,
    email_error: Option<String>,
    duplicate: bool,
    result: Option<String>,
    order_id: Option<String>,
    status: Option<LineStatus>,
    contact: Option<String>,
    email_sent_at: Option<DateTime<Utc>>,
    partner_id: Option<String>,
    distributor_id: Option<String>,
    created_by: Option<i64>,
    org_mapped_at: Option<DateTime<Utc>>,
    /// After apply, a `done` row's contact before the change (read by `applied_facts_sql!`).
    #[sqlx(default)]
    old_contact: Option<String>,
}

impl RowFacts {
    fn parties(&self) -> Option<OrderParties> {
        Some(OrderParties {
            order_id: self.order_id.clone()?,
            partner_id: self.partner_id.clone()?,
            distributor_id: self.distributor_id.clone(),
            created_by: self.created_by?,
        })
    }

    /// The rules of one edit, without the limits.
    fn check(&self, actor: &Actor) -> BulkResult {
        // A row whose subscription is not there has no parties and no status: no facts.
        let parties = self.parties().zip(self.status);
        let facts = parties.as_ref().map(|(parties, status)| LineFacts {
            parties,
            org_mapped_at: self.org_mapped_at,
            status: *status,
            contact: self.contact.as_deref().unwrap_or(""),
        });
        check_row(actor, self.email.as_deref(), self.duplicate, facts.as_ref())
    }

    /// A `change` row whose line gets the email at once.
    fn emails(&self, result: BulkResult) -> bool {
        result.changes() && self.email_sent_at.is_some()
    }

    fn outcome(&self, result: BulkResult) -> BulkRowOutcome {
        let visible = result != BulkResult::NotFound;
        BulkRowOutcome {
            row: self.row_no,
            subscription_id: self.subscription_id.clone(),
            typed_email: self.typed_email.clone(),
            result,
            email_error: self.email_error.clone().filter(|_| result == BulkResult::Invalid),
            order_id: self.order_id.clone().filter(|_| visible),
            contact: self.contact.clone().filter(|_| visible),
            old_contact: self.old_contact.clone().filter(|_| result == BulkResult::Done),
            emails: self.emails(result),
        }
    }
}

/// Every row of a batch (or, with `$2`, of one order) joined to its line and order.
macro_rules! facts_sql {
    ($filter:literal) => {
        concat!(
            "SELECT r.row_no, r.subscription_id, r.typed_email, r.email, r.email_error, r.duplicate, r.result,
                    l.order_id, l.status, l.contact, l.email_sent_at, o.partner_id, o.distributor_id, o.created_by,
                    o.org_mapped_at
             FROM bulk_rows r
             LEFT JOIN lines l ON l.subscription_id = r.subscription_id
             LEFT JOIN orders o ON o.id = l.order_id
             WHERE r.batch_id = $1",
            $filter,
            " ORDER BY r.row_no"
        )
    };
}

/// Every row of an applied batch, as `facts_sql!`, with each `done` row's contact before
/// the change: the old value of the update transaction that names the batch and the row's
/// line (one per done row), looked up row by row through `transactions_bulk_batch` (batch,
/// line). A join let PostgreSQL, its statistics not yet aware of a batch just written,
/// plan a nested loop over every pair of rows and transactions: 10,000 × 10,000 in 8 s.
macro_rules! applied_facts_sql {
    () => {
        "SELECT r.row_no, r.subscription_id, r.typed_email, r.email, r.email_error, r.duplicate, r.result,
                l.order_id, l.status, l.contact, l.email_sent_at, o.partner_id, o.distributor_id, o.created_by,
                o.org_mapped_at,
                CASE WHEN r.result = 'done' THEN
                  (SELECT t.old_value FROM transactions t
                   WHERE t.bulk_batch_id = r.batch_id AND t.subscription_id = r.subscription_id
                     AND t.kind = 'provisioning_email_update' LIMIT 1)
                END AS old_contact
         FROM bulk_rows r
         LEFT JOIN lines l ON l.subscription_id = r.subscription_id
         LEFT JOIN orders o ON o.id = l.order_id
         WHERE r.batch_id = $1
         ORDER BY r.row_no"
    };
}

/// A statement about the rows `r` of a group of orders, in the dialect of `$pg`: `$head`
/// and `$tail` around the condition that a row's order is one of the JSON array `$2`. On
/// PostgreSQL the ids are made an array first, so that the rows are found through the
/// orders' index: with `IN (SELECT …)` the planner went through every done row of the
/// batch, and each group took longer than the one before.
macro_rules! of_group {
    ($pg:expr, $head:literal, $tail:literal) => {
        sql(
            $pg,
            concat!($head, "r.order_id = ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))", $tail),
            concat!($head, "r.order_id IN (SELECT value FROM json_each($2))", $tail),
        )
    };
}

tx_steps! {
    /// The steps of a bulk fix that read or write many rows at once, on either database:
    /// written once and instantiated for each connection type (`Self::PG` picks the dialect
    /// of the JSON functions).
    trait BulkTx {
        /// The send history the limits need for `rows` whose results are before the limits:
        /// (recipient, time) and (subscription id, time) of the last day, in two statements;
        /// None when no row would send an email.
        async fn limit_book(
            &mut self,
            rows: &[RowFacts],
            results: &[BulkResult],
            now: DateTime<Utc>,
        ) -> sqlx::Result<Option<LimitBook>> {
            let mut recipients: Vec<String> = Vec::new();
            let mut orders: Vec<String> = Vec::new();
            let mut lines: Vec<String> = Vec::new();
            for (r, result) in rows.iter().zip(results) {
                if r.emails(*result) {
                    recipients.push(r.email.clone().unwrap_or_default().to_lowercase());
                    orders.push(r.order_id.clone().unwrap_or_default());
                    lines.push(r.subscription_id.clone());
                }
            }
            if lines.is_empty() {
                return Ok(None);
            }
            recipients.sort();
            recipients.dedup();
            orders.sort();
            orders.dedup();
            let since = now - Duration::days(1);
            let by_recipient: Vec<(String, DateTime<Utc>)> = sqlx::query_as(sql(
                Self::PG,
                concat!(
                    "SELECT lower(recipient), created_at FROM outbox
                     WHERE lower(recipient) IN (SELECT jsonb_array_elements_text($1::jsonb)) AND ",
                    counted_for_recipient!(),
                    " AND created_at > $2"
                ),
                concat!(
                    "SELECT lower(recipient), created_at FROM outbox
                     WHERE lower(recipient) IN (SELECT value FROM json_each($1)) AND ",
                    counted_for_recipient!(),
                    " AND created_at > $2"
                ),
            ))
            .bind(json(&recipients))
            .bind(since)
            .fetch_all(&mut *self)
            .await?;
            // Every email of a line is one of its order's: the order's recent emails are
            // found by their index, then their lines by the message's key.
            let by_line: Vec<(String, DateTime<Utc>)> = sqlx::query_as(sql(
                Self::PG,
                concat!(
                    "SELECT ol.subscription_id, o.created_at FROM outbox o JOIN outbox_lines ol ON ol.outbox_id = o.id
                     WHERE o.order_id IN (SELECT jsonb_array_elements_text($1::jsonb)) AND ",
                    counted_for_line!("o"),
                    " AND o.created_at > $2 AND ol.subscription_id IN (SELECT jsonb_array_elements_text($3::jsonb))"
                ),
                concat!(
                    "SELECT ol.subscription_id, o.created_at FROM outbox o JOIN outbox_lines ol ON ol.outbox_id = o.id
                     WHERE o.order_id IN (SELECT value FROM json_each($1)) AND ",
                    counted_for_line!("o"),
                    " AND o.created_at > $2 AND ol.subscription_id IN (SELECT value FROM json_each($3))"
                ),
            ))
            .bind(json(&orders))
            .bind(since)
            .bind(json(&lines))
            .fetch_all(&mut *self)
            .await?;
            Ok(Some(LimitBook::new(by_recipient, by_line)))
        }

        /// Writes each row's result (and its message) into the batch: `payload` is a JSON
        /// array of `{"n": row, "r": result, "o": outbox id}`, each row found by its key;
        /// with `only_unset`, only rows that have none yet.
        async fn store_results(&mut self, batch_id: i64, payload: &str, only_unset: bool) -> sqlx::Result<()> {
            sqlx::query(sql(
                Self::PG,
                "UPDATE bulk_rows SET result = j.r, outbox_id = j.o
                 FROM jsonb_to_recordset($2::jsonb) AS j(n bigint, r text, o bigint)
                 WHERE bulk_rows.batch_id = $1 AND bulk_rows.row_no = j.n AND (NOT $3 OR bulk_rows.result IS NULL)",
                // Materialized, so that SQLite looks each row up by its key instead of reading
                // the whole payload again for every row of the batch.
                "WITH j AS MATERIALIZED (
                     SELECT json_extract(value, '$.n') AS n, json_extract(value, '$.r') AS r,
                            json_extract(value, '$.o') AS o
                     FROM json_each($2)
                 )
                 UPDATE bulk_rows SET result = j.r, outbox_id = j.o FROM j
                 WHERE bulk_rows.batch_id = $1 AND bulk_rows.row_no = j.n AND (NOT $3 OR bulk_rows.result IS NULL)",
            ))
            .bind(batch_id)
            .bind(payload)
            .bind(only_unset)
            .execute(&mut *self)
            .await?;
            Ok(())
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// The rules of one edit for every row, then the email limits: one email per recipient
/// per order, in the order of the file; a row whose email does not fit is `limit`.
fn classify(
    actor: &Actor,
    rows: &[RowFacts],
    book: Option<LimitBook>,
    limit: SendLimit,
    now: DateTime<Utc>,
) -> Vec<BulkResult> {
    let mut results: Vec<BulkResult> = rows.iter().map(|r| r.check(actor)).collect();
    let Some(mut book) = book else { return results };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.emails(results[i]) {
            let key = (r.order_id.clone().unwrap_or_default(), r.email.clone().unwrap_or_default().to_lowercase());
            let g = *group_of.entry(key).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i);
        }
    }
    for group in groups {
        let recipient = rows[group[0]].email.clone().unwrap_or_default();
        let lines: Vec<&str> = group.iter().map(|i| rows[*i].subscription_id.as_str()).collect();
        let admitted = book.admit(&recipient, &lines, limit, now);
        for (i, ok) in group.iter().zip(admitted) {
            if !ok {
                results[*i] = BulkResult::Limit;
            }
        }
    }
    results
}

/// How much one database transaction of apply covers: at most this many orders, and
/// about this many rows (an order with more rows is a group of its own). Each transaction
/// costs a commit and the same ten statements whatever it covers (2,000 orders of 5 lines,
/// one transaction each, took 8.6 s on SQLite and 14.3 s on PostgreSQL); larger groups
/// would hold the orders' locks, and SQLite's one writer, longer for no gain.
const GROUP_ORDERS: usize = 200;
const GROUP_ROWS: usize = 2_000;

/// The orders with a row to change, in file order (of each order's first such row), in
/// groups of at most [`GROUP_ORDERS`] orders and about [`GROUP_ROWS`] rows of the batch.
fn order_groups<'a>(rows: &'a [RowFacts], results: &[BulkResult]) -> Vec<Vec<&'a str>> {
    let mut rows_of: HashMap<&str, usize> = HashMap::new();
    for r in rows {
        if let Some(order) = r.order_id.as_deref() {
            *rows_of.entry(order).or_default() += 1;
        }
    }
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut group_rows = 0;
    let mut seen: HashSet<&str> = HashSet::new();
    for (r, result) in rows.iter().zip(results) {
        let (BulkResult::Change, Some(order)) = (result, r.order_id.as_deref()) else { continue };
        if !seen.insert(order) {
            continue;
        }
        let n = rows_of[order];
        match groups.last_mut() {
            Some(group) if group.len() < GROUP_ORDERS && group_rows + n <= GROUP_ROWS => {
                group.push(order);
                group_rows += n;
            }
            _ => {
                groups.push(vec![order]);
                group_rows = n;
            }
        }
    }
    groups
}

impl Store {
    /// Stores the rows of a file as a new batch of `user`'s, in one statement for the rows,
    /// unless the user already holds `max_unapplied` unapplied previews: those are counted
    /// in the same write transaction, after the user's row is locked (PostgreSQL; SQLite
    /// has its one writer), so two parallel uploads cannot both pass at one below.
    pub async fn create_bulk_batch(
        &self,
        user: &User,
        filename: &str,
        rows: &[PreparedRow],
        at: DateTime<Utc>,
        max_unapplied: usize,
    ) -> sqlx::Result<BulkCreated> {
        let payload: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "n": r.row.row,
                    "s": r.row.subscription_id,
                    "t": r.row.typed_email,
                    "e": r.email.as_ref().ok().map(|e| e.as_str()),
                    "k": r.email.as_ref().err(),
                    "d": r.duplicate,
                })
            })
            .collect();
        let payload = json(&payload);
        write_tx!(self, |tx, pg| {
            if pg {
                // NO KEY: rows that merely reference the user (sessions, transactions) go on.
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(user.id)
                    .execute(&mut *tx)
                    .await?;
            }
            let held: Vec<BulkBatch> = sqlx::query_as(concat!(
                "SELECT ",
                batch_columns!(),
                " FROM bulk_batches WHERE user_id = $1 AND applied_at IS NULL ORDER BY created_at, id"
            ))
            .bind(user.id)
            .fetch_all(&mut *tx)
            .await?;
            if held.len() >= max_unapplied
                && let Some(oldest) = held.into_iter().next()
            {
                return Ok(BulkCreated::OverQuota(oldest));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO bulk_batches (user_id, filename, row_count, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user.id)
            .bind(filename)
            .bind(rows.len() as i64)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(sql(
                pg,
                "INSERT INTO bulk_rows (batch_id, row_no, subscription_id, typed_email, email, email_error, duplicate, order_id)
                 SELECT $1, x.n, x.s, x.t, x.e, x.k, x.d, l.order_id
                 FROM jsonb_to_recordset($2::jsonb) AS x(n bigint, s text, t text, e text, k text, d boolean)
                 LEFT JOIN lines l ON l.subscription_id = x.s",
                "INSERT INTO bulk_rows (batch_id, row_no, subscription_id, typed_email, email, email_error, duplicate, order_id)
                 SELECT $1, json_extract(j.value, '$.n'), json_extract(j.value, '$.s'), json_extract(j.value, '$.t'),
                        json_extract(j.value, '$.e'), json_extract(j.value, '$.k'), json_extract(j.value, '$.d'), l.order_id
                 FROM json_each($2) AS j
                 LEFT JOIN lines l ON l.subscription_id = json_extract(j.value, '$.s')",
            ))
            .bind(id)
            .bind(&payload)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(BulkCreated::Created(id))
        })
    }

    pub async fn bulk_batch(&self, id: i64) -> sqlx::Result<Option<BulkBatch>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!("SELECT ", batch_columns!(), " FROM bulk_batches WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await
        })
    }

    /// The user's unapplied previews, oldest first (the quota's count, read before a file
    /// is parsed; the upload's own transaction counts them again).
    pub async fn unapplied_bulk_batches(&self, user_id: i64) -> sqlx::Result<Vec<BulkBatch>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!(
                "SELECT ",
                batch_columns!(),
                " FROM bulk_batches WHERE user_id = $1 AND applied_at IS NULL ORDER BY created_at, id"
            ))
            .bind(user_id)
            .fetch_all(pool)
            .await
        })
    }

    /// The user's latest `limit` uploads, newest first.
    pub async fn bulk_batches_of(&self, user_id: i64, limit: i64) -> sqlx::Result<Vec<BulkBatch>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!(
                "SELECT ",
                batch_columns!(),
                " FROM bulk_batches WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
            ))
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
    }

    /// Everyone's latest `limit` uploads, newest first, each with its uploader's name: what
    /// an operator's bulk fix page lists (operators see every batch).
    pub async fn bulk_batches_of_everyone(
        &self,
        _grant: &crate::domain::OperatorGrant,
        limit: i64,
    ) -> sqlx::Result<Vec<BulkBatch>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT b.id, b.user_id, b.filename, CAST(b.row_count AS BIGINT) AS row_count, b.created_at,
                        b.applied_at, b.purged_at, u.name AS uploader
                 FROM bulk_batches b JOIN users u ON u.id = b.user_id
                 ORDER BY b.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })
    }

    /// Deletes an unapplied preview with its rows. The batch's row is locked first
    /// (PostgreSQL), so an apply either claimed it before (then: `Applied`) or finds it
    /// gone afterwards.
    pub async fn discard_bulk_batch(&self, id: i64) -> sqlx::Result<BulkDiscardOutcome> {
        write_tx!(self, |tx, pg| {
            let applied: Option<bool> = sqlx::query_scalar(sql(
                pg,
                "SELECT applied_at IS NOT NULL FROM bulk_batches WHERE id = $1 FOR UPDATE",
                "SELECT applied_at IS NOT NULL FROM bulk_batches WHERE id = $1",
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            match applied {
                None => return Ok(BulkDiscardOutcome::NotFound),
                Some(true) => return Ok(BulkDiscardOutcome::Applied),
                Some(false) => {}
            }
            sqlx::query("DELETE FROM bulk_rows WHERE batch_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM bulk_batches WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(BulkDiscardOutcome::Discarded)
        })
    }

    /// Every row of a batch in file order: before apply what applying would do now (the
    /// preview changes nothing), after it what apply did.
    pub async fn bulk_rows(
        &self,
        batch: &BulkBatch,
        actor: &Actor,
        limit: SendLimit,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<BulkRowOutcome>> {
        let applied = batch.applied_at.is_some();
        read!(self, |pool, pg| {
            let mut conn = pool.acquire().await?;
            let statement = if applied { applied_facts_sql!() } else { facts_sql!("") };
            let rows: Vec<RowFacts> = sqlx::query_as(statement).bind(batch.id).fetch_all(&mut *conn).await?;
            let results = if applied {
                // A row left without a result (apply stopped half-way) did not change.
                rows.iter()
                    .map(|r| r.result.as_deref().and_then(BulkResult::parse).unwrap_or(BulkResult::Unchanged))
                    .collect()
            } else {
                let before: Vec<BulkResult> = rows.iter().map(|r| r.check(actor)).collect();
                let book = conn.limit_book(&rows, &before, now).await?;
                classify(actor, &rows, book, limit, now)
            };
            Ok(rows.iter().zip(results).map(|(r, result)| r.outcome(result)).collect())
        })
    }

    /// Applies a batch once: every row is checked again, and the rows that still change
    /// are written a group of orders at a time, each group in its own database transaction
    /// that holds its orders' locks (so an onboarding event either comes before, and the
    /// order's rows are `ponr`, or after). One update transaction per changed line, one
    /// email per recipient per order for the lines whose first email already went out.
    pub async fn apply_bulk_batch(
        &self,
        batch_id: i64,
        actor: &Actor,
        actor_name: &str,
        limit: SendLimit,
        at: DateTime<Utc>,
    ) -> sqlx::Result<BulkApplyOutcome> {
        let claimed = write_tx!(self, |tx, pg| {
            let n = sqlx::query("UPDATE bulk_batches SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL")
                .bind(batch_id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n == 1
        });
        if !claimed {
            // Applied before, or discarded (or purged) since the page showed it.
            return Ok(match self.bulk_batch(batch_id).await? {
                Some(_) => BulkApplyOutcome::AlreadyApplied,
                None => BulkApplyOutcome::NotFound,
            });
        }
        // What the preview would say now: the orders with a row to change are applied,
        // each re-checked under its lock; the other rows keep this answer.
        let (rows, results) = read!(self, |pool, pg| {
            let mut conn = pool.acquire().await?;
            let rows: Vec<RowFacts> = sqlx::query_as(facts_sql!("")).bind(batch_id).fetch_all(&mut *conn).await?;
            let before: Vec<BulkResult> = rows.iter().map(|r| r.check(actor)).collect();
            let book = conn.limit_book(&rows, &before, at).await?;
            let results = classify(actor, &rows, book, limit, at);
            (rows, results)
        });
        // The groups go one after another, so that each counts the emails of those before
        // (orders of one group count each other's in its one classification). PostgreSQL
        // used to apply orders that share no recipient four at a time, to hide a commit
        // per order; with a commit per group there is nothing left to hide.
        for group in order_groups(&rows, &results) {
            retrying(|| self.apply_bulk_group(batch_id, &group, actor, actor_name, limit, at)).await?;
        }
        let rest: Vec<serde_json::Value> = rows
            .iter()
            .zip(&results)
            .map(|(r, result)| serde_json::json!({"n": r.row_no, "r": result.as_str(), "o": null}))
            .collect();
        let rest = json(&rest);
        write_tx!(self, |tx, pg| {
            tx.store_results(batch_id, &rest, true).await?;
            tx.commit().await?;
        });
        Ok(BulkApplyOutcome::Applied)
    }

    /// One group of orders of [`Store::apply_bulk_batch`], in one database transaction: the
    /// orders' locks, then their rows classified again as one (in file order, so that the
    /// group's orders count each other's emails as the preview did), then each step one
    /// statement for the whole group.
    async fn apply_bulk_group(
        &self,
        batch_id: i64,
        orders: &[&str],
        actor: &Actor,
        actor_name: &str,
        limit: SendLimit,
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            // The orders' locks first: onboarding writes these rows too. An order that is
            // gone keeps its rows' first answer.
            let locked = tx.lock_orders(&json(&orders)).await?;
            if locked.is_empty() {
                return Ok(());
            }
            let locked = json(&locked);
            let rows: Vec<RowFacts> = sqlx::query_as(sql(
                pg,
                facts_sql!(" AND r.order_id = ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))"),
                facts_sql!(" AND r.order_id IN (SELECT value FROM json_each($2))"),
            ))
            .bind(batch_id)
            .bind(&locked)
            .fetch_all(&mut *tx)
            .await?;
            let before: Vec<BulkResult> = rows.iter().map(|r| r.check(actor)).collect();
            let book = tx.limit_book(&rows, &before, at).await?;
            let results: Vec<BulkResult> = classify(actor, &rows, book, limit, at)
                .into_iter()
                .map(|r| if r == BulkResult::Change { BulkResult::Done } else { r })
                .collect();
            // One message per order and recipient (case-insensitively) of the lines emailed
            // now, in file order.
            let mut messages: Vec<serde_json::Value> = Vec::new();
            let mut seen: HashSet<(&str, String)> = HashSet::new();
            for (r, result) in rows.iter().zip(&results) {
                let (order, email) =
                    (r.order_id.as_deref().unwrap_or_default(), r.email.as_deref().unwrap_or_default());
                if r.emails(*result) && seen.insert((order, email.to_lowercase())) {
                    messages.push(serde_json::json!({"o": order, "r": email}));
                }
            }
            let mut outbox_of: HashMap<(String, String), i64> = HashMap::new();
            if !messages.is_empty() {
                let ids: Vec<(i64, String, String)> = sqlx::query_as(sql(
                    pg,
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                     SELECT x.o, x.r, 'edit', 'queued', 0, $1, $1 FROM jsonb_to_recordset($2::jsonb) AS x(o text, r text)
                     RETURNING id, order_id, recipient",
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                     SELECT json_extract(j.value, '$.o'), json_extract(j.value, '$.r'), 'edit', 'queued', 0, $1, $1
                     FROM json_each($2) AS j
                     RETURNING id, order_id, recipient",
                ))
                .bind(at)
                .bind(json(&messages))
                .fetch_all(&mut *tx)
                .await?;
                outbox_of = ids.into_iter().map(|(id, order, r)| ((order, r.to_lowercase()), id)).collect();
            }
            let payload: Vec<serde_json::Value> = rows
                .iter()
                .zip(&results)
                .map(|(r, result)| {
                    let key =
                        (r.order_id.clone().unwrap_or_default(), r.email.clone().unwrap_or_default().to_lowercase());
                    let outbox = if r.emails(*result) { outbox_of.get(&key).copied() } else { None };
                    serde_json::json!({"n": r.row_no, "r": result.as_str(), "o": outbox})
                })
                .collect();
            tx.store_results(batch_id, &json(&payload), false).await?;
            if results.contains(&BulkResult::Done) {
                sqlx::query(of_group!(
                    pg,
                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                               actor, status, detail, created_at, updated_at, outbox_id, bulk_batch_id,
                                               partner_id, distributor_id)
                     SELECT 'provisioning_email_update', l.subscription_id, l.order_id, l.contact, r.email, $3, $4,
                            CASE WHEN r.outbox_id IS NULL THEN 'success' ELSE 'in_progress' END,
                            CASE WHEN r.outbox_id IS NULL THEN 'on-rsd' END, $5, $5, r.outbox_id, r.batch_id,
                            l.partner_id, l.distributor_id
                     FROM bulk_rows r JOIN lines l ON l.subscription_id = r.subscription_id
                     WHERE r.batch_id = $1 AND r.result = 'done' AND ",
                    " ORDER BY r.row_no"
                ))
                .bind(batch_id)
                .bind(&locked)
                .bind(actor.user_id)
                .bind(actor_name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if !messages.is_empty() {
                    sqlx::query(of_group!(
                        pg,
                        "INSERT INTO outbox_lines (outbox_id, subscription_id)
                         SELECT r.outbox_id, r.subscription_id FROM bulk_rows r
                         WHERE r.batch_id = $1 AND r.result = 'done' AND r.outbox_id IS NOT NULL AND ",
                        ""
                    ))
                    .bind(batch_id)
                    .bind(&locked)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(of_group!(
                    pg,
                    "UPDATE lines SET contact = r.email, version = lines.version + 1, updated_at = $3, updated_by = $4,
                                      last_outbox_id = COALESCE(r.outbox_id, lines.last_outbox_id)
                     FROM bulk_rows r
                     WHERE r.batch_id = $1 AND r.result = 'done' AND lines.subscription_id = r.subscription_id AND ",
                    ""
                ))
                .bind(batch_id)
                .bind(&locked)
                .bind(at)
                .bind(actor_name)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The lines `viewer` may still fix (awaiting or closed, before PONR), by
    /// subscription id after `after`: (subscription id, contact, order id, customer, status).
    pub async fn bulk_template_lines(
        &self,
        viewer: &Actor,
        after: Option<&str>,
        limit: i64,
    ) -> sqlx::Result<Vec<(String, String, String, String, String)>> {
        // The lines a bulk fix may change: the subscriptions page's scope (before PONR).
        let statuses = EditScope::SubscriptionsPage.editable_statuses();
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT l.subscription_id, l.contact, l.order_id, o.customer, l.status
                 FROM lines l JOIN orders o ON o.id = l.order_id
                 WHERE ($1 OR o.partner_id = $2 OR o.distributor_id = $2) AND l.status IN ($5, $6)
                   AND o.org_mapped_at IS NULL AND ($3 IS NULL OR l.subscription_id > $3)
                 ORDER BY l.subscription_id LIMIT $4",
            )
            .bind(viewer.sees_every_company())
            .bind(&viewer.company_id)
            .bind(after)
            .bind(limit)
            .bind(statuses.0)
            .bind(statuses.1)
            .fetch_all(pool)
            .await
        })
    }
}
