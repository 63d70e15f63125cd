//! The orders list, the order-line page, and editing the provisioning contact there.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ctx::{Ctx, SignedIn};
use super::errors::{AppError, html, refusal};
use super::views::{
    EditDialog, EditDone, EditForm, EditPage, HistoryPage, HistoryRow, LineRow, OrderPage, OrderRow, OrdersPage,
    Refusal as RefusalView, ResendDialog, ResendForm, ResendPage,
};
use crate::domain::closing::closing_deadline;
use crate::domain::{ContactEmail, EditGrant, LineStatus, Refusal, order_page_refusal};
use crate::store::{
    ContactEdit, EditOutcome, EditScope, LineCursor, LinePage, LineRecord, OrderHead, Resend, ResendAll,
    ResendAllOutcome, ResendAllSummary, ResendOutcome, User,
};

const PAGE_SIZE: i64 = 50;
/// Lines on one page of an order (CONTRACT.md: at most 200).
const LINES_PER_PAGE: i64 = 200;

/// Where an edit or resend comes from: the order page, or the Cloud/SaaS Subscriptions
/// page (which also fixes closed lines whose provisioning is still pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Order,
    Subscriptions,
}

impl Page {
    pub fn scope(self) -> EditScope {
        match self {
            Page::Order => EditScope::OrderPage,
            Page::Subscriptions => EditScope::SubscriptionsPage,
        }
    }

    /// The URL of a line's dialog or history from this page.
    pub fn href(self, order_id: &str, subscription_id: &str, what: &str) -> String {
        match (self, what) {
            (Page::Subscriptions, "contact" | "resend") => format!("/subscriptions/{subscription_id}/{what}"),
            _ => format!("/orders/{order_id}/lines/{subscription_id}/{what}"),
        }
    }

    /// The page an action goes back to.
    pub fn back(self, order_id: &str, subscription_id: &str) -> String {
        match self {
            Page::Order => format!("/orders/{order_id}"),
            Page::Subscriptions => subscriptions_href(subscription_id),
        }
    }

    /// What this page may not do with a line in its state (409).
    pub fn refusal(self, status: LineStatus, org_mapped_at: Option<DateTime<Utc>>) -> Option<Refusal> {
        match self {
            Page::Order => order_page_refusal(status, org_mapped_at),
            Page::Subscriptions if org_mapped_at.is_some() => Some(Refusal::Ponr),
            Page::Subscriptions if status == LineStatus::Complete => Some(Refusal::Complete),
            Page::Subscriptions => None,
        }
    }
}

/// What a line row needs to know of its order.
pub struct OrderFacts<'a> {
    pub id: &'a str,
    pub customer: &'a str,
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub creator_name: &'a str,
    pub creator_email: &'a str,
    /// The viewer's company admins, "Name (email), …", whom they can also ask (case 1.1).
    pub admins: &'a str,
}

impl OrderHead {
    fn facts<'a>(&'a self, admins: &'a str) -> OrderFacts<'a> {
        OrderFacts {
            id: &self.id,
            customer: &self.customer,
            org_mapped_at: self.org_mapped_at,
            creator_name: &self.creator_name,
            creator_email: &self.creator_email,
            admins,
        }
    }
}

/// The active admins of the user's company as one text, "Name (email), …"; empty when
/// the company has none (or the list cannot be read: the refusal still names the creator).
pub async fn company_admins_text(ctx: &Ctx, user: &User) -> String {
    match ctx.state.store.company_admins(&user.company_id).await {
        Ok(admins) => admins.iter().map(|(name, email)| format!("{name} ({email})")).collect::<Vec<_>>().join(", "),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the company's admins");
            String::new()
        }
    }
}

