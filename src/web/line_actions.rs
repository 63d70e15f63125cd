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
use serde::Deserialize;

use super::csrf::SignedForm;
use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::orders::{LINES_PER_PAGE, Page, RowTexts, line_row, subscriptions_href, with_admins};
use super::views::{
    EditDialog, EditDone, EditForm, EditPage, EmailPreview, Refusal as RefusalView, ResendDialog, ResendForm,
    ResendPage,
};
use crate::actions::{Action, Checked, LineActions, LineRef, NewContact, Principal, Stopped};
use crate::domain::Refusal;
use crate::store::{CopyOutcome, ResendAllSummary, User};

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

/// The answer to an action the use case did not take: 404, 403 (naming whom to ask),
/// 409, 422 outside a form (a resend has none), 429, or the database's failure.
fn stopped(at: &LineAt, stopped: Stopped) -> PageError {
    let (page, order_id, subscription_id) = (at.page, at.order_id.clone(), at.subscription_id.clone());
    let back_href = page.back(&order_id, &subscription_id);
    match stopped {
        Stopped::NotFound | Stopped::Invalid(_) => PageError::NotFound,
        Stopped::Failed(e) => e.into(),
        Stopped::Forbidden(whom) => PageError::refusal(StatusCode::FORBIDDEN, move |ctx| {
            let tr = &ctx.tr;
            let message = tr.ta(
                "refusal-permission",
                [("name", whom.creator_name.as_str()), ("email", whom.creator_email.as_str())],
            );
            let admins =
                whom.admins.iter().map(|(name, email)| format!("{name} ({email})")).collect::<Vec<_>>().join(", ");
            RefusalView {
                title: tr.t("refusal-permission-title"),
                message: with_admins(tr, message, &admins),
                link: None,
                back_href,
            }
        }),
        // The state, checked here or again under the order's lock (PONR, a concurrent
        // edit), or the rule of a whole order.
        Stopped::Refused(refused) => PageError::refusal(StatusCode::CONFLICT, move |ctx| {
            refusal_view(ctx, page, &order_id, &refused, &subscription_id)
        }),
        Stopped::Limited(wait) => {
            let seconds = wait.num_seconds().max(1);
            PageError::refusal_for(StatusCode::TOO_MANY_REQUESTS, seconds, move |ctx| RefusalView {
                title: ctx.tr.t("refusal-limit-title"),
                message: ctx.tr.tn("refusal-limit", "minutes", (seconds + 59) / 60),
                link: None,
                back_href,
            })
        }
    }
}

/// What the dialog's "Yes" would send: the email's subject and opening in the customer's
/// language, when it goes (now, or on the RSD for an edit before the first email), and the
/// limit that would refuse it now (the line's; and the address's, when it is known).
async fn email_preview(
    ctx: &Ctx,
    at: &LineAt,
    checked: &Checked,
    recipient: Option<&str>,
) -> Result<EmailPreview, PageError> {
    let tr = &ctx.tr;
    let order = &checked.order;
    let (subject, opening) = crate::mail::opening(order.language.as_deref(), &order.id, &order.partner_name);
    let emails_now = checked.line.email_sent_at.is_some();
    let (when, limited) = if emails_now {
        let waits = line_actions(ctx).limit_preview(checked, recipient).await.map_err(|s| stopped(at, s))?;
        let minutes = |wait: chrono::Duration| (wait.num_seconds().max(1) + 59) / 60;
        let limited = match (waits.line, waits.recipient, recipient) {
            (Some(wait), _, _) => Some(tr.tn("preview-limit-line", "minutes", minutes(wait))),
            (None, Some(wait), Some(email)) => {
                Some(tr.tcount("preview-limit-address", ("minutes", minutes(wait)), &[("email", email)]))
            }
            _ => None,
        };
        (tr.t("preview-when-now"), limited)
    } else {
        let date = checked.line.rsd.format("%Y-%m-%d").to_string();
        (tr.ta("preview-when-rsd", [("date", date.as_str())]), None)
    };
    let language = order.language.clone().unwrap_or_else(|| "en".to_string());
    Ok(EmailPreview { language, subject, opening, when, limited })
}

fn line_actions(ctx: &Ctx) -> LineActions<'_> {
    LineActions::new(&ctx.state.store, ctx.state.config.mail.limit)
}

