//! API v1 for partner systems (docs/http.md "API v1"): JSON over HTTPS with a company API
//! token, the same permission code and store calls as the pages, refusals as
//! `application/problem+json` (RFC 9457), idempotent writes and a rate limit per token.
//!
//! Checks run in the order of the action routes: token (401), rate limit (429
//! `too_many_requests`), visible (404), permitted (403), state (409), input (422), email
//! limits (429 `too_many_emails`). No cookies, no CSRF, never a redirect.
//!
//! One file (about 950 lines) on purpose: utoipa's OpenAPI document is derived from the
//! handlers and types declared here, and the order of checks is easier to keep identical
//! to the pages when every route's handler reads top to bottom in one place.

// A refusal is made at most once per request and answered at once: boxing it would only
// add an allocation.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::AppState;
use super::ctx::accepted_language;
use super::errors::database_unavailable;
use super::orders::Page;
use super::transactions;
use crate::config::Rate;
use crate::domain::closing::closing_deadline;
use crate::domain::{Actor, ContactEmail, EditGrant, LineStatus, Refusal};
use crate::i18n::Tr;
use crate::store::{
    ApiToken, ContactEdit, EditOutcome, IdempotencyClaim, LineAction, LineCursor, LinePage, LineRecord, OrderHead,
    ResendOutcome, Stopped, TransactionRecord, User, token_hash,
};

/// The largest JSON body a request may carry.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
const ORDERS_PER_PAGE: i64 = 50;
const LINES_PER_PAGE: i64 = 200;
const TRANSACTIONS_PER_PAGE: i64 = 50;
/// How long a request waits for the first request with the same idempotency key to end.
const IDEMPOTENCY_WAIT: StdDuration = StdDuration::from_secs(10);

// --- the answers -------------------------------------------------------------------------

/// Whom to ask for a change one may not make.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Creator {
    pub name: String,
    pub email: String,
}

/// A refusal (RFC 9457 problem details) with a stable `code`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` tells the kinds apart.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `unauthorized`, `not_found`, `forbidden`, `ponr_reached`, `line_closed`, `line_complete`,
    /// `before_first_email`, `stale_version`, `invalid_email`, `invalid_request`,
    /// `idempotency_key_reused`, `payload_too_large`, `method_not_allowed`,
    /// `unsupported_media_type`, `too_many_emails`, `too_many_requests`, `internal_error`
    /// or `unavailable`.
    pub code: String,
    /// With `forbidden`: the order's creator, who can make the change or grant the right.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creator: Option<Creator>,
    /// With `invalid_request` about the body: the field at fault.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
    /// With 429 and 503: seconds to wait, as in the `Retry-After` header.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub retry_after: Option<i64>,
}

impl Problem {
    fn new(status: StatusCode, code: &str, title: String, detail: String) -> Self {
        Self {
            kind: "about:blank".into(),
            title,
            status: status.as_u16(),
            detail,
            code: code.into(),
            creator: None,
            field: None,
            retry_after: None,
        }
    }

