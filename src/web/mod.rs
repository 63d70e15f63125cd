//! HTTP: handlers by feature, translating requests into domain and store calls and back.

mod account;
mod api;
pub mod assets;
mod attention;
mod auth;
mod bulk;
mod cases;
mod client;
mod company;
pub mod csrf;
pub mod ctx;
mod emails;
mod errors;
pub mod factors;
mod history;
mod input;
mod line_actions;
mod metrics;
mod my_sessions;
mod orders;
mod passkeys;
mod request_id;
pub mod sessions;
mod spreadsheet;
mod subscriptions;
mod tokens;
mod transactions;
mod upload;
mod user_agent;
mod views;
mod webhooks;
mod wire;

use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, web};

pub use api::{ApiLimiter, openapi_document};
pub use auth::PasswordChecks;
pub use ctx::{CookieNames, Ctx, SignedIn};
pub use errors::PageError;
pub use metrics::count_requests;
pub use passkeys::relying_party;
pub use request_id::request_id;
pub use wire::wire_headers;

use crate::config::Config;
use crate::secret::SigningKey;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub config: Config,
    /// `serve --demo`: the mailbox page is on (with the file mailbox only).
    pub demo: bool,
    pub cookies: CookieNames,
    /// Signs the sign-in form's token; the session and flash cookies' keys derive from it.
    pub signing_key: SigningKey,
    pub password_checks: PasswordChecks,
    /// API requests per token, counted in this instance.
    pub api_limiter: ApiLimiter,
    /// What `GET /metrics` shows, counted in this instance.
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// The passkeys' relying party (PROVISIO_PUBLIC_URL); None where its host is an IP
    /// address, which browsers refuse: then passkeys are off.
    pub webauthn: Option<webauthn_rs::Webauthn>,
}

/// 405 with the methods the path takes.
fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move || async move { HttpResponse::MethodNotAllowed().insert_header(("Allow", allow)).finish() })
}

/// A path that answers GET, and HEAD the same without a body. Its handler returns an
/// answer or `Result<_, PageError>` ([`errors::Paged`]).
fn get<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: errors::PageOutput + 'static,
{
    reads(path, errors::Paged(handler)).default_service(not_allowed("GET, HEAD"))
}

/// GET and HEAD of one handler, before the answer to other methods is set.
fn reads<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path).route(web::get().to(handler.clone())).route(web::head().to(handler))
}

/// A path that answers GET (and HEAD) and POST; the POST's first argument checks the CSRF
/// token ([`csrf::CsrfFirst`]), so the check cannot be left out.
fn get_post<F, Args, G, GArgs>(path: &str, read: F, write: G) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: errors::PageOutput + 'static,
    G: Handler<GArgs>,
    GArgs: FromRequest + csrf::CsrfFirst + 'static,
    G::Output: errors::PageOutput + 'static,
{
    get(path, read).route(web::post().to(errors::Paged(write))).default_service(not_allowed("GET, HEAD, POST"))
}

/// A path that answers POST only; its first argument checks the CSRF token.
fn post<G, GArgs>(path: &str, write: G) -> Resource
where
    G: Handler<GArgs>,
    GArgs: FromRequest + csrf::CsrfFirst + 'static,
    G::Output: errors::PageOutput + 'static,
{
    web::resource(path).route(web::post().to(errors::Paged(write))).default_service(not_allowed("POST"))
}

/// A webhook: POST only, authenticated by the signature of its body, never by a session,
/// so it takes no CSRF token.
fn webhook<G, GArgs>(path: &str, receive: G) -> Resource
where
    G: Handler<GArgs>,
    GArgs: FromRequest + 'static,
    G::Output: Responder + 'static,
{
    web::resource(path).route(web::post().to(receive)).default_service(not_allowed("POST"))
}

/// An API v1 path that answers GET (and HEAD): other methods get a 405 problem.
fn api_get<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    reads(path, handler).default_service(web::to(api::method_not_allowed("GET, HEAD")))
}

