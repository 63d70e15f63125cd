//! Signing in and out, and the user's language.
//!
//! Sign-in throttling counts failures per client address and account (PROVISIO_LOGIN_LIMIT)
//! and per address across accounts (PROVISIO_LOGIN_ADDRESS_LIMIT). Both slots are taken
//! before the password is checked, so parallel guesses cannot slip through; nothing locks
//! an account itself, so from another address the right password works. At most a few
//! password checks run at once; beyond a bounded queue the answer is 503.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::Utc;
use serde::Deserialize;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::account::SECURITY_PAGE;
use super::csrf::{CsrfForm, NoFields, SignedForm};
use super::ctx::{Ctx, SignedIn, safe_next};
use super::errors::{PageError, html};
use super::factors::{self, Checked, Pending};
use super::views::{ConfirmPage, LoginPage, SecondFactorPage};
use crate::i18n::LANGUAGES;
use crate::metrics::SignInRefusal;
use crate::secret::random_token;
use crate::store::{ANY_ACCOUNT, User};

/// Verified against when the address is unknown, so both answers take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default().hash_password(random_token().as_bytes()).expect("hashing a random password").to_string()
});

/// The password checks (Argon2, ~19 MiB and tens of milliseconds each) that may run at
/// once, and how many may wait for a turn.
pub struct PasswordChecks {
    running: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl PasswordChecks {
    pub fn new(at_once: usize, max_waiting: usize) -> Self {
        Self { running: Semaphore::new(at_once.max(1)), waiting: AtomicUsize::new(0), max_waiting }
    }

    /// A turn to check a password, or None when the queue is full.
    pub async fn turn(&self) -> Option<SemaphorePermit<'_>> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.running.acquire().await.ok();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit
    }
}

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
}

fn page(ctx: &Ctx, email: &str, next: &str, error: Option<String>) -> LoginPage {
    LoginPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        email: email.to_string(),
        next: safe_next(next).unwrap_or("").to_string(),
        error,
        passkeys_js: ctx.state.webauthn.is_some().then(|| super::assets::url("passkeys.js")),
    }
}

pub async fn login_form(mut ctx: Ctx, query: web::Query<LoginQuery>) -> HttpResponse {
    let next = query.next.as_deref().unwrap_or("");
    if ctx.user.is_some() {
        let target = safe_next(next).unwrap_or("/attention");
        return HttpResponse::SeeOther().insert_header(("Location", target)).finish();
    }
    ctx.ensure_login_token();
    html(StatusCode::OK, &page(&ctx, "", next, None))
}

pub async fn login(posted: CsrfForm<LoginForm>) -> Result<HttpResponse, PageError> {
    let CsrfForm { mut ctx, form } = posted;
    let response = sign_in(&mut ctx, &form).await;
    let status = match &response {
        Ok(answer) => answer.status(),
        Err(e) => e.status(),
    };
    let refusal = match status {
        StatusCode::UNAUTHORIZED => Some(SignInRefusal::Credentials),
        StatusCode::TOO_MANY_REQUESTS => Some(SignInRefusal::Throttled),
        StatusCode::SERVICE_UNAVAILABLE => Some(SignInRefusal::Unavailable),
        _ => None,
    };
    if let Some(refusal) = refusal {
        ctx.state.metrics.sign_in_refused(refusal);
    }
    response
}

