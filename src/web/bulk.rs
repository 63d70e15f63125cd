//! Bulk fix (docs/product.md; docs/http.md "The bulk fix file"): upload a CSV of
//! subscription → new contact, read a preview that says for every row what will happen,
//! apply it once, download the outcome. The rules are those of one edit on the
//! Cloud/SaaS Subscriptions page; the store applies them to every row at once.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use futures_util::{TryStreamExt, stream};

use super::csrf::{CsrfUpload, NoFields, SignedForm, UploadForm, UploadRefused};
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::spreadsheet::{EMAIL_COLUMN, ReadError, SUBSCRIPTION_COLUMN, Sheet, read_bulk_file};
use super::upload::{UploadError, declared_over};
use super::views::{Layout, Refusal as RefusalView};
use crate::domain::bulk::{BulkResult, MAX_ROWS, MAX_UNAPPLIED, prepare};
use crate::i18n::Tr;
use crate::store::{BulkApplyOutcome, BulkBatch, BulkCreated, BulkDiscardOutcome, BulkRowOutcome, User};

/// The largest file: 2 MB.
const MAX_FILE: usize = 2 * 1024 * 1024;
/// The whole upload: the file, the form's token and the multipart framing. A larger body
/// is refused (413) before it is read, or as soon as it passes this while streaming.
const MAX_BODY: usize = MAX_FILE + 64 * 1024;
const TEMPLATE_CHUNK: i64 = 500;
/// How many of the user's earlier uploads the upload page lists.
const LISTED_BATCHES: i64 = 20;

#[derive(Template)]
#[template(path = "bulk_upload.html")]
pub struct UploadPage {
    pub layout: Layout,
    pub t: Tr,
    pub error: Option<String>,
    pub max_rows: String,
    pub max_unapplied: String,
    /// The user already holds the most unapplied previews: the oldest, to discard.
    pub over_quota: Option<QuotaView>,
    /// The latest uploads this user may open, newest first: their own, or for operators
    /// everyone's (then each names its uploader).
    pub batches: Vec<BatchListRow>,
    /// The list holds everyone's uploads (operators).
    pub everyone: bool,
}

pub struct QuotaView {
    pub id: i64,
    pub message: String,
    pub oldest: String,
}

/// One of the user's uploads on the upload page.
pub struct BatchListRow {
    pub id: i64,
    pub filename: String,
    pub uploaded: String,
    pub rows: i64,
    /// `preview`, `applied` or `purged` (details no longer kept).
    pub state: &'static str,
    pub state_text: String,
    /// Who uploaded it, in a list of everyone's uploads.
    pub uploader: Option<String>,
}

pub struct BulkRowView {
    pub row: i64,
    pub result: &'static str,
    pub label: String,
    pub reason: String,
    pub subscription_id: String,
    pub order_id: String,
    /// The line's contact: now in a preview; after apply, for a changed row, the one it had
    /// before (so the outcome shows old → new).
    pub contact: String,
    pub typed_email: String,
}

#[derive(Template)]
#[template(path = "bulk_batch.html")]
pub struct BatchPage {
    pub layout: Layout,
    pub t: Tr,
    pub id: i64,
    pub filename: String,
    pub applied: Option<String>,
    /// (result, label, count) of every result some row has, in the order of the table.
    pub counts: Vec<(&'static str, String, usize)>,
    pub can_apply: bool,
    /// An unapplied preview may be discarded.
    pub can_discard: bool,
    /// Until when the preview, or the applied batch's outcome, is kept.
    pub kept: String,
    pub rows: Vec<BulkRowView>,
}

pub async fn upload_form(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    upload_page(&ctx, &user, StatusCode::OK, None, None).await
}

/// A file name as pages show it.
fn shown_name(tr: &Tr, filename: &str) -> String {
    if filename.is_empty() { tr.t("bulk-unnamed") } else { filename.to_string() }
}

/// The upload form, with the user's latest uploads and what went wrong, if anything.
async fn upload_page(
    ctx: &Ctx,
    user: &User,
    status: StatusCode,
    error: Option<String>,
    over_quota: Option<QuotaView>,
) -> Result<HttpResponse, PageError> {
    // Operators open every batch (`visible_batch`), so they are shown every upload.
    let operator = user.actor().operator_grant();
    let everyone = operator.is_some();
    let listed = match &operator {
        Some(grant) => ctx.state.store.bulk_batches_of_everyone(grant, LISTED_BATCHES).await?,
        None => ctx.state.store.bulk_batches_of(user.id, LISTED_BATCHES).await?,
    };
    let tr = &ctx.tr;
    let keep = ctx.state.config.bulk_keep;
    let batches = listed
        .iter()
        .map(|b| {
            let (state, state_text) = match (b.applied_at, b.purged_at) {
                (None, _) => {
                    ("preview", tr.ta("bulk-state-preview", [("until", tr.when(&(b.created_at + keep)).as_str())]))
                }
                (Some(applied), None) => (
                    "applied",
                    tr.ta(
                        "bulk-state-applied",
                        [("when", tr.when(&applied).as_str()), ("until", tr.when(&(applied + keep)).as_str())],
                    ),
                ),
                (Some(applied), Some(_)) => {
                    ("purged", tr.ta("bulk-state-purged", [("when", tr.when(&applied).as_str())]))
                }
            };
            BatchListRow {
                id: b.id,
                filename: shown_name(tr, &b.filename),
                uploaded: tr.when(&b.created_at),
                rows: b.row_count,
                state,
                state_text,
                uploader: b.uploader.clone(),
            }
        })
        .collect();
    let (max_rows, max_unapplied) = (MAX_ROWS.to_string(), MAX_UNAPPLIED.to_string());
    let page = UploadPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        error,
        max_rows,
        max_unapplied,
        over_quota,
        batches,
        everyone,
    };
    Ok(html(status, &page))
}