/// An API v1 path that answers one write method: other methods get a 405 problem.
fn api_write<G, GArgs>(path: &str, method: actix_web::http::Method, allow: &'static str, write: G) -> Resource
where
    G: Handler<GArgs>,
    GArgs: FromRequest + 'static,
    G::Output: Responder + 'static,
{
    web::resource(path).route(web::method(method).to(write)).default_service(web::to(api::method_not_allowed(allow)))
}

async fn home() -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", "/attention")).finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get("/healthz", healthz))
        // Not a page: no session, no CSRF; a bearer token of its own.
        .service(get("/metrics", metrics::metrics))
        .service(get("/static/{file}", assets::serve))
        .service(get("/", home))
        .service(get_post("/login", auth::login_form, auth::login))
        .service(post("/login/passkey/start", passkeys::sign_in_start))
        .service(post("/login/passkey/finish", passkeys::sign_in_finish))
        .service(post("/login/passkey/second-factor/start", passkeys::second_factor_start))
        .service(post("/login/passkey/second-factor/finish", passkeys::second_factor_finish))
        .service(post("/login/passkey/confirm/start", passkeys::confirm_start))
        .service(post("/login/passkey/confirm/finish", passkeys::confirm_finish))
        .service(post("/account/passkeys/register/start", passkeys::register_start))
        .service(post("/account/passkeys/register/finish", passkeys::register_finish))
        .service(post("/account/passkeys/{id}/remove", passkeys::remove))
        .service(post("/account/sessions/end-others", my_sessions::end_others))
        .service(post("/account/sessions/{id}/end", my_sessions::end))
        .service(post("/logout", auth::logout))
        .service(post("/settings/language", auth::set_language))
        .service(get("/account/security", account::security))
        .service(post("/account/totp", account::totp))
        .service(post("/account/totp/remove", account::remove_totp))
        .service(post("/account/recovery-codes", account::recovery_codes))
        .service(get_post("/login/second-factor", auth::second_factor_form, auth::second_factor))
        .service(get_post("/login/confirm", auth::confirm_form, auth::confirm))
        .service(get("/attention", attention::list))
        .service(get("/orders", orders::list))
        .service(get("/orders/{order_id}", orders::show))
        .service(get_post(
            "/orders/{order_id}/lines/{subscription_id}/contact",
            line_actions::edit_dialog,
            line_actions::edit,
        ))
        .service(get_post(
            "/orders/{order_id}/lines/{subscription_id}/resend",
            line_actions::resend_dialog,
            line_actions::resend,
        ))
        .service(get("/orders/{order_id}/lines/{subscription_id}/history", history::history))
        .service(get("/orders/{order_id}/lines/{subscription_id}/status", orders::line_status))
        .service(get("/subscriptions", subscriptions::list))
        .service(get_post("/subscriptions/{subscription_id}/contact", line_actions::edit_dialog, line_actions::edit))
        .service(get_post("/subscriptions/{subscription_id}/resend", line_actions::resend_dialog, line_actions::resend))
        .service(get_post("/bulk-fixes", bulk::upload_form, bulk::upload))
        // Before the batch route, which would otherwise take "template.csv" for an id.
        .service(get("/bulk-fixes/template.csv", bulk::template_csv))
        .service(get("/bulk-fixes/{batch_id}", bulk::show))
        .service(post("/bulk-fixes/{batch_id}/apply", bulk::apply))
        .service(post("/bulk-fixes/{batch_id}/discard", bulk::discard))
        .service(get("/bulk-fixes/{batch_id}/outcome.csv", bulk::outcome_csv))
        .service(get_post("/company/tokens", tokens::list, tokens::create))
        .service(post("/company/tokens/{id}/revoke", tokens::revoke))
        .service(get("/transactions", transactions::list))
        .service(get("/transactions.csv", transactions::csv))
        .service(post("/transactions/{id}/retry", transactions::retry))
        .service(get("/transactions/{id}/status", transactions::status))
        .service(get_post("/cases", cases::list, cases::create))
        .service(get("/cases/new", cases::new))
        .service(get("/cases/attachments/{id}", cases::attachment))
        .service(post("/cases/{id}", cases::update))
        .service(get_post("/company/users", company::users, company::invite))
        .service(post("/company/users/{email}", company::change))
        .service(get_post("/invitations/{token}", company::invitation_form, company::set_password))
        .service(webhook("/api/v1/control-hub/events", webhooks::control_hub_event))
        .service(webhook("/webhooks/bounce", webhooks::bounce).app_data(web::PayloadConfig::new(webhooks::MAX_BOUNCE)))
        .service(api_get("/api/v1/openapi.json", api::openapi_json))
        .service(api_get("/api/v1/orders", api::list_orders))
        .service(api_get("/api/v1/orders/{order_id}", api::show_order))
        .service(api_write(
            "/api/v1/orders/{order_id}/lines/{subscription_id}/contact",
            actix_web::http::Method::PUT,
            "PUT",
            api::change_contact,
        ))
        .service(api_write(
            "/api/v1/orders/{order_id}/lines/{subscription_id}/resend",
            actix_web::http::Method::POST,
            "POST",
            api::resend,
        ))
        .service(api_get("/api/v1/transactions", api::list_transactions))
        .service(web::resource("/api/v1/{rest:.*}").to(api::no_such_route))
        .service(get("/emails/{id}", emails::show))
        .service(get("/emails/{id}/html", emails::html_body))
        .service(get("/mailbox", emails::mailbox));
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unavailable")
        }
    }
}

#[cfg(test)]
mod tests {
    /// docs/http.md names every route of the router.
    #[test]
    fn every_route_is_documented() {
        let docs = include_str!("../../docs/http.md");
        let source = include_str!("mod.rs");
        let body = &source[source.find("pub fn routes").expect("the router")..];
        let body = &body[..body.find("\n}\n").expect("its end")];
        let mut paths = Vec::new();
        for call in ["get(\"", "get_post(\"", "post(\"", "webhook(\""] {
            for part in body.split(call).skip(1) {
                paths.push(part.split('"').next().unwrap().to_string());
            }
        }
        // API writes name their path on the next line.
        for part in body.split("api_write(").skip(1) {
            paths.push(part.split('"').nth(1).unwrap().to_string());
        }
        assert!(paths.len() >= 20, "{paths:?}");
        // The path itself, not a longer one that starts with it.
        let documented = |path: &str| {
            docs.match_indices(path).any(|(at, _)| {
                let next = docs[at + path.len()..].chars().next().unwrap_or(' ');
                !(next.is_alphanumeric() || matches!(next, '/' | '-' | '_' | '.' | '{'))
            })
        };
        for path in paths {
            assert!(documented(&path), "docs/http.md lacks {path}");
        }
    }
}
