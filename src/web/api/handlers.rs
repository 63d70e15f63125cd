//! The routes of API v1, each reading top to bottom in the order of the action routes'
//! checks: token and rate limit, visible, permitted, state, input, email limits.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::caller::read;
use super::idempotency::{IdempotencyKey, parse_body, write};
use super::problems::{Answer, Problem};
use super::schema::*;
use super::{LINES_PER_PAGE, ORDERS_PER_PAGE, TRANSACTIONS_PER_PAGE, openapi_document};
use crate::actions::{Action, LineActions, LineRef, NewContact};
use crate::domain::EditScope;
use crate::i18n::Tr;
use crate::store::{LineCursor, LinePage, LineRecord, TransactionRecord};
use crate::web::AppState;
use crate::web::history::full_detail;
use crate::web::transactions;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", security(()), responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(openapi_document())
}

pub(super) fn lines_by_status(counts: crate::store::LineCounts) -> LinesByStatus {
    LinesByStatus { awaiting: counts.awaiting, closed: counts.closed, complete: counts.complete }
}

/// The orders the token's company may see, newest first.
#[utoipa::path(get, path = "/api/v1/orders", params(OrdersQuery), responses(
    (status = 200, body = OrderList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_orders(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let query = web::Query::<OrdersQuery>::from_query(req.query_string()).map(web::Query::into_inner);
    read(state, req, |state, caller, tr| async move {
        let query = query.map_err(|e| Problem::invalid_request(&tr, e.to_string(), None))?;
        let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let store = &state.store;
        let internal = |e| Problem::internal(&tr, &e);
        let mut orders =
            store.orders_for(&caller.actor, q, query.after.as_deref(), ORDERS_PER_PAGE + 1).await.map_err(internal)?;
        let next = (orders.len() as i64 > ORDERS_PER_PAGE).then(|| {
            orders.truncate(ORDERS_PER_PAGE as usize);
            orders.last().map(|o| o.id.clone()).unwrap_or_default()
        });
        let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
        let counts = store.line_counts_of(&ids).await.map_err(internal)?;
        let items = orders
            .into_iter()
            .map(|o| OrderSummary {
                lines_by_status: lines_by_status(counts.get(&o.id).copied().unwrap_or_default()),
                order_id: o.id,
                customer: o.customer,
                partner: o.partner_name,
                distributor: o.distributor_name,
                ponr_reached_at: o.org_mapped_at,
            })
            .collect();
        Ok(Answer::json(StatusCode::OK, &OrderList { items, next }))
    })
    .await
}

/// A line as the API shows it; its last email's failure or bounce in words, in the caller's
/// language (as the line's row says it), never the transport's own text.
pub(super) fn line_of(tr: &Tr, record: LineRecord) -> Line {
    let closes_at = record.closes_at();
    // The same state as the row's data-email-state (in_progress included).
    let state = record.email_state();
    let last_email = match state {
        "queued" | "in_progress" => LastEmail { state: state.into(), at: None, detail: record.email_recipient.clone() },
        "accepted" => {
            LastEmail { state: state.into(), at: record.email_accepted_at, detail: record.email_recipient.clone() }
        }
        "failed" => LastEmail {
            state: state.into(),
            at: None,
            detail: Some(crate::mail::failure_in_words(tr, record.email_error.as_deref())),
        },
        "bounced" | "delayed" => {
            let outcome = crate::mail::bounce::outcome_of_state(state);
            let words = crate::mail::bounce::reason_in_words(tr, outcome, record.email_error.as_deref());
            LastEmail { state: state.into(), at: record.email_accepted_at, detail: Some(words) }
        }
        _ => LastEmail { state: "none".into(), at: record.last_email_at, detail: None },
    };
    Line {
        status: record.status().as_str().to_string(),
        subscription_id: record.subscription_id,
        offer: record.offer,
        rsd: record.rsd,
        contact: record.contact,
        version: record.version,
        closes_at,
        last_email,
    }
}

/// One order with its lines (200 at a time).
#[utoipa::path(get, path = "/api/v1/orders/{order_id}", params(("order_id" = String, Path), OrderQuery), responses(
    (status = 200, body = Order),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn show_order(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let order_id = path.into_inner();
    let after = web::Query::<OrderQuery>::from_query(req.query_string()).ok().and_then(|q| q.into_inner().after);
    read(state, req, |state, caller, tr| async move {
        let store = &state.store;
        let internal = |e| Problem::internal(&tr, &e);
        // A cursor that does not parse starts from the top: it came from no answer of ours.
        let page = LinePage { q: None, after: after.as_deref().and_then(LineCursor::parse), limit: LINES_PER_PAGE + 1 };
        let (order, counts, mut lines) =
            match store.order_page(&order_id, &caller.actor, &page).await.map_err(internal)? {
                Some((order, counts, lines)) if caller.actor.may_see(&order.parties()) => (order, counts, lines),
                _ => return Err(Problem::not_found(&tr)),
            };
        let next = (lines.len() as i64 > LINES_PER_PAGE).then(|| {
            lines.truncate(LINES_PER_PAGE as usize);
            lines.last().map(|l| LineCursor::after(l).encode()).unwrap_or_default()
        });
        let body = Order {
            summary: OrderSummary {
                order_id: order.id,
                customer: order.customer,
                partner: order.partner_name,
                distributor: order.distributor_name,
                ponr_reached_at: order.org_mapped_at,
                lines_by_status: lines_by_status(counts),
            },
            lines: lines.into_iter().map(|line| line_of(&tr, line)).collect(),
            next,
        };
        Ok(Answer::json(StatusCode::OK, &body))
    })
    .await
}

/// The line a write is about.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LinePath {
    pub(super) order_id: String,
    subscription_id: String,
}

