//! What every multipart upload shares: the body is capped before it is stored, from its
//! declared length or as soon as the stream passes the cap.

use actix_web::HttpRequest;

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