/// Case 1.1's "whom else to ask": the company's admins, appended to a refusal.
pub fn with_admins(tr: &crate::i18n::Tr, message: String, admins: &str) -> String {
    if admins.is_empty() { message } else { format!("{message} {}", tr.ta("ask-company-admins", [("admins", admins)])) }
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

pub async fn list(signed_in: SignedIn, query: web::Query<ListQuery>) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let q = query.q.as_deref().map(str::trim).unwrap_or("");
    let result = ctx
        .state
        .store
        .orders_for(&user, Some(q).filter(|q| !q.is_empty()), query.after.as_deref(), PAGE_SIZE + 1)
        .await;
    let mut orders = match result {
        Ok(orders) => orders,
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let next = if orders.len() as i64 > PAGE_SIZE {
        orders.truncate(PAGE_SIZE as usize);
        let last = orders.last().map(|o| o.id.clone()).unwrap_or_default();
        let mut params = vec![("after", last)];
        if !q.is_empty() {
            params.insert(0, ("q", q.to_string()));
        }
        Some(format!("/orders?{}", serde_urlencoded::to_string(params).unwrap_or_default()))
    } else {
        None
    };
    let orders = orders
        .into_iter()
        .map(|o| OrderRow {
            id: o.id,
            customer: o.customer,
            partner: o.partner_name,
            distributor: o.distributor_name,
            lines: o.line_count,
            ponr: o.org_mapped_at.as_ref().map(|t| ctx.tr.when(t)),
        })
        .collect();
    html(StatusCode::OK, &OrdersPage { layout: ctx.layout(), t: ctx.tr.clone(), q: q.to_string(), orders, next })
}

/// The order's head, if this user may see it; otherwise it does not exist for them.
async fn visible_order(ctx: &Ctx, user: &User, order_id: &str) -> Result<OrderHead, AppError> {
    let order = ctx.state.store.order_head(order_id).await?.ok_or(AppError::NotFound)?;
    if user.actor().may_see(&order.parties()) { Ok(order) } else { Err(AppError::NotFound) }
}

/// One line of an order this user may see, with the order's head.
async fn visible_line(
    ctx: &Ctx,
    user: &User,
    order_id: &str,
    subscription_id: &str,
) -> Result<(OrderHead, LineRecord), AppError> {
    let order = visible_order(ctx, user, order_id).await?;
    let line = ctx.state.store.order_line(&order.id, subscription_id).await?.ok_or(AppError::NotFound)?;
    Ok((order, line))
}

fn subscriptions_href(subscription_id: &str) -> String {
    format!("/subscriptions?{}", serde_urlencoded::to_string([("q", subscription_id)]).unwrap_or_default())
}

pub fn line_row(ctx: &Ctx, page: Page, order: &OrderFacts<'_>, line: &LineRecord, may_edit: bool) -> LineRow {
    let tr = &ctx.tr;
    let state = page.refusal(line.status(), order.org_mapped_at);
    let blocked = match (&state, may_edit) {
        (Some(Refusal::Ponr), _) => Some(tr.t("edit-blocked-ponr")),
        (Some(Refusal::ClosedOnOrderPage), _) => Some(tr.t("edit-blocked-closed")),
        (Some(Refusal::Complete), _) => Some(tr.t("edit-blocked-complete")),
        (_, false) => Some(with_admins(
            tr,
            tr.ta("edit-blocked-permission", [("name", order.creator_name), ("email", order.creator_email)]),
            order.admins,
        )),
        _ => None,
    };
    let can_edit = blocked.is_none();
    let rsd = line.rsd.format("%Y-%m-%d").to_string();
    LineRow {
        subscription_id: line.subscription_id.clone(),
        order_id: order.id.to_string(),
        customer: order.customer.to_string(),
        subs_page: page == Page::Subscriptions,
        pending: line.status() == LineStatus::Closed,
        closing_note: closing_note(tr, line),
        offer: line.offer.clone(),
        rsd: rsd.clone(),
        status: line.status().as_str(),
        status_label: tr.t(line.status().message_key()),
        contact: line.contact.clone(),
        edit_href: page.href(order.id, &line.subscription_id, "contact"),
        history_href: page.href(order.id, &line.subscription_id, "history"),
        can_edit,
        blocked,
        subscriptions_href: (state == Some(Refusal::ClosedOnOrderPage))
            .then(|| subscriptions_href(&line.subscription_id)),
        resend_href: page.href(order.id, &line.subscription_id, "resend"),
        can_resend: can_edit && line.email_sent_at.is_some(),
        resend_blocked: (can_edit && line.email_sent_at.is_none())
            .then(|| tr.ta("resend-blocked-not-yet", [("date", rsd.as_str())])),
        email_note: email_note(tr, line),
        email_failed: line.email_status.as_deref() == Some("failed"),
    }
}

/// When an open line closes and billing starts, or when a closed one did.
fn closing_note(tr: &crate::i18n::Tr, line: &LineRecord) -> Option<String> {
    match (line.status(), line.email_sent_at) {
        (LineStatus::Awaiting, Some(first)) => {
            let deadline = closing_deadline(&line.offer, first);
            let hours = (deadline - Utc::now()).num_hours().max(0);
            let text = if hours < 48 {
                tr.tcount("closes-in-hours", ("hours", hours), &[("when", tr.when(&deadline).as_str())])
            } else {
                tr.tcount("closes-in-days", ("days", hours / 24), &[("when", tr.when(&deadline).as_str())])
            };
            Some(text)
        }
        (LineStatus::Closed, _) => {
            line.closed_at.as_ref().map(|at| tr.ta("closed-at", [("when", tr.when(at).as_str())]))
        }
        _ => None,
    }
}

/// What the line's last provisioning email came to. We cannot see the inbox, so an
/// accepted message says exactly that, never "delivered".
fn email_note(tr: &crate::i18n::Tr, line: &LineRecord) -> Option<String> {
    let recipient = line.email_recipient.as_deref().unwrap_or(&line.contact);
    match line.email_status.as_deref() {
        Some("queued") => Some(tr.ta("email-state-queued", [("email", recipient)])),
        Some("sent") => {
            let at = line.email_accepted_at.as_ref().map(|t| tr.when(t)).unwrap_or_default();
            Some(tr.ta("email-state-sent", [("email", recipient), ("when", at.as_str())]))
        }
        Some("failed") => {
            let reason = line.email_error.as_deref().unwrap_or("");
            Some(tr.ta("email-state-failed", [("email", recipient), ("reason", reason)]))
        }
        _ if line.email_sent_at.is_none() && line.status() == crate::domain::LineStatus::Awaiting => {
            Some(tr.ta("email-state-not-yet", [("date", line.rsd.format("%Y-%m-%d").to_string().as_str())]))
        }
        _ => None,
    }
}

#[derive(Deserialize)]
pub struct OrderQuery {
    q: Option<String>,
    after: Option<String>,
}

/// The order-line page: the head with its counts by status, and one page of lines.
pub async fn show(signed_in: SignedIn, path: web::Path<String>, query: web::Query<OrderQuery>) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let store = &ctx.state.store;
    let (head, counts) = match store.order_head_counted(&path).await {
        Ok(Some((head, counts))) if user.actor().may_see(&head.parties()) => (head, counts),
        Ok(_) => return AppError::NotFound.respond(&ctx),
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let q = query.q.as_deref().map(str::trim).unwrap_or("").to_string();
    // A cursor that does not parse starts from the top: it came from no page of ours.
    let after = query.after.as_deref().and_then(LineCursor::parse);
    let page = LinePage { q: Some(q.as_str()).filter(|q| !q.is_empty()), after, limit: LINES_PER_PAGE + 1 };
    let mut lines = match store.order_lines(&head.id, &page).await {
        Ok(lines) => lines,
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let next = if lines.len() as i64 > LINES_PER_PAGE {
        lines.truncate(LINES_PER_PAGE as usize);
        let mut params = Vec::new();
        if !q.is_empty() {
            params.push(("q", q.clone()));
        }
        params.push(("after", lines.last().map(|l| LineCursor::after(l).encode()).unwrap_or_default()));
        Some(format!("/orders/{}?{}", head.id, serde_urlencoded::to_string(params).unwrap_or_default()))
    } else {
        None
    };
    let may_edit = user.actor().edit_grant(&head.parties()).is_some();
    let admins = if may_edit { String::new() } else { company_admins_text(&ctx, &user).await };
    let facts = head.facts(&admins);
    let rows = lines.iter().map(|l| line_row(&ctx, Page::Order, &facts, l, may_edit)).collect();
    let permission_note = (!may_edit).then(|| {
        let note = ctx.tr.ta(
            "order-permission-note",
            [("name", head.creator_name.as_str()), ("email", head.creator_email.as_str())],
        );
        with_admins(&ctx.tr, note, &admins)
    });
    let page = OrderPage {
        layout: ctx.layout(),
        t: ctx.tr.clone(),
        order_id: head.id.clone(),
        customer: head.customer.clone(),
        partner: head.partner_name.clone(),
        distributor: head.distributor_name.clone(),
        creator_name: head.creator_name.clone(),
        creator_email: head.creator_email.clone(),
        ponr: head.org_mapped_at.as_ref().map(|t| ctx.tr.when(t)),
        admin_console_url: ctx.state.config.admin_console_url.clone(),
        permission_note,
        awaiting: counts.awaiting,
        closed: counts.closed,
        complete: counts.complete,
        q,
        paged: query.after.is_some(),
        rows,
        next,
    };
    html(StatusCode::OK, &page)
}

/// The 403/409 refusals of SPEC.md rules 3 and 6, as CONTRACT.md words them.
fn refusal_view(ctx: &Ctx, page: Page, order: &OrderHead, refused: &Refusal, subscription_id: &str) -> RefusalView {
    let tr = &ctx.tr;
    let back_href = page.back(&order.id, subscription_id);
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
            Some((tr.t("refusal-stale-link"), page.href(&order.id, subscription_id, "contact"))),
        ),
    };
    RefusalView { title, message, link, back_href }
}