    fn unauthorized(tr: &Tr) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", tr.t("api-unauthorized-title"), tr.t("api-unauthorized"))
    }

    fn not_found(tr: &Tr) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", tr.t("not-found-title"), tr.t("not-found-message"))
    }

    fn invalid_request(tr: &Tr, detail: String, field: Option<String>) -> Self {
        let mut p =
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", tr.t("api-invalid-request-title"), detail);
        p.field = field;
        p
    }

    fn forbidden(tr: &Tr, order: &OrderHead) -> Self {
        let detail = tr
            .ta("refusal-permission", [("name", order.creator_name.as_str()), ("email", order.creator_email.as_str())]);
        let mut p = Self::new(StatusCode::FORBIDDEN, "forbidden", tr.t("refusal-permission-title"), detail);
        p.creator = Some(Creator { name: order.creator_name.clone(), email: order.creator_email.clone() });
        p
    }

    fn refused(tr: &Tr, refusal: &Refusal) -> Self {
        let (code, title, detail) = match refusal {
            Refusal::Ponr => ("ponr_reached", tr.t("refusal-ponr-title"), tr.t("refusal-ponr")),
            Refusal::ClosedOnOrderPage => ("line_closed", tr.t("refusal-closed-title"), tr.t("refusal-closed")),
            Refusal::Complete => ("line_complete", tr.t("refusal-complete-title"), tr.t("refusal-complete")),
            Refusal::NotYetSent { rsd } => {
                let date = rsd.format("%Y-%m-%d").to_string();
                (
                    "before_first_email",
                    tr.t("refusal-not-yet-title"),
                    tr.ta("refusal-not-yet", [("date", date.as_str())]),
                )
            }
            Refusal::Stale { changed_by, current } => (
                "stale_version",
                tr.t("refusal-stale-title"),
                tr.ta("refusal-stale", [("name", changed_by.as_str()), ("email", current.as_str())]),
            ),
        };
        Self::new(StatusCode::CONFLICT, code, title, detail)
    }

    fn too_many_emails(tr: &Tr, wait: chrono::Duration) -> Self {
        let seconds = wait.num_seconds().max(1);
        let detail = tr.tn("refusal-limit", "minutes", (seconds + 59) / 60);
        let mut p = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_emails", tr.t("refusal-limit-title"), detail);
        p.retry_after = Some(seconds);
        p
    }

    /// A change the store did not make: 409, 429 or 404.
    fn stopped(tr: &Tr, stopped: Stopped) -> Self {
        match stopped {
            Stopped::Refused(refused) => Self::refused(tr, &refused),
            Stopped::Limited(wait) => Self::too_many_emails(tr, wait),
            Stopped::NotFound => Self::not_found(tr),
        }
    }

    fn too_many_requests(tr: &Tr, seconds: i64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            tr.t("api-rate-limit-title"),
            tr.tn("api-rate-limit", "seconds", seconds),
        );
        p.retry_after = Some(seconds);
        p
    }

    fn internal(tr: &Tr, e: &sqlx::Error) -> Self {
        if database_unavailable(e) {
            tracing::error!(error = %e, "the database is unavailable");
            let mut p = Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                tr.t("unavailable-title"),
                tr.t("unavailable-message"),
            );
            p.retry_after = Some(10);
            p
        } else {
            tracing::error!(error = %e, "API request failed");
            Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", tr.t("error-title"), tr.t("error-message"))
        }
    }
}

