//! The one store interface, with one implementation per database (SQLite, PostgreSQL)
//! chosen at run time from `DATABASE_URL`.
//!
//! Most SQL is the same text on both (both accept `$1` parameters, `RETURNING` and
//! `ON CONFLICT`); where the dialects differ, a method says so with `pg`/`sqlite` branches.
//! The macros below expand each method body once per database, so every query runs
//! against concrete sqlx types (no `Any` driver).

mod attention;
mod bounces;
mod bulk;
mod cases;
mod company;
mod edits;
mod emails;
pub mod factors;
mod import;
pub(crate) mod json_time;
mod lists;
mod metrics;
mod orders;
pub mod outbox;
mod passkeys;
mod records;
mod resend_all;
mod retention;
pub mod sessions;
mod throttle;
mod tokens;
mod transactions;
mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use attention::{AttentionFilter, AttentionRecord, attention_counts_statement, attention_statement};
pub use bounces::BounceRecorded;
pub use bulk::{BulkApplyOutcome, BulkBatch, BulkCreated, BulkDiscardOutcome, BulkRowOutcome};
pub use cases::{AttachmentInfo, CaseOutcome, CaseRecord, NewAttachment, NewCase};
pub use company::{CompanyUser, Invitation, InvitationState, InviteOutcome, UserChange, UserChangeOutcome};
pub use edits::{ContactEdit, CopyOutcome, EditOutcome, LineAction, Resend, ResendOutcome, Stopped};
pub use emails::SentEmail;
pub use factors::{SecondFactors, TotpFactor, recovery_code_hash};
pub use import::{ImportError, ImportFile, ImportProgress, ImportSummary, Progress};
pub use lists::{
    Arg, Statement, SubscriptionFilter, orders_statement, prefix_range, subscriptions_statement, transactions_statement,
};
pub use orders::{LineCursor, LinePage, OnboardOutcome};
pub use outbox::{
    BounceAlert, ClaimedEmail, Delivery, EmailLine, InvitationEmail, LimitPreview, QueueCounts, SecurityEmail,
};
pub use passkeys::{AddPasskeyOutcome, MAX_PASSKEYS, NewPasskey, PasskeyOwner, PasskeyRecord};
pub use records::*;
pub use resend_all::{ResendAll, ResendAllOutcome, ResendAllSummary};
pub use retention::BulkPurge;
pub use sessions::{
    EndSessions, LiveSession, SessionListed, SessionOrigin, SessionRecord, SessionStorage, StoredSession,
    session_key_hash,
};
pub use throttle::ANY_ACCOUNT;
pub use tokens::{
    ApiToken, CreateTokenOutcome, IdempotencyClaim, MAX_LIVE_TOKENS, NewApiToken, TokenRecord, token_hash,
};
pub use transactions::{RetryOutcome, TransactionFilter};

pub use crate::domain::EditScope;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// PostgreSQL: one pool for every statement but the list pages', and one for those, whose
/// connections plan each statement for the values it runs with (see
/// [`Store::fetch_list`]).
#[derive(Debug, Clone)]
pub struct PgStore {
    pub pool: PgPool,
    lists: PgPool,
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
                let $pool = &p.pool;
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
                let mut $tx = p.pool.begin().await?;
                #[allow(unused_variables)]
                let $pg = true;
                $body
            }
        }
    };
}

