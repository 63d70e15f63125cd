//! API tokens of a company (docs/http.md `/company/tokens`): its admins (and operators,
//! with `?company=ID`) create them with a name, a scope and a lifetime (30, 90 or 365
//! days), see each one's prefix, expiry and last use, and revoke them. A new token's
//! secret is shown once, in the answer to the creating POST; only its SHA-256 and its first
//! 8 characters are stored, never the secret, not even in the session.
//!
//! The form carries a one-time key, fresh on every page: sending the same form again (a
//! reload, a double click) finds the token that key created and creates no second one. Its
//! secret cannot be shown again, and the page says so.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::company::CompanyQuery;
use super::csrf::{NoFields, SignedForm};
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::input::{DEFAULT_TOKEN_DAYS, NewToken, TOKEN_DAYS, problem};
use super::views::{Layout, Refusal as RefusalView};
use crate::domain::CompanyGrant;
use crate::i18n::Tr;
use crate::secret::random_token;
use crate::store::{CreateTokenOutcome, MAX_LIVE_TOKENS, NewApiToken, token_hash};

/// What a secret starts with, so that one found in a log or a repository is recognised.
const SECRET_PREFIX: &str = "pvt_";

/// How many of the secret's first characters are kept and shown (docs/http.md: 8).
const PREFIX_CHARS: usize = 8;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub creator: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
    /// `active`, `revoked` or `expired` (`data-token-state`).
    pub state: &'static str,
    /// The secret's first 8 characters; empty when unknown (older tokens).
    pub prefix: String,
    /// The expiry's UTC date, ISO 8601 (`data-token-expires`).
    pub expires: String,
    pub revoke_action: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub t: Tr,
    pub company_name: String,
    pub csrf: String,
    pub create_action: String,
    pub rows: Vec<TokenRow>,
    /// The token just created: its name and secret, shown this once.
    pub created: Option<(String, String)>,
    /// The form was sent again: the name of the token it created the first time.
    pub already_created: Option<String>,
    pub error: Option<String>,
    pub name: String,
    pub scope: String,
    /// The lifetimes to choose from: days, label, and whether it is the one chosen.
    pub day_choices: Vec<(&'static str, String, bool)>,
    /// A fresh one-time key for the next creation.
    pub form_key: String,
}

/// 403: this user does not manage the company's tokens (or no longer does).
fn forbidden() -> PageError {
    PageError::refusal(StatusCode::FORBIDDEN, |ctx| RefusalView {
        title: ctx.tr.t("refusal-permission-title"),
        message: ctx.tr.t("tokens-forbidden"),
        link: None,
        back_href: "/orders".into(),
    })
}

/// The company this page manages and the proof that this user may manage it: company
/// admins their own company, operators any company named by `?company=ID`.
async fn granted(ctx: &Ctx, query: &CompanyQuery) -> Result<(CompanyGrant, String), PageError> {
    let user = ctx.user.as_ref().expect("signed in");
    let Some(grant) = user.actor().company_grant(query.company_of(user)) else {
        return Err(forbidden());
    };
    let name = ctx.state.store.company_name(grant.company_id()).await?.ok_or(PageError::NotFound)?;
    Ok((grant, name))
}

#[derive(Default)]
struct Form {
    created: Option<(String, String)>,
    already_created: Option<String>,
    error: Option<String>,
    name: String,
    scope: String,
    expires_in_days: String,
}

impl Form {
    /// An empty form: read scope, the default lifetime.
    fn blank() -> Self {
        Self { scope: "read".into(), expires_in_days: DEFAULT_TOKEN_DAYS.into(), ..Self::default() }
    }
}

async fn page(
    ctx: &Ctx,
    status: StatusCode,
    grant: &CompanyGrant,
    company_name: String,
    query: &CompanyQuery,
    form: Form,
) -> Result<HttpResponse, PageError> {
    let tokens = ctx.state.store.company_tokens(grant).await?;
    let suffix = query.suffix();
    let tr = &ctx.tr;
    let now = Utc::now();
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            revoke_action: format!("/company/tokens/{}/revoke{suffix}", t.id),
            state: match (t.revoked_at, t.expires_at <= now) {
                (Some(_), _) => "revoked",
                (None, true) => "expired",
                (None, false) => "active",
            },
            id: t.id,
            name: t.name,
            scope: t.scope,
            creator: t.creator_name,
            created: tr.when(&t.created_at),
            last_used: t.last_used_at.as_ref().map(|at| tr.when(at)),
            revoked: t.revoked_at.as_ref().map(|at| tr.when(at)),
            prefix: t.prefix,
            expires: t.expires_at.date_naive().to_string(),
        })
        .collect();
    let view = TokensPage {
        layout: ctx.layout(),
        t: tr.clone(),
        company_name,
        csrf: ctx.csrf.clone(),
        create_action: format!("/company/tokens{suffix}"),
        rows,
        created: form.created,
        already_created: form.already_created,
        error: form.error,
        name: form.name,
        scope: form.scope,
        day_choices: TOKEN_DAYS
            .iter()
            .map(|days| (*days, tr.ta("tokens-days", [("days", *days)]), *days == form.expires_in_days))
            .collect(),
        form_key: random_token(),
    };
    Ok(html(status, &view))
}

