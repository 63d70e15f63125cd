//! Server-side sessions of signed-in users, in the application's own database, so that
//! they survive restarts and are shared by every instance. actix-session's middleware runs
//! them (`web::sessions`) over [`SessionStorage`], its `SessionStore` on this database. The
//! cookie carries a random key (encrypted with a key derived from the database's signing
//! key); the table keeps only its SHA-256, so a copy of the database does not hand out live
//! sessions. Anonymous visitors have no row at all: the middleware stores nothing for an
//! empty session, and [`SessionStorage`] stores none without a user.
//!
//! A request reads its session and user in one statement ([`SessionStorage::load`] joins the
//! user's row and their company's name; the request context takes the user from the loaded state). It writes only
//! when a quarter of the idle time has passed since the last refresh (NOTES: no write per
//! request), so a session ends between ¾ and 1× the idle time after its last use.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::factors::SecurityTx;
use super::{Store, User, read, write_tx};
use crate::clock::Clock;
use crate::config::SessionConfig;
use crate::domain::SecurityChange;
use crate::secret::random_token;

/// A session's public id: 128 random bits in hex, unrelated to its key (which only the
/// cookie holds), so a page or a log that shows it hands out nothing.
fn public_session_id() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    hex::encode(bytes)
}

/// The hash under which a session key is stored.
pub fn session_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Which of a user's sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum EndSessions<'a> {
    /// The one with this public id (the request's own too).
    One(&'a str),
    /// Every one but the request's own.
    Others,
}

/// One of a user's sessions, as their list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionListed {
    pub public_id: String,
    pub created_at: DateTime<Utc>,
    /// The last use, to within a quarter of the idle time (the lazy refresh).
    pub refreshed_at: DateTime<Utc>,
    pub client: String,
    pub user_agent: String,
    /// The request's own session.
    pub current: bool,
}

/// A live session with its user, as one request sees it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct SessionRecord {
    #[sqlx(flatten)]
    pub user: User,
    /// The name of the user's company, for the header of every page: joined here so that
    /// showing it costs no statement of its own.
    pub company_name: String,
    pub csrf: String,
    pub refreshed_at: DateTime<Utc>,
    pub idle_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When this session's user last proved their second factor (or their password,
    /// without one): at sign-in, then at each fresh check (docs/product.md rule 15).
    pub checked_at: Option<DateTime<Utc>>,
    /// Whether the user has a second factor that signs in (`second_factor_of!`).
    pub second_factor: bool,
}

impl SessionRecord {
    /// Whether this use should push the idle end further out: a quarter of the idle time
    /// has passed since the last refresh, and the absolute end is not already nearer.
    pub fn wants_refresh(&self, lifetimes: &SessionConfig, now: DateTime<Utc>) -> bool {
        now - self.refreshed_at >= lifetimes.idle / 4 && self.idle_until < self.expires_at
    }
}

/// What a session holds, as actix-session's state entries (each a JSON text). The user,
/// the CSRF token and the time of the last strong check are stored (columns `user_id`,
/// `csrf` and `checked_at`); [`LIVE`] is what the load read, for the request context, and is
/// never written back. [`CLIENT`] and [`USER_AGENT`] are given at sign-in only and written
/// once with the new row (what the user's list of sessions shows); a load does not read
/// them back.
pub const USER_ID: &str = "user_id";
pub const CSRF: &str = "csrf";
pub const CHECKED_AT: &str = "checked_at";
pub const LIVE: &str = "live";
pub const CLIENT: &str = "client";
pub const USER_AGENT: &str = "user_agent";
/// Instead of the others when the session could not be read (the database is away): the
/// cause, for the request context to answer 503 with its page. (An error from `load` would
/// make the middleware answer an empty 500 before the request reaches a handler.)
pub const UNREADABLE: &str = "unreadable";

/// The loaded session under the [`LIVE`] entry: the row with its user, and the hash of the
/// key it was found under (for the lazy refresh).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LiveSession {
    pub key_hash: String,
    pub record: SessionRecord,
}

