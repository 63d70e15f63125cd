//! The Transaction Manager (docs/product.md rule 10): every change and resend of the lines a user
//! may see, with its update status following the real delivery of the email.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveDate, Utc};
use futures_util::stream;
use serde::Deserialize;

use super::csrf::{NoFields, SignedForm};
use super::ctx::SignedIn;
use super::errors::{PageError, html};
use super::history::{full_detail, history_row, next_poll, permission_change_text, transaction_poll};
use super::spreadsheet::Sheet;
use super::views::{Refusal as RefusalView, TransactionStatusFragment, TransactionsPage};
use crate::domain::{TransactionKind, TransactionStatus};
use crate::store::{RetryOutcome, TransactionFilter};

const PAGE_SIZE: i64 = 50;
const CSV_CHUNK: i64 = 500;

/// The Transaction Manager's filters (the page, its CSV and API v1).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Query {
    /// The kind of change.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<String>,
            pattern = "^(provisioning_email_update|provisioning_email_resend|provisioning_email_reminder|permission_change|security_change)$",
            example = "provisioning_email_update")]
    kind: Option<String>,
    /// The update status.
    #[param(value_type = Option<String>, pattern = "^(in_progress|success|failed)$", example = "failed")]
    status: Option<String>,
    /// Subscription or order id, exactly or by prefix, case-insensitively.
    q: Option<String>,
    /// From this day (UTC).
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2026-11-01")]
    from: Option<String>,
    /// To this day, inclusive (UTC).
    #[param(value_type = Option<String>, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2026-11-30")]
    to: Option<String>,
    /// The `next` cursor of the page before (a whole number).
    #[param(value_type = Option<String>, pattern = "^[0-9]{1,18}$", example = "1234")]
    after: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The filter the query asks for; Err when a value is not one the page knows.
pub(super) fn filter(query: &Query) -> Result<TransactionFilter, ()> {
    let kind = present(&query.kind).map(|k| TransactionKind::parse(k).ok_or(())).transpose()?;
    let status = present(&query.status).map(|s| TransactionStatus::parse(s).ok_or(())).transpose()?;
    let date = |v: &Option<String>| -> Result<Option<NaiveDate>, ()> {
        present(v).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ())).transpose()
    };
    let from = date(&query.from)?.map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc());
    // "to" is a whole day: up to the start of the next.
    let to = date(&query.to)?.map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(1));
    let before_id = present(&query.after).map(|a| a.parse::<i64>().map_err(|_| ())).transpose()?;
    Ok(TransactionFilter { kind, status, q: present(&query.q).map(str::to_string), from, to, before_id })
}

/// The query string of the current filters (without the cursor).
fn filter_params(query: &Query) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    for (name, value) in
        [("type", &query.kind), ("q", &query.q), ("status", &query.status), ("from", &query.from), ("to", &query.to)]
    {
        if let Some(v) = present(value) {
            params.push((name, v.to_string()));
        }
    }
    params
}

pub async fn list(signed_in: SignedIn, query: web::Query<Query>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let parsed = filter(&query);
    let mut records = match &parsed {
        Ok(f) => ctx.state.store.transactions_for(&user.actor(), f, PAGE_SIZE + 1).await?,
        Err(()) => Vec::new(),
    };
    let params = filter_params(&query);
    let next = if records.len() as i64 > PAGE_SIZE {
        records.truncate(PAGE_SIZE as usize);
        let mut p = params.clone();
        p.push(("after", records.last().map(|r| r.id.to_string()).unwrap_or_default()));
        Some(format!("/transactions?{}", serde_urlencoded::to_string(p).unwrap_or_default()))
    } else {
        None
    };
    let csv = format!("/transactions.csv?{}", serde_urlencoded::to_string(&params).unwrap_or_default());
    let may_retry = user.actor().operator_grant().is_some();
    let rows = records.into_iter().map(|r| history_row(&ctx.tr, r, may_retry)).collect();
    let page = TransactionsPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        kind: present(&query.kind).unwrap_or("").to_string(),
        status: present(&query.status).unwrap_or("").to_string(),
        q: present(&query.q).unwrap_or("").to_string(),
        from: present(&query.from).unwrap_or("").to_string(),
        to: present(&query.to).unwrap_or("").to_string(),
        error: parsed.is_err().then(|| ctx.tr.t("tm-invalid-filter")),
        rows,
        next,
        csv,
    };
    let status = if parsed.is_err() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(html(status, &page))
}

