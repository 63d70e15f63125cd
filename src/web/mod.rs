//! HTTP: handlers by feature, translating requests into domain and store calls and back.

pub mod assets;
mod auth;
mod ctx;
mod errors;
mod orders;
mod views;

use actix_web::{HttpResponse, web};

pub use ctx::{Ctx, SignedIn};
pub use errors::AppError;

use crate::config::Config;
use crate::store::Store;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub config: Config,
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
        .route("/orders/{order_id}/lines/{subscription_id}/history", web::get().to(orders::history));
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
