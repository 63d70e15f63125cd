//! The actions on one line, from the order page or the Cloud/SaaS Subscriptions page:
//! the edit and resend dialogs, their posts (one line, or every line of the order), and
//! the answers they give (the refusals, the limit, the updated rows).
//!
//! About 500 lines: the checks, the dialogs and the answers are shared by both actions and
//! both route shapes, and read in the contract's order from top to bottom.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::csrf::SignedForm;
use super::ctx::{Ctx, SignedIn};
use super::errors::{AppError, failed, html, refusal};
use super::orders::{
    LINES_PER_PAGE, Page, company_admins_text, line_row, subscriptions_href, visible_line, with_admins,
};
use super::views::{
    EditDialog, EditDone, EditForm, EditPage, Refusal as RefusalView, ResendDialog, ResendForm, ResendPage,
};
use crate::domain::{ContactEmail, EditGrant, Refusal, stale_refusal};
use crate::store::{
    ContactEdit, CopyOutcome, EditOutcome, LineAction, LineRecord, OrderHead, ResendAll, ResendAllOutcome,
    ResendAllSummary, ResendOutcome, Stopped, User,
};

/// The 403/409 refusals of docs/product.md rules 3 and 7, as docs/http.md words them.
fn refusal_view(ctx: &Ctx, page: Page, order_id: &str, refused: &Refusal, subscription_id: &str) -> RefusalView {
    let tr = &ctx.tr;
    let back_href = page.back(order_id, subscription_id);
    let (title, message, link) = match refused {
        Refusal::Ponr => (
            tr.t("refusal-ponr-title"),
            tr.t("refusal-ponr"),
            Some((tr.t("refusal-ponr-link"), ctx.state.config.admin_console_url.clone())),
        ),
        Refusal::ClosedOnOrderPage => (
            tr.t("refusal-closed-title"),
            tr.t("refusal-closed"),
            Some((tr.t("click-here"), subscriptions_href(subscription_id))),
        ),
        Refusal::Complete => (tr.t("refusal-complete-title"), tr.t("refusal-complete"), None),
        Refusal::NotYetSent { rsd } => {
            let date = rsd.format("%Y-%m-%d").to_string();
            (tr.t("refusal-not-yet-title"), tr.ta("refusal-not-yet", [("date", date.as_str())]), None)
        }
        Refusal::Stale { changed_by, current } => (
            tr.t("refusal-stale-title"),
            tr.ta("refusal-stale", [("name", changed_by.as_str()), ("email", current.as_str())]),
            Some((tr.t("refusal-stale-link"), page.href(order_id, subscription_id, "contact"))),
        ),
    };
    RefusalView { title, message, link, back_href }
}

/// 403, naming who may change the order (its creator, and the user's company admins).
async fn permission_refusal(ctx: &Ctx, user: &User, at: &LineAt, order: &OrderHead) -> HttpResponse {
    let tr = &ctx.tr;
    let admins = company_admins_text(ctx, user).await;
    let message =
        tr.ta("refusal-permission", [("name", order.creator_name.as_str()), ("email", order.creator_email.as_str())]);
    let view = RefusalView {
        title: tr.t("refusal-permission-title"),
        message: with_admins(tr, message, &admins),
        link: None,
        back_href: at.page.back(&order.id, &at.subscription_id),
    };
    refusal(ctx, StatusCode::FORBIDDEN, view)
}

/// The checks every line action shares, in docs/http.md's order after sign-in and CSRF:
/// visible (404), permitted (403). Reads the order's head and the one line.
async fn permitted_line(
    ctx: &Ctx,
    user: &User,
    at: &LineAt,
) -> Result<(OrderHead, LineRecord, EditGrant), HttpResponse> {
    let (order, line) = visible_line(ctx, user, &at.order_id, &at.subscription_id).await.map_err(|e| e.respond(ctx))?;
    match user.actor().edit_grant(&order.parties()) {
        Some(grant) => Ok((order, line, grant)),
        None => Err(permission_refusal(ctx, user, at, &order).await),
    }
}

