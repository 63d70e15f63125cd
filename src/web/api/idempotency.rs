//! Writes: the body (16 KB, JSON only), the Idempotency-Key (one request: method, path and
//! body), and the answer kept for the key when it is final.

use std::time::{Duration as StdDuration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::caller::{Caller, caller, tr_of};
use super::problems::{Answer, Problem};
use super::{IDEMPOTENCY_WAIT, MAX_BODY_BYTES};
use crate::i18n::Tr;
use crate::store::IdempotencyClaim;
use crate::web::AppState;

/// The body, up to [`MAX_BODY_BYTES`].
pub(super) async fn read_body(mut payload: web::Payload, tr: &Tr) -> Result<web::Bytes, Problem> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Problem::invalid_request(tr, tr.t("api-body-unreadable"), None))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                tr.t("api-too-large-title"),
                tr.tn("api-too-large", "kilobytes", (MAX_BODY_BYTES / 1024) as i64),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A write: the token checks, the body, the idempotency key, then `run`; the answer is
/// kept for the key (a failure on our side gives the key back).
pub(super) async fn write<F, Fut>(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    run: F,
) -> HttpResponse
where
    F: FnOnce(web::Data<AppState>, Caller, Tr, web::Bytes) -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let tr = tr_of(&req);
    let caller = match caller(&state, &req, &tr).await {
        Ok(caller) => caller,
        Err(p) => return Answer::from(p).into_response(),
    };
    let body = match read_body(payload, &tr).await {
        Ok(body) => body,
        Err(p) => return Answer::from(p).into_response(),
    };
    if let Err(p) = json_only(&req, &body, &tr) {
        return Answer::from(p).into_response();
    }
    let key = match req.headers().get("Idempotency-Key").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(key)) if is_idempotency_key(key) => Some(key.to_string()),
        Some(_) => {
            let p = Problem::invalid_request(&tr, tr.t("api-idempotency-key-invalid"), None);
            return Answer::from(p).into_response();
        }
    };
    let Some(key) = key else {
        return run(state, caller, tr, body).await.unwrap_or_else(Answer::from).into_response();
    };
    let token_id = caller.token.id;
    // The request's fingerprint: a key names one request, so the same key on another
    // line (or method, or body) is a client's mistake, never a replay.
    let mut fingerprint = Sha256::new();
    fingerprint.update(req.method().as_str().as_bytes());
    fingerprint.update(b"\n");
    fingerprint.update(req.path().as_bytes());
    fingerprint.update(b"\n");
    fingerprint.update(&body);
    let body_hash = hex::encode(fingerprint.finalize());
    let deadline = Instant::now() + IDEMPOTENCY_WAIT;
    loop {
        match state.store.claim_idempotency_key(token_id, &key, &body_hash, Utc::now()).await {
            Ok(IdempotencyClaim::Fresh) => break,
            Ok(IdempotencyClaim::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Answer { status, body }.into_response();
            }
            Ok(IdempotencyClaim::Mismatch) => {
                let p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    tr.t("api-invalid-request-title"),
                    tr.t("api-idempotency-mismatch"),
                );
                return Answer::from(p).into_response();
            }
            Ok(IdempotencyClaim::InProgress) if Instant::now() < deadline => {
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
            Ok(IdempotencyClaim::InProgress) => {
                let p = Problem::invalid_request(&tr, tr.t("api-idempotency-in-progress"), None);
                return Answer::from(p).into_response();
            }
            Err(e) => return Answer::from(Problem::internal(&tr, &e)).into_response(),
        }
    }
    let store = state.store.clone();
    let answer = run(state, caller, tr, body).await.unwrap_or_else(Answer::from);
    // Only a final answer is kept for the key: after a 429 or a failure on our side the
    // same request is meant to be tried again, and must then run.
    let kept = if answer.status.is_server_error() || answer.status == StatusCode::TOO_MANY_REQUESTS {
        store.release_idempotency_key(token_id, &key).await
    } else {
        store.record_idempotent_answer(token_id, &key, answer.status.as_u16(), &answer.body).await
    };
    if let Err(e) = kept {
        tracing::error!(error = %e, token = token_id, "could not keep the answer of an idempotency key");
    }
    answer.into_response()
}

/// An Idempotency-Key: 1 to 255 visible ASCII characters (the OpenAPI document's pattern).
pub(super) fn is_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// A write's body is JSON and says so (ASVS 13.2.5): a body of any other declared type
/// answers 415. A write without a body (a resend) needs no type.
pub(super) fn json_only(req: &HttpRequest, body: &[u8], tr: &Tr) -> Result<(), Problem> {
    let declared = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_json = declared
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if is_json || (declared.is_none() && body.is_empty()) {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        tr.t("api-unsupported-media-type-title"),
        tr.t("api-unsupported-media-type"),
    ))
}

/// The body as `T`; a 422 naming the field at fault otherwise.
pub(super) fn parse_body<T: serde::de::DeserializeOwned>(tr: &Tr, body: &[u8]) -> Result<T, Problem> {
    let mut json = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        Problem::invalid_request(tr, e.inner().to_string(), field)
    })
}

/// An optional key that makes a write safe to repeat (read by [`write`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct IdempotencyKey {
    /// 1 to 255 visible ASCII characters naming this request: for 24 hours the same key
    /// with the same method, path and body replays the first final answer (not a 429 nor
    /// a 5xx, which may be retried); with another method, path or body it answers 422
    /// `idempotency_key_reused`.
    #[param(
        rename = "Idempotency-Key",
        pattern = "^[!-~]{1,255}$",
        min_length = 1,
        max_length = 255,
        example = "3f6c2a1e-order-WO-1-line-Sub-1"
    )]
    pub(super) key: Option<String>,
}