/// The refusals of a change to one line, in the order they are checked (for the
/// OpenAPI document of both line actions).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum LineActionProblems {
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(status = 429, content_type = "application/problem+json")]
    TooMany(Problem),
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// The line a write is about, by the rules of the Cloud/SaaS Subscriptions page.
fn line_ref(path: &LinePath) -> LineRef<'_> {
    LineRef {
        scope: EditScope::SubscriptionsPage,
        order_id: Some(&path.order_id),
        subscription_id: &path.subscription_id,
    }
}

fn line_actions(state: &AppState) -> LineActions<'_> {
    LineActions::new(&state.store, state.config.mail.limit)
}

/// Change the provisioning contact (closed-but-pending lines too; never past PONR).
#[utoipa::path(put, path = "/api/v1/orders/{order_id}/lines/{subscription_id}/contact",
    params(LinePath, IdempotencyKey),
    request_body = ContactChange,
    responses(
        (status = 200, body = ContactChanged),
        LineActionProblems,
    ))]
pub async fn change_contact(
    state: Data<AppState>,
    req: HttpRequest,
    path: Path<LinePath>,
    body: Payload,
) -> HttpResponse {
    let path = path.into_inner();
    write(state, req, body, |state, caller, tr, body| async move {
        let stopped = |s| Problem::stopped(&tr, s);
        let actions = line_actions(&state);
        let checked = actions.check(caller.principal(), line_ref(&path), Action::Edit).await.map_err(stopped)?;
        let change: ContactChange = parse_body(&tr, &body)?;
        let input = NewContact {
            email: &change.email,
            apply_to_all: change.apply_to_all,
            expected_version: change.version,
            // API v1 has no copy-to-me.
            copy_to_me: false,
        };
        let edited = actions.edit(caller.principal(), &checked, input).await.map_err(stopped)?;
        Ok(Answer::json(StatusCode::OK, &ContactChanged { changed: edited.lines, transactions: edited.transactions }))
    })
    .await
}

/// Send the provisioning email again (once the first went out).
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/lines/{subscription_id}/resend",
    params(LinePath, IdempotencyKey),
    request_body(content = Option<ResendRequest>, description = "No body, or {}"),
    responses(
        (status = 202, body = ResendQueued),
        LineActionProblems,
    ))]
pub async fn resend(state: Data<AppState>, req: HttpRequest, path: Path<LinePath>, body: Payload) -> HttpResponse {
    let path = path.into_inner();
    write(state, req, body, |state, caller, tr, body| async move {
        let stopped = |s| Problem::stopped(&tr, s);
        let actions = line_actions(&state);
        let checked = actions.check(caller.principal(), line_ref(&path), Action::Resend).await.map_err(stopped)?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            parse_body::<ResendRequest>(&tr, &body)?;
        }
        let resent = actions.resend(caller.principal(), &checked, false).await.map_err(stopped)?;
        Ok(Answer::json(StatusCode::ACCEPTED, &ResendQueued { transaction: resent.transaction }))
    })
    .await
}

/// A transaction as the API shows it: its detail in words, in the caller's language (as the
/// Transaction Manager's page says it), never a stored code such as `on-rsd`.
pub(super) fn transaction_of(tr: &Tr, r: TransactionRecord) -> Transaction {
    let detail = Some(full_detail(tr, &r)).filter(|d| !d.is_empty());
    Transaction {
        id: r.id,
        kind: r.kind.as_str().to_string(),
        subscription_id: r.subscription_id,
        order_id: r.order_id,
        subject: r.subject,
        old_value: r.old_value,
        new_value: r.new_value,
        actor: r.actor,
        status: r.status.as_str().to_string(),
        detail,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// The Transaction Manager: every change and resend of the lines the token's company may
/// see, newest first, with the same filters.
#[utoipa::path(get, path = "/api/v1/transactions", params(transactions::Query), responses(
    (status = 200, body = TransactionList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_transactions(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let query = web::Query::<transactions::Query>::from_query(req.query_string()).map(web::Query::into_inner);
    read(state, req, |state, caller, tr| async move {
        let filter = match query.as_ref().map(transactions::filter) {
            Ok(Ok(filter)) => filter,
            Ok(Err(())) => return Err(Problem::invalid_request(&tr, tr.t("tm-invalid-filter"), None)),
            Err(e) => return Err(Problem::invalid_request(&tr, e.to_string(), None)),
        };
        let mut records = state
            .store
            .transactions_for(&caller.actor, &filter, TRANSACTIONS_PER_PAGE + 1)
            .await
            .map_err(|e| Problem::internal(&tr, &e))?;
        let next = (records.len() as i64 > TRANSACTIONS_PER_PAGE).then(|| {
            records.truncate(TRANSACTIONS_PER_PAGE as usize);
            records.last().map(|r| r.id.to_string()).unwrap_or_default()
        });
        let items = records.into_iter().map(|r| transaction_of(&tr, r)).collect();
        Ok(Answer::json(StatusCode::OK, &TransactionList { items, next }))
    })
    .await
}