async fn permission_refusal(
    ctx: &Ctx,
    user: &User,
    page: Page,
    order: &OrderHead,
    subscription_id: &str,
) -> HttpResponse {
    let tr = &ctx.tr;
    let admins = company_admins_text(ctx, user).await;
    let message =
        tr.ta("refusal-permission", [("name", order.creator_name.as_str()), ("email", order.creator_email.as_str())]);
    let view = RefusalView {
        title: tr.t("refusal-permission-title"),
        message: with_admins(tr, message, &admins),
        link: None,
        back_href: page.back(&order.id, subscription_id),
    };
    refusal(ctx, StatusCode::FORBIDDEN, view)
}

/// The checks every edit answer shares, in CONTRACT.md's order after sign-in and CSRF:
/// visible (404), permitted (403), state (409). Reads the order's head and the one line.
async fn checked_line(
    ctx: &Ctx,
    page: Page,
    user: &User,
    order_id: &str,
    subscription_id: &str,
) -> Result<(OrderHead, LineRecord, EditGrant), HttpResponse> {
    let (order, line) = visible_line(ctx, user, order_id, subscription_id).await.map_err(|e| e.respond(ctx))?;
    let Some(grant) = user.actor().edit_grant(&order.parties()) else {
        return Err(permission_refusal(ctx, user, page, &order, subscription_id).await);
    };
    if let Some(refused) = page.refusal(line.status(), order.org_mapped_at) {
        let view = refusal_view(ctx, page, &order, &refused, subscription_id);
        return Err(refusal(ctx, StatusCode::CONFLICT, view));
    }
    Ok((order, line, grant))
}

