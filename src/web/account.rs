//! The account security page (docs/product.md rule 15): one-time codes, recovery codes,
//! passkeys and the user's own sessions; and the fresh check that admin changes, creating an
//! API token, removing a factor and operators' retries ask for.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;

use super::csrf::{NoFields, SignedForm};
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::factors;
use super::views::{AccountSecurityPage, TotpEnrolment};
use crate::domain::second_factor::is_fresh;
use crate::store::User;

/// Where a user whom PROVISIO_MFA covers and who has no second factor is sent, and where
/// every factor is managed.
pub const SECURITY_PAGE: &str = "/account/security";

/// The fresh check: Ok when this session's last strong check (sign-in, or
/// `/login/confirm`) is at most 10 minutes old; otherwise the change is not made and the
/// answer sends the user to `/login/confirm` (htmx: 401 with `HX-Redirect`), which brings
/// them back to `back` afterwards: the page the form was on (its `Referer`), else the
/// handler's own `fallback`. Call it after the permission checks, before the change.
pub fn fresh_check(ctx: &Ctx, fallback: &str) -> Result<(), PageError> {
    if is_fresh(ctx.checked_at, ctx.state.config.clock.now()) {
        return Ok(());
    }
    let back = ctx.came_from.clone().filter(|page| !page.starts_with("/login")).unwrap_or_else(|| fallback.to_string());
    Err(PageError::fresh_check(back))
}

/// Whether PROVISIO_MFA covers `user` and they have no second factor yet: then every page
/// but this one (and what enrolling needs) answers 303 here.
pub fn must_enrol(ctx: &Ctx, user: &User) -> bool {
    !ctx.second_factor && ctx.state.config.mfa.covers(&user.actor())
}

/// The page as it stands; `shown` adds what only one answer shows (new recovery codes, an
/// error).
pub(super) async fn page(ctx: &Ctx, user: &User, shown: Shown) -> Result<AccountSecurityPage, PageError> {
    let store = &ctx.state.store;
    let factors = store.second_factors(user.id).await?;
    let totp_on = factors.totp == Some(true);
    // An enrolment waiting for its first code shows its key again (read only).
    let enrolment = match factors.totp {
        Some(false) => match store.totp_factor(user.id).await? {
            Some(factor) => {
                let secret = factors::open(&ctx.state.signing_key, user.id, &factor.secret)
                    .ok_or_else(|| anyhow::anyhow!("the one-time code key of user {} does not open", user.id))?;
                let totp = factors::totp(&secret, &user.email)?;
                Some(TotpEnrolment { secret: factors::base32(&secret), qr: factors::qr_data_url(&totp)? })
            }
            None => None,
        },
        _ => None,
    };
    Ok(AccountSecurityPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        csrf: ctx.csrf.clone(),
        required: !totp_on && must_enrol(ctx, user),
        totp_on,
        enrolment,
        recovery_left: factors.recovery_codes_left,
        recovery_codes: shown.recovery_codes,
        error: shown.error,
        passkeys: super::passkeys::section(ctx, user).await?,
        sessions: super::my_sessions::section(ctx, user).await?,
    })
}

/// What one answer of the page shows besides its state.
#[derive(Default)]
pub(super) struct Shown {
    pub recovery_codes: Vec<String>,
    pub error: Option<String>,
}

/// The page with `status`. One that shows a secret (a key waiting for its first code, new
/// recovery codes) is never compressed: a key is shown again on every visit, and a
/// compressed answer that reflects both a secret and what a request chose (its path) would
/// let its size tell the secret (BREACH). `Content-Encoding: identity` keeps the Compress
/// middleware off; `web::wire_headers` removes it again.
fn answer(status: StatusCode, page: &AccountSecurityPage) -> HttpResponse {
    let mut response = html(status, page);
    if page.enrolment.is_some() || !page.recovery_codes.is_empty() {
        response.headers_mut().insert(
            actix_web::http::header::CONTENT_ENCODING,
            actix_web::http::header::HeaderValue::from_static("identity"),
        );
    }
    response
}

pub async fn security(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let page = page(&ctx, &user, Shown::default()).await?;
    Ok(answer(StatusCode::OK, &page))
}

fn back_to_page() -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", SECURITY_PAGE)).finish()
}

#[derive(Deserialize)]
pub struct TotpForm {
    code: Option<String>,
}

/// `POST /account/totp`. Without a code: starts an enrolment (a new key, sealed; a new
/// start replaces one still waiting) and 303 to the page, which shows the key and its QR
/// code. With a code of that key: turns one-time codes on (the code counts as used) and
/// answers the page with ten recovery codes, shown this once; a wrong code 422.
pub async fn totp(posted: SignedForm<TotpForm>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form } = posted;
    let store = &ctx.state.store;
    let now = ctx.state.config.clock.now();
    let Some(code) = form.code.filter(|c| !c.trim().is_empty()) else {
        let secret = factors::new_secret();
        store.start_totp(user.id, &factors::seal(&ctx.state.signing_key, user.id, &secret), now).await?;
        return Ok(back_to_page());
    };
    let waiting = store.totp_factor(user.id).await?.filter(|f| f.confirmed_at.is_none());
    let Some(factor) = waiting else {
        // Nothing waits for a first code (already on, or never started): the page says which.
        return Ok(back_to_page());
    };
    let secret = factors::open(&ctx.state.signing_key, user.id, &factor.secret)
        .ok_or_else(|| anyhow::anyhow!("the one-time code key of user {} does not open", user.id))?;
    let (shown, hashes) = factors::new_recovery_codes();
    let confirmed = match factors::matching_step(&secret, &code, now) {
        Some(step) => store.confirm_totp(&user, step, &hashes, now).await?,
        None => false,
    };
    if !confirmed {
        let error = Some(ctx.tr.t("account-totp-wrong"));
        let page = page(&ctx, &user, Shown { error, ..Shown::default() }).await?;
        return Ok(answer(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let mut page = page(&ctx, &user, Shown { recovery_codes: shown, error: None }).await?;
    page.layout.flash = Some(ctx.tr.t("account-totp-now-on"));
    Ok(answer(StatusCode::OK, &page))
}

/// `POST /account/totp/remove` (a fresh check applies): one-time codes off, with their
/// recovery codes.
pub async fn remove_totp(posted: SignedForm<NoFields>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    fresh_check(&ctx, SECURITY_PAGE)?;
    if ctx.state.store.remove_totp(&user, ctx.state.config.clock.now()).await? {
        ctx.flash(ctx.tr.t("account-totp-removed"));
    }
    Ok(back_to_page())
}

/// `POST /account/recovery-codes` (a fresh check applies): a new set, shown in the answer
/// once; the old set stops working. Without one-time codes: 409.
pub async fn recovery_codes(posted: SignedForm<NoFields>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    fresh_check(&ctx, SECURITY_PAGE)?;
    let (shown, hashes) = factors::new_recovery_codes();
    if !ctx.state.store.renew_recovery_codes(&user, &hashes, ctx.state.config.clock.now()).await? {
        let error = Some(ctx.tr.t("account-recovery-none"));
        let page = page(&ctx, &user, Shown { error, ..Shown::default() }).await?;
        return Ok(answer(StatusCode::CONFLICT, &page));
    }
    let mut page = page(&ctx, &user, Shown { recovery_codes: shown, error: None }).await?;
    page.layout.flash = Some(ctx.tr.t("account-recovery-made"));
    Ok(answer(StatusCode::OK, &page))
}
