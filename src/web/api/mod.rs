//! API v1 for partner systems (docs/http.md "API v1"): JSON over HTTPS with a company API
//! token, the same permission code and store calls as the pages, refusals as
//! `application/problem+json` (RFC 9457), idempotent writes and a rate limit per token.
//!
//! Checks run in the order of the action routes: token (401), rate limit (429
//! `too_many_requests`), visible (404), permitted (403), state (409), input (422), email
//! limits (429 `too_many_emails`). No cookies, no CSRF, never a redirect.
//!
//! By concern: `problems` (the refusals), `caller` (token, rate limit), `idempotency`
//! (bodies and keys of writes), `schema` (the JSON types) and `handlers` (the routes); the
//! OpenAPI document is derived from the handlers and types here.

// A refusal is made at most once per request and answered at once: boxing it would only
// add an allocation.
#![allow(clippy::result_large_err)]

use std::sync::OnceLock;
use std::time::Duration as StdDuration;

use utoipa::OpenApi;

mod caller;
mod handlers;
mod idempotency;
mod problems;
mod schema;

pub use caller::ApiLimiter;
pub use handlers::{change_contact, list_orders, list_transactions, openapi_json, resend, show_order};
use problems::{Creator, Problem};
pub use problems::{method_not_allowed, no_such_route};

/// The largest JSON body a request may carry.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
pub(super) const ORDERS_PER_PAGE: i64 = 50;
pub(super) const LINES_PER_PAGE: i64 = 200;
pub(super) const TRANSACTIONS_PER_PAGE: i64 = 50;
/// How long a request waits for the first request with the same idempotency key to end.
pub(super) const IDEMPOTENCY_WAIT: StdDuration = StdDuration::from_secs(10);

// --- the OpenAPI document ------------------------------------------------------------------

/// The OpenAPI 3.1 document of this API, generated from the handlers and their types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Provisio partner API", version = "1", description = "Provisioning contacts of cloud subscription orders, for partner systems."),
    paths(handlers::openapi_json, handlers::list_orders, handlers::show_order, handlers::change_contact, handlers::resend, handlers::list_transactions),
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

#[cfg(test)]
mod tests {
    use std::time::{Duration as StdDuration, Instant};

    use actix_web::http::header::RETRY_AFTER;

    use super::caller::ApiLimiter;
    use super::problems::{Answer, Problem};
    use crate::config::Rate;
    use crate::i18n::Tr;

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