/// The checks of an edit: visible, permitted, then the line's state (409).
async fn checked_line(ctx: &Ctx, user: &User, at: &LineAt) -> Result<(OrderHead, LineRecord, EditGrant), HttpResponse> {
    let (order, line, grant) = permitted_line(ctx, user, at).await?;
    if let Some(refused) = at.page.scope().refusal(line.status(), order.org_mapped_at) {
        return Err(stopped(ctx, at, Stopped::Refused(refused)));
    }
    Ok((order, line, grant))
}

/// The edit form of a line, saying how many other lines "Apply to all lines" changes too
/// (counted in the database over the whole order, not the page).
async fn edit_form(
    ctx: &Ctx,
    page: Page,
    user: &User,
    order: &OrderHead,
    line: &LineRecord,
) -> Result<EditForm, HttpResponse> {
    let editable = ctx.state.store.editable_line_count(&order.id, page.scope()).await.map_err(failed(ctx))?;
    // The line itself passed the state checks, so it is one of the editable ones.
    let other_lines = (editable - 1).max(0);
    Ok(EditForm {
        action: page.href(&order.id, &line.subscription_id, "contact"),
        cancel_href: page.back(&order.id, &line.subscription_id),
        csrf: ctx.csrf.clone(),
        subscription_id: line.subscription_id.clone(),
        current: line.contact.clone(),
        value: line.contact.clone(),
        version: line.version,
        apply_to_all: false,
        other_lines,
        error: None,
        copy_to: user.email.clone(),
        copy_to_me: false,
    })
}

fn render_form(ctx: &Ctx, status: StatusCode, form: EditForm) -> HttpResponse {
    if ctx.htmx {
        html(status, &EditDialog { t: ctx.tr.clone(), form })
    } else {
        html(status, &EditPage { layout: ctx.layout(), t: ctx.tr.clone(), form })
    }
}

/// Which line an edit or resend is about, read from either route shape: the order page's
/// `/orders/{order_id}/lines/{subscription_id}/…` or the subscriptions page's
/// `/subscriptions/{subscription_id}/…`. The page decides which lines may be changed
/// (docs/product.md rule 9); the order of a subscriptions-page line is looked up by
/// [`LineRoute::resolve`], after the CSRF check, so that a post without a token is 403
/// whether or not the line exists.
pub struct LineRoute {
    page: Page,
    order_id: Option<String>,
    subscription_id: String,
}

impl FromRequest for LineRoute {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let info = req.match_info();
        let order_id = info.get("order_id").map(str::to_string);
        let page = if order_id.is_some() { Page::Order } else { Page::Subscriptions };
        ready(match info.get("subscription_id") {
            Some(subscription_id) => Ok(LineRoute { page, order_id, subscription_id: subscription_id.to_string() }),
            None => Err(actix_web::error::ErrorNotFound("no line in this route")),
        })
    }
}

/// A line an action is about, with the page it comes from and its order.
struct LineAt {
    page: Page,
    order_id: String,
    subscription_id: String,
}

impl LineRoute {
    /// With the line's order: the path's, or the one the subscription belongs to (404 when
    /// there is none; whether the user may see it is checked after).
    async fn resolve(self, ctx: &Ctx) -> Result<LineAt, HttpResponse> {
        let LineRoute { page, order_id, subscription_id } = self;
        let order_id = match order_id {
            Some(order_id) => order_id,
            None => ctx
                .state
                .store
                .order_of_subscription(&subscription_id)
                .await
                .map_err(failed(ctx))?
                .ok_or_else(|| AppError::NotFound.respond(ctx))?,
        };
        Ok(LineAt { page, order_id, subscription_id })
    }
}

/// The line a dialog is about (sign-in is the extractor's), with its order.
async fn opened(signed_in: SignedIn, route: LineRoute) -> Result<(Ctx, User, LineAt), HttpResponse> {
    let SignedIn { ctx, user } = signed_in;
    let at = route.resolve(&ctx).await?;
    Ok((ctx, user, at))
}

/// The line a post acts on; its CSRF token was checked by the form's extractor, before
/// the line is looked up (403 whether or not the line exists).
async fn posted<T>(form: SignedForm<T>, route: LineRoute) -> Result<(Ctx, User, LineAt, T), HttpResponse> {
    let SignedForm { ctx, user, form } = form;
    let (ctx, user, at) = opened(SignedIn { ctx, user }, route).await?;
    Ok((ctx, user, at, form))
}