fn with_retry_after(mut response: HttpResponse, seconds: i64) -> HttpResponse {
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

async fn sign_in(ctx: &mut Ctx, form: &LoginForm) -> Result<HttpResponse, PageError> {
    let store = ctx.state.store.clone();
    let limits = ctx.state.config.login.clone();
    let now = Utc::now();
    let email = form.email.trim().to_lowercase();
    let client = ctx.client.clone();
    let throttled = |ctx: &Ctx, wait: chrono::Duration| {
        let seconds = wait.num_seconds().max(1);
        let message = ctx.tr.tn("login-throttled", "minutes", (seconds + 59) / 60);
        with_retry_after(
            html(StatusCode::TOO_MANY_REQUESTS, &page(ctx, &form.email, &form.next, Some(message))),
            seconds,
        )
    };

    // Both slots before the password check is queued: one address cannot fill the queue.
    if let Some(wait) = store.take_login_slot(&client, ANY_ACCOUNT, limits.per_address, now).await? {
        return Ok(throttled(ctx, wait));
    }
    if let Some(wait) = store.take_login_slot(&client, &email, limits.per_account, now).await? {
        store.return_login_slot(&client, ANY_ACCOUNT).await?;
        return Ok(throttled(ctx, wait));
    }
    let give_back = || async {
        store.return_login_slot(&client, &email).await?;
        store.return_login_slot(&client, ANY_ACCOUNT).await
    };

    let found = store.user_credentials(&email).await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = form.password.clone();
    let Some(turn) = ctx.state.password_checks.turn().await else {
        give_back().await?;
        let message = ctx.tr.t("login-busy");
        let body = page(ctx, &form.email, &form.next, Some(message));
        return Ok(with_retry_after(html(StatusCode::SERVICE_UNAVAILABLE, &body), 5));
    };
    let verified = tokio::task::spawn_blocking(move || {
        Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await
    .map_err(anyhow::Error::from)?;
    drop(turn);

    let user = match found {
        Some((user, Some(_))) if verified => user,
        _ => {
            let message = ctx.tr.t("login-failed");
            return Ok(html(StatusCode::UNAUTHORIZED, &page(ctx, &form.email, &form.next, Some(message))));
        }
    };
    give_back().await?;
    let target = safe_next(&form.next).filter(|n| !n.starts_with("/login")).unwrap_or("/attention");

    // A user with a second factor gives it before any session exists: until then the
    // sign-in lives in a signed cookie of a few minutes (docs/product.md rule 15).
    if store.has_second_factor(user.id).await? {
        let pending = Pending { user_id: user.id, since: ctx.state.config.clock.now(), next: target.to_string() };
        ctx.set_cookie(pending.cookie(ctx));
        return Ok(see_other(SECOND_FACTOR));
    }
    // A new session key at sign-in (no fixation), with a new CSRF token; the session the
    // browser came with, if any, ends.
    ctx.start_session(user.id)?;
    let names = ctx.state.cookies;
    ctx.set_cookie(names.removal(names.login));
    // PROVISIO_MFA covers a user without a second factor: enrol first.
    if ctx.state.config.mfa.covers(&user.actor()) {
        return Ok(see_other(SECURITY_PAGE));
    }
    Ok(see_other(target))
}

fn see_other(target: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", target)).finish()
}

/// The second step of sign-in.
const SECOND_FACTOR: &str = "/login/second-factor";

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The page offers what the user has: the code form for one-time codes, a button for
/// their passkeys (`web::passkeys::second_factor_option`).
async fn second_factor_page(ctx: &Ctx, user: &User, error: Option<String>) -> Result<SecondFactorPage, PageError> {
    let (code, passkeys_js) = super::passkeys::second_factor_option(ctx, user).await?;
    Ok(SecondFactorPage { layout: ctx.layout(), t: ctx.tr.clone(), error, code, passkeys_js })
}

/// The user of this request's pending sign-in, if it is still pending (else the way back to
/// the sign-in form, saying why).
async fn pending_user(ctx: &Ctx, req: &HttpRequest) -> Result<Result<(Pending, User), HttpResponse>, PageError> {
    let pending = Pending::read(ctx, req);
    let user = match &pending {
        Some(p) => ctx.state.store.user(p.user_id).await?,
        None => None,
    };
    match (pending, user) {
        (Some(pending), Some(user)) => Ok(Ok((pending, user))),
        _ => {
            ctx.flash(ctx.tr.t("second-factor-expired"));
            let names = ctx.state.cookies;
            ctx.set_cookie(names.removal(names.pending));
            Ok(Err(see_other("/login")))
        }
    }
}

pub async fn second_factor_form(mut ctx: Ctx, req: HttpRequest) -> Result<HttpResponse, PageError> {
    if ctx.user.is_some() {
        return Ok(see_other("/attention"));
    }
    let user = match pending_user(&ctx, &req).await? {
        Ok((_, user)) => user,
        Err(back) => return Ok(back),
    };
    ctx.ensure_login_token();
    Ok(html(StatusCode::OK, &second_factor_page(&ctx, &user, None).await?))
}

/// `POST /login/second-factor`: a one-time code or a recovery code after the password.
/// Right: the session starts, 303 to where the sign-in was going; wrong: 401 with the form;
/// too many wrong ones: 429, counted like passwords.
pub async fn second_factor(posted: CsrfForm<CodeForm>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let CsrfForm { ctx, form } = posted;
    let (pending, user) = match pending_user(&ctx, &req).await? {
        Ok(found) => found,
        Err(back) => return Ok(back),
    };
    if let Some(wait) = factors::take_slots(&ctx, &user.email).await? {
        ctx.state.metrics.sign_in_refused(SignInRefusal::Throttled);
        let seconds = wait.num_seconds().max(1);
        let message = ctx.tr.tn("login-throttled", "minutes", (seconds + 59) / 60);
        return Ok(with_retry_after(
            html(StatusCode::TOO_MANY_REQUESTS, &second_factor_page(&ctx, &user, Some(message)).await?),
            seconds,
        ));
    }
    if factors::check_typed(&ctx, &user, &form.code).await? == Checked::Wrong {
        ctx.state.metrics.sign_in_refused(SignInRefusal::Credentials);
        let message = ctx.tr.t("second-factor-wrong");
        return Ok(html(StatusCode::UNAUTHORIZED, &second_factor_page(&ctx, &user, Some(message)).await?));
    }
    factors::give_back(&ctx, &user.email).await?;
    ctx.start_session(user.id)?;
    let names = ctx.state.cookies;
    ctx.set_cookie(names.removal(names.login));
    ctx.set_cookie(names.removal(names.pending));
    let target = safe_next(&pending.next).filter(|n| !n.starts_with("/login")).unwrap_or("/attention");
    Ok(see_other(target))
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The fresh check's page: a code for a user with one-time codes, a passkey button for a
/// user with passkeys, the password for a user with neither (`web::passkeys::confirm_options`).
async fn confirm_page(ctx: &Ctx, user: &User, next: &str, error: Option<String>) -> Result<ConfirmPage, PageError> {
    let options = super::passkeys::confirm_options(ctx, user).await?;
    Ok(ConfirmPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        csrf: ctx.csrf.clone(),
        code: options.code,
        password: options.password,
        passkeys_js: options.passkeys_js,
        next: safe_next(next).unwrap_or("").to_string(),
        error,
    })
}

/// `GET /login/confirm`: the fresh check's form: the second factor, or the password for a
/// user without one.
pub async fn confirm_form(signed_in: SignedIn, query: web::Query<ConfirmQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    Ok(html(StatusCode::OK, &confirm_page(&ctx, &user, query.next.as_deref().unwrap_or(""), None).await?))
}

/// `POST /login/confirm`: right, the session's last check is now and the user goes back to
/// `next`; wrong 401, too many wrong 429 (the sign-in throttle).
pub async fn confirm(posted: SignedForm<ConfirmForm>) -> Result<HttpResponse, PageError> {
    let SignedForm { mut ctx, user, form } = posted;
    if let Some(wait) = factors::take_slots(&ctx, &user.email).await? {
        let seconds = wait.num_seconds().max(1);
        let message = ctx.tr.tn("login-throttled", "minutes", (seconds + 59) / 60);
        return Ok(with_retry_after(
            html(StatusCode::TOO_MANY_REQUESTS, &confirm_page(&ctx, &user, &form.next, Some(message)).await?),
            seconds,
        ));
    }
    let options = super::passkeys::confirm_options(&ctx, &user).await?;
    let right = if options.code {
        factors::check_typed(&ctx, &user, &form.code).await? != Checked::Wrong
    } else if !options.password {
        // Only a passkey answers for this user (its own ceremony, /login/passkey/confirm).
        false
    } else {
        let hash = ctx.state.store.user_credentials(&user.email).await?.and_then(|(_, hash)| hash);
        let Some(turn) = ctx.state.password_checks.turn().await else {
            factors::give_back(&ctx, &user.email).await?;
            let body = confirm_page(&ctx, &user, &form.next, Some(ctx.tr.t("login-busy"))).await?;
            return Ok(with_retry_after(html(StatusCode::SERVICE_UNAVAILABLE, &body), 5));
        };
        let password = form.password.clone();
        let verified = tokio::task::spawn_blocking(move || {
            hash.is_some_and(|hash| Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
        })
        .await
        .map_err(anyhow::Error::from)?;
        drop(turn);
        verified
    };
    if !right {
        let message = ctx.tr.t("confirm-wrong");
        return Ok(html(StatusCode::UNAUTHORIZED, &confirm_page(&ctx, &user, &form.next, Some(message)).await?));
    }
    factors::give_back(&ctx, &user.email).await?;
    ctx.mark_checked()?;
    ctx.flash(ctx.tr.t("confirm-done"));
    let target = safe_next(&form.next).filter(|n| !n.starts_with("/login")).unwrap_or(SECURITY_PAGE);
    Ok(see_other(target))
}

pub async fn logout(posted: SignedForm<NoFields>) -> HttpResponse {
    let ctx = posted.ctx;
    // The session ends on the server (every instance), not only in this browser.
    ctx.end_session();
    HttpResponse::SeeOther().insert_header(("Location", "/login")).finish()
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
}

pub async fn set_language(posted: SignedForm<LanguageForm>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form } = posted;
    // The portal accepts every language of the contract; the catalog falls back to English
    // for one it does not carry yet.
    if !(LANGUAGES.contains(&form.lang.as_str()) || ["ko", "sv"].contains(&form.lang.as_str())) {
        return Ok(HttpResponse::UnprocessableEntity().content_type("text/plain").body("lang: expected en, ko or sv"));
    }
    ctx.state.store.set_user_language(user.id, &form.lang).await?;
    let back = ctx.came_from.clone().unwrap_or_else(|| "/orders".to_string());
    Ok(HttpResponse::SeeOther().insert_header(("Location", back)).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_checks_are_bounded_and_refuse_beyond_the_queue() {
        let checks = std::sync::Arc::new(PasswordChecks::new(1, 1));
        let running = checks.turn().await.expect("a first turn");
        // One may wait while one runs...
        let waiting = {
            let checks = checks.clone();
            tokio::spawn(async move { checks.turn().await.is_some() })
        };
        while checks.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // ...and a third is refused at once rather than piling up.
        assert!(checks.turn().await.is_none());
        drop(running);
        assert!(waiting.await.unwrap(), "the waiting check gets its turn");
        assert!(checks.turn().await.is_some(), "and the queue is free again");
    }
}
