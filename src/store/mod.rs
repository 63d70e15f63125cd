//! The one store interface, with one implementation per database (SQLite, PostgreSQL)
//! chosen at run time from `DATABASE_URL`.
//!
//! Most SQL is the same text on both (both accept `$1` parameters, `RETURNING` and
//! `ON CONFLICT`); where the dialects differ, a method says so with `pg`/`sqlite` branches.
//! The macros below expand each method body once per database, so every query runs
//! against concrete sqlx types (no `Any` driver).

mod bulk;
mod cases;
mod company;
mod import;
mod lists;
pub mod outbox;
mod records;
mod resend_all;
mod sessions;
mod throttle;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use bulk::{BulkApplyOutcome, BulkBatch, BulkRowOutcome};
pub use cases::{AttachmentInfo, CaseOutcome, CaseRecord, NewAttachment, NewCase};
pub use company::{CompanyUser, Invitation, InvitationState, InviteOutcome, UserChange, UserChangeOutcome};
pub use import::{ImportError, ImportFile, ImportProgress, ImportSummary, Progress};
pub use lists::{Arg, Statement, orders_statement, prefix_range, subscriptions_statement, transactions_statement};
pub use outbox::{ClaimedEmail, Delivery, EmailState, InvitationEmail, QueueCounts};
pub use records::*;
pub use resend_all::{ResendAll, ResendAllOutcome, ResendAllSummary};
pub use sessions::{SessionRecord, session_key_hash};
pub use throttle::ANY_ACCOUNT;
pub use tokens::{ApiToken, IdempotencyClaim, TokenRecord, token_hash};

use crate::config::SendLimit;
pub use crate::domain::EditScope;
use crate::domain::{ContactEmail, EditGrant, LineStatus, Refusal};
use outbox::{enqueue, enqueue_copy, limit_wait};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgPool),
}

/// SQLite allows one writer at a time: all writes go through a single connection that
/// starts its transactions with `BEGIN IMMEDIATE`, so "database is locked" never reaches
/// a user; reads use a pool of their own (WAL lets them run beside the writer).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
}