/// The edit form of a line, saying how many other lines "Apply to all lines" changes too
/// (counted in the database over the whole order, not the page).
async fn edit_form(ctx: &Ctx, page: Page, order: &OrderHead, line: &LineRecord) -> Result<EditForm, HttpResponse> {
    let editable = ctx
        .state
        .store
        .editable_line_count(&order.id, page.scope())
        .await
        .map_err(|e| AppError::from(e).respond(ctx))?;
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
    })
}

fn render_form(ctx: &Ctx, status: StatusCode, form: EditForm) -> HttpResponse {
    if ctx.htmx {
        html(status, &EditDialog { t: ctx.tr.clone(), form })
    } else {
        html(status, &EditPage { layout: ctx.layout(), t: ctx.tr.clone(), form })
    }
}

pub async fn edit_dialog(signed_in: SignedIn, path: web::Path<(String, String)>) -> HttpResponse {
    let (order_id, subscription_id) = path.into_inner();
    edit_dialog_on(signed_in, Page::Order, &order_id, subscription_id).await
}

pub async fn edit_dialog_on(signed_in: SignedIn, page: Page, order_id: &str, subscription_id: String) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let (order, line, _grant) = match checked_line(&ctx, page, &user, order_id, &subscription_id).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    match edit_form(&ctx, page, &order, &line).await {
        Ok(form) => render_form(&ctx, StatusCode::OK, form),
        Err(response) => response,
    }
}