pub async fn list(signed_in: SignedIn, query: web::Query<CompanyQuery>) -> Result<HttpResponse, PageError> {
    let ctx = signed_in.ctx;
    let (grant, company_name) = granted(&ctx, &query).await?;
    page(&ctx, StatusCode::OK, &grant, company_name, &query, Form::blank()).await
}

#[derive(Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    /// 30, 90 or 365; left out or empty, 90.
    #[serde(default)]
    expires_in_days: String,
    /// The one-time key of the form; a form without one is not protected from being sent
    /// twice.
    #[serde(default)]
    form_key: String,
}

pub async fn create(
    posted: SignedForm<CreateInput>,
    query: web::Query<CompanyQuery>,
) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form: input } = posted;
    let (grant, company_name) = granted(&ctx, &query).await?;
    super::account::fresh_check(&ctx, &format!("/company/tokens{}", query.suffix()))?;
    let name = input.name.trim().to_string();
    let scope = input.scope.trim().to_string();
    let days = match input.expires_in_days.trim() {
        "" => DEFAULT_TOKEN_DAYS,
        days => days,
    };
    let form_key = input.form_key.trim();
    let checked = NewToken { name: &name, scope: &scope, expires_in_days: days, form_key };
    let again = |error: String| Form {
        error: Some(error),
        name: input.name.clone(),
        scope: scope.clone(),
        expires_in_days: days.to_string(),
        ..Form::default()
    };
    if let Some(key) = problem(&checked, &["name", "scope", "expires_in_days", "form_key"]) {
        let form = again(ctx.tr.t(&key));
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &grant, company_name, &query, form).await;
    }
    let Ok(days_number) = days.parse::<i64>() else {
        // Validated above to be one of the choices.
        return Err(anyhow::anyhow!("token lifetime {days:?}").into());
    };
    let secret = format!("{SECRET_PREFIX}{}", random_token());
    let now = Utc::now();
    let token = NewApiToken {
        name: &name,
        scope: &scope,
        secret_hash: &token_hash(&secret),
        prefix: &secret[..PREFIX_CHARS],
        form_key: (!form_key.is_empty()).then_some(form_key),
        expires_at: now + Duration::days(days_number),
        at: now,
    };
    match ctx.state.store.create_token(&grant, &token).await? {
        CreateTokenOutcome::Created(id) => {
            tracing::info!(company = grant.company_id(), by = user.id, token = id, scope, days, "API token created");
            let form = Form { created: Some((name, secret)), ..Form::blank() };
            page(&ctx, StatusCode::OK, &grant, company_name, &query, form).await
        }
        CreateTokenOutcome::AlreadyCreated { name } => {
            let form = Form { already_created: Some(name), ..Form::blank() };
            page(&ctx, StatusCode::OK, &grant, company_name, &query, form).await
        }
        CreateTokenOutcome::TooMany => {
            let form = again(ctx.tr.tn("tokens-too-many", "max", MAX_LIVE_TOKENS));
            page(&ctx, StatusCode::CONFLICT, &grant, company_name, &query, form).await
        }
        CreateTokenOutcome::Forbidden => Err(forbidden()),
    }
}

pub async fn revoke(
    posted: SignedForm<NoFields>,
    path: web::Path<i64>,
    query: web::Query<CompanyQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = posted.ctx;
    let (grant, _) = granted(&ctx, &query).await?;
    if !ctx.state.store.revoke_token(&grant, path.into_inner(), Utc::now()).await? {
        // Another company's token, or none: it does not exist for this company.
        return Err(PageError::NotFound);
    }
    ctx.flash(ctx.tr.t("tokens-revoked"));
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/company/tokens{}", query.suffix()))).finish())
}
