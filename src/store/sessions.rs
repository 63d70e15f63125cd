//! Server-side sessions in the application's own database, so that they survive restarts
//! and are shared by every instance. The cookie carries a random key; the table keeps only
//! its SHA-256, so a copy of the database does not hand out live sessions.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Store, read, write_tx};

type SessionState = HashMap<String, String>;

#[derive(Clone)]
pub struct SqlSessionStore {
    store: Store,
}

impl SqlSessionStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn key_hash(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}

fn new_key() -> SessionKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    SessionKey::try_from(key).expect("a 43-character key fits in a cookie")
}

fn expiry(ttl: &Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())
}

impl Store {
    async fn session_load(&self, hash: &str, now: DateTime<Utc>) -> sqlx::Result<Option<String>> {
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT state FROM sessions WHERE key_hash = $1 AND expires_at > $2")
                .bind(hash)
                .bind(now)
                .fetch_optional(pool)
                .await
        })
    }

    async fn session_insert(&self, hash: &str, state: &str, expires_at: DateTime<Utc>) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            // Expired sessions are swept on the way, through the expiry index.
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(Utc::now()).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO sessions (key_hash, state, expires_at) VALUES ($1, $2, $3)")
                .bind(hash)
                .bind(state)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Returns false when there was no such live session.
    async fn session_update(&self, hash: &str, state: Option<&str>, expires_at: DateTime<Utc>) -> sqlx::Result<bool> {
        write_tx!(self, |tx, pg| {
            let n = sqlx::query(
                "UPDATE sessions SET state = COALESCE($2, state), expires_at = $3 WHERE key_hash = $1 AND expires_at > $4",
            )
            .bind(hash)
            .bind(state)
            .bind(expires_at)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    async fn session_delete(&self, hash: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("DELETE FROM sessions WHERE key_hash = $1").bind(hash).execute(&mut *tx).await?;
            tx.commit().await
        })
    }
}

impl SessionStore for SqlSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let state = self
            .store
            .session_load(&key_hash(session_key), Utc::now())
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        state.map(|s| serde_json::from_str(&s).map_err(|e| LoadError::Deserialization(e.into()))).transpose()
    }

    async fn save(&self, session_state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let state = serde_json::to_string(&session_state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        self.store
            .session_insert(&key_hash(&key), &state, expiry(ttl))
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let state = serde_json::to_string(&session_state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let found = self
            .store
            .session_update(&key_hash(&session_key), Some(&state), expiry(ttl))
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if found {
            return Ok(session_key);
        }
        // The session expired meanwhile: start a fresh one rather than resurrect the key.
        let key = new_key();
        self.store
            .session_insert(&key_hash(&key), &state, expiry(ttl))
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        Ok(key)
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        self.store.session_update(&key_hash(session_key), None, expiry(ttl)).await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.store.session_delete(&key_hash(session_key)).await?;
        Ok(())
    }
}
