//! `GET /metrics` (docs/operations.md, "Metrics") and the middleware that counts every
//! request for it. Not a page: no session, no CSRF; only with
//! `Authorization: Bearer $PROVISIO_METRICS_TOKEN`, and 404 without that setting.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::metrics::Snapshot;
use crate::secret::constant_time_eq;

/// Middleware: every answer counted by method, route pattern and status, with the time
/// until its head was ready.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let request = response.request();
        // The pattern, never the path: ids would make a series per order.
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_string());
        state.metrics.request(
            request.method().as_str(),
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(token) = &state.config.metrics_token else {
        return HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("not found");
    };
    let sent = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    // Digests of equal length: the comparison tells nothing of the token's length either.
    if sent.is_empty() || !constant_time_eq(&Sha256::digest(sent), &Sha256::digest(token)) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .content_type("text/plain; charset=utf-8")
            .body("unauthorized");
    }
    let read = async { Ok::<_, sqlx::Error>((state.store.email_queue().await?, state.store.bounce_reports().await?)) };
    let ((queue_depth, oldest), (bounced, delayed)) = match read.await {
        Ok(read) => read,
        Err(e) => {
            tracing::error!(error = %e, "metrics: the email queue could not be read");
            return HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unavailable");
        }
    };
    let now = state.config.clock.now();
    let queue_oldest_seconds = oldest.map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1000.0);
    let snapshot = Snapshot { queue_depth, queue_oldest_seconds, bounced, delayed, pools: state.store.pool_use() };
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render(&snapshot))
}
