//! API tokens of a company and the idempotency keys of API writes.
//!
//! A token's secret is never stored: only its SHA-256, looked up by the bearer header, and
//! its first 8 characters to recognise it by. Managing tokens takes a [`CompanyGrant`], so
//! only a company's admins (and operators) can list, create or revoke them. A token works
//! until it is revoked, it expires, or its creator is deactivated (which revokes it too).

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::company::CompanyTx;
use super::{Store, read, write_tx};
use crate::domain::CompanyGrant;

/// The most tokens a company holds that still work (neither revoked nor expired).
pub const MAX_LIVE_TOKENS: i64 = 25;

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
    pub expires_at: DateTime<Utc>,
    /// The secret's first 8 characters; empty for tokens made before prefixes were kept.
    pub prefix: String,
}

/// A token to create: what the form said, the secret's hash and prefix, and when it ends.
#[derive(Debug)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub scope: &'a str,
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    /// The one-time key of the form that asks; None for a form without one.
    pub form_key: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// What creating a token did.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateTokenOutcome {
    Created(i64),
    /// The same form was sent before and created the token with this name; nothing new.
    AlreadyCreated {
        name: String,
    },
    /// The company already holds [`MAX_LIVE_TOKENS`] tokens that work: nothing created.
    TooMany,
    /// The acting user no longer manages this company: nothing created.
    Forbidden,
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
    /// Creates a token, unless the same form (by its one-time key) created one already or
    /// the company holds [`MAX_LIVE_TOKENS`] working tokens. Both are decided under the
    /// company's lock ([`CompanyTx`]), after the acting user is checked again, so two
    /// requests at once can neither both use one form nor both take the last place.
    pub async fn create_token(
        &self,
        grant: &CompanyGrant,
        token: &NewApiToken<'_>,
    ) -> sqlx::Result<CreateTokenOutcome> {
        write_tx!(self, |tx, pg| {
            if !tx.lock_company(grant.company_id()).await? || !tx.may_manage(grant).await? {
                return Ok(CreateTokenOutcome::Forbidden);
            }
            if let Some(key) = token.form_key {
                let before: Option<String> =
                    sqlx::query_scalar("SELECT name FROM api_tokens WHERE company_id = $1 AND form_key = $2")
                        .bind(grant.company_id())
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(name) = before {
                    return Ok(CreateTokenOutcome::AlreadyCreated { name });
                }
            }
            let live: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM api_tokens WHERE company_id = $1 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(grant.company_id())
            .bind(token.at)
            .fetch_one(&mut *tx)
            .await?;
            if live >= MAX_LIVE_TOKENS {
                return Ok(CreateTokenOutcome::TooMany);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (company_id, name, scope, secret_hash, created_by, created_at, expires_at,
                                         prefix, form_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(grant.company_id())
            .bind(token.name)
            .bind(token.scope)
            .bind(token.secret_hash)
            .bind(grant.user_id())
            .bind(token.at)
            .bind(token.expires_at)
            .bind(token.prefix)
            .bind(token.form_key)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(CreateTokenOutcome::Created(id))
        })
    }

    /// The company's tokens, newest first, revoked ones included.
    pub async fn company_tokens(&self, grant: &CompanyGrant) -> sqlx::Result<Vec<TokenRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT t.id, t.company_id, t.name, t.scope, u.name AS creator_name, t.created_at, t.last_used_at,
                        t.revoked_at, t.expires_at, t.prefix
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
        self.live_token_at(secret_hash, Utc::now()).await
    }

    /// The token whose secret hashes to `secret_hash` if it works at `now`: not revoked,
    /// not expired, and its creator still active (a deactivation revokes their tokens as
    /// well; this holds even for a creator deactivated some other way).
    pub async fn live_token_at(&self, secret_hash: &str, now: DateTime<Utc>) -> sqlx::Result<Option<ApiToken>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT t.id, t.company_id, t.name, t.scope, t.last_used_at
                 FROM api_tokens t JOIN users u ON u.id = t.created_by
                 WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active",
            )
            .bind(secret_hash)
            .bind(now)
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
