//! A line's history: its transactions a page at a time, and the transaction rows that the
//! Transaction Manager shares.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ctx::SignedIn;
use super::errors::{PageError, html};
use super::orders::{FIRST_POLL, LAST_POLL, visible_line};
use super::views::{HistoryPage, HistoryRow};
use crate::domain::{TransactionKind, TransactionStatus};

/// The newest transactions a line's history shows at once; older ones a page further.
const HISTORY_PAGE: i64 = 100;

#[derive(Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

pub async fn history(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let (order_id, subscription_id) = path.into_inner();
    let (order, _line) = visible_line(&ctx, &user, &order_id, &subscription_id).await?;
    // A cursor that does not parse starts from the newest: it came from no page of ours.
    let before = query.before.as_deref().and_then(|b| b.parse::<i64>().ok());
    let mut records = ctx.state.store.line_history(&subscription_id, before, HISTORY_PAGE + 1).await?;
    let older = if records.len() as i64 > HISTORY_PAGE {
        records.truncate(HISTORY_PAGE as usize);
        records.last().map(|r| format!("/orders/{}/lines/{subscription_id}/history?before={}", order.id, r.id))
    } else {
        None
    };
    let tr = &ctx.tr;
    let rows = records.into_iter().map(|r| history_row(tr, r, false)).collect();
    Ok(html(
        StatusCode::OK,
        &HistoryPage { layout: ctx.layout(), t: ctx.tr.clone(), order_id: order.id, subscription_id, rows, older },
    ))
}

/// One transaction as the history and the Transaction Manager show it. A permission
/// change has no line: its text is the affected user's email, and its change is worded.
/// `may_retry`: the reader holds an operator's grant (a failed row then offers Retry).
pub fn history_row(tr: &crate::i18n::Tr, r: crate::store::TransactionRecord, may_retry: bool) -> HistoryRow {
    let security = r.kind == TransactionKind::SecurityChange;
    let permission = r.kind == TransactionKind::PermissionChange;
    let change = if permission {
        permission_change_text(tr, r.detail.as_deref(), r.new_value.as_deref())
    } else if security {
        crate::mail::security_change_text(tr, r.new_value.as_deref().unwrap_or_default())
    } else {
        format!("{} → {}", r.old_value.as_deref().unwrap_or_default(), r.new_value.as_deref().unwrap_or_default())
    };
    let detail = full_detail(tr, &r);
    // A security change is the user's own: about no line, its email has no view.
    let permission = permission || security;
    HistoryRow {
        subscription_id: r.subject.filter(|_| permission).or(r.subscription_id).unwrap_or_default(),
        order_id: r.order_id.unwrap_or_default(),
        when: tr.when(&r.created_at),
        kind: tr.t(&format!("kind-{}", r.kind)),
        change,
        actor: r.actor,
        status_label: tr.t(&format!("tx-status-{}", r.status)),
        status_href: (r.status == TransactionStatus::InProgress).then(|| transaction_status_href(r.id, FIRST_POLL)),
        retryable: may_retry && r.status == TransactionStatus::Failed,
        status: r.status.as_str().to_string(),
        detail: if permission { String::new() } else { detail },
        poll_seconds: FIRST_POLL,
        id: r.id,
        kind_code: r.kind.as_str().to_string(),
        email_href: r.outbox_id.filter(|_| !permission).map(super::emails::email_href),
    }
}

/// What a permission change did, in the reader's language: the field (stored as the
/// detail) and its new value, or the invitation of a new user.
pub fn permission_change_text(tr: &crate::i18n::Tr, field: Option<&str>, new_value: Option<&str>) -> String {
    match (field, new_value) {
        (Some("invited"), name) => tr.ta("perm-invited", [("name", name.unwrap_or_default())]),
        (Some("can_edit"), Some("on")) => tr.t("perm-can-edit-on"),
        (Some("can_edit"), _) => tr.t("perm-can-edit-off"),
        (Some("company_admin"), Some("on")) => tr.t("perm-admin-on"),
        (Some("company_admin"), _) => tr.t("perm-admin-off"),
        (Some("active"), Some("on")) => tr.t("perm-active-on"),
        (Some("active"), _) => tr.t("perm-active-off"),
        (other, _) => other.unwrap_or_default().to_string(),
    }
}

fn transaction_status_href(id: i64, wait: u64) -> String {
    format!("/transactions/{id}/status?wait={wait}")
}

/// The next wait of a status poll that waited `wait` seconds: twice as long, at most
/// [`LAST_POLL`].
pub fn next_poll(wait: Option<u64>) -> u64 {
    (wait.unwrap_or(FIRST_POLL).max(FIRST_POLL) * 2).min(LAST_POLL)
}

/// A transaction row's status href after the next wait.
pub fn transaction_poll(row: &mut HistoryRow, wait: u64) {
    if row.status_href.is_some() {
        row.status_href = Some(transaction_status_href(row.id, wait));
        row.poll_seconds = wait;
    }
}

/// What the history and the Transaction Manager say of a transaction: the bulk fix it
/// came from, if any, then its stored detail.
pub fn full_detail(tr: &crate::i18n::Tr, r: &crate::store::TransactionRecord) -> String {
    let detail = transaction_detail(tr, r.detail.as_deref());
    match r.bulk_batch_id {
        Some(batch) => {
            let bulk = tr.ta("tx-detail-bulk", [("id", batch.to_string().as_str())]);
            if detail.is_empty() { bulk } else { format!("{bulk} · {detail}") }
        }
        None => detail,
    }
}

/// The stored detail of a transaction, in the reader's language.
pub fn transaction_detail(tr: &crate::i18n::Tr, detail: Option<&str>) -> String {
    match detail {
        None => String::new(),
        Some("on-rsd") => tr.t("tx-detail-on-rsd"),
        Some(d) if d.starts_with("retry:") => tr.ta("tx-detail-retry", [("name", &d["retry:".len()..])]),
        Some(d) => match d.split_once(':') {
            Some(("accepted", reply)) => tr.ta("tx-detail-accepted", [("reply", reply)]),
            Some(("failed", reason)) => tr.ta("tx-detail-failed", [("reason", reason)]),
            Some(("bounced", reason)) => {
                crate::mail::bounce::reason_in_words(tr, crate::domain::bounce::BounceOutcome::Bounced, Some(reason))
            }
            Some(("delayed", reason)) => {
                crate::mail::bounce::reason_in_words(tr, crate::domain::bounce::BounceOutcome::Delayed, Some(reason))
            }
            _ => d.to_string(),
        },
    }
}