/// An answer: its status and JSON body, kept as text so that an idempotent replay gives
/// the same bytes.
struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    fn json(status: StatusCode, value: &impl Serialize) -> Self {
        Self { status, body: serde_json::to_string(value).unwrap_or_else(|_| "{}".into()) }
    }

    fn into_response(self) -> HttpResponse {
        let content_type = if self.status.is_client_error() || self.status.is_server_error() {
            "application/problem+json"
        } else {
            "application/json"
        };
        let mut response = HttpResponseBuilder::new(self.status).content_type(content_type).body(self.body.clone());
        // 429 and 503 say how long to wait, in the header as in the body (a replay too).
        if matches!(self.status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
            && let Ok(problem) = serde_json::from_str::<Problem>(&self.body)
            && let Some(seconds) = problem.retry_after
        {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<Problem> for Answer {
    fn from(p: Problem) -> Self {
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::json(status, &p)
    }
}

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
    /// `none`, `queued`, `accepted` (by the mail server; not proof of delivery) or `failed`.
    pub state: String,
    /// When the mail server accepted it.
    pub at: Option<DateTime<Utc>>,
    /// Why it failed, or to whom it went.
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
    q: Option<String>,
    /// The `next` cursor of the page before.
    after: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// The `next` cursor of the lines before.
    after: Option<String>,
}

// --- the rate limit ------------------------------------------------------------------------

/// Requests per token in fixed windows, counted in this instance (docs/configuration.md, PROVISIO_API_LIMIT).
#[derive(Debug, Default)]
pub struct ApiLimiter {
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl ApiLimiter {
    /// Counts a request of `token_id`; Err with the seconds to wait when over `rate`.
    fn admit(&self, token_id: i64, rate: Rate, now: Instant) -> Result<(), i64> {
        let per = rate.per.to_std().unwrap_or(StdDuration::from_secs(60));
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(token_id).or_insert((now, 0));
        if now.duration_since(window.0) >= per {
            *window = (now, 0);
        }
        if window.1 >= rate.count {
            let left = per.saturating_sub(now.duration_since(window.0));
            return Err((left.as_secs_f64().ceil() as i64).max(1));
        }
        window.1 += 1;
        Ok(())
    }
}

// --- who asks --------------------------------------------------------------------------------

/// The token of a request, and the user it acts as: a user of the token's company with
/// the edit permission for the `write` scope, never an operator (docs/http.md, API v1).
struct Caller {
    token: ApiToken,
    user: User,
    actor: Actor,
}

impl Caller {
    fn new(token: ApiToken) -> Self {
        let actor = Actor::api_token(token.id, &token.company_id, token.can_write());
        let user = User {
            id: actor.user_id,
            email: String::new(),
            name: format!("API token {}", token.name),
            company_id: token.company_id.clone(),
            can_edit: actor.can_edit,
            operator: false,
            company_admin: false,
            language: None,
        };
        Self { token, user, actor }
    }
}

fn tr_of(req: &HttpRequest) -> Tr {
    Tr::new(accepted_language(req).unwrap_or("en"))
}

/// The first two checks: the bearer token (401), then its rate limit (429).
async fn caller(state: &AppState, req: &HttpRequest, tr: &Tr) -> Result<Caller, Problem> {
    let secret = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or_else(|| Problem::unauthorized(tr))?;
    let token = match state.store.live_token(&token_hash(secret)).await {
        Ok(Some(token)) => token,
        Ok(None) => return Err(Problem::unauthorized(tr)),
        Err(e) => return Err(Problem::internal(tr, &e)),
    };
    if let Err(seconds) = state.api_limiter.admit(token.id, state.config.api_limit, Instant::now()) {
        return Err(Problem::too_many_requests(tr, seconds));
    }
    // Losing this write only makes the last-used time older; the request goes on.
    if let Err(e) = state.store.token_used(&token, Utc::now()).await {
        tracing::warn!(error = %e, token = token.id, "could not record the token's use");
    }
    Ok(Caller::new(token))
}

/// A read: the token checks, then `run`.
async fn read<F, Fut>(state: web::Data<AppState>, req: HttpRequest, run: F) -> HttpResponse
where
    F: FnOnce(web::Data<AppState>, Caller, Tr) -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let tr = tr_of(&req);
    match caller(&state, &req, &tr).await {
        Ok(caller) => run(state, caller, tr).await.unwrap_or_else(Answer::from).into_response(),
        Err(p) => Answer::from(p).into_response(),
    }
}

/// The body, up to [`MAX_BODY_BYTES`].
async fn read_body(mut payload: web::Payload, tr: &Tr) -> Result<web::Bytes, Problem> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Problem::invalid_request(tr, tr.t("api-body-unreadable"), None))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                tr.t("api-too-large-title"),
                tr.tn("api-too-large", "kilobytes", (MAX_BODY_BYTES / 1024) as i64),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A write: the token checks, the body, the idempotency key, then `run`; the answer is
/// kept for the key (a failure on our side gives the key back).
async fn write<F, Fut>(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload, run: F) -> HttpResponse
where
    F: FnOnce(web::Data<AppState>, Caller, Tr, web::Bytes) -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let tr = tr_of(&req);
    let caller = match caller(&state, &req, &tr).await {
        Ok(caller) => caller,
        Err(p) => return Answer::from(p).into_response(),
    };
    let body = match read_body(payload, &tr).await {
        Ok(body) => body,
        Err(p) => return Answer::from(p).into_response(),
    };
    if let Err(p) = json_only(&req, &body, &tr) {
        return Answer::from(p).into_response();
    }
    let key = match req.headers().get("Idempotency-Key").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(key)) if is_idempotency_key(key) => Some(key.to_string()),
        Some(_) => {
            let p = Problem::invalid_request(&tr, tr.t("api-idempotency-key-invalid"), None);
            return Answer::from(p).into_response();
        }
    };
    let Some(key) = key else {
        return run(state, caller, tr, body).await.unwrap_or_else(Answer::from).into_response();
    };
    let token_id = caller.token.id;
    // The request's fingerprint: a key names one request, so the same key on another
    // line (or method, or body) is a client's mistake, never a replay.
    let mut fingerprint = Sha256::new();
    fingerprint.update(req.method().as_str().as_bytes());
    fingerprint.update(b"\n");
    fingerprint.update(req.path().as_bytes());
    fingerprint.update(b"\n");
    fingerprint.update(&body);
    let body_hash = hex::encode(fingerprint.finalize());
    let deadline = Instant::now() + IDEMPOTENCY_WAIT;
    loop {
        match state.store.claim_idempotency_key(token_id, &key, &body_hash, Utc::now()).await {
            Ok(IdempotencyClaim::Fresh) => break,
            Ok(IdempotencyClaim::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Answer { status, body }.into_response();
            }
            Ok(IdempotencyClaim::Mismatch) => {
                let p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    tr.t("api-invalid-request-title"),
                    tr.t("api-idempotency-mismatch"),
                );
                return Answer::from(p).into_response();
            }
            Ok(IdempotencyClaim::InProgress) if Instant::now() < deadline => {
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
            Ok(IdempotencyClaim::InProgress) => {
                let p = Problem::invalid_request(&tr, tr.t("api-idempotency-in-progress"), None);
                return Answer::from(p).into_response();
            }
            Err(e) => return Answer::from(Problem::internal(&tr, &e)).into_response(),
        }
    }
    let store = state.store.clone();
    let answer = run(state, caller, tr, body).await.unwrap_or_else(Answer::from);
    // Only a final answer is kept for the key: after a 429 or a failure on our side the
    // same request is meant to be tried again, and must then run.
    let kept = if answer.status.is_server_error() || answer.status == StatusCode::TOO_MANY_REQUESTS {
        store.release_idempotency_key(token_id, &key).await
    } else {
        store.record_idempotent_answer(token_id, &key, answer.status.as_u16(), &answer.body).await
    };
    if let Err(e) = kept {
        tracing::error!(error = %e, token = token_id, "could not keep the answer of an idempotency key");
    }
    answer.into_response()
}