/// actix-session's `SessionStore` over the application's database (the published sqlx
/// store is for actix-session 0.10). Lifetimes are ours (PROVISIO_SESSION_IDLE and _MAX,
/// checked by the statements against [`Clock`]): the middleware's TTL argument is not used.
#[derive(Clone)]
pub struct SessionStorage {
    store: Store,
    lifetimes: SessionConfig,
    clock: Clock,
}

type State = HashMap<String, String>;

/// What a session stores: its user, CSRF token and last strong check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub user_id: i64,
    pub csrf: String,
    pub checked_at: Option<DateTime<Utc>>,
}

/// Where a session was started: the client address and the browser's `User-Agent` (cut
/// to [`MAX_USER_AGENT`] characters), as the sign-in request gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionOrigin {
    pub client: String,
    pub user_agent: String,
}

/// The longest `User-Agent` a session keeps.
pub const MAX_USER_AGENT: usize = 400;

/// Where a state says its session was started (empty where it does not: an update).
fn origin_entries(state: &State) -> anyhow::Result<SessionOrigin> {
    let text = |key: &str| -> anyhow::Result<String> {
        Ok(state.get(key).map(|v| serde_json::from_str::<String>(v)).transpose()?.unwrap_or_default())
    };
    Ok(SessionOrigin { client: text(CLIENT)?, user_agent: text(USER_AGENT)?.chars().take(MAX_USER_AGENT).collect() })
}

/// What a state holds to store, or why it cannot be stored. A session holds nothing else:
/// a new entry needs a column (and a migration) first.
fn stored_entries(state: &State) -> anyhow::Result<Option<StoredSession>> {
    const KNOWN: [&str; 7] = [USER_ID, CSRF, CHECKED_AT, LIVE, UNREADABLE, CLIENT, USER_AGENT];
    if let Some(other) = state.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        anyhow::bail!("the sessions table keeps no {other:?}: give it a column first");
    }
    let Some(user_id) = state.get(USER_ID) else { return Ok(None) };
    let user_id = serde_json::from_str(user_id)?;
    let csrf = serde_json::from_str(state.get(CSRF).ok_or_else(|| anyhow::anyhow!("a session needs its CSRF token"))?)?;
    let checked_at = match state.get(CHECKED_AT) {
        Some(at) => serde_json::from_str(at)?,
        None => None,
    };
    Ok(Some(StoredSession { user_id, csrf, checked_at }))
}

/// One state entry: a JSON text.
fn json(value: &impl serde::Serialize) -> Result<String, LoadError> {
    serde_json::to_string(value).map_err(|e| LoadError::Other(e.into()))
}

impl SessionStorage {
    pub fn new(store: Store, lifetimes: SessionConfig, clock: Clock) -> Self {
        Self { store, lifetimes, clock }
    }
}

