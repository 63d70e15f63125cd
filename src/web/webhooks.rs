//! Admin-console (Control Hub) events: `order.mapped` records PONR through the same call as
//! `provisio onboard`; `provisioning.completed` completes a line. The body is signed with
//! HMAC-SHA256 (PROVISIO_WEBHOOK_SECRET), checked in constant time before anything is read.

use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::AppState;
use crate::store::OnboardOutcome;

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Event {
    #[serde(rename = "order.mapped")]
    OrderMapped { order_id: String },
    #[serde(rename = "provisioning.completed")]
    ProvisioningCompleted { subscription_id: String },
}

fn answer(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "status": message }))
}

/// Whether `header` (`sha256=<hex>`) is the HMAC of `body` under `secret`.
pub fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else { return false };
    let Ok(signature) = hex::decode(hex_sig) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

pub async fn control_hub_event(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    use actix_web::http::StatusCode;
    let Some(secret) = &state.config.webhook_secret else {
        return answer(StatusCode::NOT_FOUND, "not found");
    };
    let header = req.headers().get("X-Provisio-Signature").and_then(|v| v.to_str().ok());
    if !signature_ok(secret, &body, header) {
        return answer(StatusCode::UNAUTHORIZED, "bad or missing signature");
    }
    let event: Event = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &format!("malformed event: {e}")),
    };
    let outcome = match &event {
        Event::OrderMapped { order_id } => state.store.onboard(order_id, Utc::now()).await,
        Event::ProvisioningCompleted { subscription_id } => {
            state.store.complete_line(subscription_id, Utc::now()).await
        }
    };
    match outcome {
        Ok(OnboardOutcome::Onboarded) => answer(StatusCode::OK, "done"),
        Ok(OnboardOutcome::AlreadyOnboarded) => answer(StatusCode::OK, "already done"),
        Ok(OnboardOutcome::NotFound) => answer(StatusCode::NOT_FOUND, "unknown order or subscription"),
        Err(e) => {
            tracing::error!(error = %e, "admin-console event failed");
            answer(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// The most a bounce may weigh over HTTP (413 beyond).
pub const MAX_BOUNCE: usize = 1 << 20;

/// POST /webhooks/bounce: one raw message (what a provider's webhook or a mail fetcher
/// forwards), signed like the admin-console events; read by the same reader as
/// `provisio bounce` (docs/product.md rule 14). 2xx for anything read, ours or not.
pub async fn bounce(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    use crate::mail::bounce::{Reading, read};
    use actix_web::http::StatusCode;
    let Some(secret) = &state.config.webhook_secret else {
        return answer(StatusCode::NOT_FOUND, "not found");
    };
    let header = req.headers().get("X-Provisio-Signature").and_then(|v| v.to_str().ok());
    if !signature_ok(secret, &body, header) {
        return answer(StatusCode::UNAUTHORIZED, "bad or missing signature");
    }
    match read(&body, &state.signing_key, None) {
        Reading::Report(report) => match state.store.record_bounce(&report, Utc::now()).await {
            Ok(crate::store::BounceRecorded::Duplicate) => answer(StatusCode::OK, "already recorded"),
            Ok(crate::store::BounceRecorded::UnknownMessage) => answer(StatusCode::OK, "not ours"),
            Ok(_) => answer(StatusCode::OK, report.outcome.as_str()),
            Err(e) => {
                tracing::error!(error = %e, "recording a bounce failed");
                answer(StatusCode::SERVICE_UNAVAILABLE, "try again")
            }
        },
        Reading::AutoReply => answer(StatusCode::OK, "automatic reply"),
        Reading::NotOurs | Reading::Unreadable => answer(StatusCode::OK, "not ours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_whole() {
        let secret = "0123456789abcdef";
        let body = br#"{"type":"order.mapped","order_id":"WO-1"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(signature_ok(secret, body, Some(&good)));
        assert!(!signature_ok(secret, b"{}", Some(&good)));
        assert!(!signature_ok("another secret key!", body, Some(&good)));
        assert!(!signature_ok(secret, body, None));
        assert!(!signature_ok(secret, body, Some(&good[..good.len() - 2])));
        assert!(!signature_ok(secret, body, Some(good.trim_start_matches("sha256="))));
    }
}
