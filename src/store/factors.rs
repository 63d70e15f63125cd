//! Second factors (docs/product.md rule 15): one-time codes (a sealed RFC 6238 secret per
//! user, the step of the last code used so that none is taken twice) and recovery codes
//! (SHA-256 of 80-bit random codes, each used once); and every change to a user's own
//! sign-in recorded as a `security_change` transaction with an email to their address, in
//! the same database transaction as the change ([`SecurityTx`]).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{Store, User, read, tx_steps, write_tx};
use crate::domain::SecurityChange;

/// The hash under which a recovery code is stored: its SHA-256 (the code is 80 random bits,
/// so a slow hash would add nothing against guessing, and every check would cost one).
pub fn recovery_code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// A user's one-time codes as stored: the sealed secret, whether a first code confirmed
/// it (else an enrolment is waiting for one), and the step of the last code used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpFactor {
    pub secret: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_step: i64,
}

/// What the account security page shows of a user's factors.
#[derive(Debug, Clone, Default)]
pub struct SecondFactors {
    /// One-time codes: None (off), Some(false) enrolment started, Some(true) on.
    pub totp: Option<bool>,
    /// Recovery codes not yet used.
    pub recovery_codes_left: i64,
}

tx_steps! {
    /// Records a change to a user's own sign-in inside the transaction that makes it.
    pub(crate) trait SecurityTx {
        /// The `security_change` transaction of `user` (by their own hand) and the email that
        /// tells their own address, queued now; its status follows the email's delivery, as
        /// every transaction's does. Answers the transaction's id.
        async fn security_change(&mut self, user: &User, change: &SecurityChange, at: DateTime<Utc>) -> sqlx::Result<i64> {
            let outbox_id: i64 = sqlx::query_scalar(
                "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                 VALUES (NULL, $1, 'security', 'queued', 0, $2, $2) RETURNING id",
            )
            .bind(&user.email)
            .bind(at)
            .fetch_one(&mut *self)
            .await?;
            sqlx::query_scalar(
                "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
                                           status, detail, created_at, updated_at, outbox_id, company_id, subject)
                 VALUES ('security_change', NULL, NULL, NULL, $1, $2, $3, 'in_progress', NULL, $4, $4, $5, NULL, $6)
                 RETURNING id",
            )
            .bind(change.code())
            .bind(user.id)
            .bind(&user.name)
            .bind(at)
            .bind(outbox_id)
            .bind(&user.email)
            .fetch_one(&mut *self)
            .await
        }

        /// Replaces the user's recovery codes with these (hashes, [`recovery_code_hash`]).
        async fn replace_recovery_codes(&mut self, user_id: i64, hashes: &[String], at: DateTime<Utc>) -> sqlx::Result<()> {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *self).await?;
            // One statement for the set: a row of bound values per code.
            let rows: Vec<String> =
                (0..hashes.len()).map(|i| format!("($1, ${}, $2)", i + 3)).collect();
            let sql = format!("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES {}", rows.join(", "));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(at);
            for hash in hashes {
                query = query.bind(hash);
            }
            if !hashes.is_empty() {
                query.execute(&mut *self).await?;
            }
            Ok(())
        }
    }
}