/// The edit form of a line, saying how many other lines "Apply to all lines" changes too
/// (counted in the database over the whole order, not the page).
async fn edit_form(ctx: &Ctx, at: &LineAt, user: &User, checked: &Checked) -> Result<EditForm, PageError> {
    let other_lines = line_actions(ctx).other_editable_lines(checked).await.map_err(|s| stopped(at, s))?;
    let line = &checked.line;
    Ok(EditForm {
        preview: email_preview(ctx, at, checked, None).await?,
        action: at.page.href(&checked.order.id, &line.subscription_id, "contact"),
        cancel_href: at.page.back(&checked.order.id, &line.subscription_id),
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
/// the use case, after the CSRF check, so that a post without a token is 403
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

/// The checks of one action on the line a route names (sign-in and the CSRF token are
/// the extractors'), by the use case: the line, checked, and where it is.
async fn checked(ctx: &Ctx, user: &User, route: LineRoute, action: Action) -> Result<(LineAt, Checked), PageError> {
    let LineRoute { page, order_id, subscription_id } = route;
    let line = LineRef { scope: page.scope(), order_id: order_id.as_deref(), subscription_id: &subscription_id };
    let result = line_actions(ctx).check(Principal::User(user), line, action).await;
    // A refusal goes back to the line's order (the one the subscription belongs to, when the
    // route did not name it).
    let order_id = match (&result, order_id) {
        (Ok(checked), _) => checked.order.id.clone(),
        (Err(_), Some(order_id)) => order_id,
        (Err(_), None) => String::new(),
    };
    let at = LineAt { page, order_id, subscription_id };
    match result {
        Ok(checked) => Ok((at, checked)),
        Err(e) => Err(stopped(&at, e)),
    }
}

pub async fn edit_dialog(SignedIn { ctx, user }: SignedIn, route: LineRoute) -> Result<HttpResponse, PageError> {
    let (at, checked) = checked(&ctx, &user, route, Action::Edit).await?;
    let form = edit_form(&ctx, &at, &user, &checked).await?;
    Ok(render_form(&ctx, StatusCode::OK, form))
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

pub async fn edit(form: SignedForm<EditInput>, route: LineRoute) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form: input } = form;
    let (at, checked) = checked(&ctx, &user, route, Action::Edit).await?;
    // A version that is no number came from no dialog of ours: there is no such line.
    let expected_version = match input.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| PageError::NotFound)?),
    };
    let change = NewContact {
        email: &input.email,
        apply_to_all: ticked(input.apply_to_all.as_deref()),
        expected_version,
        copy_to_me: ticked(input.copy_to_me.as_deref()),
    };
    let edited = match line_actions(&ctx).edit(Principal::User(&user), &checked, change).await {
        Ok(edited) => edited,
        // The form again, saying what is wrong with the address (422).
        Err(Stopped::Invalid(e)) => {
            let mut form = edit_form(&ctx, &at, &user, &checked).await?;
            form.value = input.email.clone();
            form.apply_to_all = change.apply_to_all;
            form.copy_to_me = change.copy_to_me;
            form.error = Some(ctx.tr.t(e.message_key()));
            form.version = expected_version.unwrap_or(checked.line.version);
            return Ok(render_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, form));
        }
        Err(e) => return Err(stopped(&at, e)),
    };
    let tr = &ctx.tr;
    let email = [("email", edited.contact.as_str())];
    let mut message = if edited.lines.is_empty() {
        tr.ta("edit-unchanged", email)
    } else {
        let saved = tr.tcount("edit-saved", ("count", edited.lines.len() as i64), &email);
        format!("{saved} {}", tr.ta(if edited.emailed { "edit-emailed" } else { "edit-on-rsd" }, email))
    };
    if let Some(note) = copy_note(tr, edited.copy, &user.email) {
        message = format!("{message} {note}");
    }
    let focus = format!("edit-{}", at.subscription_id);
    done(&ctx, &at, &edited.lines, message, focus).await
}

pub async fn resend_dialog(SignedIn { ctx, user }: SignedIn, route: LineRoute) -> Result<HttpResponse, PageError> {
    let (at, checked) = checked(&ctx, &user, route, Action::Resend).await?;
    // "Send for every line of this order", when there is more than this line to send.
    let summary = line_actions(&ctx).every_line_offer(&checked).await.map_err(|s| stopped(&at, s))?;
    let form = ResendForm {
        preview: email_preview(&ctx, &at, &checked, Some(&checked.line.contact)).await?,
        action: at.page.href(&checked.order.id, &at.subscription_id, "resend"),
        cancel_href: at.page.back(&checked.order.id, &at.subscription_id),
        csrf: ctx.csrf.clone(),
        subscription_id: at.subscription_id.clone(),
        contact: checked.line.contact.clone(),
        sender: ctx.state.config.mail.from.clone(),
        every_line: (summary.lines > 1).then(|| resend_all_offer(&ctx, &summary)),
        copy_to: user.email.clone(),
    };
    Ok(if ctx.htmx {
        html(StatusCode::OK, &ResendDialog { t: ctx.tr.clone(), form })
    } else {
        html(StatusCode::OK, &ResendPage { layout: ctx.layout(), t: ctx.tr.clone(), form })
    })
}

