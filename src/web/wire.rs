//! What every answer carries on the wire once the Compress middleware has run
//! (docs/http.md, "Compression"): `Vary: Accept-Encoding` on each, since any answer may
//! be compressed for another request; and no `Content-Encoding: identity`, which the
//! static files set only to keep Compress from encoding them per request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_ENCODING, HeaderValue, VARY};
use actix_web::middleware::Next;

pub async fn wire_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if headers.get(CONTENT_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"identity")) {
        headers.remove(CONTENT_ENCODING);
    }
    let varies = headers.get_all(VARY).any(|v| {
        v.to_str().is_ok_and(|v| v.split(',').any(|name| name.trim().eq_ignore_ascii_case("accept-encoding")))
    });
    if !varies {
        headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    Ok(response)
}
