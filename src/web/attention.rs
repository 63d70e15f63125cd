//! Needs attention (docs/product.md, "A partner's day"): where a user lands after signing
//! in. Every line of what they may see (rule 2) that needs someone now, counted by reason
//! at the top, each row with its reason and the subscriptions page's Edit and Resend
//! dialogs (rule 8), so a closed line whose provisioning is still pending is fixed here too.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::ctx::SignedIn;
use super::errors::{PageError, html};
use super::orders::{self, OrderFacts, Page, RowTexts, line_row};
use super::views::{Layout, LineRow};
use crate::domain::{AttentionCursor, AttentionKind};
use crate::i18n::Tr;
use crate::store::{AttentionFilter, AttentionRecord};

const PAGE_SIZE: i64 = 50;

/// One reason's count at the top of the page, a link to its rows alone.
pub struct AttentionCount {
    pub kind: &'static str,
    pub label: String,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

/// One row: a line and why it needs someone.
pub struct AttentionRow {
    pub kind: &'static str,
    pub label: String,
    pub reason: String,
    /// A link that helps with the reason (the support cases), if any.
    pub reason_link: Option<(String, String)>,
    pub line: LineRow,
}

#[derive(Template)]
#[template(path = "attention.html")]
pub struct AttentionPage {
    pub layout: Layout,
    pub t: Tr,
    pub counts: Vec<AttentionCount>,
    pub total: i64,
    pub kind: String,
    /// Operators: every company (id, name) for the company filter, and the chosen one.
    pub companies: Vec<(String, String)>,
    pub company: String,
    /// Case 1.1, once for the page (docs/product.md rule 4).
    pub permission_note: Option<String>,
    pub rows: Vec<AttentionRow>,
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub struct AttentionQuery {
    kind: Option<String>,
    company: Option<String>,
    after: Option<String>,
}

/// `/attention` with these filters (and a cursor).
fn href(kind: Option<AttentionKind>, company: Option<&str>, after: Option<String>) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(kind) = kind {
        params.push(("kind", kind.as_str().to_string()));
    }
    if let Some(company) = company {
        params.push(("company", company.to_string()));
    }
    if let Some(after) = after {
        params.push(("after", after));
    }
    if params.is_empty() {
        "/attention".to_string()
    } else {
        format!("/attention?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    }
}

fn kind_label(tr: &Tr, kind: AttentionKind) -> String {
    tr.t(match kind {
        AttentionKind::ClosingSoon => "attention-kind-closing-soon",
        AttentionKind::Bounced => "attention-kind-bounced",
        AttentionKind::Failed => "attention-kind-failed",
        AttentionKind::Delayed => "attention-kind-delayed",
        AttentionKind::Pending => "attention-kind-pending",
        AttentionKind::CaseAnswered => "attention-kind-case-answered",
    })
}

/// Why the row is here, in words, from what the line's row already says where it can.
fn reason(tr: &Tr, kind: AttentionKind, row: &LineRow) -> (String, Option<(String, String)>) {
    match kind {
        AttentionKind::ClosingSoon => {
            (row.closing_note.clone().unwrap_or_else(|| tr.t("attention-reason-closing")), None)
        }
        AttentionKind::Bounced => (tr.t("attention-reason-bounced"), None),
        AttentionKind::Delayed => (tr.t("attention-reason-delayed"), None),
        AttentionKind::Failed => (
            row.email_note.clone().filter(|_| row.email_failed).unwrap_or_else(|| tr.t("attention-reason-failed")),
            None,
        ),
        AttentionKind::Pending => {
            let closed = row.closing_note.clone().map(|n| format!("{n} ")).unwrap_or_default();
            (format!("{closed}{}", tr.t("closed-pending")), None)
        }
        AttentionKind::CaseAnswered => {
            (tr.t("attention-reason-case"), Some((tr.t("attention-open-cases"), "/cases".to_string())))
        }
    }
}

pub async fn list(signed_in: SignedIn, query: web::Query<AttentionQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let actor = user.actor();
    let store = &ctx.state.store;
    let kind = query.kind.as_deref().and_then(AttentionKind::parse);
    // Only operators choose a company; anyone else sees their own (rule 2).
    let operator = actor.operator_grant();
    let company = operator
        .as_ref()
        .and_then(|_| query.company.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string));
    let companies = match &operator {
        Some(grant) => store.company_names(grant).await?,
        None => Vec::new(),
    };
    // A cursor that does not parse starts from the top: it came from no page of ours.
    let after = query.after.as_deref().and_then(AttentionCursor::parse);
    let filter = AttentionFilter { company: company.as_deref(), kind, after, now: Utc::now() };
    let counts = store.attention_counts(&actor, &filter).await?;
    let mut records = store.attention_for(&actor, &filter, PAGE_SIZE + 1).await?;
    let next = (records.len() as i64 > PAGE_SIZE).then(|| {
        records.truncate(PAGE_SIZE as usize);
        let last = records.last().map(|r| {
            AttentionCursor { kind: r.kind(), key: r.subscription.line.subscription_id.to_lowercase() }.encode()
        });
        href(kind, company.as_deref(), last)
    });
    let mut texts = RowTexts::default();
    let rows: Vec<AttentionRow> = records
        .iter()
        .map(|r: &AttentionRecord| {
            let s = &r.subscription;
            let facts = OrderFacts {
                id: &s.line.order_id,
                customer: &s.customer,
                org_mapped_at: s.org_mapped_at,
                creator_name: &s.creator_name,
                creator_email: &s.creator_email,
            };
            let may_edit = actor.edit_grant(&s.parties()).is_some();
            let line = line_row(&ctx, Page::Subscriptions, &facts, &s.line, may_edit, &mut texts);
            let (reason, reason_link) = reason(&ctx.tr, r.kind(), &line);
            AttentionRow { kind: r.kind().as_str(), label: kind_label(&ctx.tr, r.kind()), reason, reason_link, line }
        })
        .collect();
    let permission_note = orders::permission_page_note(&ctx, &user, rows.iter().map(|r| &r.line)).await;
    let total = counts.iter().map(|(_, n)| n).sum();
    let counts = counts
        .into_iter()
        .map(|(k, count)| AttentionCount {
            kind: k.as_str(),
            label: kind_label(&ctx.tr, k),
            count,
            href: href(Some(k), company.as_deref(), None),
            current: kind == Some(k),
        })
        .collect();
    let page = AttentionPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        counts,
        total,
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        companies,
        company: company.unwrap_or_default(),
        permission_note,
        rows,
        next,
    };
    Ok(html(StatusCode::OK, &page))
}
