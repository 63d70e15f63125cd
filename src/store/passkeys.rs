//! Passkeys (WebAuthn credentials) of users: each as webauthn-rs keeps it (JSON), under its
//! credential id, with the name its user gave it. A user's passkeys share one user handle
//! (`users.passkey_handle`, a random UUID made at the first one), which a discoverable
//! passkey hands back at sign-in.

use chrono::{DateTime, Utc};

use super::factors::SecurityTx;
use super::{Store, User, read, write_tx};
use crate::domain::SecurityChange;

/// How many passkeys one user may hold.
pub const MAX_PASSKEYS: i64 = 20;

/// One passkey as the user's list shows it, with its stored credential.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRecord {
    pub id: i64,
    pub name: String,
    /// webauthn-rs's `Passkey`, as JSON.
    pub credential: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A passkey found by its credential id at sign-in, with its (active) user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyOwner {
    #[sqlx(flatten)]
    pub user: User,
    pub passkey_handle: Option<String>,
    pub passkey_id: i64,
    pub passkey_name: String,
    pub credential: String,
}

/// A new passkey, as its registration's finish hands it over.
#[derive(Debug, Clone)]
pub struct NewPasskey<'a> {
    pub credential_id: &'a str,
    pub name: &'a str,
    pub credential: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddPasskeyOutcome {
    Added {
        id: i64,
    },
    /// This credential is registered already (to this user or another).
    Duplicate,
    /// The user holds [`MAX_PASSKEYS`] already.
    TooMany,
}

impl Store {
    /// The user handle of `user_id`'s passkeys, made now if they have none yet.
    pub async fn ensure_passkey_handle(&self, user_id: i64, fresh: &str) -> sqlx::Result<String> {
        write_tx!(self, |tx, pg| {
            let handle: String = sqlx::query_scalar(
                "UPDATE users SET passkey_handle = COALESCE(passkey_handle, $2) WHERE id = $1 RETURNING passkey_handle",
            )
            .bind(user_id)
            .bind(fresh)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(handle)
        })
    }

    /// A user's passkeys, oldest first.
    pub async fn passkeys_of(&self, user_id: i64) -> sqlx::Result<Vec<PasskeyRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, name, credential, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })
    }

    /// Keeps a user's new passkey, unless its credential is known already or the user holds
    /// the most they may; with the `security_change` and its email, in one transaction.
    pub async fn add_passkey(
        &self,
        user: &User,
        passkey: NewPasskey<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<AddPasskeyOutcome> {
        let user_id = user.id;
        write_tx!(self, |tx, pg| {
            // The user's row first, so two registrations at once count each other.
            if pg {
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if held >= MAX_PASSKEYS {
                return Ok(AddPasskeyOutcome::TooMany);
            }
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (credential_id) DO NOTHING
                 RETURNING id",
            )
            .bind(user_id)
            .bind(passkey.credential_id)
            .bind(passkey.name)
            .bind(passkey.credential)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else { return Ok(AddPasskeyOutcome::Duplicate) };
            tx.security_change(user, &SecurityChange::PasskeyAdded(passkey.name.to_string()), now).await?;
            tx.commit().await?;
            Ok(AddPasskeyOutcome::Added { id })
        })
    }

    /// The passkey with this credential id and its user, if the user is active.
    pub async fn passkey_by_credential(&self, credential_id: &str) -> sqlx::Result<Option<PasskeyOwner>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT u.id, u.email, u.name, u.company_id, u.can_edit, u.operator, u.company_admin, u.language,
                        u.passkey_handle, p.id AS passkey_id, p.name AS passkey_name, p.credential
                 FROM passkeys p JOIN users u ON u.id = p.user_id
                 WHERE p.credential_id = $1 AND u.active",
            )
            .bind(credential_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// Records a sign-in with a passkey: when, the credential as it is now (its counter),
    /// and the ceremony's nonce. False, and nothing written, when that ceremony was used
    /// with this passkey already (the same answer sent twice) or the passkey is gone.
    pub async fn passkey_used(
        &self,
        passkey_id: i64,
        credential: &str,
        ceremony: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE passkeys SET last_used_at = $2, credential = $3, last_ceremony = $4
                 WHERE id = $1 AND (last_ceremony IS NULL OR last_ceremony <> $4)",
            )
            .bind(passkey_id)
            .bind(now)
            .bind(credential)
            .bind(ceremony)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Removes one of the user's own passkeys, with the `security_change` and its email;
    /// its name, or None when the user has no such passkey (someone else's, or gone
    /// already).
    pub async fn remove_passkey(
        &self,
        user: &User,
        passkey_id: i64,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<String>> {
        write_tx!(self, |tx, pg| {
            let name: Option<String> =
                sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
                    .bind(passkey_id)
                    .bind(user.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(name) = &name {
                tx.security_change(user, &SecurityChange::PasskeyRemoved(name.clone()), now).await?;
                tx.commit().await?;
            }
            Ok(name)
        })
    }
}
