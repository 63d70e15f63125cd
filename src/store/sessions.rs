//! Server-side sessions of signed-in users, in the application's own database, so that
//! they survive restarts and are shared by every instance. The cookie carries a random
//! key; the table keeps only its SHA-256, so a copy of the database does not hand out live
//! sessions. Anonymous visitors have no row at all.
//!
//! A request reads its session and user in one statement. It writes only when a quarter
//! of the idle time has passed since the last refresh (NOTES: no write per request), so a
//! session ends between ¾ and 1× the idle time after its last use.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{Store, User, read, write_tx};
use crate::config::SessionConfig;

/// The hash under which a session key is stored.
pub fn session_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A live session with its user, as one request sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    #[sqlx(flatten)]
    pub user: User,
    pub csrf: String,
    pub refreshed_at: DateTime<Utc>,
    pub idle_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl SessionRecord {
    /// Whether this use should push the idle end further out: a quarter of the idle time
    /// has passed since the last refresh, and the absolute end is not already nearer.
    pub fn wants_refresh(&self, lifetimes: &SessionConfig, now: DateTime<Utc>) -> bool {
        now - self.refreshed_at >= lifetimes.idle / 4 && self.idle_until < self.expires_at
    }
}

impl Store {
    /// The live session under `key_hash` and its (active) user, or None.
    pub async fn session(&self, key_hash: &str, now: DateTime<Utc>) -> sqlx::Result<Option<SessionRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT u.id, u.email, u.name, u.company_id, u.can_edit, u.operator, u.company_admin, u.language,
                        s.csrf, s.refreshed_at, s.idle_until, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.key_hash = $1 AND s.idle_until > $2 AND s.expires_at > $2 AND u.active",
            )
            .bind(key_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })
    }

    /// Starts a session for `user_id` (at sign-in), ending `previous` if there was one (a
    /// new key every sign-in: no fixation). Expired sessions are swept on the way.
    pub async fn start_session(
        &self,
        key_hash: &str,
        user_id: i64,
        csrf: &str,
        previous: Option<&str>,
        lifetimes: &SessionConfig,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM sessions WHERE idle_until <= $1 OR key_hash = $2")
                .bind(now)
                .bind(previous.unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (key_hash, user_id, csrf, created_at, refreshed_at, idle_until, expires_at)
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(key_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(now + lifetimes.idle.min(lifetimes.max))
            .bind(now + lifetimes.max)
            .execute(&mut *tx)
            .await?;
            // The Company page shows each user's last sign-in.
            sqlx::query("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Pushes the idle end of a session out by the idle time (never past its absolute end).
    pub async fn refresh_session(
        &self,
        key_hash: &str,
        lifetimes: &SessionConfig,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let idle_until = now + lifetimes.idle;
        write_tx!(self, |tx, pg| {
            sqlx::query(
                "UPDATE sessions SET refreshed_at = $2,
                        idle_until = CASE WHEN expires_at < $3 THEN expires_at ELSE $3 END
                 WHERE key_hash = $1 AND idle_until > $2",
            )
            .bind(key_hash)
            .bind(now)
            .bind(idle_until)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    /// Ends one session (sign-out): at once, for every instance.
    pub async fn end_session(&self, key_hash: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM sessions WHERE key_hash = $1").bind(key_hash).execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// Ends every session of a user (password changed, user deactivated).
    pub async fn end_sessions_of(&self, user_id: i64) -> sqlx::Result<u64> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(n)
        })
    }

    /// Removes what no longer counts: expired sessions and sign-in failures whose window
    /// ended more than `failure_window` ago.
    pub async fn purge_expired(&self, failure_window: Duration, now: DateTime<Utc>) -> sqlx::Result<u64> {
        write_tx!(self, |tx, pg| {
            // idle_until never passes expires_at, so one indexed condition finds both.
            let sessions = sqlx::query("DELETE FROM sessions WHERE idle_until <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let failures = sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
                .bind(now - failure_window)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(sessions + failures)
        })
    }

    /// How many session rows exist (for tests and benchmarks: anonymous visits add none).
    pub async fn session_count(&self) -> sqlx::Result<i64> {
        read!(self, |pool, pg| sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(pool).await)
    }
}