impl SessionStore for SessionStorage {
    /// The live session and its active user, in one statement; expired, ended or a
    /// deactivated user's: None (the middleware then treats the request as anonymous); a
    /// failed read: [`UNREADABLE`].
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let key_hash = session_key_hash(session_key.as_ref());
        let record = match self.store.session(&key_hash, self.clock.now()).await {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(None),
            Err(e) => return Ok(Some(HashMap::from([(UNREADABLE.to_string(), json(&e.to_string())?)]))),
        };
        Ok(Some(HashMap::from([
            (USER_ID.to_string(), json(&record.user.id)?),
            (CSRF.to_string(), json(&record.csrf)?),
            (CHECKED_AT.to_string(), json(&record.checked_at)?),
            (LIVE.to_string(), json(&LiveSession { key_hash, record })?),
        ])))
    }

    /// A new session (at sign-in; after `Session::renew` the middleware has deleted the old
    /// one): a new random key, of which the row keeps the hash. A state without a user is
    /// not stored.
    async fn save(&self, state: State, _ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let stored = stored_entries(&state)
            .map_err(SaveError::Serialization)?
            .ok_or_else(|| SaveError::Other(anyhow::anyhow!("a session is stored only for a signed-in user")))?;
        let key = random_token();
        let origin = origin_entries(&state).map_err(SaveError::Serialization)?;
        self.store
            .start_session_from(&session_key_hash(&key), &stored, &origin, &self.lifetimes, self.clock.now())
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    /// A changed session keeps its key and its user (a new user comes with a new key:
    /// `renew`); emptied, it ends. An ended session is not brought back.
    async fn update(
        &self,
        session_key: SessionKey,
        state: State,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let key_hash = session_key_hash(session_key.as_ref());
        let result = match stored_entries(&state).map_err(UpdateError::Serialization)? {
            Some(stored) => self.store.update_session(&key_hash, &stored).await,
            None => self.store.end_session(&key_hash).await,
        };
        result.map_err(|e| UpdateError::Other(e.into()))?;
        Ok(session_key)
    }

    /// The lazy idle refresh; the request context calls it itself, since only it knows
    /// whether a request is use or an automatic poll (with `OnStateChanges` the middleware
    /// never does).
    async fn update_ttl(&self, session_key: &SessionKey, _ttl: &CookieDuration) -> anyhow::Result<()> {
        let key_hash = session_key_hash(session_key.as_ref());
        Ok(self.store.refresh_session(&key_hash, &self.lifetimes, self.clock.now()).await?)
    }

    /// Sign-out (`Session::purge`): the row goes, so a copied cookie stops working at once.
    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        Ok(self.store.end_session(&session_key_hash(session_key.as_ref())).await?)
    }
}