/// What the resend dialog says "Send for every line of this order" would reach.
fn resend_all_offer(ctx: &Ctx, summary: &ResendAllSummary) -> String {
    let mut recipients = summary.sample.join(", ");
    if summary.recipients > summary.sample.len() as i64 {
        let more = summary.recipients - summary.sample.len() as i64;
        recipients = format!("{recipients} {}", ctx.tr.tn("resend-all-more", "count", more));
    }
    ctx.tr.tnumbers(
        "resend-all-offer",
        &[("lines", summary.lines), ("count", summary.recipients)],
        &[("recipients", recipients.as_str())],
    )
}

#[derive(Deserialize)]
pub struct ResendInput {
    /// `on`: for every line of the order that this page may resend.
    pub apply_to_all: Option<String>,
    copy_to_me: Option<String>,
}

pub async fn resend(form: SignedForm<ResendInput>, route: LineRoute) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, form: input } = form;
    if ticked(input.apply_to_all.as_deref()) {
        return resend_every_line(&ctx, &user, route).await;
    }
    let (at, checked) = checked(&ctx, &user, route, Action::Resend).await?;
    let copy_to_me = ticked(input.copy_to_me.as_deref());
    let resent =
        line_actions(&ctx).resend(Principal::User(&user), &checked, copy_to_me).await.map_err(|s| stopped(&at, s))?;
    let sender = ctx.state.config.mail.from.as_str();
    let mut message = ctx.tr.ta("resend-sent", [("email", resent.recipient.as_str()), ("sender", sender)]);
    if let Some(note) = copy_note(&ctx.tr, resent.copy, &user.email) {
        message = format!("{message} {note}");
    }
    let focus = format!("resend-{}", at.subscription_id);
    done(&ctx, &at, std::slice::from_ref(&at.subscription_id), message, focus).await
}

/// Resend for every line of the order this page may resend: visible (404) and permitted
/// (403) as for one line; the state of every line it covers decides the rest (409 when
/// none may be resent, 429 when any line or recipient would go over its limit).
async fn resend_every_line(ctx: &Ctx, user: &User, route: LineRoute) -> Result<HttpResponse, PageError> {
    let (at, checked) = checked(ctx, user, route, Action::EveryLine).await?;
    let all = line_actions(ctx).resend_all(Principal::User(user), &checked).await.map_err(|s| stopped(&at, s))?;
    let message = ctx.tr.tcount(
        "resend-all-sent",
        ("lines", all.lines.len() as i64),
        &[("recipients", all.recipients.join(", ").as_str()), ("sender", ctx.state.config.mail.from.as_str())],
    );
    let focus = format!("resend-{}", at.subscription_id);
    done(ctx, &at, &all.lines, message, focus).await
}

/// The answer to a change that went through: plain forms go back to the page they came
/// from, which shows `message`; htmx gets the changed rows and the message in place.
async fn done(
    ctx: &Ctx,
    at: &LineAt,
    changed: &[String],
    message: String,
    focus: String,
) -> Result<HttpResponse, PageError> {
    if !ctx.htmx {
        ctx.flash(message);
        let back = at.page.back(&at.order_id, &at.subscription_id);
        return Ok(HttpResponse::SeeOther().insert_header(("Location", back)).finish());
    }
    // More changed lines than a page holds (apply to all on a large order): the page
    // reloads, showing the message, rather than carrying thousands of rows.
    if changed.len() as i64 > LINES_PER_PAGE {
        ctx.flash(message);
        return Ok(HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish());
    }
    let store = &ctx.state.store;
    let (order, lines) = tokio::try_join!(
        store.order_head(&at.order_id),
        store.order_lines_among(&at.order_id, changed, LINES_PER_PAGE)
    )?;
    let order = order.ok_or(PageError::NotFound)?;
    // The user just edited: these rows need nobody else to ask.
    let facts = order.facts();
    let mut texts = RowTexts::default();
    let rows = lines.iter().map(|l| line_row(ctx, at.page, &facts, l, true, &mut texts)).collect();
    Ok(html(StatusCode::OK, &EditDone { t: ctx.tr.clone(), rows, message, focus }))
}
