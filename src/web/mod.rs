//! HTTP: handlers by feature, translating requests into domain and store calls and back.

pub mod assets;
mod auth;
mod cases;
pub mod ctx;
mod errors;
mod orders;
mod subscriptions;
mod transactions;
mod views;
mod webhooks;

use actix_web::{HttpResponse, web};

pub use ctx::{Ctx, SignedIn};
pub use errors::AppError;

use crate::config::Config;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub config: Config,
    /// `serve --demo`: the mailbox page is on (with the file mailbox only).
    pub demo: bool,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/static/{file}", web::get().to(assets::serve))
        .route(
            "/",
            web::get().to(|| async { HttpResponse::SeeOther().insert_header(("Location", "/orders")).finish() }),
        )
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/settings/language", web::post().to(auth::set_language))
        .route("/orders", web::get().to(orders::list))
        .route("/orders/{order_id}", web::get().to(orders::show))
        .route("/orders/{order_id}/lines/{subscription_id}/contact", web::get().to(orders::edit_dialog))
        .route("/orders/{order_id}/lines/{subscription_id}/contact", web::post().to(orders::edit))
        .route("/orders/{order_id}/lines/{subscription_id}/resend", web::get().to(orders::resend_dialog))
        .route("/orders/{order_id}/lines/{subscription_id}/resend", web::post().to(orders::resend))
        .route("/orders/{order_id}/lines/{subscription_id}/history", web::get().to(orders::history))
        .route("/subscriptions", web::get().to(subscriptions::list))
        .route("/subscriptions/{subscription_id}/contact", web::get().to(subscriptions::edit_dialog))
        .route("/subscriptions/{subscription_id}/contact", web::post().to(subscriptions::edit))
        .route("/subscriptions/{subscription_id}/resend", web::get().to(subscriptions::resend_dialog))
        .route("/subscriptions/{subscription_id}/resend", web::post().to(subscriptions::resend))
        .route("/transactions", web::get().to(transactions::list))
        .route("/transactions.csv", web::get().to(transactions::csv))
        .route("/transactions/{id}/retry", web::post().to(transactions::retry))
        .route("/cases", web::get().to(cases::list))
        .route("/cases", web::post().to(cases::create))
        .route("/cases/new", web::get().to(cases::new))
        .route("/cases/attachments/{id}", web::get().to(cases::attachment))
        .route("/cases/{id}", web::post().to(cases::update))
        .route("/api/v1/control-hub/events", web::post().to(webhooks::control_hub_event))
        .route("/mailbox", web::get().to(mailbox));
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

/// The demo's file mailbox: the messages "sent", newest first (only with `--demo` and
/// without SMTP_URL; otherwise there is no such page).
async fn mailbox(signed_in: SignedIn) -> HttpResponse {
    let ctx = signed_in.ctx;
    let config = &ctx.state.config;
    if !ctx.state.demo || config.mail.smtp.is_some() {
        return AppError::NotFound.respond(&ctx);
    }
    let mut files: Vec<(std::time::SystemTime, String, std::path::PathBuf)> = std::fs::read_dir(&config.mail.mailbox)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| {
                    let modified = e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                    (modified, e.file_name().to_string_lossy().to_string(), e.path())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let messages = files
        .into_iter()
        .take(100)
        .map(|(_, name, path)| (name, std::fs::read_to_string(path).unwrap_or_default()))
        .collect();
    errors::html(
        actix_web::http::StatusCode::OK,
        &views::MailboxPage { layout: ctx.layout(), t: ctx.tr.clone(), messages },
    )
}
