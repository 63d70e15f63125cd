//! Company admins (issue 12): a company's users, invitations to set a password, and the
//! permission changes, each recorded as a `permission_change` transaction in the same
//! database transaction as the change. Every write takes a [`CompanyGrant`], so only
//! [`crate::domain::Actor::company_grant`] can open the way to one.

use chrono::{DateTime, Utc};

use super::{Store, read, tx_steps, write_tx};
use crate::domain::{Actor, CompanyGrant};

/// One user as the Company page lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CompanyUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub company_id: String,
    pub can_edit: bool,
    operator: bool,
    pub company_admin: bool,
    pub active: bool,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Invited, and no password set yet.
    pub invited: bool,
    /// The API tokens this user created that still work (neither revoked nor expired):
    /// what deactivating them revokes. Read by the users page only.
    #[sqlx(default)]
    pub live_tokens: i64,
}

impl CompanyUser {
    /// What this user may do, for the page to ask the grants (an operator's edit permission
    /// and admin flag make no difference to what they may do).
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            company_id: self.company_id.clone(),
            can_edit: self.can_edit,
            operator: self.operator,
            company_admin: self.company_admin,
        }
    }
}

/// What an admin asks to change of one user; a field left out stays as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserChange {
    pub can_edit: Option<bool>,
    pub company_admin: Option<bool>,
    pub active: Option<bool>,
}

#[derive(Debug)]
pub enum UserChangeOutcome {
    /// The user as they are now, the fields that changed, and how many API tokens of theirs
    /// a deactivation revoked.
    Changed {
        user: CompanyUser,
        fields: Vec<&'static str>,
        revoked_tokens: u64,
    },
    NotFound,
    /// The change would leave the company without an active admin, whoever asks for it.
    LastAdmin,
    /// The acting user no longer manages this company (deactivated, or no longer an admin,
    /// since the request began): nothing changed.
    Forbidden,
}

/// One invitation to send: the new user and the link of the email.
#[derive(Debug)]
pub struct Invitation<'a> {
    pub grant: &'a CompanyGrant,
    pub actor_name: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub link: &'a str,
    pub expires_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum InviteOutcome {
    Invited,
    /// The address already has an account (of whichever company: the answer says no more).
    Exists,
}

/// What an invitation link finds.
#[derive(Debug, PartialEq, Eq)]
pub enum InvitationState {
    /// Open: the invited user's email and name, and their company's name.
    Open {
        email: String,
        name: String,
        company: String,
    },
    /// Used, expired, or the user was deactivated.
    Gone,
    NotFound,
}

tx_steps! {
    /// The first steps of every change to a company's users or API tokens, inside its own
    /// database transaction: the company locked, then the acting user checked again under
    /// that lock, so that what the request's session said an instant ago still holds when
    /// the change commits.
    pub(crate) trait CompanyTx {
        /// Locks the company's row for the rest of the transaction (PostgreSQL; SQLite's one
        /// writer already holds its write lock from `BEGIN IMMEDIATE`): changes to one
        /// company's users and tokens run one after the other. `FOR NO KEY UPDATE` rather
        /// than `FOR UPDATE`: it excludes the other changes of this company just the same,
        /// but not the inserts elsewhere that merely reference the company (orders, users,
        /// cases), whose foreign keys take `FOR KEY SHARE`. False when there is no such
        /// company.
        async fn lock_company(&mut self, company_id: &str) -> sqlx::Result<bool> {
            let statement = if Self::PG {
                "SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE"
            } else {
                "SELECT id FROM companies WHERE id = $1"
            };
            let found: Option<String> = sqlx::query_scalar(statement).bind(company_id).fetch_optional(&mut *self).await?;
            Ok(found.is_some())
        }

        /// Whether the grant's user still may manage its company: an active admin of it, or
        /// an active operator. Their row is read `FOR SHARE` on PostgreSQL, so a change to
        /// them that is under way (an operator deactivated from their own company) commits
        /// first and is what this reads.
        async fn may_manage(&mut self, grant: &CompanyGrant) -> sqlx::Result<bool> {
            let statement = if Self::PG {
                "SELECT active AND (operator OR (company_admin AND company_id = $2)) FROM users WHERE id = $1 FOR SHARE"
            } else {
                "SELECT active AND (operator OR (company_admin AND company_id = $2)) FROM users WHERE id = $1"
            };
            let allowed: Option<bool> = sqlx::query_scalar(statement)
                .bind(grant.user_id())
                .bind(grant.company_id())
                .fetch_optional(&mut *self)
                .await?;
            Ok(allowed == Some(true))
        }
    }
}

const USER_COLUMNS: &str = "id, email, name, company_id, can_edit, operator, company_admin, active, last_sign_in_at,
                            (password_hash IS NULL) AS invited";