/// 429: the user holds the most unapplied previews; the page names the oldest and offers
/// to discard it. One more fits once the oldest is deleted by itself, if not sooner.
async fn over_quota(ctx: &Ctx, user: &User, oldest: &BulkBatch) -> Result<HttpResponse, PageError> {
    let tr = &ctx.tr;
    let max = MAX_UNAPPLIED.to_string();
    let when = tr.when(&oldest.created_at);
    let view = QuotaView {
        id: oldest.id,
        message: tr.ta("bulk-quota", [("max", max.as_str())]),
        oldest: tr
            .ta("bulk-quota-oldest", [("file", shown_name(tr, &oldest.filename).as_str()), ("when", when.as_str())]),
    };
    let mut response = upload_page(ctx, user, StatusCode::TOO_MANY_REQUESTS, None, Some(view)).await?;
    // Not when the page itself failed to render (500).
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        let frees = oldest.created_at + ctx.state.config.bulk_keep - Utc::now();
        let seconds = frees.num_seconds().max(1);
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

/// What came with the upload.
struct Upload {
    csrf_token: String,
    filename: String,
    data: Vec<u8>,
}

impl UploadForm for Upload {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Reads the multipart body, counting every byte before keeping it: over [`MAX_BODY`] in
/// all, or a file over [`MAX_FILE`], stops the read.
async fn read_upload(mut payload: Multipart) -> Result<Upload, UploadError> {
    let mut upload = Upload { csrf_token: String::new(), filename: String::new(), data: Vec::new() };
    let mut total = 0usize;
    while let Some(mut field) = payload.try_next().await.map_err(|_| UploadError::Malformed)? {
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_string);
        let limit = if name == "file" { MAX_FILE } else { 4096 };
        let mut data = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(|_| UploadError::Malformed)? {
            total += chunk.len();
            if total > MAX_BODY || data.len() + chunk.len() > limit {
                return Err(UploadError::TooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                upload.filename = filename.unwrap_or_default();
                upload.data = data;
            }
            "csrf_token" => upload.csrf_token = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }
    Ok(upload)
}

fn read_error_message(tr: &Tr, e: &ReadError) -> String {
    let reason = match e.key {
        "bulk-error-no-column" => {
            tr.ta("bulk-error-no-column", [("subscription", SUBSCRIPTION_COLUMN), ("email", EMAIL_COLUMN)])
        }
        "bulk-error-too-many" => tr.ta("bulk-error-too-many", [("max", MAX_ROWS.to_string().as_str())]),
        "bulk-error-missing" => tr.t("bulk-error-missing"),
        "bulk-error-utf8" => tr.t("bulk-error-utf8"),
        "bulk-error-character" => tr.t("bulk-error-character"),
        "bulk-error-empty" => tr.t("bulk-error-empty"),
        _ => tr.t("bulk-error-unreadable"),
    };
    let row = e.row.to_string();
    match e.column {
        Some(column) => tr.ta("bulk-error-at-column", [("row", row.as_str()), ("column", column), ("reason", &reason)]),
        None => tr.ta("bulk-error-at-row", [("row", row.as_str()), ("reason", &reason)]),
    }
}

pub async fn upload(mut posted: CsrfUpload, req: actix_web::HttpRequest) -> Result<HttpResponse, PageError> {
    let too_large = Some(posted.ctx.tr.t("bulk-error-too-large"));
    if declared_over(&req, MAX_BODY) {
        return upload_page(&posted.ctx, &posted.user, StatusCode::PAYLOAD_TOO_LARGE, too_large, None).await;
    }
    let read = posted.read(read_upload).await;
    let CsrfUpload { ctx, user, .. } = posted;
    let upload = match read {
        Ok(upload) => upload,
        Err(UploadRefused::TooLarge) => {
            return upload_page(&ctx, &user, StatusCode::PAYLOAD_TOO_LARGE, too_large, None).await;
        }
        Err(UploadRefused::Malformed) => {
            return Ok(HttpResponse::BadRequest().content_type("text/plain").body("malformed upload"));
        }
        Err(UploadRefused::Csrf) => return Err(PageError::Csrf),
    };
    let rows = match read_bulk_file(&upload.data) {
        Ok(rows) => rows,
        Err(e) => {
            let message = read_error_message(&ctx.tr, &e);
            return upload_page(&ctx, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(message), None).await;
        }
    };
    // The quota after the input, as every action checks them. Read here first, so that a
    // refused upload does not wait for the (SQLite: only) writer; the transaction that
    // stores the batch counts again, and that count is the one that holds against
    // parallel uploads.
    let store = &ctx.state.store;
    let held = store.unapplied_bulk_batches(user.id).await?;
    if held.len() >= MAX_UNAPPLIED {
        return over_quota(&ctx, &user, &held[0]).await;
    }
    let filename: String = upload.filename.chars().filter(|c| !c.is_control()).take(200).collect();
    let batch = match store.create_bulk_batch(&user, &filename, &prepare(rows), Utc::now(), MAX_UNAPPLIED).await? {
        BulkCreated::Created(id) => store.bulk_batch(id).await?.ok_or(PageError::NotFound)?,
        BulkCreated::OverQuota(oldest) => return over_quota(&ctx, &user, &oldest).await,
    };
    let mut response = batch_page(&ctx, &user, &batch).await?;
    // The address of this preview, for the browser's history (htmx) and for reloading.
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&format!("/bulk-fixes/{}", batch.id)) {
        response.headers_mut().insert(actix_web::http::header::HeaderName::from_static("hx-push-url"), value);
    }
    Ok(response)
}

/// The batch if this user uploaded it (or is an operator); otherwise it does not exist.
async fn visible_batch(ctx: &Ctx, user: &User, id: &str) -> Result<BulkBatch, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let batch = ctx.state.store.bulk_batch(id).await?.ok_or(PageError::NotFound)?;
    if batch.user_id == user.id || user.actor().operator_grant().is_some() {
        Ok(batch)
    } else {
        Err(PageError::NotFound)
    }
}

fn result_label_key(result: BulkResult) -> &'static str {
    match result {
        BulkResult::Change => "bulk-result-change",
        BulkResult::Unchanged => "bulk-result-unchanged",
        BulkResult::NotFound => "bulk-result-not_found",
        BulkResult::NoPermission => "bulk-result-no_permission",
        BulkResult::Ponr => "bulk-result-ponr",
        BulkResult::Complete => "bulk-result-complete",
        BulkResult::Invalid => "bulk-result-invalid",
        BulkResult::Duplicate => "bulk-result-duplicate",
        BulkResult::Limit => "bulk-result-limit",
        BulkResult::Done => "bulk-result-done",
    }
}

