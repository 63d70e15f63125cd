//! Refusals as `application/problem+json` (RFC 9457) with a stable `code`, and the answer
//! type every handler returns (kept as text, so that an idempotent replay gives the same
//! bytes); 404 and 405 under /api/v1 are problems too.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::tr_of;
use crate::actions::{Stopped, WhomToAsk};
use crate::domain::ContactEmailError;
use crate::domain::Refusal;
use crate::i18n::Tr;
use crate::web::errors::database_unavailable;

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
    pub(super) fn new(status: StatusCode, code: &str, title: String, detail: String) -> Self {
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

    pub(super) fn unauthorized(tr: &Tr) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", tr.t("api-unauthorized-title"), tr.t("api-unauthorized"))
    }

    pub(super) fn not_found(tr: &Tr) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", tr.t("not-found-title"), tr.t("not-found-message"))
    }

    pub(super) fn invalid_request(tr: &Tr, detail: String, field: Option<String>) -> Self {
        let mut p =
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", tr.t("api-invalid-request-title"), detail);
        p.field = field;
        p
    }

    fn forbidden(tr: &Tr, whom: WhomToAsk) -> Self {
        let detail =
            tr.ta("refusal-permission", [("name", whom.creator_name.as_str()), ("email", whom.creator_email.as_str())]);
        let mut p = Self::new(StatusCode::FORBIDDEN, "forbidden", tr.t("refusal-permission-title"), detail);
        p.creator = Some(Creator { name: whom.creator_name, email: whom.creator_email });
        p
    }

    fn invalid_email(tr: &Tr, e: ContactEmailError) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            tr.t("api-invalid-email-title"),
            tr.t(e.message_key()),
        );
        p.field = Some("email".into());
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

    pub(super) fn too_many_emails(tr: &Tr, wait: chrono::Duration) -> Self {
        let seconds = wait.num_seconds().max(1);
        let detail = tr.tn("refusal-limit", "minutes", (seconds + 59) / 60);
        let mut p = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_emails", tr.t("refusal-limit-title"), detail);
        p.retry_after = Some(seconds);
        p
    }

    /// An action the use case did not take: 404, 403, 409, 422, 429, or the database's
    /// failure (500, 503).
    pub(super) fn stopped(tr: &Tr, stopped: Stopped) -> Self {
        match stopped {
            Stopped::NotFound => Self::not_found(tr),
            Stopped::Forbidden(whom) => Self::forbidden(tr, *whom),
            Stopped::Refused(refused) => Self::refused(tr, &refused),
            Stopped::Invalid(e) => Self::invalid_email(tr, e),
            Stopped::Limited(wait) => Self::too_many_emails(tr, wait),
            Stopped::Failed(e) => Self::internal(tr, &e),
        }
    }

    pub(super) fn too_many_requests(tr: &Tr, seconds: i64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            tr.t("api-rate-limit-title"),
            tr.tn("api-rate-limit", "seconds", seconds),
        );
        p.retry_after = Some(seconds);
        p
    }

    pub(super) fn internal(tr: &Tr, e: &sqlx::Error) -> Self {
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
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: String,
}

impl Answer {
    pub(super) fn json(status: StatusCode, value: &impl Serialize) -> Self {
        Self { status, body: serde_json::to_string(value).unwrap_or_else(|_| "{}".into()) }
    }

    pub(super) fn into_response(self) -> HttpResponse {
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