/// An Idempotency-Key: 1 to 255 visible ASCII characters (the OpenAPI document's pattern).
fn is_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// A write's body is JSON and says so (ASVS 13.2.5): a body of any other declared type
/// answers 415. A write without a body (a resend) needs no type.
fn json_only(req: &HttpRequest, body: &[u8], tr: &Tr) -> Result<(), Problem> {
    let declared = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_json = declared
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if is_json || (declared.is_none() && body.is_empty()) {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        tr.t("api-unsupported-media-type-title"),
        tr.t("api-unsupported-media-type"),
    ))
}

/// The body as `T`; a 422 naming the field at fault otherwise.
fn parse_body<T: serde::de::DeserializeOwned>(tr: &Tr, body: &[u8]) -> Result<T, Problem> {
    let mut json = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        Problem::invalid_request(tr, e.inner().to_string(), field)
    })
}

// --- the routes ------------------------------------------------------------------------------

/// The OpenAPI 3.1 document of this API, generated from the handlers and their types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Provisio partner API", version = "1", description = "Provisioning contacts of cloud subscription orders, for partner systems."),
    paths(openapi_json, list_orders, show_order, change_contact, resend, list_transactions),
    components(schemas(Problem, Creator)),
    modifiers(&BearerToken),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The document as served, made once.
pub fn openapi_document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into()))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", security(()), responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(openapi_document())
}