impl Store {
    /// The live session under `key_hash` and its (active) user, or None.
    pub async fn session(&self, key_hash: &str, now: DateTime<Utc>) -> sqlx::Result<Option<SessionRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!(
                "SELECT u.id, u.email, u.name, u.company_id, u.can_edit, u.operator, u.company_admin, u.language,
                        c.name AS company_name, s.csrf, s.refreshed_at, s.idle_until, s.expires_at, s.checked_at,
                        ",
                super::second_factor_of!("u.id"),
                " AS second_factor
                 FROM sessions s JOIN users u ON u.id = s.user_id JOIN companies c ON c.id = u.company_id
                 WHERE s.key_hash = $1 AND s.idle_until > $2 AND s.expires_at > $2 AND u.active"
            ))
            .bind(key_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })
    }

    /// Starts a session for its user (at sign-in, under a new key: no fixation), started
    /// from nowhere in particular (tests and tools; sign-in says where from).
    pub async fn start_session(
        &self,
        key_hash: &str,
        session: &StoredSession,
        lifetimes: &SessionConfig,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        self.start_session_from(key_hash, session, &SessionOrigin::default(), lifetimes, now).await
    }

    /// Starts a session for its user (at sign-in, under a new key: no fixation), with a
    /// public id of its own and where it was started, for the user's list of sessions.
    /// Expired sessions are swept on the way.
    pub async fn start_session_from(
        &self,
        key_hash: &str,
        session: &StoredSession,
        origin: &SessionOrigin,
        lifetimes: &SessionConfig,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let StoredSession { user_id, csrf, checked_at } = session;
        let user_id = *user_id;
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM sessions WHERE idle_until <= $1").bind(now).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO sessions (key_hash, user_id, csrf, created_at, refreshed_at, idle_until, expires_at,
                                       checked_at, public_id, client, user_agent)
                 VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(key_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(now + lifetimes.idle.min(lifetimes.max))
            .bind(now + lifetimes.max)
            .bind(checked_at)
            .bind(public_session_id())
            .bind(&origin.client)
            .bind(&origin.user_agent)
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

    /// Writes what a live session holds besides its user: the CSRF token and the last strong
    /// check. Nothing for a session that ended meanwhile, or that belongs to another user.
    pub async fn update_session(&self, key_hash: &str, session: &StoredSession) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("UPDATE sessions SET csrf = $3, checked_at = $4 WHERE key_hash = $1 AND user_id = $2")
                .bind(key_hash)
                .bind(session.user_id)
                .bind(&session.csrf)
                .bind(session.checked_at)
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

    /// Removes what no longer counts: expired sessions, sign-in failures whose window
    /// ended more than `failure_window` ago, and API idempotency keys past their 24 hours.
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
            let keys = sqlx::query("DELETE FROM api_idempotency WHERE created_at <= $1")
                .bind(now - Duration::hours(super::tokens::IDEMPOTENCY_WINDOW_HOURS))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(sessions + failures + keys)
        })
    }

    /// A user's live sessions, newest first, each marked whether it is the one under
    /// `current_key_hash` (the request's own). One statement over the `sessions_user` index.
    pub async fn live_sessions(
        &self,
        user_id: i64,
        current_key_hash: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<SessionListed>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT public_id, created_at, refreshed_at, client, user_agent, key_hash = $2 AS current
                 FROM sessions
                 WHERE user_id = $1 AND idle_until > $3 AND expires_at > $3
                 ORDER BY created_at DESC, public_id",
            )
            .bind(user_id)
            .bind(current_key_hash)
            .bind(now)
            .fetch_all(pool)
            .await
        })
    }

    /// Ends sessions of `user_id` that the user chose (one by its public id, or every one
    /// but the request's own, under `current_key_hash`), at once for every instance, and
    /// answers what was ended: none for an id that is not a live session of this user's
    /// (someone else's, or already ended).
    ///
    /// Sessions ended elsewhere are a `security_change` of the user's, with its email, in
    /// the same transaction (one for "everywhere else", however many it ended); ending the
    /// request's own session is signing out, which is not one.
    pub async fn end_own_sessions(
        &self,
        user: &User,
        current_key_hash: &str,
        which: EndSessions<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<SessionListed>> {
        let user_id = user.id;
        let (public_id, keep_key_hash) = match which {
            EndSessions::One(public_id) => (Some(public_id), None),
            EndSessions::Others => (None, Some(current_key_hash)),
        };
        write_tx!(self, |tx, pg| {
            let ended: Vec<SessionListed> = sqlx::query_as(
                "DELETE FROM sessions
                 WHERE user_id = $1 AND idle_until > $2 AND expires_at > $2
                   AND ($3 IS NULL OR public_id = $3) AND ($4 IS NULL OR key_hash <> $4)
                 RETURNING public_id, created_at, refreshed_at, client, user_agent, key_hash = $5 AS current",
            )
            .bind(user_id)
            .bind(now)
            .bind(public_id)
            .bind(keep_key_hash)
            .bind(current_key_hash)
            .fetch_all(&mut *tx)
            .await?;
            let change = match which {
                EndSessions::One(_) if ended.iter().any(|s| !s.current) => Some(SecurityChange::SessionEnded),
                EndSessions::Others if !ended.is_empty() => {
                    Some(SecurityChange::OtherSessionsEnded(ended.len() as i64))
                }
                _ => None,
            };
            if let Some(change) = change {
                tx.security_change(user, &change, now).await?;
            }
            tx.commit().await?;
            Ok(ended)
        })
    }

    /// Keeps a passkey registration's state with the session it was started in (replacing
    /// one started before): the ceremony's state stays on the server.
    pub async fn set_session_ceremony(&self, key_hash: &str, ceremony: &str) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query("UPDATE sessions SET ceremony = $2 WHERE key_hash = $1")
                .bind(key_hash)
                .bind(ceremony)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Takes the session's registration state, once: a second finish finds none.
    pub async fn take_session_ceremony(&self, key_hash: &str) -> sqlx::Result<Option<String>> {
        write_tx!(self, |tx, pg| {
            let ceremony: Option<Option<String>> =
                sqlx::query_scalar("SELECT ceremony FROM sessions WHERE key_hash = $1")
                    .bind(key_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            let ceremony = ceremony.flatten();
            if ceremony.is_some() {
                sqlx::query("UPDATE sessions SET ceremony = NULL WHERE key_hash = $1")
                    .bind(key_hash)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(ceremony)
        })
    }

    /// How many session rows exist (for tests and benchmarks: anonymous visits add none).
    pub async fn session_count(&self) -> sqlx::Result<i64> {
        read!(self, |pool, pg| sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(pool).await)
    }
}