impl Store {
    /// A company's name, or None when there is no such company.
    pub async fn company_name(&self, company_id: &str) -> sqlx::Result<Option<String>> {
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT name FROM companies WHERE id = $1").bind(company_id).fetch_optional(pool).await
        })
    }

    /// Every user of the granted company, by name, with the number of API tokens each has
    /// created that still work at `now`.
    pub async fn company_users(&self, grant: &CompanyGrant, now: DateTime<Utc>) -> sqlx::Result<Vec<CompanyUser>> {
        let statement = format!(
            "SELECT {USER_COLUMNS},
                    (SELECT COUNT(*) FROM api_tokens t
                     WHERE t.created_by = users.id AND t.revoked_at IS NULL AND t.expires_at > $2) AS live_tokens
             FROM users WHERE company_id = $1 ORDER BY lower(name), email"
        );
        read!(self, |pool, pg| {
            sqlx::query_as(sqlx::AssertSqlSafe(statement.clone()))
                .bind(grant.company_id())
                .bind(now)
                .fetch_all(pool)
                .await
        })
    }

    /// The active admins of a company (name, email), whom its users can ask for the edit
    /// permission.
    pub async fn company_admins(&self, company_id: &str) -> sqlx::Result<Vec<(String, String)>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT name, email FROM users WHERE company_id = $1 AND company_admin AND active ORDER BY lower(name), email",
            )
            .bind(company_id)
            .fetch_all(pool)
            .await
        })
    }

    /// Creates the invited user (no password yet), their invitation (the token's hash
    /// only), the invitation email in the outbox and the permission_change transaction,
    /// all in one database transaction.
    pub async fn invite(&self, invitation: Invitation<'_>) -> sqlx::Result<InviteOutcome> {
        let email = invitation.email.trim().to_lowercase();
        let grant = invitation.grant;
        write_tx!(self, |tx, pg| {
            let user_id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO users (email, name, company_id, password_hash, can_edit, operator, company_admin, active)
                 VALUES ($1, $2, $3, NULL, FALSE, FALSE, FALSE, TRUE)
                 ON CONFLICT (email) DO NOTHING RETURNING id",
            )
            .bind(&email)
            .bind(invitation.name.trim())
            .bind(grant.company_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user_id) = user_id else { return Ok(InviteOutcome::Exists) };
            let invitation_id: i64 = sqlx::query_scalar(
                "INSERT INTO invitations (token_hash, user_id, invited_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(invitation.token_hash)
            .bind(user_id)
            .bind(grant.user_id())
            .bind(invitation.at)
            .bind(invitation.expires_at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at,
                                     invitation_id, link)
                 VALUES (NULL, $1, 'invitation', 'queued', 0, $2, $2, $3, $4)",
            )
            .bind(&email)
            .bind(invitation.at)
            .bind(invitation_id)
            .bind(invitation.link)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id, actor,
                                           status, detail, created_at, updated_at, company_id, subject)
                 VALUES ('permission_change', NULL, NULL, NULL, $1, $2, $3, 'success', 'invited', $4, $4, $5, $6)",
            )
            .bind(invitation.name.trim())
            .bind(grant.user_id())
            .bind(invitation.actor_name)
            .bind(invitation.at)
            .bind(grant.company_id())
            .bind(&email)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(InviteOutcome::Invited)
        })
    }

    /// Changes the edit permission, admin role or activity of one user of the granted
    /// company, with one permission_change transaction per field that changed. A
    /// deactivated user's sessions end and the API tokens they created are revoked in the
    /// same transaction.
    ///
    /// A company always keeps an active admin: a change by anyone (an admin of the company
    /// or an operator) that would take away the last one is refused. It is decided under
    /// the company's lock ([`CompanyTx`]), after the acting user is checked again under it,
    /// so two admins removing each other at once cannot both succeed: the second finds
    /// either that it would leave none, or that its own actor is no longer an admin.
    pub async fn change_user(
        &self,
        grant: &CompanyGrant,
        actor_name: &str,
        email: &str,
        change: UserChange,
        at: DateTime<Utc>,
    ) -> sqlx::Result<UserChangeOutcome> {
        let email = email.trim().to_lowercase();
        let select = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND company_id = $2");
        write_tx!(self, |tx, pg| {
            if !tx.lock_company(grant.company_id()).await? {
                return Ok(UserChangeOutcome::NotFound);
            }
            if !tx.may_manage(grant).await? {
                return Ok(UserChangeOutcome::Forbidden);
            }
            let user: Option<CompanyUser> = sqlx::query_as(sqlx::AssertSqlSafe(select.clone()))
                .bind(&email)
                .bind(grant.company_id())
                .fetch_optional(&mut *tx)
                .await?;
            let Some(before) = user else { return Ok(UserChangeOutcome::NotFound) };
            let after = CompanyUser {
                can_edit: change.can_edit.unwrap_or(before.can_edit),
                company_admin: change.company_admin.unwrap_or(before.company_admin),
                active: change.active.unwrap_or(before.active),
                ..before.clone()
            };
            let changed: Vec<(&'static str, bool, bool)> = [
                ("can_edit", before.can_edit, after.can_edit),
                ("company_admin", before.company_admin, after.company_admin),
                ("active", before.active, after.active),
            ]
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .collect();
            if changed.is_empty() {
                return Ok(UserChangeOutcome::Changed { user: before, fields: Vec::new(), revoked_tokens: 0 });
            }
            let was_admin = before.company_admin && before.active;
            let stays_admin = after.company_admin && after.active;
            if was_admin && !stays_admin {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE company_id = $1 AND company_admin AND active AND id <> $2",
                )
                .bind(grant.company_id())
                .bind(before.id)
                .fetch_one(&mut *tx)
                .await?;
                if others == 0 {
                    return Ok(UserChangeOutcome::LastAdmin);
                }
            }
            sqlx::query("UPDATE users SET can_edit = $2, company_admin = $3, active = $4 WHERE id = $1")
                .bind(before.id)
                .bind(after.can_edit)
                .bind(after.company_admin)
                .bind(after.active)
                .execute(&mut *tx)
                .await?;
            let mut revoked_tokens = 0;
            if !after.active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(before.id).execute(&mut *tx).await?;
                // The tokens that still work; expired ones stay as they are.
                revoked_tokens = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $2
                     WHERE created_by = $1 AND revoked_at IS NULL AND expires_at > $2",
                )
                .bind(before.id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            let on_off = |v: bool| if v { "on" } else { "off" };
            for (field, old, new) in &changed {
                sqlx::query(
                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                               actor, status, detail, created_at, updated_at, company_id, subject)
                     VALUES ('permission_change', NULL, NULL, $1, $2, $3, $4, 'success', $5, $6, $6, $7, $8)",
                )
                .bind(on_off(*old))
                .bind(on_off(*new))
                .bind(grant.user_id())
                .bind(actor_name)
                .bind(*field)
                .bind(at)
                .bind(grant.company_id())
                .bind(&email)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            let fields = changed.into_iter().map(|(f, _, _)| f).collect();
            Ok(UserChangeOutcome::Changed { user: after, fields, revoked_tokens })
        })
    }

    /// What the invitation under `token_hash` is at `now`.
    pub async fn invitation(&self, token_hash: &str, now: DateTime<Utc>) -> sqlx::Result<InvitationState> {
        type Row = (String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, bool);
        let row: Option<Row> = read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT u.email, u.name, c.name, i.expires_at, i.used_at, u.active
                 FROM invitations i JOIN users u ON u.id = i.user_id JOIN companies c ON c.id = u.company_id
                 WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await
        })?;
        Ok(match row {
            None => InvitationState::NotFound,
            Some((email, name, company, expires_at, used_at, active)) => {
                if used_at.is_some() || expires_at <= now || !active {
                    InvitationState::Gone
                } else {
                    InvitationState::Open { email, name, company }
                }
            }
        })
    }

    /// Sets the invited user's password and uses the invitation up, once: of two requests
    /// with the same link, one sets the password and the other finds it gone.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<InvitationState> {
        write_tx!(self, |tx, pg| {
            let used: Option<i64> = sqlx::query_scalar(
                "UPDATE invitations SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                   AND user_id IN (SELECT id FROM users WHERE active)
                 RETURNING user_id",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user_id) = used else {
                let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_one(&mut *tx)
                    .await?;
                return Ok(if known > 0 { InvitationState::Gone } else { InvitationState::NotFound });
            };
            let (email, name, company): (String, String, String) = sqlx::query_as(
                "UPDATE users SET password_hash = $2 WHERE id = $1
                 RETURNING email, name, (SELECT c.name FROM companies c WHERE c.id = users.company_id)",
            )
            .bind(user_id)
            .bind(password_hash)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(InvitationState::Open { email, name, company })
        })
    }

    /// Moves the expiry of a user's open invitations (tests set the clock this way).
    pub async fn set_invitation_expiry(&self, email: &str, expires_at: DateTime<Utc>) -> sqlx::Result<u64> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE invitations SET expires_at = $2
                 WHERE used_at IS NULL AND user_id IN (SELECT id FROM users WHERE email = $1)",
            )
            .bind(email.trim().to_lowercase())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n)
        })
    }
}
