//! Who asks: the bearer token (401), its rate limit per token (429), and the user it acts
//! as; the wrapper every read takes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::problems::{Answer, Problem};
use crate::actions::Principal;
use crate::config::Rate;
use crate::domain::Actor;
use crate::i18n::Tr;
use crate::store::{ApiToken, token_hash};
use crate::web::AppState;
use crate::web::ctx::accepted_language;

/// Requests per token in fixed windows, counted in this instance (docs/configuration.md, PROVISIO_API_LIMIT).
#[derive(Debug, Default)]
pub struct ApiLimiter {
    pub(super) windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl ApiLimiter {
    /// Counts a request of `token_id`; Err with the seconds to wait when over `rate`.
    pub(super) fn admit(&self, token_id: i64, rate: Rate, now: Instant) -> Result<(), i64> {
        let per = rate.per.to_std().unwrap_or(StdDuration::from_secs(60));
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(token_id).or_insert((now, 0));
        if now.duration_since(window.0) >= per {
            *window = (now, 0);
        }
        if window.1 >= rate.count {
            let left = per.saturating_sub(now.duration_since(window.0));
            return Err((left.as_secs_f64().ceil() as i64).max(1));
        }
        window.1 += 1;
        Ok(())
    }
}

// --- who asks --------------------------------------------------------------------------------

/// Who asks: the token itself, never a made-up user. It acts with the rights of a user of
/// its company with the edit permission for the `write` scope (its `actor`), never as an
/// operator (docs/http.md, API v1); the use cases take it as a [`Principal`].
pub(super) struct Caller {
    pub(super) token: ApiToken,
    pub(super) actor: Actor,
}

impl Caller {
    pub(super) fn new(token: ApiToken) -> Self {
        let actor = Principal::Token(&token).actor();
        Self { token, actor }
    }

    pub(super) fn principal(&self) -> Principal<'_> {
        Principal::Token(&self.token)
    }
}

pub(super) fn tr_of(req: &HttpRequest) -> Tr {
    Tr::new(accepted_language(req).unwrap_or("en"))
}

/// The first two checks: the bearer token (401), then its rate limit (429).
pub(super) async fn caller(state: &AppState, req: &HttpRequest, tr: &Tr) -> Result<Caller, Problem> {
    let secret = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or_else(|| Problem::unauthorized(tr))?;
    let token = match state.store.live_token(&token_hash(secret)).await {
        Ok(Some(token)) => token,
        Ok(None) => return Err(Problem::unauthorized(tr)),
        Err(e) => return Err(Problem::internal(tr, &e)),
    };
    if let Err(seconds) = state.api_limiter.admit(token.id, state.config.api_limit, Instant::now()) {
        return Err(Problem::too_many_requests(tr, seconds));
    }
    // Losing this write only makes the last-used time older; the request goes on.
    if let Err(e) = state.store.token_used(&token, Utc::now()).await {
        tracing::warn!(error = %e, token = token.id, "could not record the token's use");
    }
    Ok(Caller::new(token))
}

/// A read: the token checks, then `run`.
pub(super) async fn read<F, Fut>(state: web::Data<AppState>, req: HttpRequest, run: F) -> HttpResponse
where
    F: FnOnce(web::Data<AppState>, Caller, Tr) -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let tr = tr_of(&req);
    match caller(&state, &req, &tr).await {
        Ok(caller) => run(state, caller, tr).await.unwrap_or_else(Answer::from).into_response(),
        Err(p) => Answer::from(p).into_response(),
    }
}
