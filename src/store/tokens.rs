//! API tokens of a company and the idempotency keys of API writes.
//!
//! A token's secret is never stored: only its SHA-256, looked up by the bearer header.
//! Managing tokens takes a [`CompanyGrant`], so only a company's admins (and operators)
//! can list, create or revoke them.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{Store, read, write_tx};
use crate::domain::CompanyGrant;

/// How long an idempotency key answers as it did the first time.
pub const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

/// A token's last-used time is written at most this often (once a minute: no write per request).
const LAST_USED_EVERY_SECONDS: i64 = 60;

/// The SHA-256 of a secret, in hex: what the database keeps of a token.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A token as its company's admins see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: i64,
    pub company_id: String,
    pub name: String,
    pub scope: String,
    pub creator_name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A live token, as a bearer header finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub company_id: String,
    pub name: String,
    pub scope: String,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn can_write(&self) -> bool {
        self.scope == "write"
    }
}

/// What claiming an idempotency key found.
#[derive(Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new (or its 24 hours are over): this request acts and records its answer.
    Fresh,
    /// Seen with the same body: the first answer, to be given again.
    Replay { status: u16, body: String },
    /// Seen with another body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    pub async fn create_token(
        &self,
        grant: &CompanyGrant,
        name: &str,
        scope: &str,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<i64> {
        write_tx!(self, |tx, pg| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (company_id, name, scope, secret_hash, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(grant.company_id())
            .bind(name)
            .bind(scope)
            .bind(secret_hash)
            .bind(grant.user_id())
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The company's tokens, newest first, revoked ones included.
    pub async fn company_tokens(&self, grant: &CompanyGrant) -> sqlx::Result<Vec<TokenRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT t.id, t.company_id, t.name, t.scope, u.name AS creator_name, t.created_at, t.last_used_at,
                        t.revoked_at
                 FROM api_tokens t JOIN users u ON u.id = t.created_by
                 WHERE t.company_id = $1 ORDER BY t.id DESC",
            )
            .bind(grant.company_id())
            .fetch_all(pool)
            .await
        })
    }

    /// Revokes one of the company's tokens; false when it has no such token. Revoking
    /// twice keeps the first time.
    pub async fn revoke_token(&self, grant: &CompanyGrant, id: i64, at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND company_id = $2",
            )
            .bind(id)
            .bind(grant.company_id())
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// The live token whose secret hashes to `secret_hash`, if any: read on every API
    /// request, so a revocation takes effect on the next one.
    pub async fn live_token(&self, secret_hash: &str) -> sqlx::Result<Option<ApiToken>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, company_id, name, scope, last_used_at FROM api_tokens
                 WHERE secret_hash = $1 AND revoked_at IS NULL",
            )
            .bind(secret_hash)
            .fetch_optional(pool)
            .await
        })
    }

    /// Records that a token was used, unless that was recorded less than a minute ago
    /// (by this instance or another: the condition is in the statement).
    pub async fn token_used(&self, token: &ApiToken, at: DateTime<Utc>) -> sqlx::Result<()> {
        let cutoff = at - Duration::seconds(LAST_USED_EVERY_SECONDS);
        if token.last_used_at.is_some_and(|t| t > cutoff) {
            return Ok(());
        }
        write_tx!(self, |tx, pg| {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(token.id)
            .bind(at)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    /// Claims an idempotency key for a request with this body hash. The claim is one
    /// insert on the key's primary key, so of two requests with the same key only one
    /// gets [`IdempotencyClaim::Fresh`]. A key older than 24 hours is forgotten first.
    pub async fn claim_idempotency_key(
        &self,
        token_id: i64,
        key: &str,
        body_hash: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<IdempotencyClaim> {
        let expired = at - Duration::hours(IDEMPOTENCY_WINDOW_HOURS);
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND created_at <= $3")
                .bind(token_id)
                .bind(key)
                .bind(expired)
                .execute(&mut *tx)
                .await?;
            let inserted = sqlx::query(
                "INSERT INTO api_idempotency (token_id, key, body_hash, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (token_id, key) DO NOTHING",
            )
            .bind(token_id)
            .bind(key)
            .bind(body_hash)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let claim = if inserted == 1 {
                IdempotencyClaim::Fresh
            } else {
                let (hash, status, response): (String, Option<i32>, Option<String>) = sqlx::query_as(
                    "SELECT body_hash, status, response FROM api_idempotency WHERE token_id = $1 AND key = $2",
                )
                .bind(token_id)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                match (hash == body_hash, status) {
                    (false, _) => IdempotencyClaim::Mismatch,
                    (true, None) => IdempotencyClaim::InProgress,
                    (true, Some(status)) => {
                        IdempotencyClaim::Replay { status: status as u16, body: response.unwrap_or_default() }
                    }
                }
            };
            tx.commit().await?;
            Ok(claim)
        })
    }

    /// Keeps the answer of the request that claimed the key, to be replayed.
    pub async fn record_idempotent_answer(
        &self,
        token_id: i64,
        key: &str,
        status: u16,
        body: &str,
    ) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("UPDATE api_idempotency SET status = $3, response = $4 WHERE token_id = $1 AND key = $2")
                .bind(token_id)
                .bind(key)
                .bind(i32::from(status))
                .bind(body)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Gives a key back when its request failed on our side (5xx): it changed nothing,
    /// so the client may try again with the same key.
    pub async fn release_idempotency_key(&self, token_id: i64, key: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND status IS NULL")
                .bind(token_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }
}