/// Declares a trait of steps inside a write transaction and implements it for both
/// connection types from one text, so that each step's signature and body are written
/// once; a body reads `Self::PG` where the dialects differ.
macro_rules! tx_steps {
    (
        $(#[$trait_meta:meta])*
        $vis:vis trait $trait:ident {
            $(
                $(#[$meta:meta])*
                async fn $name:ident(&mut $self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
            )*
        }
    ) => {
        $(#[$trait_meta])*
        $vis trait $trait {
            /// Whether this is a PostgreSQL connection (else SQLite).
            #[allow(dead_code)]
            const PG: bool;
            $(
                $(#[$meta])*
                async fn $name(&mut self $(, $arg: $ty)*) -> $ret;
            )*
        }

        impl $trait for sqlx::PgConnection {
            const PG: bool = true;
            $(async fn $name(&mut $self $(, $arg: $ty)*) -> $ret $body)*
        }

        impl $trait for sqlx::SqliteConnection {
            const PG: bool = false;
            $(async fn $name(&mut $self $(, $arg: $ty)*) -> $ret $body)*
        }
    };
}

pub(crate) use {read, tx_steps, write_tx};

/// The emails counted against a recipient's limit (docs/product.md rule 6): those people
/// trigger (edits, resends, bulk fixes and API calls are written as `edit` or `resend`)
/// and copies to the acting user. The RSD email, reminders and invitations do not count.
/// The one home of that rule: every statement that counts a recipient's emails (one change,
/// resend for every line, the bulk fix) embeds this predicate, with the table's alias.
macro_rules! counted_for_recipient {
    () => {
        "cause IN ('edit', 'resend', 'copy')"
    };
    ($alias:literal) => {
        concat!($alias, ".cause IN ('edit', 'resend', 'copy')")
    };
}

/// The emails counted against a line's limit: the same without copies, which count against
/// the acting user's own address only.
macro_rules! counted_for_line {
    () => {
        "cause IN ('edit', 'resend')"
    };
    ($alias:literal) => {
        concat!($alias, ".cause IN ('edit', 'resend')")
    };
}
pub(crate) use {counted_for_line, counted_for_recipient};

/// Whether the user whose id is the SQL expression `$user_id` has a second factor that
/// signs in: one-time codes turned on (docs/product.md rule 15). The one home of that
/// rule: the session's statement (every request), sign-in and the enrolment policy embed
/// it. Passkeys add their `OR EXISTS (…)` here.
macro_rules! second_factor_of {
    ($user_id:literal) => {
        concat!(
            "(EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = ",
            $user_id,
            " AND f.confirmed_at IS NOT NULL) OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = ",
            $user_id,
            "))"
        )
    };
}
pub(crate) use second_factor_of;

/// The first step of every change to an order's lines (an edit, a resend, a resend for
/// every line, a group of orders of a bulk fix): the order's row locked for the rest of the
/// transaction (PostgreSQL; SQLite already holds its one write lock) and its PONR read
/// under that lock. Onboarding writes the same row, so no change commits after PONR.
pub(crate) trait OrderLock {
    /// None when the order is not there; else when its PONR was reached, if it was.
    async fn lock_order(&mut self, order_id: &str) -> sqlx::Result<Option<Option<chrono::DateTime<chrono::Utc>>>>;

    /// Several orders at once (`orders` a JSON array of ids), locked in id order so that two
    /// transactions that lock some of the same orders wait for each other instead of
    /// deadlocking; answers the ids of those that are there, in that order.
    async fn lock_orders(&mut self, orders: &str) -> sqlx::Result<Vec<String>>;
}

impl OrderLock for sqlx::PgConnection {
    async fn lock_order(&mut self, order_id: &str) -> sqlx::Result<Option<Option<chrono::DateTime<chrono::Utc>>>> {
        let sql = "SELECT org_mapped_at FROM orders WHERE id = $1 FOR UPDATE";
        sqlx::query_scalar(sql).bind(order_id).fetch_optional(self).await
    }

    async fn lock_orders(&mut self, orders: &str) -> sqlx::Result<Vec<String>> {
        let sql =
            "SELECT id FROM orders WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY id FOR UPDATE";
        sqlx::query_scalar(sql).bind(orders).fetch_all(self).await
    }
}

impl OrderLock for sqlx::SqliteConnection {
    async fn lock_order(&mut self, order_id: &str) -> sqlx::Result<Option<Option<chrono::DateTime<chrono::Utc>>>> {
        sqlx::query_scalar("SELECT org_mapped_at FROM orders WHERE id = $1").bind(order_id).fetch_optional(self).await
    }

    async fn lock_orders(&mut self, orders: &str) -> sqlx::Result<Vec<String>> {
        let sql = "SELECT id FROM orders WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id";
        sqlx::query_scalar(sql).bind(orders).fetch_all(self).await
    }
}

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

/// SQLite: the rows of a subquery of [`line_columns!`] as one JSON array of arrays (each
/// line's values by position, in `LineRecord`'s field order, which serde reads as well as
/// an object), in the order's own order. sqlx-sqlite hands every row from its worker thread
/// to the request (a wake-up each); one row of JSON costs one. `cargo bench --bench pages`,
/// order page of 100 lines: 816 → 1,405 req/s in one run (PostgreSQL streams rows in the
/// request's own task and keeps them as rows). Positions rather than names: SQLite wrote
/// and serde matched eighteen keys a line, 6 % of the page's instructions.
macro_rules! line_json {
    () => {
        "json_group_array(json_array(subscription_id, order_id, position, offer, rsd, contact, status,
           email_sent_at, version, updated_at, updated_by, last_email_at, email_status,
           email_recipient, email_accepted_at, email_error, closed_at, email_attempts)
           ORDER BY position, subscription_id) AS json"
    };
}
pub(crate) use line_json;

/// The lines of a [`line_json!`] row.
pub(crate) fn lines_from_json(json: &str) -> sqlx::Result<Vec<LineRecord>> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinesJson {
    pub(crate) json: String,
}

/// Picks the dialect's text of a statement.
const fn sql(pg: bool, postgres: &'static str, sqlite: &'static str) -> &'static str {
    if pg { postgres } else { sqlite }
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
                .connect_with(options.clone())
                .await?;
            let lists = PgPoolOptions::new()
                .max_connections(5)
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(options.options([("plan_cache_mode", "force_custom_plan")]));
            Store::Postgres(PgStore { pool, lists })
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
            Store::Postgres(p) => POSTGRES_MIGRATIONS.run(&p.pool).await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => {
                s.read.close().await;
                s.write.close().await;
            }
            Store::Postgres(p) => {
                p.lists.close().await;
                p.pool.close().await;
            }
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
}
