//! The Cloud/SaaS Subscriptions page (docs/product.md rule 9): every subscription the user may
//! see, the closed ones whose provisioning is still pending marked as such, and the same
//! edit and resend as the order page, for those closed lines too.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::ctx::SignedIn;
use super::errors::{PageError, html};
use super::orders::{self, OrderFacts, Page, RowTexts, line_row};
use super::views::{Layout, LineRow};
use crate::i18n::Tr;
use crate::store::SubscriptionFilter;

const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "subscriptions.html")]
pub struct SubscriptionsPage {
    pub layout: Layout,
    pub t: Tr,
    pub q: String,
    pub pending: bool,
    pub closing_within: String,
    pub error: Option<String>,
    /// Case 1.1, once for the page (docs/product.md rule 4).
    pub permission_note: Option<String>,
    pub rows: Vec<LineRow>,
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    pending: Option<String>,
    closing_within: Option<String>,
    after: Option<String>,
}

pub async fn list(signed_in: SignedIn, query: web::Query<ListQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let q = query.q.as_deref().map(str::trim).unwrap_or("").to_string();
    let pending = query.pending.as_deref().is_some_and(|v| v == "1" || v == "on" || v == "true");
    let closing_text = query.closing_within.as_deref().map(str::trim).unwrap_or("").to_string();
    let (closing_within, error) = match closing_text.as_str() {
        "" => (None, None),
        text => match text.parse::<i64>() {
            Ok(days) if (1..=365).contains(&days) => (Some(days), None),
            _ => (None, Some(ctx.tr.t("subscriptions-closing-invalid"))),
        },
    };
    let filter = SubscriptionFilter {
        q: Some(q.as_str()).filter(|q| !q.is_empty()),
        pending,
        closing_before: closing_within.map(|days| Utc::now() + Duration::days(days)),
        after: query.after.as_deref(),
    };
    let mut records = if error.is_some() {
        Vec::new()
    } else {
        ctx.state.store.subscriptions_for(&user.actor(), &filter, PAGE_SIZE + 1).await?
    };
    let next = if records.len() as i64 > PAGE_SIZE {
        records.truncate(PAGE_SIZE as usize);
        let mut params: Vec<(&str, String)> = Vec::new();
        if !q.is_empty() {
            params.push(("q", q.clone()));
        }
        if pending {
            params.push(("pending", "1".into()));
        }
        if let Some(days) = closing_within {
            params.push(("closing_within", days.to_string()));
        }
        params.push(("after", records.last().map(|r| r.line.subscription_id.clone()).unwrap_or_default()));
        Some(format!("/subscriptions?{}", serde_urlencoded::to_string(params).unwrap_or_default()))
    } else {
        None
    };
    let actor = user.actor();
    let mut texts = RowTexts::default();
    let rows: Vec<LineRow> = records
        .iter()
        .map(|r| {
            let facts = OrderFacts {
                id: &r.line.order_id,
                customer: &r.customer,
                org_mapped_at: r.org_mapped_at,
                creator_name: &r.creator_name,
                creator_email: &r.creator_email,
            };
            line_row(&ctx, Page::Subscriptions, &facts, &r.line, actor.edit_grant(&r.parties()).is_some(), &mut texts)
        })
        .collect();
    let permission_note = orders::permission_page_note(&ctx, &user, rows.iter()).await;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SubscriptionsPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        q,
        pending,
        closing_within: closing_text,
        error,
        permission_note,
        rows,
        next,
    };
    Ok(html(status, &page))
}
