//! What `GET /metrics` reads at scrape time (docs/operations.md, "Metrics").

use chrono::{DateTime, Utc};

use super::{Store, read};
use crate::metrics::PoolUse;

impl Store {
    /// Messages queued to send, and when the oldest was queued: one statement over the
    /// queued rows only (the `outbox_due` index leads with the status).
    pub async fn email_queue(&self) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
        read!(self, |pool, pg| {
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'queued'").fetch_one(pool).await
        })
    }

    /// Bounce and delay reports recorded, in the whole installation (docs/operations.md,
    /// "Metrics"): whoever read them (`POST /webhooks/bounce` in any instance, or
    /// `provisio bounce` in its own process), they are rows of `bounces`, which nothing
    /// deletes, so the count only grows. Reports are few (a share of the emails); the count
    /// reads them at scrape time.
    pub async fn bounce_reports(&self) -> sqlx::Result<(i64, i64)> {
        const SQL: &str = "SELECT CAST(COALESCE(SUM(CASE WHEN outcome = 'bounced' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                           CAST(COALESCE(SUM(CASE WHEN outcome = 'delayed' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM bounces";
        read!(self, |pool, pg| sqlx::query_as(SQL).fetch_one(pool).await)
    }

    /// Each database pool's connections, open and idle, and its maximum.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        fn of<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolUse {
            PoolUse {
                name,
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match self {
            Store::Sqlite(s) => vec![of("sqlite_read", &s.read), of("sqlite_write", &s.write)],
            Store::Postgres(p) => vec![of("postgres", &p.pool), of("postgres_lists", &p.lists)],
        }
    }
}