#[derive(Deserialize)]
pub struct EditInput {
    #[serde(default)]
    email: String,
    apply_to_all: Option<String>,
    version: Option<String>,
    pub csrf_token: Option<String>,
}

pub async fn edit(signed_in: SignedIn, path: web::Path<(String, String)>, input: web::Form<EditInput>) -> HttpResponse {
    let (order_id, subscription_id) = path.into_inner();
    edit_on(signed_in, Page::Order, &order_id, subscription_id, input.into_inner()).await
}

pub async fn edit_on(
    signed_in: SignedIn,
    page: Page,
    order_id: &str,
    subscription_id: String,
    input: EditInput,
) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    if !ctx.csrf_ok(input.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    let (order, line, grant) = match checked_line(&ctx, page, &user, order_id, &subscription_id).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let apply_to_all = input.apply_to_all.as_deref().is_some_and(|v| v == "on" || v == "true");
    let expected_version = match input.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => return AppError::NotFound.respond(&ctx),
        },
    };
    // The version the dialog showed, checked before the input (409 comes before 422).
    if let Some(v) = expected_version
        && v != line.version
    {
        let stale = Refusal::Stale { changed_by: line.updated_by.clone(), current: line.contact.clone() };
        return refusal(&ctx, StatusCode::CONFLICT, refusal_view(&ctx, page, &order, &stale, &subscription_id));
    }
    let new_contact = match ContactEmail::parse(&input.email) {
        Ok(email) => email,
        Err(e) => {
            let mut form = match edit_form(&ctx, page, &order, &line).await {
                Ok(form) => form,
                Err(response) => return response,
            };
            form.value = input.email.clone();
            form.apply_to_all = apply_to_all;
            form.error = Some(ctx.tr.t(e.message_key()));
            if let Some(v) = expected_version {
                form.version = v;
            }
            return render_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, form);
        }
    };
    let outcome = ctx
        .state
        .store
        .edit_contact(ContactEdit {
            grant: &grant,
            actor_name: &user.name,
            subscription_id: &subscription_id,
            new_contact: &new_contact,
            apply_to_all,
            expected_version,
            scope: page.scope(),
            at: Utc::now(),
            limit: ctx.state.config.mail.limit,
        })
        .await;
    let (changed, emailed) = match outcome {
        Ok(EditOutcome::Changed { lines, emailed }) => (lines, emailed),
        Ok(EditOutcome::Refused(refused)) => {
            // The state moved between the checks above and the locked write (PONR, a
            // concurrent edit): the write refused, nothing changed.
            return refusal(&ctx, StatusCode::CONFLICT, refusal_view(&ctx, page, &order, &refused, &subscription_id));
        }
        Ok(EditOutcome::Limited(wait)) => return limited(&ctx, page, &order, &subscription_id, wait),
        Ok(EditOutcome::NotFound) => return AppError::NotFound.respond(&ctx),
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let mut message = if changed.is_empty() {
        ctx.tr.ta("edit-unchanged", [("email", new_contact.as_str())])
    } else {
        ctx.tr.tcount("edit-saved", ("count", changed.len() as i64), &[("email", new_contact.as_str())])
    };
    if !changed.is_empty() {
        let key = if emailed { "edit-emailed" } else { "edit-on-rsd" };
        message = format!("{message} {}", ctx.tr.ta(key, [("email", new_contact.as_str())]));
    }
    done(&ctx, page, &order.id, &subscription_id, &changed, message, format!("edit-{subscription_id}")).await
}

/// The newest transactions a line's history shows at once; older ones a page further.
const HISTORY_PAGE: i64 = 100;