fn lines_by_status(counts: crate::store::LineCounts) -> LinesByStatus {
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
            store.orders_for(&caller.user, q, query.after.as_deref(), ORDERS_PER_PAGE + 1).await.map_err(internal)?;
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

/// The order's head, if the caller may see it (404 otherwise: it does not exist for them).
async fn visible_order(state: &AppState, caller: &Caller, tr: &Tr, order_id: &str) -> Result<OrderHead, Problem> {
    match state.store.order_head(order_id).await {
        Ok(Some(order)) if caller.actor.may_see(&order.parties()) => Ok(order),
        Ok(_) => Err(Problem::not_found(tr)),
        Err(e) => Err(Problem::internal(tr, &e)),
    }
}

fn line_of(record: LineRecord) -> Line {
    let closes_at = match record.status() {
        LineStatus::Awaiting => record.email_sent_at.map(|first| closing_deadline(&record.offer, first)),
        LineStatus::Closed => record.closed_at,
        LineStatus::Complete => None,
    };
    let last_email = match record.email_status.as_deref() {
        Some("queued") => LastEmail { state: "queued".into(), at: None, detail: record.email_recipient.clone() },
        Some("sent") => {
            LastEmail { state: "accepted".into(), at: record.email_accepted_at, detail: record.email_recipient.clone() }
        }
        Some("failed") => LastEmail { state: "failed".into(), at: None, detail: record.email_error.clone() },
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
        let (order, counts) = match store.order_head_counted(&order_id).await.map_err(internal)? {
            Some((order, counts)) if caller.actor.may_see(&order.parties()) => (order, counts),
            _ => return Err(Problem::not_found(&tr)),
        };
        // A cursor that does not parse starts from the top: it came from no answer of ours.
        let page = LinePage { q: None, after: after.as_deref().and_then(LineCursor::parse), limit: LINES_PER_PAGE + 1 };
        let mut lines = store.order_lines(&order.id, &page).await.map_err(internal)?;
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
            lines: lines.into_iter().map(line_of).collect(),
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
    order_id: String,
    subscription_id: String,
}

/// An optional key that makes a write safe to repeat (read by [`write`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKey {
    /// 1 to 255 visible ASCII characters naming this request: for 24 hours the same key
    /// with the same method, path and body replays the first final answer (not a 429 nor
    /// a 5xx, which may be retried); with another method, path or body it answers 422
    /// `idempotency_key_reused`.
    #[param(
        rename = "Idempotency-Key",
        pattern = "^[!-~]{1,255}$",
        min_length = 1,
        max_length = 255,
        example = "3f6c2a1e-order-WO-1-line-Sub-1"
    )]
    key: Option<String>,
}

/// The refusals of a change to one line, in the order they are checked (for the
/// OpenAPI document of both line actions).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum LineActionProblems {
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

/// Visible (404), permitted (403) and state (409) for a change to one line, by the rules
/// of the Cloud/SaaS Subscriptions page.
async fn checked_line(
    state: &AppState,
    caller: &Caller,
    tr: &Tr,
    order_id: &str,
    subscription_id: &str,
) -> Result<(OrderHead, LineRecord, EditGrant), Problem> {
    let order = visible_order(state, caller, tr, order_id).await?;
    let line = match state.store.order_line(&order.id, subscription_id).await {
        Ok(Some(line)) => line,
        Ok(None) => return Err(Problem::not_found(tr)),
        Err(e) => return Err(Problem::internal(tr, &e)),
    };
    let Some(grant) = caller.actor.edit_grant(&order.parties()) else {
        return Err(Problem::forbidden(tr, &order));
    };
    if let Some(refused) = Page::Subscriptions.scope().refusal(line.status(), order.org_mapped_at) {
        return Err(Problem::refused(tr, &refused));
    }
    Ok((order, line, grant))
}

