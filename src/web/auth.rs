//! Signing in and out, and the user's language.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::ctx::{Ctx, SESSION_CSRF, SESSION_USER, SignedIn, random_token, safe_next};
use super::errors::{AppError, html};
use super::views::LoginPage;
use crate::i18n::LANGUAGES;

/// Failed sign-ins of one address within this window...
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// ...after which that address waits out the rest of the window, right password or not.
const MAX_FAILURES: i64 = 5;

/// Verified against when the address is unknown, so both answers take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default().hash_password(random_token().as_bytes()).expect("hashing a random password").to_string()
});

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    csrf_token: Option<String>,
}

fn page(ctx: &Ctx, email: &str, next: &str, error: Option<String>) -> LoginPage {
    LoginPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        email: email.to_string(),
        next: safe_next(next).unwrap_or("").to_string(),
        error,
    }
}

pub async fn login_form(ctx: Ctx, query: web::Query<LoginQuery>) -> HttpResponse {
    let next = query.next.as_deref().unwrap_or("");
    if ctx.user.is_some() {
        let target = safe_next(next).unwrap_or("/orders");
        return HttpResponse::SeeOther().insert_header(("Location", target)).finish();
    }
    html(StatusCode::OK, &page(&ctx, "", next, None))
}

pub async fn login(ctx: Ctx, form: web::Form<LoginForm>) -> HttpResponse {
    if !ctx.csrf_ok(form.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    match sign_in(&ctx, &form).await {
        Ok(response) => response,
        Err(e) => e.respond(&ctx),
    }
}

async fn sign_in(ctx: &Ctx, form: &LoginForm) -> Result<HttpResponse, AppError> {
    let store = &ctx.state.store;
    let now = Utc::now();
    let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let email = form.email.trim().to_lowercase();

    if let Some((failures, last)) = store.recent_login_failures(&email, since).await?
        && failures >= MAX_FAILURES
    {
        let retry = (last + Duration::minutes(FAILURE_WINDOW_MINUTES) - now).num_seconds().max(1);
        let message = ctx.tr.tn("login-throttled", "minutes", (retry + 59) / 60);
        let mut response = html(StatusCode::TOO_MANY_REQUESTS, &page(ctx, &form.email, &form.next, Some(message)));
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(retry));
        return Ok(response);
    }

    let found = store.user_credentials(&email).await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || {
        Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await
    .map_err(anyhow::Error::from)?;

    let user = match found {
        Some((user, Some(_))) if verified => user,
        _ => {
            store.record_login_failure(&email, now, since).await?;
            let message = ctx.tr.t("login-failed");
            return Ok(html(StatusCode::UNAUTHORIZED, &page(ctx, &form.email, &form.next, Some(message))));
        }
    };
    store.clear_login_failures(&email).await?;

    // A new session id at sign-in (no fixation), and a new CSRF token with it.
    ctx.session.renew();
    ctx.session.insert(SESSION_USER, user.id).map_err(|e| anyhow::anyhow!("{e}"))?;
    ctx.session.insert(SESSION_CSRF, random_token()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let target = safe_next(&form.next).filter(|n| !n.starts_with("/login")).unwrap_or("/orders");
    Ok(HttpResponse::SeeOther().insert_header(("Location", target)).finish())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: Option<String>,
}

pub async fn logout(signed_in: SignedIn, form: web::Form<CsrfOnly>) -> HttpResponse {
    let ctx = signed_in.ctx;
    if !ctx.csrf_ok(form.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    // purge() deletes the session on the server, not only the cookie.
    ctx.session.purge();
    HttpResponse::SeeOther().insert_header(("Location", "/login")).finish()
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    csrf_token: Option<String>,
}

pub async fn set_language(signed_in: SignedIn, form: web::Form<LanguageForm>) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    if !ctx.csrf_ok(form.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    // The portal accepts every language of the contract; the catalog falls back to English
    // for one it does not carry yet.
    if !(LANGUAGES.contains(&form.lang.as_str()) || ["ko", "sv"].contains(&form.lang.as_str())) {
        return HttpResponse::UnprocessableEntity().content_type("text/plain").body("lang: expected en, ko or sv");
    }
    if let Err(e) = ctx.state.store.set_user_language(user.id, &form.lang).await {
        return AppError::from(e).respond(&ctx);
    }
    let back = ctx.came_from.clone().unwrap_or_else(|| "/orders".to_string());
    HttpResponse::SeeOther().insert_header(("Location", back)).finish()
}
