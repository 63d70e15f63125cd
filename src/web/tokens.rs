//! API tokens of a company (docs/http.md `/company/tokens`): its admins (and operators,
//! with `?company=ID`) create them with a name and a scope, see when each was last used,
//! and revoke them. A new token's secret is shown once, in the answer to the creating
//! POST; only its SHA-256 is stored, never the secret, not even in the session.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::ctx::{Ctx, SignedIn};
use super::errors::{AppError, html, refusal};
use super::input::{NewToken, problem};
use super::views::{Layout, Refusal as RefusalView};
use crate::domain::CompanyGrant;
use crate::i18n::Tr;
use crate::secret::random_token;
use crate::store::token_hash;

/// What a secret starts with, so that one found in a log or a repository is recognised.
const SECRET_PREFIX: &str = "pvt_";

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub creator: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
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
    pub error: Option<String>,
    pub name: String,
    pub scope: String,
}

#[derive(Deserialize)]
pub struct CompanyQuery {
    company: Option<String>,
}

impl CompanyQuery {
    /// `?company=ID` as operators give it, for the links and forms of the page.
    fn suffix(&self) -> String {
        match &self.company {
            Some(c) => format!("?{}", serde_urlencoded::to_string([("company", c)]).unwrap_or_default()),
            None => String::new(),
        }
    }
}

/// The company this page manages and the proof that this user may manage it: company
/// admins their own company, operators any company named by `?company=ID`.
async fn granted(ctx: &Ctx, query: &CompanyQuery) -> Result<(CompanyGrant, String), HttpResponse> {
    let user = ctx.user.as_ref().expect("signed in");
    let company_id = query.company.clone().unwrap_or_else(|| user.company_id.clone());
    let Some(grant) = user.actor().company_grant(&company_id) else {
        let view = RefusalView {
            title: ctx.tr.t("refusal-permission-title"),
            message: ctx.tr.t("tokens-forbidden"),
            link: None,
            back_href: "/orders".into(),
        };
        return Err(refusal(ctx, StatusCode::FORBIDDEN, view));
    };
    match ctx.state.store.company_name(grant.company_id()).await {
        Ok(Some(name)) => Ok((grant, name)),
        Ok(None) => Err(AppError::NotFound.respond(ctx)),
        Err(e) => Err(AppError::from(e).respond(ctx)),
    }
}

struct Form {
    created: Option<(String, String)>,
    error: Option<String>,
    name: String,
    scope: String,
}

async fn page(
    ctx: &Ctx,
    status: StatusCode,
    grant: &CompanyGrant,
    company_name: String,
    query: &CompanyQuery,
    form: Form,
) -> HttpResponse {
    let tokens = match ctx.state.store.company_tokens(grant).await {
        Ok(tokens) => tokens,
        Err(e) => return AppError::from(e).respond(ctx),
    };
    let suffix = query.suffix();
    let tr = &ctx.tr;
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            revoke_action: format!("/company/tokens/{}/revoke{suffix}", t.id),
            id: t.id,
            name: t.name,
            scope: t.scope,
            creator: t.creator_name,
            created: tr.when(&t.created_at),
            last_used: t.last_used_at.as_ref().map(|at| tr.when(at)),
            revoked: t.revoked_at.as_ref().map(|at| tr.when(at)),
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
        error: form.error,
        name: form.name,
        scope: form.scope,
    };
    html(status, &view)
}

pub async fn list(signed_in: SignedIn, query: web::Query<CompanyQuery>) -> HttpResponse {
    let ctx = signed_in.ctx;
    let (grant, company_name) = match granted(&ctx, &query).await {
        Ok(granted) => granted,
        Err(response) => return response,
    };
    let form = Form { created: None, error: None, name: String::new(), scope: "read".into() };
    page(&ctx, StatusCode::OK, &grant, company_name, &query, form).await
}

#[derive(Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    csrf_token: Option<String>,
}

pub async fn create(
    signed_in: SignedIn,
    query: web::Query<CompanyQuery>,
    input: web::Form<CreateInput>,
) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    if !ctx.csrf_ok(input.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    let (grant, company_name) = match granted(&ctx, &query).await {
        Ok(granted) => granted,
        Err(response) => return response,
    };
    let name = input.name.trim().to_string();
    let scope = input.scope.trim().to_string();
    if let Some(key) = problem(&NewToken { name: &name, scope: &scope }, &["name", "scope"]) {
        let form = Form { created: None, error: Some(ctx.tr.t(&key)), name: input.name.clone(), scope };
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &grant, company_name, &query, form).await;
    }
    let secret = format!("{SECRET_PREFIX}{}", random_token());
    if let Err(e) = ctx.state.store.create_token(&grant, &name, &scope, &token_hash(&secret), Utc::now()).await {
        return AppError::from(e).respond(&ctx);
    }
    tracing::info!(company = grant.company_id(), by = user.id, scope, "API token created");
    let form = Form { created: Some((name, secret)), error: None, name: String::new(), scope: "read".into() };
    page(&ctx, StatusCode::OK, &grant, company_name, &query, form).await
}

#[derive(Deserialize)]
pub struct RevokeInput {
    csrf_token: Option<String>,
}

pub async fn revoke(
    signed_in: SignedIn,
    path: web::Path<i64>,
    query: web::Query<CompanyQuery>,
    input: web::Form<RevokeInput>,
) -> HttpResponse {
    let ctx = signed_in.ctx;
    if !ctx.csrf_ok(input.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    let (grant, _) = match granted(&ctx, &query).await {
        Ok(granted) => granted,
        Err(response) => return response,
    };
    match ctx.state.store.revoke_token(&grant, path.into_inner(), Utc::now()).await {
        Ok(true) => {
            ctx.flash(ctx.tr.t("tokens-revoked"));
            HttpResponse::SeeOther().insert_header(("Location", format!("/company/tokens{}", query.suffix()))).finish()
        }
        // Another company's token, or none: it does not exist for this company.
        Ok(false) => AppError::NotFound.respond(&ctx),
        Err(e) => AppError::from(e).respond(&ctx),
    }
}
