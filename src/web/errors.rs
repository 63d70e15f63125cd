//! Refusals and failures, answered the same way by every handler: a page for a plain
//! request, a fragment for htmx (CONTRACT.md, "Answers of the action routes").

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;

use super::ctx::Ctx;
use super::views::{MessagePage, Refusal, RefusalDialog, RefusalPage};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// Renders a template with a status; a template error becomes a 500.
pub fn html(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(body) => HttpResponseBuilder::new(status).content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().content_type("text/plain").body("internal error")
        }
    }
}

/// A refusal (403, 409): inside the dialog for htmx, as a page otherwise.
pub fn refusal(ctx: &Ctx, status: StatusCode, refusal: Refusal) -> HttpResponse {
    if ctx.htmx {
        html(status, &RefusalDialog { t: ctx.tr.clone(), refusal })
    } else {
        html(status, &RefusalPage { layout: ctx.layout(), t: ctx.tr.clone(), refusal })
    }
}

impl AppError {
    pub fn respond(self, ctx: &Ctx) -> HttpResponse {
        let tr = &ctx.tr;
        let (status, title, message, link) = match self {
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                tr.t("csrf-title"),
                tr.t("csrf-message"),
                Some((tr.t("csrf-reload"), reload_target(ctx))),
            ),
            AppError::NotFound => (StatusCode::NOT_FOUND, tr.t("not-found-title"), tr.t("not-found-message"), None),
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, tr.t("error-title"), tr.t("error-message"), None)
            }
        };
        if ctx.htmx {
            let back_href = "/orders".to_string();
            return html(
                status,
                &RefusalDialog { t: tr.clone(), refusal: Refusal { title, message, link, back_href } },
            );
        }
        html(status, &MessagePage { layout: ctx.layout(), t: tr.clone(), title, message, link })
    }
}

/// Where "reload the form" leads: the page the form was on; else the GET of the same path
/// (every form route but logout has one), else the orders.
fn reload_target(ctx: &Ctx) -> String {
    match &ctx.came_from {
        Some(page) => page.clone(),
        None if ctx.here.starts_with("/logout") || ctx.here.starts_with("/settings") => "/orders".to_string(),
        None => ctx.here.clone(),
    }
}