/// The same rows as CSV, streamed page by page (keyset), so a long export holds neither
/// the whole result in memory nor one long transaction.
pub async fn csv(signed_in: SignedIn, query: web::Query<Query>) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let Ok(start) = filter(&query) else {
        return HttpResponse::UnprocessableEntity()
            .content_type("text/plain; charset=utf-8")
            .body(ctx.tr.t("tm-invalid-filter"));
    };
    let tr = ctx.tr.clone();
    let header: Vec<String> = [
        "csv-id",
        "csv-when",
        "csv-type",
        "csv-subscription",
        "csv-order",
        "csv-old",
        "csv-new",
        "csv-who",
        "csv-status",
        "csv-detail",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let store = ctx.state.store.clone();
    let state = (Some(start), true);
    let body = stream::unfold(state, move |(next, first)| {
        let store = store.clone();
        let user = user.clone();
        let tr = tr.clone();
        let header = header.clone();
        async move {
            let filter = next?;
            let rows = match store.transactions_for(&user.actor(), &filter, CSV_CHUNK).await {
                Ok(rows) => rows,
                Err(e) => return Some((Err(actix_web::error::ErrorInternalServerError(e)), (None, false))),
            };
            let mut sheet = Sheet::new();
            if first {
                sheet.row(header.iter().map(String::as_str));
            }
            for r in &rows {
                let permission = r.kind == TransactionKind::PermissionChange;
                let security = r.kind == TransactionKind::SecurityChange;
                let detail = if permission {
                    permission_change_text(&tr, r.detail.as_deref(), r.new_value.as_deref())
                } else if security {
                    crate::mail::security_change_text(&tr, r.new_value.as_deref().unwrap_or_default())
                } else {
                    full_detail(&tr, r)
                };
                // A permission change's subscription column holds the affected user's email; a
                // security change's, the user's own.
                let subject = if permission || security { r.subject.clone() } else { r.subscription_id.clone() };
                let fields = [
                    r.id.to_string(),
                    r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    tr.t(&format!("kind-{}", r.kind)),
                    subject.unwrap_or_default(),
                    r.order_id.clone().unwrap_or_default(),
                    r.old_value.clone().unwrap_or_default(),
                    r.new_value.clone().unwrap_or_default(),
                    r.actor.clone(),
                    tr.t(&format!("tx-status-{}", r.status)),
                    detail,
                ];
                sheet.row(fields.iter().map(String::as_str));
            }
            let chunk = sheet.into_bytes();
            let following = (rows.len() as i64 == CSV_CHUNK)
                .then(|| TransactionFilter { before_id: rows.last().map(|r| r.id), ..filter });
            if chunk.is_empty() {
                return None;
            }
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), (following, false)))
        }
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"transactions.csv\""))
        .streaming(body)
}

/// Operators deliver a failed transaction's email again.
#[derive(Deserialize)]
pub struct StatusQuery {
    wait: Option<u64>,
}

/// GET /transactions/{id}/status: the transaction's row again, for the automatic poll of
/// a row in progress (sent with X-Provisio-Poll). Visible as the transaction is (404).
pub async fn status(
    signed_in: SignedIn,
    path: web::Path<i64>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let record = match ctx.state.store.transaction(path.into_inner()).await? {
        // A permission change has no order and no email to wait for: operators see it.
        Some((record, None)) if user.actor().operator_grant().is_some() => record,
        Some((_, None)) => return Err(PageError::NotFound),
        Some((record, Some(order_id))) => match ctx.state.store.order_head(&order_id).await? {
            Some(order) if user.actor().may_see(&order.parties()) => record,
            _ => return Err(PageError::NotFound),
        },
        None => return Err(PageError::NotFound),
    };
    let mut r = history_row(&ctx.tr, record, user.actor().operator_grant().is_some());
    transaction_poll(&mut r, next_poll(query.wait));
    let announce = r.status_href.is_none().then(|| format!("{}: {} {}", r.subscription_id, r.status_label, r.detail));
    Ok(html(StatusCode::OK, &TransactionStatusFragment { layout: ctx.layout(), t: ctx.tr.clone(), r, announce }))
}

pub async fn retry(posted: SignedForm<NoFields>, path: web::Path<i64>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let id = path.into_inner();
    // Visible (404) before permitted (403): a partner's own transaction is visible to it.
    let visible = match ctx.state.store.transaction(id).await? {
        // A permission change has no order and no email to retry: operators see it.
        Some((_, None)) => user.actor().operator_grant().is_some(),
        Some((_, Some(order_id))) => match ctx.state.store.order_head(&order_id).await? {
            Some(order) => user.actor().may_see(&order.parties()),
            None => false,
        },
        None => false,
    };
    if !visible {
        return Err(PageError::NotFound);
    }
    let back_href = "/transactions".to_string();
    let Some(grant) = user.actor().operator_grant() else {
        return Err(PageError::refusal(StatusCode::FORBIDDEN, move |ctx| RefusalView {
            title: ctx.tr.t("refusal-permission-title"),
            message: ctx.tr.t("tm-retry-operators"),
            link: None,
            back_href,
        }));
    };
    super::account::fresh_check(&ctx, "/transactions")?;
    match ctx.state.store.retry_transaction(&grant, id, &user.name, Utc::now()).await? {
        RetryOutcome::Queued => {
            ctx.flash(ctx.tr.t("tm-retried"));
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/transactions")).finish())
        }
        RetryOutcome::NotFailed => Err(PageError::refusal(StatusCode::CONFLICT, move |ctx| RefusalView {
            title: ctx.tr.t("tm-not-failed"),
            message: ctx.tr.t("tm-not-failed"),
            link: None,
            back_href,
        })),
        RetryOutcome::NotFound => Err(PageError::NotFound),
    }
}