/// Why a row will (not) change, in the reader's language.
fn reason(tr: &Tr, row: &BulkRowOutcome) -> String {
    let new = row.typed_email.trim();
    let old = row.contact.as_deref().unwrap_or("");
    let when = if row.emails { tr.t("bulk-reason-emails-now") } else { tr.t("bulk-reason-emails-on-rsd") };
    match row.result {
        BulkResult::Change => format!("{} {when}", tr.ta("bulk-reason-change", [("old", old), ("new", new)])),
        BulkResult::Done => {
            let before = row.old_contact.as_deref().unwrap_or("");
            format!("{} {when}", tr.ta("bulk-reason-done", [("old", before), ("new", new)]))
        }
        BulkResult::Unchanged => tr.t("bulk-reason-unchanged"),
        BulkResult::NotFound => tr.t("bulk-reason-not_found"),
        BulkResult::NoPermission => tr.t("bulk-reason-no_permission"),
        BulkResult::Ponr => tr.t("bulk-reason-ponr"),
        BulkResult::Complete => tr.t("bulk-reason-complete"),
        BulkResult::Invalid => tr.t(row.email_error.as_deref().unwrap_or("email-error-invalid")),
        BulkResult::Duplicate => tr.t("bulk-reason-duplicate"),
        BulkResult::Limit => tr.t("bulk-reason-limit"),
    }
}

