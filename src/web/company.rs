//! The Company section (issue 12): a company admin's users, invitations and permissions;
//! operators manage every company with `?company=ID`. Every action needs a
//! [`CompanyGrant`] from [`crate::domain::Actor::company_grant`]; the store's writes take it.
//!
//! `/invitations/{token}` is public: the invited person sets a password with the one-time
//! link of their email (the token is stored hashed; 72 hours; then 410).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use chrono::{Duration, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::csrf::{CsrfForm, SignedForm};
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::input::{Invitee, problem};
use super::views::{
    CompanyUserRow, CompanyUsersFragment, CompanyUsersPage, InvitationPage, InviteForm, MessagePage,
    Refusal as RefusalView,
};
use crate::domain::{CompanyGrant, ContactEmail, ContactEmailError, NewPassword, PasswordProblem};
use crate::secret::random_token;
use crate::store::{CompanyUser, Invitation, InvitationState, InviteOutcome, User, UserChange, UserChangeOutcome};

/// How long an invitation link works.
pub const INVITATION_VALID_HOURS: i64 = 72;

/// The hash an invitation token is stored under.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Deserialize, Default)]
pub struct CompanyQuery {
    company: Option<String>,
}

impl CompanyQuery {
    /// The company asked for with `?company=ID` (operators, or an admin naming their own),
    /// trimmed; None when none is named.
    pub(super) fn asked(&self) -> Option<&str> {
        self.company.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }

    /// The company a page manages: the one asked for, else the user's own.
    pub(super) fn company_of<'a>(&'a self, user: &'a User) -> &'a str {
        self.asked().unwrap_or(&user.company_id)
    }

    /// `?company=ID` to keep in the page's links and forms ("" when none was asked for).
    pub(super) fn suffix(&self) -> String {
        match self.asked() {
            Some(id) => format!("?{}", serde_urlencoded::to_string([("company", id)]).unwrap_or_default()),
            None => String::new(),
        }
    }
}

/// The company this request manages: `?company=` for operators (and for an admin naming
/// their own), else the user's own. The grant, the company's name and the query to keep.
struct Managed {
    grant: CompanyGrant,
    name: String,
    query: String,
}

/// 403: this user does not manage the company (or, found inside a change, no longer does).
fn forbidden() -> PageError {
    PageError::refusal(StatusCode::FORBIDDEN, |ctx| RefusalView {
        title: ctx.tr.t("company-forbidden-title"),
        message: ctx.tr.t("company-forbidden"),
        link: None,
        back_href: "/orders".to_string(),
    })
}

async fn managed(ctx: &Ctx, user: &User, query: &CompanyQuery) -> Result<Managed, PageError> {
    let Some(grant) = user.actor().company_grant(query.company_of(user)) else {
        return Err(forbidden());
    };
    let name = ctx.state.store.company_name(grant.company_id()).await?.ok_or(PageError::NotFound)?;
    Ok(Managed { grant, name, query: query.suffix() })
}

/// A post to the Company page (its CSRF token checked by the form's extractor): the
/// company it manages.
async fn managed_post<T>(posted: SignedForm<T>, query: &CompanyQuery) -> Result<(Ctx, User, Managed, T), PageError> {
    let SignedForm { ctx, user, form } = posted;
    let managed = managed(&ctx, &user, query).await?;
    Ok((ctx, user, managed, form))
}

fn user_action(email: &str, query: &str) -> String {
    // An email address is a path segment here: percent-encode what a path must not carry.
    let encoded: String = email
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' | b'@' | b'+' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/company/users/{encoded}{query}")
}

fn row(ctx: &Ctx, u: CompanyUser, query: &str) -> CompanyUserRow {
    let tr = &ctx.tr;
    let mut actions = Vec::new();
    if u.active {
        actions.push(if u.can_edit {
            ("can_edit", "off", tr.t("company-revoke-edit"))
        } else {
            ("can_edit", "on", tr.t("company-grant-edit"))
        });
        actions.push(if u.company_admin {
            ("company_admin", "off", tr.t("company-unmake-admin"))
        } else {
            ("company_admin", "on", tr.t("company-make-admin"))
        });
        actions.push(("active", "off", tr.t("company-deactivate")));
    } else {
        actions.push(("active", "on", tr.t("company-reactivate")));
    }
    let revokes_tokens = (u.active && u.live_tokens > 0)
        .then(|| (u.live_tokens, tr.tn("company-deactivate-revokes", "count", u.live_tokens)));
    CompanyUserRow {
        revokes_tokens,
        action: user_action(&u.email, query),
        last_sign_in: u.last_sign_in_at.as_ref().map(|t| tr.when(t)),
        email: u.email,
        name: u.name,
        can_edit: u.can_edit,
        company_admin: u.company_admin,
        active: u.active,
        invited: u.invited,
        actions,
    }
}