/// The caller's action on a line, now, by the rules of the Cloud/SaaS Subscriptions page;
/// API v1 has no copy-to-me.
fn action<'a>(state: &AppState, caller: &'a Caller, grant: &'a EditGrant, subscription_id: &'a str) -> LineAction<'a> {
    LineAction {
        grant,
        actor_name: &caller.user.name,
        subscription_id,
        scope: Page::Subscriptions.scope(),
        at: Utc::now(),
        limit: state.config.mail.limit,
        copy_to: None,
    }
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
    let LinePath { order_id, subscription_id } = path.into_inner();
    write(state, req, body, |state, caller, tr, body| async move {
        let (_order, line, grant) = checked_line(&state, &caller, &tr, &order_id, &subscription_id).await?;
        let change: ContactChange = parse_body(&tr, &body)?;
        // The version is state (409), checked before the address (422), as on the pages.
        if let Some(v) = change.version
            && v != line.version
        {
            let stale = Refusal::Stale { changed_by: line.updated_by, current: line.contact };
            return Err(Problem::refused(&tr, &stale));
        }
        let new_contact = match ContactEmail::parse(&change.email) {
            Ok(email) => email,
            Err(e) => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_email",
                    tr.t("api-invalid-email-title"),
                    tr.t(e.message_key()),
                );
                p.field = Some("email".into());
                return Err(p);
            }
        };
        let outcome = state
            .store
            .edit_contact(ContactEdit {
                action: action(&state, &caller, &grant, &subscription_id),
                new_contact: &new_contact,
                apply_to_all: change.apply_to_all,
                expected_version: change.version,
            })
            .await
            .map_err(|e| Problem::internal(&tr, &e))?;
        match outcome {
            EditOutcome::Changed { lines, transactions, .. } => {
                Ok(Answer::json(StatusCode::OK, &ContactChanged { changed: lines, transactions }))
            }
            EditOutcome::Stopped(stopped) => Err(Problem::stopped(&tr, stopped)),
        }
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
    let LinePath { order_id, subscription_id } = path.into_inner();
    write(state, req, body, |state, caller, tr, body| async move {
        let (order, line, grant) = checked_line(&state, &caller, &tr, &order_id, &subscription_id).await?;
        let scope = Page::Subscriptions.scope();
        if let Some(refused) = scope.resend_refusal(line.status(), order.org_mapped_at, line.email_sent_at, line.rsd) {
            return Err(Problem::refused(&tr, &refused));
        }
        if !body.iter().all(u8::is_ascii_whitespace) {
            parse_body::<ResendRequest>(&tr, &body)?;
        }
        let outcome = state
            .store
            .resend(action(&state, &caller, &grant, &subscription_id))
            .await
            .map_err(|e| Problem::internal(&tr, &e))?;
        match outcome {
            ResendOutcome::Queued { transaction, .. } => {
                Ok(Answer::json(StatusCode::ACCEPTED, &ResendQueued { transaction }))
            }
            ResendOutcome::Stopped(stopped) => Err(Problem::stopped(&tr, stopped)),
        }
    })
    .await
}

fn transaction_of(r: TransactionRecord) -> Transaction {
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
        detail: r.detail,
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
            .transactions_for(&caller.user, &filter, TRANSACTIONS_PER_PAGE + 1)
            .await
            .map_err(|e| Problem::internal(&tr, &e))?;
        let next = (records.len() as i64 > TRANSACTIONS_PER_PAGE).then(|| {
            records.truncate(TRANSACTIONS_PER_PAGE as usize);
            records.last().map(|r| r.id.to_string()).unwrap_or_default()
        });
        let items = records.into_iter().map(transaction_of).collect();
        Ok(Answer::json(StatusCode::OK, &TransactionList { items, next }))
    })
    .await
}

/// Any other path under /api/v1: a problem, not a page.
pub async fn no_such_route(req: HttpRequest) -> HttpResponse {
    Answer::from(Problem::not_found(&tr_of(&req))).into_response()
}

/// A known API path with a method it does not take: 405 problem+json with `Allow`.
pub fn method_not_allowed(allow: &'static str) -> impl Fn(HttpRequest) -> std::future::Ready<HttpResponse> + Clone {
    move |req: HttpRequest| {
        let tr = tr_of(&req);
        let p = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            tr.t("api-method-not-allowed-title"),
            tr.ta("api-method-not-allowed", [("allow", allow)]),
        );
        let mut response = Answer::from(p).into_response();
        response.headers_mut().insert(actix_web::http::header::ALLOW, HeaderValue::from_static(allow));
        std::future::ready(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_counts_per_token_and_window() {
        let limiter = ApiLimiter::default();
        let rate = Rate { count: 2, per: chrono::Duration::seconds(60) };
        let start = Instant::now();
        assert!(limiter.admit(1, rate, start).is_ok());
        assert!(limiter.admit(1, rate, start).is_ok());
        let wait = limiter.admit(1, rate, start + StdDuration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50, "until the window ends");
        assert!(limiter.admit(2, rate, start).is_ok(), "another token has its own count");
        assert!(limiter.admit(1, rate, start + StdDuration::from_secs(60)).is_ok(), "a new window");
    }

    #[test]
    fn problems_carry_their_code_and_wait() {
        let tr = Tr::new("en");
        let p = Problem::too_many_emails(&tr, chrono::Duration::seconds(90));
        assert_eq!((p.status, p.code.as_str(), p.retry_after), (429, "too_many_emails", Some(90)));
        let answer = Answer::from(p).into_response();
        assert_eq!(answer.headers().get(RETRY_AFTER).unwrap(), "90");
        assert_eq!(answer.headers().get("content-type").unwrap(), "application/problem+json");
    }
}