/// The answer to a change the store did not make: 409, 429 or 404, nothing written.
fn stopped(ctx: &Ctx, at: &LineAt, stopped: Stopped) -> HttpResponse {
    match stopped {
        // The state moved between the checks and the locked write (PONR, a concurrent
        // edit), or the rule of a whole order refused.
        Stopped::Refused(refused) => {
            refusal(ctx, StatusCode::CONFLICT, refusal_view(ctx, at.page, &at.order_id, &refused, &at.subscription_id))
        }
        Stopped::Limited(wait) => limited(ctx, at, wait),
        Stopped::NotFound => AppError::NotFound.respond(ctx),
    }
}

pub async fn edit_dialog(signed_in: SignedIn, route: LineRoute) -> HttpResponse {
    either(async {
        let (ctx, user, at) = opened(signed_in, route).await?;
        let (order, line, _grant) = checked_line(&ctx, &user, &at).await?;
        let form = edit_form(&ctx, at.page, &user, &order, &line).await?;
        Ok(render_form(&ctx, StatusCode::OK, form))
    })
    .await
}

#[derive(Deserialize)]
pub struct EditInput {
    #[serde(default)]
    email: String,
    apply_to_all: Option<String>,
    version: Option<String>,
    copy_to_me: Option<String>,
}

/// A ticked checkbox (`on`, or `true` from a script).
fn ticked(value: Option<&str>) -> bool {
    value.is_some_and(|v| v == "on" || v == "true")
}

/// What the answer says about "Send me a copy", if it was asked for.
fn copy_note(tr: &crate::i18n::Tr, copy: CopyOutcome, email: &str) -> Option<String> {
    match copy {
        CopyOutcome::NotAsked => None,
        CopyOutcome::Sent => Some(tr.ta("copy-sent", [("email", email)])),
        CopyOutcome::NothingToCopy => Some(tr.t("copy-nothing")),
        CopyOutcome::Dropped(wait) => {
            Some(tr.tcount("copy-dropped", ("minutes", (wait.num_seconds().max(1) + 59) / 60), &[("email", email)]))
        }
    }
}

/// The user's action on the line, now, from this page; "Send me a copy" goes to the
/// acting user's own account address when ticked, and never anywhere else.
fn action<'a>(
    ctx: &Ctx,
    user: &'a User,
    at: &'a LineAt,
    grant: &'a EditGrant,
    copy_to_me: Option<&str>,
) -> LineAction<'a> {
    LineAction {
        grant,
        actor_name: &user.name,
        subscription_id: &at.subscription_id,
        scope: at.page.scope(),
        at: Utc::now(),
        limit: ctx.state.config.mail.limit,
        copy_to: ticked(copy_to_me).then_some(user.email.as_str()),
    }
}

pub async fn edit(form: SignedForm<EditInput>, route: LineRoute) -> HttpResponse {
    either(async {
        let (ctx, user, at, input) = posted(form, route).await?;
        let (order, line, grant) = checked_line(&ctx, &user, &at).await?;
        let apply_to_all = ticked(input.apply_to_all.as_deref());
        let expected_version = match input.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::NotFound.respond(&ctx))?),
        };
        // The version the dialog showed, checked before the input (409 comes before 422).
        if let Some(stale) = stale_refusal(expected_version, line.version, &line.updated_by, &line.contact) {
            return Err(stopped(&ctx, &at, Stopped::Refused(stale)));
        }
        let new_contact = match ContactEmail::parse(&input.email) {
            Ok(email) => email,
            Err(e) => {
                let mut form = edit_form(&ctx, at.page, &user, &order, &line).await?;
                form.value = input.email.clone();
                form.apply_to_all = apply_to_all;
                form.copy_to_me = ticked(input.copy_to_me.as_deref());
                form.error = Some(ctx.tr.t(e.message_key()));
                if let Some(v) = expected_version {
                    form.version = v;
                }
                return Ok(render_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, form));
            }
        };
        let outcome = ctx
            .state
            .store
            .edit_contact(ContactEdit {
                action: action(&ctx, &user, &at, &grant, input.copy_to_me.as_deref()),
                new_contact: &new_contact,
                apply_to_all,
                expected_version,
            })
            .await
            .map_err(failed(&ctx))?;
        let (changed, emailed, copy) = match outcome {
            EditOutcome::Changed { lines, emailed, copy, .. } => (lines, emailed, copy),
            EditOutcome::Stopped(stop) => return Err(stopped(&ctx, &at, stop)),
        };
        let tr = &ctx.tr;
        let email = [("email", new_contact.as_str())];
        let mut message = if changed.is_empty() {
            tr.ta("edit-unchanged", email)
        } else {
            let saved = tr.tcount("edit-saved", ("count", changed.len() as i64), &email);
            format!("{saved} {}", tr.ta(if emailed { "edit-emailed" } else { "edit-on-rsd" }, email))
        };
        if let Some(note) = copy_note(tr, copy, &user.email) {
            message = format!("{message} {note}");
        }
        let focus = format!("edit-{}", at.subscription_id);
        Ok(done(&ctx, &at, &changed, message, focus).await)
    })
    .await
}