/// The page (or, for htmx, its content) with a message, an action's error or the
/// invitation form's errors.
async fn answer(
    ctx: &Ctx,
    managed: &Managed,
    status: StatusCode,
    message: Option<String>,
    action_error: Option<String>,
    invite: InviteForm,
) -> Result<HttpResponse, PageError> {
    let users = ctx.state.store.company_users(&managed.grant, Utc::now()).await?;
    let users = users.into_iter().map(|u| row(ctx, u, &managed.query)).collect();
    let invite_action = format!("/company/users{}", managed.query);
    let list = CompanyUsersFragment {
        t: ctx.tr.clone(),
        csrf: ctx.csrf.clone(),
        message,
        action_error,
        users,
        invite,
        invite_action,
    };
    if ctx.htmx {
        return Ok(html(status, &list));
    }
    let page = CompanyUsersPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        company_name: managed.name.clone(),
        company_query: managed.query.clone(),
        list,
    };
    Ok(html(status, &page))
}

/// A plain form goes back to the page with a flash message; htmx gets the new content.
async fn done(ctx: &Ctx, managed: &Managed, message: String) -> Result<HttpResponse, PageError> {
    if ctx.htmx {
        return answer(ctx, managed, StatusCode::OK, Some(message), None, InviteForm::default()).await;
    }
    ctx.flash(message);
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/company/users{}", managed.query))).finish())
}

pub async fn users(signed_in: SignedIn, query: web::Query<CompanyQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let managed = managed(&ctx, &user, &query).await?;
    answer(&ctx, &managed, StatusCode::OK, None, None, InviteForm::default()).await
}

#[derive(Deserialize)]
pub struct InviteInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// The link of an invitation email, on PROVISIO_PUBLIC_URL: never built from the request's
/// `Host`, `X-Forwarded-Host` or `Forwarded`, which whoever sends the request chooses.
fn invitation_link(ctx: &Ctx, token: &str) -> String {
    format!("{}/invitations/{token}", ctx.state.config.public_url)
}

pub async fn invite(
    posted: SignedForm<InviteInput>,
    query: web::Query<CompanyQuery>,
) -> Result<HttpResponse, PageError> {
    let (ctx, user, managed, input) = managed_post(posted, &query).await?;
    super::account::fresh_check(&ctx, &format!("/company/users{}", managed.query))?;
    let tr = &ctx.tr;
    let name = input.name.trim();
    let mut form = InviteForm { name: input.name.clone(), email: input.email.clone(), ..InviteForm::default() };
    if let Some(key) = problem(&Invitee { name }, &["name"]) {
        form.name_error = Some(tr.t(&key));
    }
    let email = match ContactEmail::parse(&input.email) {
        Ok(email) => Some(email),
        Err(ContactEmailError::Empty) => {
            form.email_error = Some(tr.t("company-invite-email-empty"));
            None
        }
        Err(e) => {
            form.email_error = Some(tr.t(e.message_key()));
            None
        }
    };
    let email = match email {
        Some(email) if form.name_error.is_none() => email,
        _ => return invalid(&ctx, &managed, form).await,
    };
    // Accounts are kept by lowercased address (sign-in lowercases too).
    let address = email.as_str().to_lowercase();
    let token = random_token();
    let now = Utc::now();
    let outcome = ctx
        .state
        .store
        .invite(Invitation {
            grant: &managed.grant,
            actor_name: &user.name,
            email: &address,
            name,
            token_hash: &token_hash(&token),
            link: &invitation_link(&ctx, &token),
            expires_at: now + Duration::hours(INVITATION_VALID_HOURS),
            at: now,
        })
        .await?;
    match outcome {
        InviteOutcome::Invited => {
            done(&ctx, &managed, tr.ta("company-invited-message", [("email", address.as_str())])).await
        }
        InviteOutcome::Exists => {
            // Says nothing of where the account is.
            form.email_error = Some(tr.t("company-invite-exists"));
            invalid(&ctx, &managed, form).await
        }
    }
}

async fn invalid(ctx: &Ctx, managed: &Managed, mut form: InviteForm) -> Result<HttpResponse, PageError> {
    form.errors = [("name", form.name_error.clone()), ("email", form.email_error.clone())]
        .into_iter()
        .filter_map(|(field, error)| error.map(|e| (field, e)))
        .collect();
    answer(ctx, managed, StatusCode::UNPROCESSABLE_ENTITY, None, None, form).await
}

#[derive(Deserialize)]
pub struct ChangeInput {
    can_edit: Option<String>,
    company_admin: Option<String>,
    active: Option<String>,
}

/// `on` or `off`, or left out; anything else is not a value of the form.
fn on_off(value: &Option<String>) -> Result<Option<bool>, ()> {
    match value.as_deref() {
        None => Ok(None),
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        Some(_) => Err(()),
    }
}