/// Runs `$body` with `$pool` bound to the read pool of whichever database this is.
macro_rules! read {
    ($store:expr, |$pool:ident, $pg:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $pool = &s.read;
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            Store::Postgres(p) => {
                let $pool = p;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// Runs `$body` with `$tx` a write transaction (SQLite: BEGIN IMMEDIATE on the writer).
/// The body commits; dropping the transaction rolls it back.
macro_rules! write_tx {
    ($store:expr, |$tx:ident, $pg:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                #[allow(unused_mut)]
                let mut $tx = $crate::store::begin_immediate(&s.write).await?;
                #[allow(unused_variables)]
                let $pg = false;
                $body
            }
            Store::Postgres(p) => {
                #[allow(unused_mut)]
                let mut $tx = p.begin().await?;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

pub(crate) use {read, write_tx};

/// Whether a transaction lost a deadlock or a serialization conflict (PostgreSQL) and
/// can simply run again: it changed nothing.
fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(e.as_database_error().and_then(|d| d.code()).as_deref(), Some("40P01") | Some("40001"))
}

/// Runs a whole write transaction again when it lost a deadlock: the email dispatcher
/// and an edit touch the same lines and transactions from opposite ends.
pub(crate) async fn retrying<T, F, Fut>(mut run: F) -> sqlx::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<T>>,
{
    let mut attempt = 0u64;
    loop {
        match run().await {
            Err(e) if attempt < 4 && is_conflict(&e) => {
                attempt += 1;
                tracing::warn!(attempt, error = %e, "write transaction lost a conflict; running it again");
                tokio::time::sleep(Duration::from_millis(10 * attempt)).await;
            }
            other => return other,
        }
    }
}

/// Starts a SQLite write transaction. The busy timeout makes other writers wait; should
/// SQLite still answer "busy" (another process, a checkpoint), wait and try again rather
/// than let "database is locked" reach a user.
pub(crate) async fn begin_immediate(pool: &SqlitePool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    let mut attempt = 0;
    loop {
        match pool.begin_with("BEGIN IMMEDIATE").await {
            Err(sqlx::Error::Database(e))
                if attempt < 2 && matches!(e.code().as_deref(), Some("5") | Some("6") | Some("517")) =>
            {
                attempt += 1;
                tracing::debug!(attempt, "SQLite busy; waiting to begin a write");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}

/// The columns of a [`LineRecord`]: lines `l` with their last email `e` (outbox).
macro_rules! line_columns {
    () => {
        "l.subscription_id, l.order_id, CAST(l.position AS BIGINT) AS position, l.offer, l.rsd, l.contact, l.status, l.email_sent_at, l.version,
         l.updated_at, l.updated_by, l.last_email_at, e.status AS email_status, e.recipient AS email_recipient,
         e.sent_at AS email_accepted_at, e.last_error AS email_error, l.closed_at,
         CAST(e.attempts AS BIGINT) AS email_attempts"
    };
}
pub(crate) use line_columns;

/// SQLite: the rows of a subquery of [`line_columns!`] as one JSON array,
/// in the order's own order. sqlx-sqlite hands every row from its worker thread to the
/// request (a wake-up each); one row of JSON costs one. `cargo bench --bench pages`, order
/// page of 100 lines: 816 → 1,405 req/s in one run (PostgreSQL streams rows in the
/// request's own task and keeps them as rows).
macro_rules! line_json {
    () => {
        "json_group_array(json_object('subscription_id', subscription_id, 'order_id', order_id,
           'position', position, 'offer', offer, 'rsd', rsd, 'contact', contact, 'status', status,
           'email_sent_at', email_sent_at, 'version', version, 'updated_at', updated_at,
           'updated_by', updated_by, 'last_email_at', last_email_at, 'email_status', email_status,
           'email_recipient', email_recipient, 'email_accepted_at', email_accepted_at,
           'email_error', email_error, 'closed_at', closed_at) ORDER BY position, subscription_id) AS json"
    };
}

/// The lines of a [`line_json!`] row.
fn lines_from_json(row: LinesJson) -> sqlx::Result<Vec<LineRecord>> {
    serde_json::from_str(&row.json).map_err(|e| sqlx::Error::Decode(e.into()))
}

#[derive(sqlx::FromRow)]
struct LinesJson {
    json: String,
}

#[derive(sqlx::FromRow)]
struct CountedHead {
    #[sqlx(flatten)]
    head: OrderHead,
    awaiting: i64,
    closed: i64,
    complete: i64,
}

/// Picks the dialect's text of a statement.
const fn sql(pg: bool, postgres: &'static str, sqlite: &'static str) -> &'static str {
    if pg { postgres } else { sqlite }
}

/// status, contact, version, updated_by, email_sent_at of the line an edit targets.
type EditedLine = (String, String, i64, String, Option<DateTime<Utc>>);

/// One request to change the provisioning contact of a line (and maybe its siblings).
#[derive(Debug)]
pub struct ContactEdit<'a> {
    pub grant: &'a EditGrant,
    pub actor_name: &'a str,
    pub subscription_id: &'a str,
    pub new_contact: &'a ContactEmail,
    pub apply_to_all: bool,
    /// The line's version the dialog showed, if it sent one.
    pub expected_version: Option<i64>,
    pub scope: EditScope,
    pub at: DateTime<Utc>,
    /// The emails a line or recipient may trigger.
    pub limit: SendLimit,
    /// "Send me a copy": the acting user's own account address.
    pub copy_to: Option<&'a str>,
}

/// What became of "Send me a copy" (`copy_to_me=on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOutcome {
    NotAsked,
    /// Queued to the acting user.
    Sent,
    /// No email goes out now (an edit before the first email), so there is nothing to copy.
    NothingToCopy,
    /// Over the limits of the acting user's address: only the copy is dropped; another
    /// fits after this long.
    Dropped(chrono::Duration),
}

#[derive(Debug, PartialEq, Eq)]
pub enum EditOutcome {
    /// The subscription ids whose contact changed (empty: it already was that address),
    /// and whether any of them gets the email at once (its first one already went out;
    /// the others get it on their RSD).
    Changed {
        lines: Vec<String>,
        emailed: bool,
        copy: CopyOutcome,
        /// The update transactions written, one per changed line.
        transactions: Vec<i64>,
    },
    Refused(Refusal),
    /// Too many emails for this line or recipient: the next fits after this long.
    Limited(chrono::Duration),
    NotFound,
}

/// One request to send the provisioning email of a line again.
#[derive(Debug)]
pub struct Resend<'a> {
    pub grant: &'a EditGrant,
    pub actor_name: &'a str,
    pub subscription_id: &'a str,
    pub scope: EditScope,
    pub at: DateTime<Utc>,
    pub limit: SendLimit,
    /// "Send me a copy": the acting user's own account address.
    pub copy_to: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResendOutcome {
    /// Queued to this address, recorded as this resend transaction; what became of the copy.
    Queued {
        recipient: String,
        transaction: i64,
        copy: CopyOutcome,
    },
    Refused(Refusal),
    Limited(chrono::Duration),
    NotFound,
}

/// Where a page of an order's lines starts: after the last line of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCursor {
    pub position: i64,
    pub subscription_id: String,
}

impl LineCursor {
    /// The cursor after `line`.
    pub fn after(line: &LineRecord) -> Self {
        Self { position: line.position, subscription_id: line.subscription_id.clone() }
    }

    /// The cursor as the `after` query parameter: opaque to the user, read back by [`Self::parse`].
    pub fn encode(&self) -> String {
        format!("{}.{}", self.position, self.subscription_id)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (position, subscription_id) = text.split_once('.')?;
        Some(Self { position: position.parse().ok()?, subscription_id: subscription_id.to_string() })
    }
}

/// Which of an order's lines one page shows.
#[derive(Debug, Clone)]
pub struct LinePage<'a> {
    /// Only lines whose subscription id starts with this, case-insensitively.
    pub q: Option<&'a str>,
    pub after: Option<LineCursor>,
    pub limit: i64,
}