#[derive(Deserialize)]
pub struct HistoryQuery {
    before: Option<String>,
}

pub async fn history(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<HistoryQuery>,
) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let (order_id, subscription_id) = path.into_inner();
    let (order, _line) = match visible_line(&ctx, &user, &order_id, &subscription_id).await {
        Ok(found) => found,
        Err(e) => return e.respond(&ctx),
    };
    // A cursor that does not parse starts from the newest: it came from no page of ours.
    let before = query.before.as_deref().and_then(|b| b.parse::<i64>().ok());
    let mut records = match ctx.state.store.line_history(&subscription_id, before, HISTORY_PAGE + 1).await {
        Ok(records) => records,
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let older = if records.len() as i64 > HISTORY_PAGE {
        records.truncate(HISTORY_PAGE as usize);
        records.last().map(|r| format!("/orders/{}/lines/{subscription_id}/history?before={}", order.id, r.id))
    } else {
        None
    };
    let tr = &ctx.tr;
    let rows = records.into_iter().map(|r| history_row(tr, r)).collect();
    html(
        StatusCode::OK,
        &HistoryPage { layout: ctx.layout(), t: ctx.tr.clone(), order_id: order.id, subscription_id, rows, older },
    )
}

/// One transaction as the history and the Transaction Manager show it. A permission
/// change has no line: its text is the affected user's email, and its change is worded.
pub fn history_row(tr: &crate::i18n::Tr, r: crate::store::TransactionRecord) -> HistoryRow {
    let permission = r.kind == "permission_change";
    let change = if permission {
        permission_change_text(tr, r.detail.as_deref(), r.new_value.as_deref())
    } else {
        format!("{} → {}", r.old_value.as_deref().unwrap_or_default(), r.new_value.as_deref().unwrap_or_default())
    };
    HistoryRow {
        subscription_id: r.subject.filter(|_| permission).or(r.subscription_id).unwrap_or_default(),
        order_id: r.order_id.unwrap_or_default(),
        when: tr.when(&r.created_at),
        kind: tr.t(&format!("kind-{}", r.kind)),
        change,
        actor: r.actor,
        status_label: tr.t(&format!("tx-status-{}", r.status)),
        status: r.status,
        detail: if permission { String::new() } else { transaction_detail(tr, r.detail.as_deref()) },
        id: r.id,
        kind_code: r.kind,
    }
}

/// What a permission change did, in the reader's language: the field (stored as the
/// detail) and its new value, or the invitation of a new user.
pub fn permission_change_text(tr: &crate::i18n::Tr, field: Option<&str>, new_value: Option<&str>) -> String {
    match (field, new_value) {
        (Some("invited"), name) => tr.ta("perm-invited", [("name", name.unwrap_or_default())]),
        (Some("can_edit"), Some("on")) => tr.t("perm-can-edit-on"),
        (Some("can_edit"), _) => tr.t("perm-can-edit-off"),
        (Some("company_admin"), Some("on")) => tr.t("perm-admin-on"),
        (Some("company_admin"), _) => tr.t("perm-admin-off"),
        (Some("active"), Some("on")) => tr.t("perm-active-on"),
        (Some("active"), _) => tr.t("perm-active-off"),
        (other, _) => other.unwrap_or_default().to_string(),
    }
}

/// The stored detail of a transaction, in the reader's language.
pub fn transaction_detail(tr: &crate::i18n::Tr, detail: Option<&str>) -> String {
    match detail {
        None => String::new(),
        Some("on-rsd") => tr.t("tx-detail-on-rsd"),
        Some(d) if d.starts_with("retry:") => tr.ta("tx-detail-retry", [("name", &d["retry:".len()..])]),
        Some(d) => match d.split_once(':') {
            Some(("accepted", reply)) => tr.ta("tx-detail-accepted", [("reply", reply)]),
            Some(("failed", reason)) => tr.ta("tx-detail-failed", [("reason", reason)]),
            _ => d.to_string(),
        },
    }
}