/// 429 with Retry-After: too many emails for this line or recipient.
fn limited(ctx: &Ctx, at: &LineAt, wait: chrono::Duration) -> HttpResponse {
    let seconds = wait.num_seconds().max(1);
    let view = RefusalView {
        title: ctx.tr.t("refusal-limit-title"),
        message: ctx.tr.tn("refusal-limit", "minutes", (seconds + 59) / 60),
        link: None,
        back_href: at.page.back(&at.order_id, &at.subscription_id),
    };
    let mut response = refusal(ctx, StatusCode::TOO_MANY_REQUESTS, view);
    response
        .headers_mut()
        .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(seconds));
    response
}

/// The checks of a resend after those it shares with an edit (visible, permitted): the
/// line's state by the resend rule, which wants the first email gone out (409 saying
/// when it will).
async fn checked_resend(
    ctx: &Ctx,
    user: &User,
    at: &LineAt,
) -> Result<(OrderHead, LineRecord, EditGrant), HttpResponse> {
    let (order, line, grant) = permitted_line(ctx, user, at).await?;
    let scope = at.page.scope();
    if let Some(refused) = scope.resend_refusal(line.status(), order.org_mapped_at, line.email_sent_at, line.rsd) {
        return Err(stopped(ctx, at, Stopped::Refused(refused)));
    }
    Ok((order, line, grant))
}

pub async fn resend_dialog(signed_in: SignedIn, route: LineRoute) -> HttpResponse {
    either(async {
        let (ctx, user, at) = opened(signed_in, route).await?;
        let (order, line, _grant) = checked_resend(&ctx, &user, &at).await?;
        // "Send for every line of this order", when there is more than this line to send.
        let summary = ctx.state.store.resend_all_summary(&order.id, at.page.scope()).await.map_err(failed(&ctx))?;
        let form = ResendForm {
            action: at.page.href(&order.id, &at.subscription_id, "resend"),
            cancel_href: at.page.back(&order.id, &at.subscription_id),
            csrf: ctx.csrf.clone(),
            subscription_id: at.subscription_id.clone(),
            contact: line.contact.clone(),
            sender: ctx.state.config.mail.from.clone(),
            every_line: (summary.lines > 1).then(|| resend_all_offer(&ctx, &summary)),
            copy_to: user.email.clone(),
        };
        Ok(if ctx.htmx {
            html(StatusCode::OK, &ResendDialog { t: ctx.tr.clone(), form })
        } else {
            html(StatusCode::OK, &ResendPage { layout: ctx.layout(), t: ctx.tr.clone(), form })
        })
    })
    .await
}

/// What the resend dialog says "Send for every line of this order" would reach.
fn resend_all_offer(ctx: &Ctx, summary: &ResendAllSummary) -> String {
    let mut recipients = summary.sample.join(", ");
    if summary.recipients > summary.sample.len() as i64 {
        let more = summary.recipients - summary.sample.len() as i64;
        recipients = format!("{recipients} {}", ctx.tr.tn("resend-all-more", "count", more));
    }
    ctx.tr.tcount(
        "resend-all-offer",
        ("lines", summary.lines),
        &[("recipients", recipients.as_str()), ("count", summary.recipients.to_string().as_str())],
    )
}

#[derive(Deserialize)]
pub struct ResendInput {
    /// `on`: for every line of the order that this page may resend.
    pub apply_to_all: Option<String>,
    copy_to_me: Option<String>,
}

