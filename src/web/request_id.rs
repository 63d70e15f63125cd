//! A request id on every answer (`X-Request-Id`) and on every log line of its request
//! (a tracing span), so that a partner's report of one request can be found in the logs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::RngCore;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

/// A caller's own id is kept when it is short and plain; otherwise we make one.
fn request_id_of(req: &ServiceRequest) -> String {
    let sent = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|v| {
        !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    match sent {
        Some(id) => id.to_string(),
        None => {
            let mut bytes = [0u8; 8];
            rand::rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        }
    }
}

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id_of(&req);
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    // Handlers' and extractors' errors are answers by now (actix turns them into responses
    // at the handler), so an Err here is rare and goes on as it is.
    let mut response = next.call(req).instrument(span.clone()).await?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
    }
    span.in_scope(|| tracing::debug!(status = response.status().as_u16(), "answered"));
    Ok(response)
}
