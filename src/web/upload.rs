//! What every multipart upload shares: the body is capped before it is stored, from its
//! declared length or as soon as the stream passes the cap.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};

use super::errors::AppError;

/// Why an upload could not be read at all.
pub enum UploadError {
    /// Over the route's cap on the whole body.
    TooLarge,
    Malformed,
}

/// The request declares a body longer than `max` bytes: refuse it before reading.
pub fn declared_over(req: &HttpRequest, max: usize) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > max)
}

/// The body of a multipart form post. A body of another type cannot carry the form's CSRF
/// token, so it is refused as a missing token (403) unless the header brings a valid one,
/// and only then for its type (415): the CSRF check comes before the body's type.
pub fn form_upload(req: &HttpRequest, payload: web::Payload) -> Result<Multipart, NotAForm> {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart { Ok(Multipart::new(req.headers(), payload)) } else { Err(NotAForm) }
}

/// A form post whose body is not multipart.
pub struct NotAForm;

impl NotAForm {
    pub fn respond(self, ctx: &super::ctx::Ctx) -> actix_web::HttpResponse {
        if ctx.csrf_ok(None) {
            actix_web::HttpResponse::UnsupportedMediaType()
                .content_type("text/plain; charset=utf-8")
                .body(ctx.tr.t("upload-not-a-form"))
        } else {
            AppError::Csrf.respond(ctx)
        }
    }
}