/// 429 with Retry-After: too many emails for this line or recipient.
fn limited(ctx: &Ctx, page: Page, order: &OrderHead, subscription_id: &str, wait: chrono::Duration) -> HttpResponse {
    let seconds = wait.num_seconds().max(1);
    let view = RefusalView {
        title: ctx.tr.t("refusal-limit-title"),
        message: ctx.tr.tn("refusal-limit", "minutes", (seconds + 59) / 60),
        link: None,
        back_href: page.back(&order.id, subscription_id),
    };
    let mut response = refusal(ctx, StatusCode::TOO_MANY_REQUESTS, view);
    response
        .headers_mut()
        .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(seconds));
    response
}

/// The checks of a resend after those it shares with an edit: the first email must have
/// gone out (409 saying when it will).
async fn checked_resend(
    ctx: &Ctx,
    page: Page,
    user: &User,
    order_id: &str,
    subscription_id: &str,
) -> Result<(OrderHead, LineRecord, EditGrant), HttpResponse> {
    let (order, line, grant) = checked_line(ctx, page, user, order_id, subscription_id).await?;
    if line.email_sent_at.is_none() {
        let view = refusal_view(ctx, page, &order, &Refusal::NotYetSent { rsd: line.rsd }, subscription_id);
        return Err(refusal(ctx, StatusCode::CONFLICT, view));
    }
    Ok((order, line, grant))
}

pub async fn resend_dialog(signed_in: SignedIn, path: web::Path<(String, String)>) -> HttpResponse {
    let (order_id, subscription_id) = path.into_inner();
    resend_dialog_on(signed_in, Page::Order, &order_id, subscription_id).await
}

pub async fn resend_dialog_on(
    signed_in: SignedIn,
    page: Page,
    order_id: &str,
    subscription_id: String,
) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    let (order, line, _grant) = match checked_resend(&ctx, page, &user, order_id, &subscription_id).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    // "Send for every line of this order", when there is more than this line to send.
    let every_line = match ctx.state.store.resend_all_summary(&order.id, page.scope()).await {
        Ok(summary) if summary.lines > 1 => Some(resend_all_offer(&ctx, &summary)),
        Ok(_) => None,
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let form = ResendForm {
        action: page.href(&order.id, &subscription_id, "resend"),
        cancel_href: page.back(&order.id, &subscription_id),
        csrf: ctx.csrf.clone(),
        subscription_id: subscription_id.clone(),
        contact: line.contact.clone(),
        sender: ctx.state.config.mail.from.clone(),
        every_line,
    };
    if ctx.htmx {
        html(StatusCode::OK, &ResendDialog { t: ctx.tr.clone(), form })
    } else {
        html(StatusCode::OK, &ResendPage { layout: ctx.layout(), t: ctx.tr.clone(), form })
    }
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
    pub csrf_token: Option<String>,
    /// `on`: for every line of the order that this page may resend.
    pub apply_to_all: Option<String>,
}

pub async fn resend(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    input: web::Form<ResendInput>,
) -> HttpResponse {
    let (order_id, subscription_id) = path.into_inner();
    resend_on(signed_in, Page::Order, &order_id, subscription_id, input.into_inner()).await
}

