//! Users as the sign-in and the request context read them.

use super::records::UserWithHash;
use super::{Store, User, read, write_tx};

impl Store {
    pub async fn user_credentials(&self, email: &str) -> sqlx::Result<Option<(User, Option<String>)>> {
        read!(self, |pool, pg| {
            let row: Option<UserWithHash> = sqlx::query_as(
                "SELECT id, email, name, company_id, can_edit, operator, company_admin, language, password_hash
                 FROM users WHERE email = $1 AND active",
            )
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await?;
            Ok(row.map(UserWithHash::split))
        })
    }

    pub async fn user(&self, id: i64) -> sqlx::Result<Option<User>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT id, email, name, company_id, can_edit, operator, company_admin, language FROM users WHERE id = $1 AND active",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })
    }

    pub async fn set_user_language(&self, user_id: i64, language: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
                .bind(language)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }
}