impl Store {
    /// Records a change to `user`'s own sign-in made outside any other transaction (a
    /// passkey added or removed, sessions ended): the `security_change` transaction and the
    /// email to the user's own address, together. Answers the transaction's id.
    pub async fn record_security_change(
        &self,
        user: &User,
        change: &SecurityChange,
        at: DateTime<Utc>,
    ) -> sqlx::Result<i64> {
        write_tx!(self, |tx, pg| {
            let id = tx.security_change(user, change, at).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Whether the user has a second factor that signs in (one-time codes turned on; the
    /// passkeys' table adds to [`second_factor_of!`](super::second_factor_of)).
    pub async fn has_second_factor(&self, user_id: i64) -> sqlx::Result<bool> {
        read!(self, |pool, pg| {
            let sql = concat!("SELECT ", super::second_factor_of!("$1"), " AS has");
            sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await
        })
    }

    /// The user's one-time codes, on or waiting for their first code; None when off.
    pub async fn totp_factor(&self, user_id: i64) -> sqlx::Result<Option<TotpFactor>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT secret, confirmed_at, CAST(last_step AS BIGINT) AS last_step
                 FROM totp_factors WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// What the account security page shows: one-time codes and recovery codes left.
    pub async fn second_factors(&self, user_id: i64) -> sqlx::Result<SecondFactors> {
        read!(self, |pool, pg| {
            let row: (Option<bool>, i64) = sqlx::query_as(
                "SELECT (SELECT confirmed_at IS NOT NULL FROM totp_factors WHERE user_id = $1),
                        (SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL)",
            )
            .bind(user_id)
            .fetch_one(pool)
            .await?;
            Ok(SecondFactors { totp: row.0, recovery_codes_left: row.1 })
        })
    }

    /// Starts an enrolment of one-time codes with `sealed_secret` (a new one replaces one
    /// still waiting for its first code). False when one-time codes are already on.
    pub async fn start_totp(&self, user_id: i64, sealed_secret: &str, at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "INSERT INTO totp_factors (user_id, secret, confirmed_at, last_step, created_at)
                 VALUES ($1, $2, NULL, 0, $3)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
                                                     last_step = 0
                 WHERE totp_factors.confirmed_at IS NULL",
            )
            .bind(user_id)
            .bind(sealed_secret)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Turns one-time codes on with the first code's `step` (which counts as used), a
    /// first set of recovery codes, and the security change. False when there was no
    /// enrolment waiting (or a newer step was used meanwhile).
    pub async fn confirm_totp(
        &self,
        user: &User,
        step: i64,
        recovery_hashes: &[String],
        at: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE totp_factors SET confirmed_at = $3, last_step = $2
                 WHERE user_id = $1 AND confirmed_at IS NULL AND last_step < $2",
            )
            .bind(user.id)
            .bind(step)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            tx.replace_recovery_codes(user.id, recovery_hashes, at).await?;
            tx.security_change(user, &SecurityChange::TotpOn, at).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Takes the one-time code of `step` for a user whose codes are on: true once, false
    /// for a step already used (or an earlier one), so a code never works twice.
    pub async fn use_totp_step(&self, user_id: i64, step: i64) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE totp_factors SET last_step = $2
                 WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
            )
            .bind(user_id)
            .bind(step)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Uses one of the user's recovery codes (by its hash): true once, with the security
    /// change that says so; false for a used or unknown code.
    pub async fn use_recovery_code(&self, user: &User, hash: &str, at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            )
            .bind(user.id)
            .bind(hash)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(false);
            }
            tx.security_change(user, &SecurityChange::RecoveryCodeUsed, at).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// A new set of recovery codes for a user whose one-time codes are on (the old set
    /// stops working), with the security change. False when one-time codes are off.
    pub async fn renew_recovery_codes(&self, user: &User, hashes: &[String], at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let on: Option<i64> =
                sqlx::query_scalar("SELECT user_id FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL")
                    .bind(user.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if on.is_none() {
                return Ok(false);
            }
            tx.replace_recovery_codes(user.id, hashes, at).await?;
            tx.security_change(user, &SecurityChange::RecoveryCodesRenewed, at).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Turns one-time codes off (an enrolment still waiting is simply dropped), with their
    /// recovery codes and, when they were on, the security change. False when they were
    /// not on.
    pub async fn remove_totp(&self, user: &User, at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let was_on: Option<Option<DateTime<Utc>>> =
                sqlx::query_scalar("DELETE FROM totp_factors WHERE user_id = $1 RETURNING confirmed_at")
                    .bind(user.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if !matches!(was_on, Some(Some(_))) {
                tx.commit().await?;
                return Ok(false);
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?;
            tx.security_change(user, &SecurityChange::TotpOff, at).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Turns one-time codes on at once with `sealed_secret` (the demo data set's users;
    /// nothing else enrols without a first code).
    pub async fn enrol_totp_directly(&self, user_id: i64, sealed_secret: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query(
                "INSERT INTO totp_factors (user_id, secret, confirmed_at, last_step, created_at)
                 VALUES ($1, $2, $3, 0, $3)
                 ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = excluded.confirmed_at,
                                                     last_step = 0",
            )
            .bind(user_id)
            .bind(sealed_secret)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }
}
