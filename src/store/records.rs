//! What the store hands back: plain rows, decoded the same way from both databases.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{Actor, LineStatus, OrderParties, TransactionKind, TransactionStatus};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub company_id: String,
    pub can_edit: bool,
    pub operator: bool,
    /// Manages their own company's users and API tokens.
    pub company_admin: bool,
    pub language: Option<String>,
}

impl User {
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

#[derive(Debug, sqlx::FromRow)]
pub(super) struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: Option<String>,
}

impl UserWithHash {
    pub(super) fn split(self) -> (User, Option<String>) {
        (self.user, self.password_hash)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: String,
    pub customer: String,
    pub partner_name: String,
    pub distributor_name: Option<String>,
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub line_count: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderHead {
    pub id: String,
    pub customer: String,
    pub partner_id: String,
    pub partner_name: String,
    pub distributor_id: Option<String>,
    pub distributor_name: Option<String>,
    pub created_by: i64,
    pub creator_name: String,
    pub creator_email: String,
    pub language: Option<String>,
    pub org_mapped_at: Option<DateTime<Utc>>,
}

impl OrderHead {
    pub fn parties(&self) -> OrderParties {
        OrderParties {
            order_id: self.id.clone(),
            partner_id: self.partner_id.clone(),
            distributor_id: self.distributor_id.clone(),
            created_by: self.created_by,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct LineRecord {
    pub subscription_id: String,
    pub order_id: String,
    /// Where the line stands in its order.
    pub position: i64,
    pub offer: String,
    #[serde(deserialize_with = "super::json_time::naive_date")]
    pub rsd: NaiveDate,
    pub contact: String,
    pub status: LineStatus,
    #[serde(deserialize_with = "super::json_time::maybe_time")]
    pub email_sent_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(deserialize_with = "super::json_time::time")]
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// When the mail server last accepted a provisioning email for this line.
    #[serde(deserialize_with = "super::json_time::maybe_time")]
    pub last_email_at: Option<DateTime<Utc>>,
    /// The line's last provisioning email: queued, sent or failed, to whom, and why not.
    pub email_status: Option<String>,
    pub email_recipient: Option<String>,
    #[serde(deserialize_with = "super::json_time::maybe_time")]
    pub email_accepted_at: Option<DateTime<Utc>>,
    pub email_error: Option<String>,
    /// When the line closed and billing started.
    #[serde(deserialize_with = "super::json_time::maybe_time")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Delivery attempts of the last email so far (claimed by a dispatcher at least once).
    pub email_attempts: Option<i64>,
}

impl LineRecord {
    /// The line's last email as the row's `data-email-state` says it (docs/http.md, markup hooks):
    /// none, queued (no attempt yet), in_progress (attempted, retrying), accepted, failed, or
    /// after it was accepted bounced or delayed (docs/product.md rule 14).
    pub fn email_state(&self) -> &'static str {
        crate::domain::line::email_state(self.email_status.as_deref(), self.email_attempts.unwrap_or(0))
    }

    /// When the line closes, or closed (domain::closing::closes_at).
    pub fn closes_at(&self) -> Option<DateTime<Utc>> {
        crate::domain::closing::closes_at(self.status, &self.offer, self.email_sent_at, self.closed_at)
    }

    /// Whether the mail server's answer about the last email is still to come.
    pub fn email_pending(&self) -> bool {
        matches!(self.email_state(), "queued" | "in_progress")
    }

    pub fn status(&self) -> LineStatus {
        self.status
    }
}

/// A line with what the Cloud/SaaS Subscriptions page needs of its order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRecord {
    #[sqlx(flatten)]
    pub line: LineRecord,
    pub customer: String,
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub partner_id: String,
    pub distributor_id: Option<String>,
    pub created_by: i64,
    pub creator_name: String,
    pub creator_email: String,
}

impl SubscriptionRecord {
    pub fn parties(&self) -> OrderParties {
        OrderParties {
            order_id: self.line.order_id.clone(),
            partner_id: self.partner_id.clone(),
            distributor_id: self.distributor_id.clone(),
            created_by: self.created_by,
        }
    }
}

/// How many lines of one order are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    pub awaiting: i64,
    pub closed: i64,
    pub complete: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransactionRecord {
    pub id: i64,
    pub kind: TransactionKind,
    /// The line and order of a provisioning email transaction; None for a permission change.
    pub subscription_id: Option<String>,
    pub order_id: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: String,
    pub status: TransactionStatus,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The affected user's email, for a permission change.
    pub subject: Option<String>,
    /// The bulk fix it came from (read where a page shows it).
    #[sqlx(default)]
    pub bulk_batch_id: Option<i64>,
    /// The email it queued, if any (read where a page links to it).
    #[sqlx(default)]
    pub outbox_id: Option<i64>,
}

/// Codes the database holds as text are read as their types, never as free text: a value
/// the database should not hold is an error where the row is read (CHECK constraints allow
/// only the known values).
macro_rules! decoded_from_text {
    ($($code:ty),*) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $code
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $code
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<DB>>::decode(value)?;
                <$code>::parse(&text).ok_or_else(|| format!("not a {}: {text:?}", stringify!($code)).into())
            }
        }
    )*};
}

decoded_from_text!(LineStatus, TransactionKind, TransactionStatus);
