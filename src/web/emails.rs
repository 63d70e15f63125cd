//! The email the customer got (docs/product.md, "A partner's day"): one message the portal
//! sent, rendered again from what the dispatcher rendered it from (the same templates, the
//! order's language, its lines, the configured sender and admin console), for exactly
//! those who may see its order (rule 2: 404 for anyone else). The HTML is shown in a
//! sandboxed frame of its own, never as raw MIME; the demo mailbox lists these views.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::views::Layout;
use crate::i18n::Tr;
use crate::mail::{EmailKind, Rendered, render_email};
use crate::store::{SentEmail, User};

/// The frame's own policy: the email's inline styles and nothing else; no script, no
/// form, no navigation of the portal (a unique origin), framed by the portal alone.
const BODY_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; \
                        frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/// The view's link from a transaction or a line: `/emails/{id}`.
pub fn email_href(outbox_id: i64) -> String {
    format!("/emails/{outbox_id}")
}

#[derive(Template)]
#[template(path = "email.html")]
pub struct EmailPage {
    pub layout: Layout,
    pub t: Tr,
    pub id: i64,
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: Option<String>,
    pub queued_at: String,
    pub accepted_at: Option<String>,
    pub state: &'static str,
    pub state_label: String,
    pub state_note: String,
    pub order_id: String,
    pub lines: Vec<String>,
    pub text: String,
    pub body_href: String,
}

/// One message of the operators' mailbox.
pub struct MailboxRow {
    pub id: i64,
    pub when: String,
    pub to: String,
    pub subject: String,
    pub href: Option<String>,
    pub state: &'static str,
    pub state_label: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
pub struct MailboxPage {
    pub layout: Layout,
    pub t: Tr,
    pub rows: Vec<MailboxRow>,
    pub next: Option<String>,
}

/// The message's delivery state as the markup hooks name it (`data-email-state`).
fn state(email: &SentEmail) -> &'static str {
    match (email.status.as_str(), email.attempts) {
        ("queued", 0) => "queued",
        ("queued", _) => "in_progress",
        ("sent", _) => "accepted",
        ("failed", _) => "failed",
        ("bounced", _) => "bounced",
        ("delayed", _) => "delayed",
        _ => "queued",
    }
}

fn state_label(tr: &Tr, state: &str) -> String {
    tr.t(match state {
        "in_progress" => "email-view-state-in-progress",
        "accepted" => "email-view-state-accepted",
        "failed" => "email-view-state-failed",
        "bounced" => "email-view-state-bounced",
        "delayed" => "email-view-state-delayed",
        _ => "email-view-state-queued",
    })
}

/// The message as it went out, or None for one that is not a provisioning email.
fn rendered(ctx: &Ctx, email: &SentEmail, lines: &[(String, String)]) -> Option<Rendered> {
    let order_id = email.order_id.as_deref()?;
    let config = &ctx.state.config;
    let kind = EmailKind::of(&email.cause, email.closes_at);
    let customer = email.customer.as_deref().unwrap_or_default();
    render_email(
        kind,
        email.language.as_deref(),
        order_id,
        customer,
        lines,
        &config.admin_console_url,
        &config.mail.from,
    )
    .inspect_err(|e| tracing::error!(error = %e, "could not render an email for its view"))
    .ok()
}

/// The message, if `user` may see the order it is about; an invitation is about no line
/// (and carries a one-time link), so it has no view.
async fn visible_email(ctx: &Ctx, user: &User, id: &str) -> Result<(SentEmail, Vec<(String, String)>), PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let (email, lines) = ctx.state.store.sent_email(id).await?.ok_or(PageError::NotFound)?;
    match email.parties() {
        Some(parties) if user.actor().may_see(&parties) => Ok((email, lines)),
        _ => Err(PageError::NotFound),
    }
}

pub async fn show(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let (email, lines) = visible_email(&ctx, &user, &path).await?;
    let message = rendered(&ctx, &email, &lines).ok_or(PageError::NotFound)?;
    let tr = &ctx.tr;
    let state = state(&email);
    let state_note = match state {
        "accepted" => tr.ta(
            "email-view-accepted",
            [("when", email.sent_at.as_ref().map(|t| tr.when(t)).unwrap_or_default().as_str())],
        ),
        "failed" => tr.ta("email-view-failed", [("reason", email.last_error.as_deref().unwrap_or_default())]),
        "in_progress" => tr.tn("email-view-retrying", "attempts", email.attempts),
        "bounced" => tr.t("email-view-note-bounced"),
        "delayed" => tr.t("email-view-note-delayed"),
        _ => tr.t("email-view-note-queued"),
    };
    let page = EmailPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        id: email.id,
        subject: message.subject,
        from: ctx.state.config.mail.from.clone(),
        to: email.recipient.clone(),
        cc: email.cc.clone().filter(|cc| !cc.is_empty()),
        queued_at: tr.when(&email.created_at),
        accepted_at: email.sent_at.as_ref().map(|t| tr.when(t)),
        state,
        state_label: state_label(tr, state),
        state_note,
        order_id: email.order_id.clone().unwrap_or_default(),
        lines: lines.into_iter().map(|(sub, _)| sub).collect(),
        text: message.text,
        body_href: format!("{}/html", email_href(email.id)),
    };
    Ok(html(StatusCode::OK, &page))
}

/// The HTML part alone, for the view's sandboxed frame (the same visibility as the view).
pub async fn html_body(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let (email, lines) = visible_email(&ctx, &user, &path).await?;
    let message = rendered(&ctx, &email, &lines).ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", BODY_CSP))
        .insert_header(("X-Frame-Options", "SAMEORIGIN"))
        .body(message.html))
}

#[derive(Deserialize)]
pub struct MailboxQuery {
    before: Option<i64>,
}

const MAILBOX_PAGE: i64 = 50;

/// The demo's mailbox: every message the portal sent, newest first, each linking to its
/// view (only with `--demo` and the file mailbox, and for operators: it holds every
/// company's email; otherwise there is no such page).
pub async fn mailbox(signed_in: SignedIn, query: web::Query<MailboxQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let grant = user
        .actor()
        .operator_grant()
        .filter(|_| ctx.state.demo && ctx.state.config.mail.smtp.is_none())
        .ok_or(PageError::NotFound)?;
    let mut emails = ctx.state.store.sent_emails(&grant, query.before, MAILBOX_PAGE + 1).await?;
    let next = (emails.len() as i64 > MAILBOX_PAGE).then(|| {
        emails.truncate(MAILBOX_PAGE as usize);
        format!("/mailbox?before={}", emails.last().map(|e| e.id).unwrap_or_default())
    });
    let tr = &ctx.tr;
    let rows = emails
        .iter()
        .map(|email| {
            let view = rendered(&ctx, email, &[]);
            let state = state(email);
            MailboxRow {
                id: email.id,
                when: tr.when(&email.created_at),
                to: email.recipient.clone(),
                subject: view.as_ref().map(|m| m.subject.clone()).unwrap_or_else(|| match email.cause.as_str() {
                    // A notice to a user about their own sign-in (rule 15); its body is theirs.
                    "security" => tr.t("security-email-subject"),
                    _ => tr.t("mailbox-invitation"),
                }),
                href: view.map(|_| email_href(email.id)),
                state,
                state_label: state_label(tr, state),
            }
        })
        .collect();
    Ok(html(StatusCode::OK, &MailboxPage { layout: ctx.layout(), t: ctx.tr.clone(), rows, next }))
}
