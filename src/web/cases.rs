//! Support cases (docs/product.md rule 11): opened from a line when a change keeps failing before
//! PONR, with screenshots; the company and operators see them; operators work them.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::csrf::{CsrfUpload, SignedForm, UploadForm, UploadRefused};
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::input::{CASE_REQUEST_TYPES, CASE_TEXT_MAX, CaseChange, CaseRequest, problem};
use super::upload::{UploadError, declared_over};
use super::views::{Layout, Refusal as RefusalView};
use crate::i18n::Tr;
use crate::store::{AttachmentInfo, CaseOutcome, CaseRecord, NewAttachment, NewCase, OrderHead, User};

const MAX_ATTACHMENTS: usize = 3;
const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// The whole upload: three screenshots and the form's fields. A larger body is refused
/// (413) before it is read, or as soon as it passes this while streaming.
const MAX_BODY: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 256 * 1024;

pub struct CaseRow {
    pub case: CaseRecord,
    pub when: String,
    pub request_label: String,
    pub status_label: String,
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    pub layout: Layout,
    pub t: Tr,
    pub operator: bool,
    pub rows: Vec<CaseRow>,
}

pub struct CaseForm {
    pub csrf: String,
    pub subscription_id: String,
    pub order_id: String,
    pub request_type: String,
    pub description: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
pub struct NewCasePage {
    pub layout: Layout,
    pub t: Tr,
    pub form: CaseForm,
}

/// The order of a subscription if this user may see it (404 otherwise).
async fn visible_line(ctx: &Ctx, user: &User, subscription_id: &str) -> Result<OrderHead, PageError> {
    let order_id = ctx.state.store.order_of_subscription(subscription_id).await?.ok_or(PageError::NotFound)?;
    let order = ctx.state.store.order_head(&order_id).await?.ok_or(PageError::NotFound)?;
    if user.actor().may_see(&order.parties()) { Ok(order) } else { Err(PageError::NotFound) }
}

pub async fn list(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let cases = ctx.state.store.cases_for(&user.actor(), 200).await?;
    let mut rows = Vec::with_capacity(cases.len());
    for case in cases {
        let attachments =
            if case.attachments > 0 { ctx.state.store.case_attachments(case.id).await? } else { Vec::new() };
        rows.push(CaseRow {
            when: ctx.tr.when(&case.created_at),
            request_label: ctx.tr.t(&format!("case-type-{}", case.request_type)),
            status_label: ctx.tr.t(&format!("case-status-{}", case.status)),
            attachments,
            case,
        });
    }
    Ok(html(
        StatusCode::OK,
        &CasesPage { layout: ctx.layout(), t: ctx.tr.clone(), operator: user.actor().operator_grant().is_some(), rows },
    ))
}

#[derive(Deserialize)]
pub struct NewQuery {
    subscription: Option<String>,
    request_type: Option<String>,
}

pub async fn new(signed_in: SignedIn, query: web::Query<NewQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let subscription_id = query.subscription.clone().unwrap_or_default();
    let order = visible_line(&ctx, &user, &subscription_id).await?;
    let form = CaseForm {
        csrf: ctx.csrf.clone(),
        subscription_id,
        order_id: order.id,
        request_type: query
            .request_type
            .clone()
            .filter(|t| CASE_REQUEST_TYPES.contains(&t.as_str()))
            .unwrap_or_default(),
        description: String::new(),
        error: None,
    };
    Ok(html(StatusCode::OK, &NewCasePage { layout: ctx.layout(), t: ctx.tr.clone(), form }))
}

/// PNG or JPEG, by the file's first bytes (never by its name or declared type).
fn image_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

impl UploadForm for CaseInput {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

struct CaseInput {
    csrf_token: String,
    subscription: String,
    request_type: String,
    description: String,
    attachments: Vec<(String, Vec<u8>)>,
    /// Why the upload itself was refused (too many or too large files).
    upload_error: Option<&'static str>,
}

async fn read_case(mut payload: Multipart) -> Result<CaseInput, UploadError> {
    let mut input = CaseInput {
        csrf_token: String::new(),
        subscription: String::new(),
        request_type: String::new(),
        description: String::new(),
        attachments: Vec::new(),
        upload_error: None,
    };
    let mut total = 0usize;
    while let Some(mut field) = payload.try_next().await.map_err(|_| UploadError::Malformed)? {
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_string);
        let limit = if name == "attachment" { MAX_ATTACHMENT_BYTES } else { CASE_TEXT_MAX as usize * 4 };
        let mut data = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.try_next().await.map_err(|_| UploadError::Malformed)? {
            total += chunk.len();
            if total > MAX_BODY {
                return Err(UploadError::TooLarge);
            }
            if data.len() + chunk.len() > limit {
                too_large = true;
                continue; // drain the rest without keeping it
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "attachment" => {
                if filename.as_deref().unwrap_or("").is_empty() && data.is_empty() {
                    continue; // an empty file input
                }
                if too_large {
                    input.upload_error = Some("case-error-too-large");
                } else if input.attachments.len() >= MAX_ATTACHMENTS {
                    input.upload_error = Some("case-error-too-many");
                } else {
                    input.attachments.push((filename.unwrap_or_else(|| "screenshot".into()), data));
                }
            }
            _ if too_large => input.upload_error = Some("case-error-description"),
            "csrf_token" => input.csrf_token = String::from_utf8_lossy(&data).into_owned(),
            "subscription" => input.subscription = String::from_utf8_lossy(&data).trim().to_string(),
            "request_type" => input.request_type = String::from_utf8_lossy(&data).into_owned(),
            "description" => input.description = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }
    Ok(input)
}

fn too_large(ctx: &Ctx) -> HttpResponse {
    HttpResponse::PayloadTooLarge()
        .content_type("text/plain; charset=utf-8")
        .body(ctx.tr.t("case-error-body-too-large"))
}

pub async fn create(mut posted: CsrfUpload, req: actix_web::HttpRequest) -> Result<HttpResponse, PageError> {
    if declared_over(&req, MAX_BODY) {
        return Ok(too_large(&posted.ctx));
    }
    let read = posted.read(read_case).await;
    let CsrfUpload { ctx, user, .. } = posted;
    let input = match read {
        Ok(input) => input,
        Err(UploadRefused::TooLarge) => return Ok(too_large(&ctx)),
        Err(UploadRefused::Malformed) => {
            return Ok(HttpResponse::BadRequest().content_type("text/plain").body("malformed upload"));
        }
        Err(UploadRefused::Csrf) => return Err(PageError::Csrf),
    };
    let order = visible_line(&ctx, &user, &input.subscription).await?;
    let mut attachments = Vec::new();
    let mut error = input.upload_error.map(str::to_string);
    let description = input.description.trim();
    let case = CaseRequest { request_type: &input.request_type, description };
    if let Some(key) = problem(&case, &["request_type", "description"]) {
        error = error.or(Some(key));
    }
    for (filename, data) in input.attachments {
        match image_type(&data) {
            Some(content_type) => {
                let filename: String = filename
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .take(100)
                    .collect();
                attachments.push(NewAttachment { filename, content_type, data })
            }
            None => error = error.or(Some("case-error-not-image".to_string())),
        }
    }
    if let Some(key) = error {
        let form = CaseForm {
            csrf: ctx.csrf.clone(),
            subscription_id: input.subscription,
            order_id: order.id,
            request_type: input.request_type,
            description: input.description,
            error: Some(ctx.tr.t(&key)),
        };
        // A file over the limit is a body too large (413), like the whole upload's.
        let status = if key == "case-error-too-large" {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok(html(status, &NewCasePage { layout: ctx.layout(), t: ctx.tr.clone(), form }));
    }
    let quota = ctx.state.config.case_limit;
    let created = ctx
        .state
        .store
        .create_case(
            NewCase {
                company_id: &user.company_id,
                subscription_id: &input.subscription,
                order_id: &order.id,
                request_type: &input.request_type,
                description,
                created_by: user.id,
                actor_name: &user.name,
                attachments,
                at: Utc::now(),
            },
            quota,
        )
        .await?;
    match created {
        CaseOutcome::Opened(id) => {
            ctx.flash(ctx.tr.ta("case-opened", [("id", id.to_string().as_str())]));
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/cases")).finish())
        }
        CaseOutcome::OverQuota(wait) => {
            let seconds = wait.num_seconds().max(1);
            let count = i64::from(quota.count);
            Err(PageError::refusal_for(StatusCode::TOO_MANY_REQUESTS, seconds, move |ctx| RefusalView {
                title: ctx.tr.t("refusal-limit-title"),
                message: ctx.tr.tn("case-limit", "count", count),
                link: None,
                back_href: "/cases".into(),
            }))
        }
    }
}

#[derive(Deserialize)]
pub struct UpdateInput {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// Operators work a case: open → in progress → resolved, with a note.
pub async fn update(posted: SignedForm<UpdateInput>, path: web::Path<i64>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form: input } = posted;
    let id = path.into_inner();
    let visible = match ctx.state.store.case_parties(id).await? {
        Some((company_id, order_id)) => may_see_case(&ctx, &user, &company_id, &order_id).await?,
        None => false,
    };
    if !visible {
        return Err(PageError::NotFound);
    }
    let Some(grant) = user.actor().operator_grant() else {
        return Err(PageError::refusal(StatusCode::FORBIDDEN, |ctx| RefusalView {
            title: ctx.tr.t("refusal-permission-title"),
            message: ctx.tr.t("case-operators-only"),
            link: None,
            back_href: "/cases".into(),
        }));
    };
    if let Some(key) = problem(&CaseChange { status: &input.status, note: input.note.trim() }, &["status", "note"]) {
        return Ok(HttpResponse::UnprocessableEntity().content_type("text/plain; charset=utf-8").body(ctx.tr.t(&key)));
    }
    if !ctx.state.store.update_case(&grant, id, &input.status, input.note.trim(), &user.name, Utc::now()).await? {
        return Err(PageError::NotFound);
    }
    ctx.flash(ctx.tr.ta("case-updated", [("id", id.to_string().as_str())]));
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/cases")).finish())
}

/// A case is seen by the company that opened it, those who see its order, and operators.
async fn may_see_case(ctx: &Ctx, user: &User, company_id: &str, order_id: &str) -> Result<bool, PageError> {
    let actor = user.actor();
    if actor.operator_grant().is_some() || user.company_id == company_id {
        return Ok(true);
    }
    // A database error is a failure (500/503), never an answer that the case is not there.
    Ok(ctx.state.store.order_head(order_id).await?.is_some_and(|order| actor.may_see(&order.parties())))
}

/// A screenshot, only to those who may see its case, as a download that is never sniffed.
pub async fn attachment(signed_in: SignedIn, path: web::Path<i64>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let found = ctx.state.store.attachment(path.into_inner()).await?;
    let (info, data, order_id, company_id) = found.ok_or(PageError::NotFound)?;
    if !may_see_case(&ctx, &user, &company_id, &order_id).await? {
        return Err(PageError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .content_type(info.content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{}\"", info.filename)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data))
}
