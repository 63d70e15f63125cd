//! What the store hands back: plain rows, decoded the same way from both databases.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{Actor, LineStatus, OrderParties};

#[derive(Debug, Clone, sqlx::FromRow)]
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
    pub rsd: NaiveDate,
    pub contact: String,
    pub status: String,
    pub email_sent_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// When the mail server last accepted a provisioning email for this line.
    pub last_email_at: Option<DateTime<Utc>>,
    /// The line's last provisioning email: queued, sent or failed, to whom, and why not.
    pub email_status: Option<String>,
    pub email_recipient: Option<String>,
    pub email_accepted_at: Option<DateTime<Utc>>,
    pub email_error: Option<String>,
    /// When the line closed and billing started.
    pub closed_at: Option<DateTime<Utc>>,
}

impl LineRecord {
    pub fn status(&self) -> LineStatus {
        // The database's CHECK constraint allows only the three known values.
        LineStatus::parse(&self.status).unwrap_or(LineStatus::Complete)
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
    pub kind: String,
    /// The line and order of a provisioning email transaction; None for a permission change.
    pub subscription_id: Option<String>,
    pub order_id: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The affected user's email, for a permission change.
    pub subject: Option<String>,
}
