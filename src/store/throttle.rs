//! Failed sign-ins, counted per client address and account (and per address across all
//! accounts) in fixed windows. A slot is taken before the password is checked, in one
//! atomic statement, so parallel guesses cannot slip past the count; a right password
//! gives its slot back.

use chrono::{DateTime, Utc};

use super::{Store, read, write_tx};
use crate::config::Rate;

/// The account key that counts one address across every account.
pub const ANY_ACCOUNT: &str = "";

impl Store {
    /// Takes one failure slot for `(client, account)` within `rate`; None when taken, else
    /// how long until the window ends and one fits again.
    pub async fn take_login_slot(
        &self,
        client: &str,
        account: &str,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<chrono::Duration>> {
        let window_ended = now - rate.per;
        write_tx!(self, |tx, pg| {
            let taken: Option<i64> = sqlx::query_scalar(
                "INSERT INTO login_failures (client, account, window_start, failures) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (client, account) DO UPDATE SET
                   failures = CASE WHEN login_failures.window_start <= $4 THEN 1
                                   ELSE login_failures.failures + 1 END,
                   window_start = CASE WHEN login_failures.window_start <= $4 THEN $3
                                       ELSE login_failures.window_start END
                 WHERE login_failures.window_start <= $4 OR login_failures.failures < $5
                 RETURNING CAST(failures AS BIGINT)",
            )
            .bind(client)
            .bind(account)
            .bind(now)
            .bind(window_ended)
            .bind(i64::from(rate.count))
            .fetch_optional(&mut *tx)
            .await?;
            let wait = match taken {
                Some(_) => None,
                None => {
                    let start: DateTime<Utc> = sqlx::query_scalar(
                        "SELECT window_start FROM login_failures WHERE client = $1 AND account = $2",
                    )
                    .bind(client)
                    .bind(account)
                    .fetch_one(&mut *tx)
                    .await?;
                    Some((start + rate.per - now).max(chrono::Duration::seconds(1)))
                }
            };
            tx.commit().await?;
            Ok(wait)
        })
    }

    /// Gives a slot back: the password was right (or was never checked).
    pub async fn return_login_slot(&self, client: &str, account: &str) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            sqlx::query(
                "UPDATE login_failures SET failures = failures - 1
                 WHERE client = $1 AND account = $2 AND failures > 0",
            )
            .bind(client)
            .bind(account)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        })
    }

    /// The failures counted for `(client, account)` in its current window (tests).
    pub async fn login_failures(&self, client: &str, account: &str) -> sqlx::Result<i64> {
        read!(self, |pool, pg| {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(failures AS BIGINT) FROM login_failures WHERE client = $1 AND account = $2",
            )
            .bind(client)
            .bind(account)
            .fetch_optional(pool)
            .await?;
            Ok(n.unwrap_or(0))
        })
    }
}