async fn batch_rows(ctx: &Ctx, user: &User, batch: &BulkBatch) -> Result<Vec<BulkRowOutcome>, PageError> {
    let limit = ctx.state.config.mail.limit;
    Ok(ctx.state.store.bulk_rows(batch, &user.actor(), limit, Utc::now()).await?)
}

/// 410: an applied batch whose rows were deleted after PROVISIO_BULK_KEEP; it is still
/// named by its transactions, which keep what it changed.
fn purged(batch: &BulkBatch) -> PageError {
    let (id, applied_at, filename) = (batch.id.to_string(), batch.applied_at, batch.filename.clone());
    PageError::refusal(StatusCode::GONE, move |ctx| {
        let tr = &ctx.tr;
        let when = applied_at.as_ref().map(|t| tr.when(t)).unwrap_or_default();
        let file = shown_name(tr, &filename);
        RefusalView {
            title: tr.t("bulk-purged-title"),
            message: tr.ta("bulk-purged", [("id", id.as_str()), ("file", file.as_str()), ("when", when.as_str())]),
            link: Some((tr.t("nav-transactions"), "/transactions?type=provisioning_email_update".into())),
            back_href: "/bulk-fixes".into(),
        }
    })
}

async fn batch_page(ctx: &Ctx, user: &User, batch: &BulkBatch) -> Result<HttpResponse, PageError> {
    if batch.purged_at.is_some() {
        return Err(purged(batch));
    }
    let mut rows = batch_rows(ctx, user, batch).await?;
    // The rows that will not change (or did not) come first: they are the ones to read.
    rows.sort_by_key(|r| (r.result.changes(), r.row));
    let tr = &ctx.tr;
    let mut counts: Vec<(&'static str, String, usize)> = Vec::new();
    for result in BulkResult::ALL {
        let n = rows.iter().filter(|r| r.result == result).count();
        if n > 0 {
            counts.push((result.as_str(), tr.t(result_label_key(result)), n));
        }
    }
    counts.sort_by_key(|(code, _, _)| BulkResult::parse(code).is_some_and(BulkResult::changes));
    let can_apply = batch.applied_at.is_none() && rows.iter().any(|r| r.result == BulkResult::Change);
    let keep = ctx.state.config.bulk_keep;
    let kept = match batch.applied_at {
        None => tr.ta("bulk-preview-kept", [("when", tr.when(&(batch.created_at + keep)).as_str())]),
        Some(applied) => tr.ta("bulk-outcome-kept", [("when", tr.when(&(applied + keep)).as_str())]),
    };
    let rows = rows
        .iter()
        .map(|r| BulkRowView {
            row: r.row,
            result: r.result.as_str(),
            label: tr.t(result_label_key(r.result)),
            reason: reason(tr, r),
            subscription_id: r.subscription_id.clone(),
            order_id: r.order_id.clone().unwrap_or_default(),
            contact: r.old_contact.clone().or_else(|| r.contact.clone()).unwrap_or_default(),
            typed_email: r.typed_email.clone(),
        })
        .collect();
    let page = BatchPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        id: batch.id,
        filename: batch.filename.clone(),
        applied: batch.applied_at.as_ref().map(|t| ctx.tr.when(t)),
        counts,
        can_apply,
        can_discard: batch.applied_at.is_none(),
        kept,
        rows,
    };
    Ok(html(StatusCode::OK, &page))
}

pub async fn show(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let batch = visible_batch(&ctx, &user, &path).await?;
    batch_page(&ctx, &user, &batch).await
}

