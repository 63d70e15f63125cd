//! The emails the portal sent, as their recipients saw them (docs/product.md, "A partner's
//! day"): a message of the outbox with what it was rendered from (its order, language and
//! lines), and the operators' list of every message for the demo mailbox.

use chrono::{DateTime, Utc};

use super::{EmailLine, Store, read};
use crate::domain::OrderParties;

/// One message of the outbox, with its order's facts (none for an invitation).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentEmail {
    pub id: i64,
    pub order_id: Option<String>,
    pub recipient: String,
    pub cc: Option<String>,
    /// rsd, edit, resend, reminder, copy or invitation.
    pub cause: String,
    /// queued, sent or failed (and bounced or delayed, where recorded).
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The closing time a reminder announces.
    pub closes_at: Option<DateTime<Utc>>,
    pub customer: Option<String>,
    /// The name of the partner company that placed the order.
    pub partner_name: Option<String>,
    /// The order's language, else its partner's.
    pub language: Option<String>,
    pub partner_id: Option<String>,
    pub distributor_id: Option<String>,
    pub created_by: Option<i64>,
}

impl SentEmail {
    /// The parties of the order the message is about; None for an invitation.
    pub fn parties(&self) -> Option<OrderParties> {
        Some(OrderParties {
            order_id: self.order_id.clone()?,
            partner_id: self.partner_id.clone()?,
            distributor_id: self.distributor_id.clone(),
            created_by: self.created_by?,
        })
    }
}

const SENT_EMAIL_COLUMNS: &str =
    "o.id, o.order_id, o.recipient, o.cc, o.cause, o.status, CAST(o.attempts AS BIGINT) AS attempts,
     o.last_error, o.created_at, o.sent_at, o.closes_at, ord.customer, p.name AS partner_name,
     COALESCE(ord.language, p.language) AS language,
     ord.partner_id, ord.distributor_id, ord.created_by";

impl Store {
    /// One message and the lines it is about, in their order's order: what the dispatcher
    /// rendered it from.
    pub async fn sent_email(&self, id: i64) -> sqlx::Result<Option<(SentEmail, Vec<EmailLine>)>> {
        read!(self, |pool, pg| {
            let sql = format!(
                "SELECT {SENT_EMAIL_COLUMNS} FROM outbox o
                 LEFT JOIN orders ord ON ord.id = o.order_id
                 LEFT JOIN companies p ON p.id = ord.partner_id
                 WHERE o.id = $1"
            );
            let Some(email): Option<SentEmail> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
            else {
                return Ok(None);
            };
            let lines: Vec<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
                "SELECT l.subscription_id, l.offer, l.email_sent_at FROM outbox_lines ol
                 JOIN lines l ON l.subscription_id = ol.subscription_id
                 WHERE ol.outbox_id = $1 ORDER BY l.position, l.subscription_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let lines = lines.into_iter().map(|(sub, offer, first)| EmailLine::new(sub, offer, first)).collect();
            Ok(Some((email, lines)))
        })
    }

    /// Every message, newest first, those before the id `before` (the keyset cursor):
    /// the operators' mailbox.
    pub async fn sent_emails(
        &self,
        _grant: &crate::domain::OperatorGrant,
        before: Option<i64>,
        limit: i64,
    ) -> sqlx::Result<Vec<SentEmail>> {
        read!(self, |pool, pg| {
            let sql = format!(
                "SELECT {SENT_EMAIL_COLUMNS} FROM outbox o
                 LEFT JOIN orders ord ON ord.id = o.order_id
                 LEFT JOIN companies p ON p.id = ord.partner_id
                 WHERE o.id < $1 ORDER BY o.id DESC LIMIT $2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await
        })
    }
}
