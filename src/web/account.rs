//! The account security page (docs/product.md rule 15): one-time codes, recovery codes,
//! passkeys and the user's own sessions; and the fresh check that admin changes, creating an
//! API token, removing a factor and operators' retries ask for.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::views::AccountSecurityPage;
use crate::domain::second_factor::is_fresh;
use crate::store::User;

#[allow(dead_code)] // the enrolment policy's target (next commit)
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
    let factors = ctx.state.store.second_factors(user.id).await?;
    Ok(AccountSecurityPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        csrf: ctx.csrf.clone(),
        required: must_enrol(ctx, user),
        totp_on: factors.totp == Some(true),
        enrolment: None,
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

pub async fn security(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let page = page(&ctx, &user, Shown::default()).await?;
    Ok(html(StatusCode::OK, &page))
}