pub async fn apply(posted: SignedForm<NoFields>, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let batch = visible_batch(&ctx, &user, &path).await?;
    let here = format!("/bulk-fixes/{}", batch.id);
    let applied = ctx
        .state
        .store
        .apply_bulk_batch(batch.id, &user.actor(), &user.name, ctx.state.config.mail.limit, Utc::now())
        .await?;
    match applied {
        BulkApplyOutcome::Applied => {
            ctx.flash(ctx.tr.t("bulk-applied"));
            Ok(HttpResponse::SeeOther().insert_header(("Location", here)).finish())
        }
        BulkApplyOutcome::NotFound => Err(PageError::NotFound),
        BulkApplyOutcome::AlreadyApplied => Err(PageError::refusal(StatusCode::CONFLICT, move |ctx| RefusalView {
            title: ctx.tr.t("bulk-already-applied-title"),
            message: ctx.tr.t("bulk-already-applied"),
            link: None,
            back_href: here,
        })),
    }
}

/// Deletes an unapplied preview and its rows, for its uploader (and operators): 303 to the
/// upload page, which says so. An applied batch keeps its outcome (409).
pub async fn discard(posted: SignedForm<NoFields>, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let batch = visible_batch(&ctx, &user, &path).await?;
    let tr = &ctx.tr;
    match ctx.state.store.discard_bulk_batch(batch.id).await? {
        BulkDiscardOutcome::Discarded => {
            ctx.flash(tr.ta("bulk-discarded", [("file", shown_name(tr, &batch.filename).as_str())]));
            Ok(HttpResponse::SeeOther().insert_header(("Location", "/bulk-fixes")).finish())
        }
        BulkDiscardOutcome::Applied => {
            let back_href = format!("/bulk-fixes/{}", batch.id);
            Err(PageError::refusal(StatusCode::CONFLICT, move |ctx| RefusalView {
                title: ctx.tr.t("bulk-already-applied-title"),
                message: ctx.tr.t("bulk-discard-applied"),
                link: None,
                back_href,
            }))
        }
        BulkDiscardOutcome::NotFound => Err(PageError::NotFound),
    }
}

fn csv_response(filename: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")));
    response
}

/// Every row with its result (the stable code) and the reason in the reader's language.
pub async fn outcome_csv(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let batch = visible_batch(&ctx, &user, &path).await?;
    if batch.purged_at.is_some() {
        return Err(purged(&batch));
    }
    let rows = batch_rows(&ctx, &user, &batch).await?;
    let tr = &ctx.tr;
    let mut sheet = Sheet::new();
    sheet.row(["row", SUBSCRIPTION_COLUMN, EMAIL_COLUMN, "result", "message"]);
    for r in &rows {
        let row = r.row.to_string();
        let message = reason(tr, r);
        sheet.row([row.as_str(), &r.subscription_id, &r.typed_email, r.result.as_str(), &message]);
    }
    Ok(csv_response(&format!("bulk-fix-{}-outcome.csv", batch.id)).body(sheet.into_bytes()))
}

/// The user's lines that can still be fixed, in the upload format with the current
/// contact filled in (a row left as it is comes back `unchanged`), streamed a chunk at a
/// time.
pub async fn template_csv(signed_in: SignedIn) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let store = ctx.state.store.clone();
    let tr = ctx.tr.clone();
    // (the cursor after the last row sent, whether the header still has to go out)
    let start: (Option<Option<String>>, bool) = (Some(None), true);
    let body = stream::unfold(start, move |(after, first)| {
        let (store, user, tr) = (store.clone(), user.clone(), tr.clone());
        async move {
            let after = after?;
            let rows = match store.bulk_template_lines(&user.actor(), after.as_deref(), TEMPLATE_CHUNK).await {
                Ok(rows) => rows,
                Err(e) => return Some((Err(actix_web::error::ErrorInternalServerError(e)), (None, false))),
            };
            let mut sheet = Sheet::new();
            if first {
                sheet.row([SUBSCRIPTION_COLUMN, EMAIL_COLUMN, "order_id", "customer", "status", "pending"]);
            }
            for (sub, contact, order, customer, status) in &rows {
                // A closed line here is closed with provisioning still pending (rule 8):
                // the status says so in words, and `pending` as the pages' hook does.
                let (status, pending) = match status.as_str() {
                    "closed" => (tr.t("bulk-template-closed-pending"), "true"),
                    _ => (tr.t("status-awaiting"), "false"),
                };
                sheet.row([sub.as_str(), contact, order, customer, &status, pending]);
            }
            let next = (rows.len() as i64 == TEMPLATE_CHUNK).then(|| rows.last().map(|r| r.0.clone()));
            let chunk = sheet.into_bytes();
            if chunk.is_empty() {
                return None;
            }
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), (next, false)))
        }
    });
    csv_response("bulk-fix-template.csv").streaming(body)
}