pub async fn resend(form: SignedForm<ResendInput>, route: LineRoute) -> HttpResponse {
    either(async {
        let (ctx, user, at, input) = posted(form, route).await?;
        if ticked(input.apply_to_all.as_deref()) {
            return resend_every_line(&ctx, &user, &at).await;
        }
        let (_order, _line, grant) = checked_resend(&ctx, &user, &at).await?;
        let outcome = ctx
            .state
            .store
            .resend(action(&ctx, &user, &at, &grant, input.copy_to_me.as_deref()))
            .await
            .map_err(failed(&ctx))?;
        let (recipient, copy) = match outcome {
            ResendOutcome::Queued { recipient, copy, .. } => (recipient, copy),
            ResendOutcome::Stopped(stop) => return Err(stopped(&ctx, &at, stop)),
        };
        let sender = ctx.state.config.mail.from.as_str();
        let mut message = ctx.tr.ta("resend-sent", [("email", recipient.as_str()), ("sender", sender)]);
        if let Some(note) = copy_note(&ctx.tr, copy, &user.email) {
            message = format!("{message} {note}");
        }
        let focus = format!("resend-{}", at.subscription_id);
        Ok(done(&ctx, &at, std::slice::from_ref(&at.subscription_id), message, focus).await)
    })
    .await
}

/// Resend for every line of the order this page may resend: visible (404) and permitted
/// (403) as for one line; the state of every line it covers decides the rest (409 when
/// none may be resent, 429 when any line or recipient would go over its limit).
async fn resend_every_line(ctx: &Ctx, user: &User, at: &LineAt) -> Result<HttpResponse, HttpResponse> {
    let (_order, _line, grant) = permitted_line(ctx, user, at).await?;
    let outcome = ctx
        .state
        .store
        .resend_all(ResendAll {
            grant: &grant,
            actor_name: &user.name,
            scope: at.page.scope(),
            at: Utc::now(),
            limit: ctx.state.config.mail.limit,
        })
        .await
        .map_err(failed(ctx))?;
    let (lines, recipients) = match outcome {
        ResendAllOutcome::Queued { lines, recipients } => (lines, recipients),
        ResendAllOutcome::Stopped(stop) => return Err(stopped(ctx, at, stop)),
    };
    let message = ctx.tr.tcount(
        "resend-all-sent",
        ("lines", lines.len() as i64),
        &[("recipients", recipients.join(", ").as_str()), ("sender", ctx.state.config.mail.from.as_str())],
    );
    let focus = format!("resend-{}", at.subscription_id);
    Ok(done(ctx, at, &lines, message, focus).await)
}

/// The answer to a change that went through: plain forms go back to the page they came
/// from, which shows `message`; htmx gets the changed rows and the message in place.
async fn done(ctx: &Ctx, at: &LineAt, changed: &[String], message: String, focus: String) -> HttpResponse {
    if !ctx.htmx {
        ctx.flash(message);
        let back = at.page.back(&at.order_id, &at.subscription_id);
        return HttpResponse::SeeOther().insert_header(("Location", back)).finish();
    }
    // More changed lines than a page holds (apply to all on a large order): the page
    // reloads, showing the message, rather than carrying thousands of rows.
    if changed.len() as i64 > LINES_PER_PAGE {
        ctx.flash(message);
        return HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish();
    }
    let store = &ctx.state.store;
    let (order, lines) = match tokio::try_join!(
        store.order_head(&at.order_id),
        store.order_lines_among(&at.order_id, changed, LINES_PER_PAGE)
    ) {
        Ok((Some(order), lines)) => (order, lines),
        Ok((None, _)) => return AppError::NotFound.respond(ctx),
        Err(e) => return AppError::from(e).respond(ctx),
    };
    // The user just edited: these rows need nobody else to ask.
    let facts = order.facts("");
    let rows = lines.iter().map(|l| line_row(ctx, at.page, &facts, l, true)).collect();
    html(StatusCode::OK, &EditDone { t: ctx.tr.clone(), rows, message, focus })
}

/// Either side of a chain of checks is the answer: `Err` holds a refusal or an error
/// page already rendered, so that each check is one `?`.
async fn either(answer: impl std::future::Future<Output = Result<HttpResponse, HttpResponse>>) -> HttpResponse {
    answer.await.unwrap_or_else(|response| response)
}