/// The filters of the Cloud/SaaS Subscriptions page.
#[derive(Debug, Default)]
pub struct SubscriptionFilter<'a> {
    pub q: Option<&'a str>,
    pub pending: bool,
    /// Only lines still awaiting set-up that close before this time.
    pub closing_before: Option<DateTime<Utc>>,
    /// Keyset cursor: the last subscription id of the previous page.
    pub after: Option<&'a str>,
}

/// The filters of the Transaction Manager.
#[derive(Debug, Default, Clone)]
pub struct TransactionFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
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

/// What an admin-console event or command did: done now, done before, or no such thing.
#[derive(Debug, PartialEq, Eq)]
pub enum OnboardOutcome {
    Onboarded,
    AlreadyOnboarded,
    NotFound,
}

impl Store {
    /// Opens the database named by `url` (creating a SQLite file if missing) and applies
    /// pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Store::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                // A page's rows reach the request without the worker waiting for each.
                .row_buffer_size(1024)
                .foreign_keys(true);
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.clone().read_only(true)).await;
            // A read-only connection cannot open a database that has no WAL yet; migrate first.
            SQLITE_MIGRATIONS.run(&write).await?;
            let read = match read {
                Ok(pool) => pool,
                Err(_) => SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?,
            };
            Store::Sqlite(SqliteStore { read, write })
        } else {
            anyhow::bail!("expected sqlite://PATH or postgres://…");
        };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Store::Sqlite(s) => SQLITE_MIGRATIONS.run(&s.write).await?,
            Store::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => {
                s.read.close().await;
                s.write.close().await;
            }
            Store::Postgres(p) => p.close().await,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        read!(self, |pool, pg| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// A named value that is created once and then shared by every instance (the session
    /// cookie key, for one).
    pub async fn setting_or_insert(&self, name: &str, fresh: String) -> sqlx::Result<String> {
        write_tx!(self, |tx, pg| {
            sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(&fresh)
                .execute(&mut *tx)
                .await?;
            let value: String =
                sqlx::query_scalar("SELECT value FROM settings WHERE name = $1").bind(name).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(value)
        })
    }

    pub async fn is_empty(&self) -> sqlx::Result<bool> {
        read!(self, |pool, pg| {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM companies LIMIT 1) AS c")
                .fetch_one(pool)
                .await?;
            Ok(n == 0)
        })
    }

    // --- users and sign-in -------------------------------------------------------------

    pub async fn user_credentials(&self, email: &str) -> sqlx::Result<Option<(User, Option<String>)>> {
        read!(self, |pool, pg| {
            let row: Option<UserWithHash> = sqlx::query_as(
                "SELECT id, email, name, company_id, can_edit, operator, company_admin, language, password_hash
                 FROM users WHERE email = $1 AND active",
            )
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await?;
            Ok(row.map(UserWithHash::split))
        })
    }

    pub async fn user(&self, id: i64) -> sqlx::Result<Option<User>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, email, name, company_id, can_edit, operator, company_admin, language FROM users WHERE id = $1 AND active",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })
    }

    pub async fn set_user_language(&self, user_id: i64, language: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
                .bind(language)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    // --- orders ------------------------------------------------------------------------

    /// The head of an order, whoever asks: callers check visibility with
    /// [`OrderHead::parties`] and answer 404 when it fails.
    pub async fn order_head(&self, order_id: &str) -> sqlx::Result<Option<OrderHead>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT o.id, o.customer, o.partner_id, p.name AS partner_name, o.distributor_id,
                        d.name AS distributor_name, o.created_by, u.name AS creator_name,
                        u.email AS creator_email, COALESCE(o.language, p.language) AS language,
                        o.org_mapped_at
                 FROM orders o
                 JOIN companies p ON p.id = o.partner_id
                 LEFT JOIN companies d ON d.id = o.distributor_id
                 JOIN users u ON u.id = o.created_by
                 WHERE o.id = $1",
            )
            .bind(order_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// The head of an order with how many of its lines are in each status, in one
    /// statement (the order page's head): the counts come from the index on
    /// (order_id, status) alone, never from a count over the table.
    pub async fn order_head_counted(&self, order_id: &str) -> sqlx::Result<Option<(OrderHead, LineCounts)>> {
        read!(self, |pool, pg| {
            let row: Option<CountedHead> = sqlx::query_as(
                "SELECT o.id, o.customer, o.partner_id, p.name AS partner_name, o.distributor_id,
                        d.name AS distributor_name, o.created_by, u.name AS creator_name,
                        u.email AS creator_email, COALESCE(o.language, p.language) AS language,
                        o.org_mapped_at, c.awaiting, c.closed, c.complete
                 FROM orders o
                 JOIN companies p ON p.id = o.partner_id
                 LEFT JOIN companies d ON d.id = o.distributor_id
                 JOIN users u ON u.id = o.created_by
                 CROSS JOIN (SELECT COUNT(*) FILTER (WHERE status = 'awaiting') AS awaiting,
                                    COUNT(*) FILTER (WHERE status = 'closed') AS closed,
                                    COUNT(*) FILTER (WHERE status = 'complete') AS complete
                             FROM lines WHERE order_id = $1) c
                 WHERE o.id = $1",
            )
            .bind(order_id)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|r| {
                let counts = LineCounts { awaiting: r.awaiting, closed: r.closed, complete: r.complete };
                (r.head, counts)
            }))
        })
    }

    /// How many lines of each of these orders are in each status (a page of the orders
    /// list): one aggregate over those orders' own lines; the ids travel as one JSON array.
    pub async fn line_counts_of(
        &self,
        order_ids: &[String],
    ) -> sqlx::Result<std::collections::HashMap<String, LineCounts>> {
        let ids = serde_json::to_string(order_ids).unwrap_or_else(|_| "[]".into());
        let rows: Vec<(String, String, i64)> = read!(self, |pool, pg| {
            sqlx::query_as(sql(
                pg,
                "SELECT order_id, status, COUNT(*) FROM lines
                 WHERE order_id IN (SELECT jsonb_array_elements_text($1::jsonb)) GROUP BY order_id, status",
                "SELECT order_id, status, COUNT(*) FROM lines
                 WHERE order_id IN (SELECT value FROM json_each($1)) GROUP BY order_id, status",
            ))
            .bind(&ids)
            .fetch_all(pool)
            .await?
        });
        let mut counts: std::collections::HashMap<String, LineCounts> = std::collections::HashMap::new();
        for (order_id, status, n) in rows {
            let c = counts.entry(order_id).or_default();
            match LineStatus::parse(&status) {
                Some(LineStatus::Awaiting) => c.awaiting = n,
                Some(LineStatus::Closed) => c.closed = n,
                Some(LineStatus::Complete) | None => c.complete += n,
            }
        }
        Ok(counts)
    }

    /// How many lines of an order an edit from `scope` may change: "Apply to all lines"
    /// covers them all.
    pub async fn editable_line_count(&self, order_id: &str, scope: EditScope) -> sqlx::Result<i64> {
        let (status_a, status_b) = scope.editable_statuses();
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT COUNT(*) FROM lines WHERE order_id = $1 AND status IN ($2, $3)")
                .bind(order_id)
                .bind(status_a)
                .bind(status_b)
                .fetch_one(pool)
                .await
        })
    }

    /// One line of an order, or None when the order has no such line.
    pub async fn order_line(&self, order_id: &str, subscription_id: &str) -> sqlx::Result<Option<LineRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!(
                "SELECT ",
                line_columns!(),
                " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                  WHERE l.subscription_id = $1 AND l.order_id = $2"
            ))
            .bind(subscription_id)
            .bind(order_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// A page of an order's lines in the order's own order (position, then subscription
    /// id), keyset-paginated: those after the cursor, optionally only those whose
    /// subscription id starts with `q` (case-insensitively). One statement, walking the
    /// index on (order_id, position, subscription_id).
    pub async fn order_lines(&self, order_id: &str, page: &LinePage<'_>) -> sqlx::Result<Vec<LineRecord>> {
        let (lo, hi) = match page.q.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let (lo, hi) = prefix_range(q);
                (Some(lo), Some(hi))
            }
            None => (None, None),
        };
        let (after_position, after_id) = match &page.after {
            Some(cursor) => (Some(cursor.position), Some(cursor.subscription_id.as_str())),
            None => (None, None),
        };
        const PG_SQL: &str = concat!(
            "SELECT ",
            line_columns!(),
            r#" FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1
                        AND ($2::bigint IS NULL OR (l.position, l.subscription_id) > ($2, $3))
                        AND ($4::text IS NULL OR (lower(l.subscription_id) >= $4 AND lower(l.subscription_id) < $5))
                      ORDER BY l.position, l.subscription_id LIMIT $6"#
        );
        const SQLITE_SQL: &str = concat!(
            "SELECT ",
            line_json!(),
            " FROM (SELECT ",
            line_columns!(),
            " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1
                        AND ($2 IS NULL OR (l.position, l.subscription_id) > ($2, $3))
                        AND ($4 IS NULL OR (lower(l.subscription_id) >= $4 AND lower(l.subscription_id) < $5))
                      ORDER BY l.position, l.subscription_id LIMIT $6)"
        );
        read!(self, |pool, pg| {
            if pg {
                sqlx::query_as(PG_SQL)
                    .bind(order_id)
                    .bind(after_position)
                    .bind(after_id)
                    .bind(lo)
                    .bind(hi)
                    .bind(page.limit)
                    .fetch_all(pool)
                    .await
            } else {
                // The page as one row of JSON (see `line_json!`).
                let row: LinesJson = sqlx::query_as(SQLITE_SQL)
                    .bind(order_id)
                    .bind(after_position)
                    .bind(after_id)
                    .bind(lo)
                    .bind(hi)
                    .bind(page.limit)
                    .fetch_one(pool)
                    .await?;
                lines_from_json(row)
            }
        })
    }

    /// The named lines of an order (those a change touched), in the order's own order,
    /// at most `limit` of them. One statement: the ids travel as one JSON array.
    pub async fn order_lines_among(
        &self,
        order_id: &str,
        subscription_ids: &[String],
        limit: i64,
    ) -> sqlx::Result<Vec<LineRecord>> {
        let ids = serde_json::to_string(subscription_ids).unwrap_or_else(|_| "[]".into());
        read!(self, |pool, pg| {
            sqlx::query_as(sql(
                pg,
                concat!(
                    "SELECT ",
                    line_columns!(),
                    " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1 AND l.subscription_id IN (SELECT jsonb_array_elements_text($2::jsonb))
                      ORDER BY l.position, l.subscription_id LIMIT $3"
                ),
                concat!(
                    "SELECT ",
                    line_columns!(),
                    " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1 AND l.subscription_id IN (SELECT value FROM json_each($2))
                      ORDER BY l.position, l.subscription_id LIMIT $3"
                ),
            ))
            .bind(order_id)
            .bind(&ids)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
    }

    /// The order a subscription belongs to.
    pub async fn order_of_subscription(&self, subscription_id: &str) -> sqlx::Result<Option<String>> {
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT order_id FROM lines WHERE subscription_id = $1")
                .bind(subscription_id)
                .fetch_optional(pool)
                .await
        })
    }

    /// Closes every line whose policy period after its first email has run out (SPEC.md
    /// rule 7): one statement for all offers; a closed line is never closed again.
    pub async fn close_due_lines(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        let (short_cutoff, long_cutoff) = crate::domain::closing::closing_cutoffs(now);
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE lines SET status = 'closed', closed_at = $1, version = version + 1, updated_at = $1,
                        updated_by = 'closing policy'
                 WHERE status = 'awaiting' AND email_sent_at IS NOT NULL
                   AND ((offer IN ('A-Flex', 'A-Flex-3') AND email_sent_at <= $2)
                        OR (offer NOT IN ('A-Flex', 'A-Flex-3') AND email_sent_at <= $3))",
            )
            .bind(now)
            .bind(short_cutoff)
            .bind(long_cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n)
        })
    }

    /// The customer finished set-up (the admin console's `provisioning.completed`).
    pub async fn complete_line(&self, subscription_id: &str, at: DateTime<Utc>) -> sqlx::Result<OnboardOutcome> {
        self.record_once(
            "UPDATE lines SET status = 'complete', version = version + 1, updated_at = $2, updated_by = 'Control Hub'
             WHERE subscription_id = $1 AND status <> 'complete'",
            "SELECT COUNT(*) FROM lines WHERE subscription_id = $1",
            subscription_id,
            at,
        )
        .await
    }

    /// Runs `update` (which changes at most one row, and only once) and tells whether it
    /// did something now, had done it before (`exists` counts the row), or found nothing.
    async fn record_once(
        &self,
        update: &'static str,
        exists: &'static str,
        id: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<OnboardOutcome> {
        write_tx!(self, |tx, pg| {
            let updated = sqlx::query(update).bind(id).bind(at).execute(&mut *tx).await?.rows_affected();
            let outcome = if updated == 1 {
                OnboardOutcome::Onboarded
            } else {
                let n: i64 = sqlx::query_scalar(exists).bind(id).fetch_one(&mut *tx).await?;
                if n > 0 { OnboardOutcome::AlreadyOnboarded } else { OnboardOutcome::NotFound }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

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
    pub async fn retry_transaction(&self, id: i64, actor_name: &str, at: DateTime<Utc>) -> sqlx::Result<RetryOutcome> {
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
                        created_at, updated_at, subject, bulk_batch_id
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

    /// Changes the provisioning contact of one line, or of every line of its order that the
    /// scope may edit, in one database transaction with one update transaction per changed
    /// line. The order row is locked first (PostgreSQL: FOR UPDATE; SQLite: the write lock of
    /// BEGIN IMMEDIATE), and onboarding writes that same row, so an edit can never commit
    /// after PONR.
    pub async fn edit_contact(&self, edit: ContactEdit<'_>) -> sqlx::Result<EditOutcome> {
        retrying(|| self.edit_contact_once(&edit)).await
    }

    async fn edit_contact_once(&self, edit: &ContactEdit<'_>) -> sqlx::Result<EditOutcome> {
        let (status_a, status_b) = edit.scope.editable_statuses();
        // The lines this edit changes, in every statement below: $1 the order, $2 the line,
        // $3 apply to all, $4 and $5 the statuses the scope may edit, $6 the new contact.
        macro_rules! changed {
            ($sql:literal) => {
                concat!(
                    $sql,
                    " WHERE order_id = $1 AND (subscription_id = $2 OR $3) AND status IN ($4, $5) AND contact <> $6"
                )
            };
        }
        macro_rules! bind_changed {
            ($query:expr) => {
                $query
                    .bind(edit.grant.order_id())
                    .bind(edit.subscription_id)
                    .bind(edit.apply_to_all)
                    .bind(status_a)
                    .bind(status_b)
                    .bind(edit.new_contact.as_str())
            };
        }
        write_tx!(self, |tx, pg| {
            let mapped: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as(sql(
                pg,
                "SELECT org_mapped_at FROM orders WHERE id = $1 FOR UPDATE",
                "SELECT org_mapped_at FROM orders WHERE id = $1",
            ))
            .bind(edit.grant.order_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((org_mapped_at,)) = mapped else {
                return Ok(EditOutcome::NotFound);
            };
            let line: Option<EditedLine> = sqlx::query_as(
                "SELECT status, contact, version, updated_by, email_sent_at FROM lines
                 WHERE subscription_id = $1 AND order_id = $2",
            )
            .bind(edit.subscription_id)
            .bind(edit.grant.order_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((status, contact, version, updated_by, email_sent_at)) = line else {
                return Ok(EditOutcome::NotFound);
            };
            let status = LineStatus::parse(&status).unwrap_or(LineStatus::Complete);
            if let Some(refusal) = edit.scope.refusal(status, org_mapped_at) {
                return Ok(EditOutcome::Refused(refusal));
            }
            if edit.expected_version.is_some_and(|v| v != version) {
                return Ok(EditOutcome::Refused(Refusal::Stale { changed_by: updated_by, current: contact }));
            }
            // How many lines change, and how many of them get the email at once (their
            // first one already went out); the others get it on their RSD.
            let (changing, emailed): (i64, i64) = if edit.apply_to_all {
                bind_changed!(sqlx::query_as(changed!(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN email_sent_at IS NULL THEN 0 ELSE 1 END), 0) FROM lines"
                )))
                .fetch_one(&mut *tx)
                .await?
            } else if contact != edit.new_contact.as_str() {
                (1, i64::from(email_sent_at.is_some()))
            } else {
                (0, 0)
            };
            if changing == 0 {
                let copy = enqueue_copy!(tx, edit.grant.order_id(), edit.copy_to, None, edit.limit, edit.at);
                return Ok(EditOutcome::Changed { lines: Vec::new(), emailed: false, copy, transactions: Vec::new() });
            }
            // Every line this edit emails counts, and so does the new contact.
            if emailed > 0
                && let Some(wait) = limit_wait!(
                    tx,
                    edit.grant.order_id(),
                    edit.new_contact.as_str(),
                    edit.limit,
                    edit.at,
                    "SELECT subscription_id FROM lines
                     WHERE order_id = $1 AND (subscription_id = $3 OR $4) AND status IN ($5, $6) AND contact <> $7
                       AND email_sent_at IS NOT NULL",
                    edit.subscription_id,
                    edit.apply_to_all,
                    status_a,
                    status_b,
                    edit.new_contact.as_str()
                )
            {
                return Ok(EditOutcome::Limited(wait));
            }
            // Set-based: a fixed number of statements whatever the number of lines. The
            // message is written first, so that each row is written once, already carrying it.
            let outbox_id = if emailed > 0 {
                // One email to the new contact listing every line it is now for.
                Some(enqueue!(tx, edit.grant.order_id(), edit.new_contact.as_str(), "edit", edit.at))
            } else {
                None
            };
            let mut transactions: Vec<i64> = bind_changed!(sqlx::query_scalar(concat!(
                changed!(
                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                               actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                               distributor_id)
                     SELECT 'provisioning_email_update', subscription_id, order_id, contact, $6, $7, $8,
                            CASE WHEN email_sent_at IS NULL THEN 'success' ELSE 'in_progress' END,
                            CASE WHEN email_sent_at IS NULL THEN 'on-rsd' END, $9, $9,
                            CASE WHEN email_sent_at IS NULL THEN NULL ELSE $10 END, partner_id, distributor_id
                     FROM lines"
                ),
                " RETURNING id"
            )))
            .bind(edit.grant.actor_user_id())
            .bind(edit.actor_name)
            .bind(edit.at)
            .bind(outbox_id)
            .fetch_all(&mut *tx)
            .await?;
            transactions.sort_unstable();
            if let Some(outbox_id) = outbox_id {
                bind_changed!(sqlx::query(concat!(
                    changed!(
                        "INSERT INTO outbox_lines (outbox_id, subscription_id) SELECT $7, subscription_id FROM lines"
                    ),
                    " AND email_sent_at IS NOT NULL"
                )))
                .bind(outbox_id)
                .execute(&mut *tx)
                .await?;
            }
            let lines: Vec<String> = bind_changed!(sqlx::query_scalar(concat!(
                changed!(
                    "UPDATE lines SET contact = $6, version = version + 1, updated_at = $7, updated_by = $8,
                                      last_outbox_id = CASE WHEN email_sent_at IS NULL THEN last_outbox_id ELSE $9 END"
                ),
                " RETURNING subscription_id"
            )))
            .bind(edit.at)
            .bind(edit.actor_name)
            .bind(outbox_id)
            .fetch_all(&mut *tx)
            .await?;
            let copy = enqueue_copy!(tx, edit.grant.order_id(), edit.copy_to, outbox_id, edit.limit, edit.at);
            tx.commit().await?;
            Ok(EditOutcome::Changed { lines, emailed: emailed > 0, copy, transactions })
        })
    }

    /// Sends the provisioning email of a line again (SPEC.md rule 5): only once the first
    /// email went out, never past PONR, within the limits; the resend transaction and the
    /// queued message are written together.
    pub async fn resend(&self, resend: Resend<'_>) -> sqlx::Result<ResendOutcome> {
        retrying(|| self.resend_once(&resend)).await
    }

    async fn resend_once(&self, resend: &Resend<'_>) -> sqlx::Result<ResendOutcome> {
        write_tx!(self, |tx, pg| {
            let mapped: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as(sql(
                pg,
                "SELECT org_mapped_at FROM orders WHERE id = $1 FOR UPDATE",
                "SELECT org_mapped_at FROM orders WHERE id = $1",
            ))
            .bind(resend.grant.order_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((org_mapped_at,)) = mapped else { return Ok(ResendOutcome::NotFound) };
            let line: Option<(String, String, Option<DateTime<Utc>>, chrono::NaiveDate)> = sqlx::query_as(
                "SELECT status, contact, email_sent_at, rsd FROM lines WHERE subscription_id = $1 AND order_id = $2",
            )
            .bind(resend.subscription_id)
            .bind(resend.grant.order_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((status, contact, email_sent_at, rsd)) = line else { return Ok(ResendOutcome::NotFound) };
            let status = LineStatus::parse(&status).unwrap_or(LineStatus::Complete);
            if let Some(refusal) = resend.scope.refusal(status, org_mapped_at) {
                return Ok(ResendOutcome::Refused(refusal));
            }
            if email_sent_at.is_none() {
                return Ok(ResendOutcome::Refused(Refusal::NotYetSent { rsd }));
            }
            if let Some(wait) = limit_wait!(
                tx,
                resend.grant.order_id(),
                contact.as_str(),
                resend.limit,
                resend.at,
                "$3",
                resend.subscription_id
            ) {
                return Ok(ResendOutcome::Limited(wait));
            }
            let id = enqueue!(tx, resend.grant.order_id(), contact.as_str(), "resend", resend.at);
            sqlx::query("INSERT INTO outbox_lines (outbox_id, subscription_id) VALUES ($1, $2)")
                .bind(id)
                .bind(resend.subscription_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE lines SET last_outbox_id = $1 WHERE subscription_id = $2")
                .bind(id)
                .bind(resend.subscription_id)
                .execute(&mut *tx)
                .await?;
            let transaction: i64 = sqlx::query_scalar(
                "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                           actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                           distributor_id)
                 SELECT 'provisioning_email_resend', $1, $2, $3, $3, $4, $5, 'in_progress', NULL, $6, $6, $7,
                        partner_id, distributor_id
                 FROM lines WHERE subscription_id = $1
                 RETURNING id",
            )
            .bind(resend.subscription_id)
            .bind(resend.grant.order_id())
            .bind(&contact)
            .bind(resend.grant.actor_user_id())
            .bind(resend.actor_name)
            .bind(resend.at)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let copy = enqueue_copy!(tx, resend.grant.order_id(), resend.copy_to, Some(id), resend.limit, resend.at);
            tx.commit().await?;
            Ok(ResendOutcome::Queued { recipient: contact, transaction, copy })
        })
    }

    /// Records that the order was mapped to the customer organisation (PONR). The one
    /// domain call behind `provisio onboard` and the admin console's `order.mapped` event.
    pub async fn onboard(&self, order_id: &str, at: DateTime<Utc>) -> sqlx::Result<OnboardOutcome> {
        self.record_once(
            "UPDATE orders SET org_mapped_at = $2 WHERE id = $1 AND org_mapped_at IS NULL",
            "SELECT COUNT(*) FROM orders WHERE id = $1",
            order_id,
            at,
        )
        .await
    }
}