pub async fn resend_on(
    signed_in: SignedIn,
    page: Page,
    order_id: &str,
    subscription_id: String,
    input: ResendInput,
) -> HttpResponse {
    let SignedIn { ctx, user } = signed_in;
    if !ctx.csrf_ok(input.csrf_token.as_deref()) {
        return AppError::Csrf.respond(&ctx);
    }
    if input.apply_to_all.as_deref().is_some_and(|v| v == "on" || v == "true") {
        return resend_every_line(ctx, user, page, order_id, subscription_id).await;
    }
    let (order, _line, grant) = match checked_resend(&ctx, page, &user, order_id, &subscription_id).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let outcome = ctx
        .state
        .store
        .resend(Resend {
            grant: &grant,
            actor_name: &user.name,
            subscription_id: &subscription_id,
            scope: page.scope(),
            at: Utc::now(),
            limit: ctx.state.config.mail.limit,
        })
        .await;
    let recipient = match outcome {
        Ok(ResendOutcome::Queued(recipient)) => recipient,
        Ok(ResendOutcome::Refused(refused)) => {
            return refusal(&ctx, StatusCode::CONFLICT, refusal_view(&ctx, page, &order, &refused, &subscription_id));
        }
        Ok(ResendOutcome::Limited(wait)) => return limited(&ctx, page, &order, &subscription_id, wait),
        Ok(ResendOutcome::NotFound) => return AppError::NotFound.respond(&ctx),
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let message =
        ctx.tr.ta("resend-sent", [("email", recipient.as_str()), ("sender", ctx.state.config.mail.from.as_str())]);
    let focus = format!("resend-{subscription_id}");
    done(&ctx, page, &order.id, &subscription_id, std::slice::from_ref(&subscription_id), message, focus).await
}

/// Resend for every line of the order this page may resend: visible (404) and permitted
/// (403) as for one line; the state of every line it covers decides the rest (409 when
/// none may be resent, 429 when any line or recipient would go over its limit).
async fn resend_every_line(ctx: Ctx, user: User, page: Page, order_id: &str, subscription_id: String) -> HttpResponse {
    let order = match visible_line(&ctx, &user, order_id, &subscription_id).await {
        Ok((order, _line)) => order,
        Err(e) => return e.respond(&ctx),
    };
    let Some(grant) = user.actor().edit_grant(&order.parties()) else {
        return permission_refusal(&ctx, &user, page, &order, &subscription_id).await;
    };
    let outcome = ctx
        .state
        .store
        .resend_all(ResendAll {
            grant: &grant,
            actor_name: &user.name,
            scope: page.scope(),
            at: Utc::now(),
            limit: ctx.state.config.mail.limit,
        })
        .await;
    let (lines, recipients) = match outcome {
        Ok(ResendAllOutcome::Queued { lines, recipients }) => (lines, recipients),
        Ok(ResendAllOutcome::Refused(refused)) => {
            return refusal(&ctx, StatusCode::CONFLICT, refusal_view(&ctx, page, &order, &refused, &subscription_id));
        }
        Ok(ResendAllOutcome::Limited(wait)) => return limited(&ctx, page, &order, &subscription_id, wait),
        Ok(ResendAllOutcome::NotFound) => return AppError::NotFound.respond(&ctx),
        Err(e) => return AppError::from(e).respond(&ctx),
    };
    let message = ctx.tr.tcount(
        "resend-all-sent",
        ("lines", lines.len() as i64),
        &[("recipients", recipients.join(", ").as_str()), ("sender", ctx.state.config.mail.from.as_str())],
    );
    let focus = format!("resend-{subscription_id}");
    done(&ctx, page, &order.id, &subscription_id, &lines, message, focus).await
}

/// The answer to a change that went through: plain forms go back to the page they came
/// from, which shows `message`; htmx gets the changed rows and the message in place.
async fn done(
    ctx: &Ctx,
    page: Page,
    order_id: &str,
    subscription_id: &str,
    changed: &[String],
    message: String,
    focus: String,
) -> HttpResponse {
    if !ctx.htmx {
        ctx.flash(message);
        return HttpResponse::SeeOther().insert_header(("Location", page.back(order_id, subscription_id))).finish();
    }
    // More changed lines than a page holds (apply to all on a large order): the page
    // reloads, showing the message, rather than carrying thousands of rows.
    if changed.len() as i64 > LINES_PER_PAGE {
        ctx.flash(message);
        return HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish();
    }
    let store = &ctx.state.store;
    let (order, lines) = match tokio::try_join!(
        store.order_head(order_id),
        store.order_lines_among(order_id, changed, LINES_PER_PAGE)
    ) {
        Ok((Some(order), lines)) => (order, lines),
        Ok((None, _)) => return AppError::NotFound.respond(ctx),
        Err(e) => return AppError::from(e).respond(ctx),
    };
    // The user just edited: these rows need nobody else to ask.
    let facts = order.facts("");
    let rows = lines.iter().map(|l| line_row(ctx, page, &facts, l, true)).collect();
    html(StatusCode::OK, &EditDone { t: ctx.tr.clone(), rows, message, focus })
}