pub async fn change(
    posted: SignedForm<ChangeInput>,
    path: web::Path<String>,
    query: web::Query<CompanyQuery>,
) -> Result<HttpResponse, PageError> {
    let (ctx, user, managed, input) = managed_post(posted, &query).await?;
    super::account::fresh_check(&ctx, &format!("/company/users{}", managed.query))?;
    let tr = &ctx.tr;
    let parsed = (on_off(&input.can_edit), on_off(&input.company_admin), on_off(&input.active));
    let (Ok(can_edit), Ok(company_admin), Ok(active)) = parsed else {
        let error = Some(tr.t("company-change-invalid"));
        return answer(&ctx, &managed, StatusCode::UNPROCESSABLE_ENTITY, None, error, InviteForm::default()).await;
    };
    let change = UserChange { can_edit, company_admin, active };
    let email = path.into_inner();
    match ctx.state.store.change_user(&managed.grant, &user.name, &email, change, Utc::now()).await? {
        UserChangeOutcome::Changed { user: after, revoked_tokens, .. } => {
            let mut message =
                tr.ta("company-changed", [("name", after.name.as_str()), ("email", after.email.as_str())]);
            if revoked_tokens > 0 {
                message.push(' ');
                message.push_str(&tr.tn("company-tokens-revoked", "count", revoked_tokens as i64));
            }
            done(&ctx, &managed, message).await
        }
        UserChangeOutcome::NotFound => Err(PageError::NotFound),
        UserChangeOutcome::Forbidden => Err(forbidden()),
        UserChangeOutcome::LastAdmin => {
            let error = Some(tr.t("company-last-admin"));
            answer(&ctx, &managed, StatusCode::CONFLICT, None, error, InviteForm::default()).await
        }
    }
}

// --- the invitation link ---------------------------------------------------------------

/// 404 for a link that never was, 410 for one used or expired.
fn gone_or_missing(ctx: &Ctx, state: &InvitationState) -> Result<HttpResponse, PageError> {
    match state {
        InvitationState::Gone => {
            let tr = &ctx.tr;
            let page = MessagePage {
                layout: ctx.layout(),
                t: tr.clone(),
                title: tr.t("invitation-gone-title"),
                message: tr.t("invitation-gone"),
                link: Some((tr.t("login-submit"), "/login".to_string())),
            };
            Ok(html(StatusCode::GONE, &page))
        }
        _ => Err(PageError::NotFound),
    }
}

fn form_page(ctx: &Ctx, token: &str, state: InvitationState, error: Option<String>) -> InvitationPage {
    let (name, email, company) = match state {
        InvitationState::Open { name, email, company } => (name, email, company),
        _ => Default::default(),
    };
    InvitationPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        name,
        email,
        company,
        action: format!("/invitations/{token}"),
        error,
    }
}

pub async fn invitation_form(mut ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let state = ctx.state.store.invitation(&token_hash(&token), Utc::now()).await?;
    if !matches!(state, InvitationState::Open { .. }) {
        return gone_or_missing(&ctx, &state);
    }
    ctx.ensure_login_token();
    Ok(html(StatusCode::OK, &form_page(&ctx, &token, state, None)))
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn set_password(posted: CsrfForm<PasswordInput>, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let CsrfForm { ctx, form: input } = posted;
    let token = path.into_inner();
    let hash = token_hash(&token);
    let store = &ctx.state.store;
    let state = store.invitation(&hash, Utc::now()).await?;
    let InvitationState::Open { name, email, .. } = &state else {
        return gone_or_missing(&ctx, &state);
    };
    let password = match NewPassword::parse(&input.password, &input.password_confirm, &[name, email]) {
        Ok(p) => p,
        Err(problem) => {
            let key = match problem {
                PasswordProblem::TooShort => "invitation-too-short",
                PasswordProblem::TooLong => "invitation-too-long",
                PasswordProblem::Guessable => "invitation-guessable",
                PasswordProblem::Mismatch => "invitation-mismatch",
            };
            let error = Some(ctx.tr.t(key));
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&ctx, &token, state, error)));
        }
    };
    let Some(turn) = ctx.state.password_checks.turn().await else {
        let error = Some(ctx.tr.t("login-busy"));
        return Ok(html(StatusCode::SERVICE_UNAVAILABLE, &form_page(&ctx, &token, state, error)));
    };
    let hashed = tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.expose().as_bytes()).map(|h| h.to_string())
    })
    .await;
    drop(turn);
    let password_hash = hashed.map_err(anyhow::Error::from)?.map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    match store.accept_invitation(&hash, &password_hash, Utc::now()).await? {
        InvitationState::Open { .. } => {
            ctx.flash(ctx.tr.t("invitation-done"));
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish())
        }
        state => gone_or_missing(&ctx, &state),
    }
}
