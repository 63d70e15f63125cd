//! The JSON bodies of API v1 and their query parameters, as the OpenAPI document states them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinesByStatus {
    pub awaiting: i64,
    pub closed: i64,
    pub complete: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderSummary {
    pub order_id: String,
    pub customer: String,
    /// The partner company's name.
    pub partner: String,
    pub distributor: Option<String>,
    /// When the customer organisation was onboarded (PONR); null before.
    pub ponr_reached_at: Option<DateTime<Utc>>,
    pub lines_by_status: LinesByStatus,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderSummary>,
    /// The `after` cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// The line's last provisioning email.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LastEmail {
    /// `none`, `queued`, `in_progress` (attempted, to be retried), `accepted` (by the mail
    /// server; not proof of delivery), `failed`, or after it was accepted `bounced` (the
    /// customer's mail server returned it) or `delayed` (still being tried): the line
    /// row's `data-email-state`.
    pub state: String,
    /// When the mail server accepted it.
    pub at: Option<DateTime<Utc>>,
    /// Why it failed, bounced or is delayed (in words, with the status code), or to whom it went.
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub subscription_id: String,
    pub offer: String,
    /// Requested start date.
    pub rsd: NaiveDate,
    /// `awaiting`, `closed` or `complete`.
    pub status: String,
    /// The provisioning contact's email.
    pub contact: String,
    /// Send it back as `version` to refuse an edit when the line changed meanwhile.
    pub version: i64,
    /// When an awaiting line closes, or when a closed one did; null before the first email.
    pub closes_at: Option<DateTime<Utc>>,
    pub last_email: LastEmail,
}

/// An order as in the list, with its lines.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Order {
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// At most 200 lines; `next` is the `after` cursor of the following ones.
    pub lines: Vec<Line>,
    pub next: Option<String>,
}

/// A new provisioning contact for a line, or with `apply_to_all` for every line of its
/// order that the Cloud/SaaS Subscriptions page could edit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChange {
    /// One bare address: at most 254 characters, at most 64 before the @, a domain of
    /// at least two labels whose last is not all digits.
    #[schema(format = Email, min_length = 3, max_length = 254, pattern = r"^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[A-Za-z0-9-]*[A-Za-z-])[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", example = "it@customer.example")]
    pub email: String,
    #[serde(default)]
    pub apply_to_all: bool,
    /// The line's `version` as last read: refused with `stale_version` if it changed.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactChanged {
    /// The subscription ids whose contact changed (empty: it already was that address).
    pub changed: Vec<String>,
    /// One update transaction per changed line.
    pub transactions: Vec<i64>,
}

/// A resend takes no fields: no body, or `{}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendRequest {}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResendQueued {
    /// The resend transaction; its status follows the delivery.
    pub transaction: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Transaction {
    pub id: i64,
    /// `provisioning_email_update`, `provisioning_email_resend`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The line and order of a provisioning email transaction; null for a permission change.
    pub subscription_id: Option<String>,
    pub order_id: Option<String>,
    /// The affected user's email, for a permission change.
    pub subject: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: String,
    /// `in_progress`, `success` or `failed`.
    pub status: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransactionList {
    pub items: Vec<Transaction>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Order or subscription id, exactly or by prefix, case-insensitively.
    pub(super) q: Option<String>,
    /// The `next` cursor of the page before.
    pub(super) after: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// The `next` cursor of the lines before.
    pub(super) after: Option<String>,
}
