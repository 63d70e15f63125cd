//! The orders list and the order-line page; one line row for the page and for htmx answers.

use super::history::next_poll;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ctx::{Ctx, SignedIn};
use super::errors::{PageError, html};
use super::views::{LineRow, LineStatusFragment, OrderPage, OrderRow, OrdersPage};
use crate::domain::{LineStatus, Refusal};
use crate::store::{EditScope, LineCursor, LinePage, LineRecord, OrderHead, User};

const PAGE_SIZE: i64 = 50;
/// Lines on one page of an order (docs/http.md: at most 200).
pub(super) const LINES_PER_PAGE: i64 = 200;

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
            // Joined, not format!ted: three links on each of a page's rows.
            (Page::Subscriptions, "contact" | "resend") => ["/subscriptions/", subscription_id, "/", what].concat(),
            _ => ["/orders/", order_id, "/lines/", subscription_id, "/", what].concat(),
        }
    }

    /// The page an action goes back to.
    pub fn back(self, order_id: &str, subscription_id: &str) -> String {
        match self {
            Page::Order => format!("/orders/{order_id}"),
            Page::Subscriptions => subscriptions_href(subscription_id),
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
}

impl OrderHead {
    pub(super) fn facts(&self) -> OrderFacts<'_> {
        OrderFacts {
            id: &self.id,
            customer: &self.customer,
            org_mapped_at: self.org_mapped_at,
            creator_name: &self.creator_name,
            creator_email: &self.creator_email,
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

/// Case 1.1 on a page of lines of many orders (the Cloud/SaaS Subscriptions page, Needs
/// attention), said once above the table: the viewer may not change some of them, whom to
/// ask (each line names its order's creator) and the company's admins. None when no row
/// is refused for want of permission.
pub async fn permission_page_note<'a>(
    ctx: &Ctx,
    user: &User,
    mut rows: impl Iterator<Item = &'a LineRow>,
) -> Option<String> {
    if !rows.any(|r| r.permission_blocked) {
        return None;
    }
    let admins = company_admins_text(ctx, user).await;
    Some(with_admins(&ctx.tr, ctx.tr.t("lines-permission-note"), &admins))
}

/// The id of the page's case 1.1 note, which a disabled Edit control points to.
pub const PERMISSION_NOTE_ID: &str = "permission-note";

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

pub async fn list(signed_in: SignedIn, query: web::Query<ListQuery>) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let q = query.q.as_deref().map(str::trim).unwrap_or("");
    let mut orders = ctx
        .state
        .store
        .orders_for(&user.actor(), Some(q).filter(|q| !q.is_empty()), query.after.as_deref(), PAGE_SIZE + 1)
        .await?;
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
    Ok(html(StatusCode::OK, &OrdersPage { layout: ctx.layout(), t: ctx.tr.clone(), q: q.to_string(), orders, next }))
}

/// The order's head, if this user may see it; otherwise it does not exist for them.
pub(super) async fn visible_order(ctx: &Ctx, user: &User, order_id: &str) -> Result<OrderHead, PageError> {
    let order = ctx.state.store.order_head(order_id).await?.ok_or(PageError::NotFound)?;
    if user.actor().may_see(&order.parties()) { Ok(order) } else { Err(PageError::NotFound) }
}

/// One line of an order this user may see, with the order's head.
pub(super) async fn visible_line(
    ctx: &Ctx,
    user: &User,
    order_id: &str,
    subscription_id: &str,
) -> Result<(OrderHead, LineRecord), PageError> {
    let order = visible_order(ctx, user, order_id).await?;
    let line = ctx.state.store.order_line(&order.id, subscription_id).await?.ok_or(PageError::NotFound)?;
    Ok((order, line))
}

pub(super) fn subscriptions_href(subscription_id: &str) -> String {
    format!("/subscriptions?{}", serde_urlencoded::to_string([("q", subscription_id)]).unwrap_or_default())
}

/// Sentences that many rows of one page share, formatted once for the page: when a line
/// closes (the same for the lines of one offer emailed together) and what its last email
/// came to (the same for the lines of one email). Formatting them on every row through
/// Fluent and the date writer was 13 % of the order page's instructions, for a hundred rows
/// that say a few different things (docs/performance.md, "The order page's rows").
#[derive(Default)]
pub struct RowTexts {
    closing: Vec<((LineStatus, DateTime<Utc>), String)>,
    email: Vec<(EmailFacts, Option<String>)>,
}

/// How many different sentences of each kind a page keeps; a page of more varied rows
/// formats the rest as before.
const REMEMBERED: usize = 16;

/// What a line's email note depends on, and nothing else (`email_note`).
#[derive(PartialEq)]
struct EmailFacts {
    status: Option<String>,
    recipient: String,
    accepted_at: Option<DateTime<Utc>>,
    error: Option<String>,
    not_yet: Option<chrono::NaiveDate>,
}

impl EmailFacts {
    fn of(line: &LineRecord) -> Self {
        EmailFacts {
            status: line.email_status.clone(),
            recipient: line.email_recipient.clone().unwrap_or_else(|| line.contact.clone()),
            accepted_at: line.email_accepted_at,
            error: line.email_error.clone(),
            not_yet: Self::not_yet(line),
        }
    }

    /// The RSD, while the first email is still to go out on it.
    fn not_yet(line: &LineRecord) -> Option<chrono::NaiveDate> {
        (line.email_sent_at.is_none() && line.status() == LineStatus::Awaiting).then_some(line.rsd)
    }

    /// The same as `EmailFacts::of(line)`, without copying the line's text.
    fn describe(&self, line: &LineRecord) -> bool {
        self.status == line.email_status
            && self.recipient == line.email_recipient.as_deref().unwrap_or(&line.contact)
            && self.accepted_at == line.email_accepted_at
            && self.error == line.email_error
            && self.not_yet == Self::not_yet(line)
    }
}

/// `list`'s entry for `key`, or `make`'s value, kept for the next row if there is room.
fn remembered<K, V: Clone>(
    list: &mut Vec<(K, V)>,
    found: impl Fn(&K) -> bool,
    key: impl FnOnce() -> K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some((_, value)) = list.iter().find(|(k, _)| found(k)) {
        return value.clone();
    }
    let value = make();
    if list.len() < REMEMBERED {
        list.push((key(), value.clone()));
    }
    value
}

impl RowTexts {
    fn closing_note(&mut self, tr: &crate::i18n::Tr, line: &LineRecord) -> Option<String> {
        let key = (line.status(), line.closes_at()?);
        Some(remembered(&mut self.closing, |k| *k == key, || key, || closing_note(tr, line).unwrap_or_default()))
    }

    fn email_note(&mut self, tr: &crate::i18n::Tr, line: &LineRecord) -> Option<String> {
        remembered(&mut self.email, |k| k.describe(line), || EmailFacts::of(line), || email_note(tr, line))
    }
}

/// One line's row. `texts` carries what the page's rows share (`RowTexts`): one for the
/// whole page.
pub fn line_row(
    ctx: &Ctx,
    page: Page,
    order: &OrderFacts<'_>,
    line: &LineRecord,
    may_edit: bool,
    texts: &mut RowTexts,
) -> LineRow {
    let tr = &ctx.tr;
    let state = page.scope().refusal(line.status(), order.org_mapped_at);
    // Case 1.1 is explained once per page (issue 25), not on every row: the order page's
    // note names the creator and the admins, so its rows say nothing more; a page of many
    // orders names each row's creator, its note the admins.
    let permission_blocked = state.is_none() && !may_edit;
    let blocked = match (&state, may_edit) {
        (Some(Refusal::Ponr), _) => Some(tr.t("edit-blocked-ponr")),
        (Some(Refusal::ClosedOnOrderPage), _) => Some(tr.t("edit-blocked-closed")),
        (Some(Refusal::Complete), _) => Some(tr.t("edit-blocked-complete")),
        (_, false) if page == Page::Order => None,
        (_, false) => {
            Some(tr.ta("edit-blocked-permission", [("name", order.creator_name), ("email", order.creator_email)]))
        }
        _ => None,
    };
    let can_edit = blocked.is_none() && !permission_blocked;
    let blocked_note =
        if blocked.is_none() { PERMISSION_NOTE_ID.to_string() } else { format!("blocked-{}", line.subscription_id) };
    let resend_state = page.scope().resend_refusal(line.status(), order.org_mapped_at, line.email_sent_at, line.rsd);
    let rsd = iso_date(line.rsd);
    LineRow {
        subscription_id: line.subscription_id.clone(),
        order_id: order.id.to_string(),
        customer: order.customer.to_string(),
        subs_page: page == Page::Subscriptions,
        pending: line.status() == LineStatus::Closed,
        closing_note: texts.closing_note(tr, line),
        offer: line.offer.clone(),
        rsd: rsd.clone(),
        status: line.status().as_str(),
        status_label: tr.t(line.status().message_key()),
        contact: line.contact.clone(),
        edit_href: page.href(order.id, &line.subscription_id, "contact"),
        history_href: page.href(order.id, &line.subscription_id, "history"),
        can_edit,
        blocked,
        blocked_note,
        permission_blocked,
        subscriptions_href: (state == Some(Refusal::ClosedOnOrderPage))
            .then(|| subscriptions_href(&line.subscription_id)),
        resend_href: page.href(order.id, &line.subscription_id, "resend"),
        can_resend: can_edit && resend_state.is_none(),
        resend_blocked: (can_edit && matches!(resend_state, Some(Refusal::NotYetSent { .. })))
            .then(|| tr.ta("resend-blocked-not-yet", [("date", rsd.as_str())])),
        // Before the first email the Resend control already says when it goes out: once a
        // row, not twice.
        email_note: texts
            .email_note(tr, line)
            .filter(|_| !(can_edit && matches!(resend_state, Some(Refusal::NotYetSent { .. })))),
        email_failed: matches!(line.email_status.as_deref(), Some("failed" | "bounced")),
        email_state: line.email_state(),
        status_href: line.email_pending().then(|| status_href(page, order.id, &line.subscription_id, FIRST_POLL)),
        poll_seconds: FIRST_POLL,
    }
}

/// A date as `YYYY-MM-DD`, written out by hand: chrono's `format` reads its pattern each
/// time, and every row shows its RSD.
pub(super) fn iso_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    use std::fmt::Write;
    let mut text = String::with_capacity(10);
    let _ = write!(text, "{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
    text
}

/// A row whose email is pending asks for its status after this many seconds, then twice
/// as long each time up to [`LAST_POLL`]; a row in a final state asks no more.
pub(super) const FIRST_POLL: u64 = 1;
pub(super) const LAST_POLL: u64 = 30;

fn status_href(page: Page, order_id: &str, subscription_id: &str, wait: u64) -> String {
    let from = match page {
        Page::Order => "order",
        Page::Subscriptions => "subscriptions",
    };
    format!(
        "{}?{}",
        Page::Order.href(order_id, subscription_id, "status"),
        serde_urlencoded::to_string([("from", from), ("wait", &wait.to_string())]).unwrap_or_default()
    )
}

#[derive(Deserialize)]
pub struct StatusQuery {
    from: Option<String>,
    wait: Option<u64>,
}

/// GET /orders/{order_id}/lines/{subscription_id}/status: the line's row again, for the
/// page's automatic poll (sent with X-Provisio-Poll, so it does not refresh the session).
/// Same visibility as the line (404). While the email is pending the row polls again,
/// later each time; once final it polls no more and its state is announced politely.
pub async fn line_status(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let (order_id, subscription_id) = path.into_inner();
    let (order, line) = visible_line(&ctx, &user, &order_id, &subscription_id).await?;
    let page = if query.from.as_deref() == Some("subscriptions") { Page::Subscriptions } else { Page::Order };
    let may_edit = user.actor().edit_grant(&order.parties()).is_some();
    let mut row = line_row(&ctx, page, &order.facts(), &line, may_edit, &mut RowTexts::default());
    let wait = next_poll(query.wait);
    if row.status_href.is_some() {
        row.status_href = Some(status_href(page, &order.id, &line.subscription_id, wait));
        row.poll_seconds = wait;
    }
    let announce = (!line.email_pending()).then(|| row.email_note.clone()).flatten();
    Ok(html(StatusCode::OK, &LineStatusFragment { t: ctx.tr.clone(), row, announce }))
}

#[derive(Debug, PartialEq, Eq)]
enum TimeLeft {
    Hours(i64),
    Days(i64),
}

/// How long until a line closes, as a person says it: hours (rounded up) under two days,
/// else days to the nearest (6 days and 23 hours is "7 days", not "6").
fn time_left(left: chrono::Duration) -> TimeLeft {
    let hours = (left.num_minutes().max(0) + 59) / 60;
    if hours < 48 { TimeLeft::Hours(hours) } else { TimeLeft::Days((hours + 12) / 24) }
}

/// When an open line closes and billing starts, or when a closed one did.
fn closing_note(tr: &crate::i18n::Tr, line: &LineRecord) -> Option<String> {
    match (line.status(), line.closes_at()) {
        (LineStatus::Awaiting, Some(deadline)) => {
            let when = tr.when(&deadline);
            let text = match time_left(deadline - Utc::now()) {
                TimeLeft::Hours(hours) => tr.tcount("closes-in-hours", ("hours", hours), &[("when", when.as_str())]),
                TimeLeft::Days(days) => tr.tcount("closes-in-days", ("days", days), &[("when", when.as_str())]),
            };
            Some(text)
        }
        (LineStatus::Closed, Some(at)) => Some(tr.ta("closed-at", [("when", tr.when(&at).as_str())])),
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
            let reason = crate::mail::failure_in_words(tr, line.email_error.as_deref());
            Some(tr.ta("email-state-failed", [("email", recipient), ("reason", reason.as_str())]))
        }
        // Rule 14: after the mail server accepted it, the customer's server returned it or
        // is still trying; the reason in plain words with its code.
        Some(state @ ("bounced" | "delayed")) => {
            use crate::domain::bounce::BounceOutcome;
            let (outcome, key) = match state {
                "bounced" => (BounceOutcome::Bounced, "email-state-bounced"),
                _ => (BounceOutcome::Delayed, "email-state-delayed"),
            };
            let reason = crate::mail::bounce::reason_in_words(tr, outcome, line.email_error.as_deref());
            Some(tr.ta(key, [("email", recipient), ("reason", reason.as_str())]))
        }
        _ if line.email_sent_at.is_none() && line.status() == crate::domain::LineStatus::Awaiting => {
            Some(tr.ta("email-state-not-yet", [("date", iso_date(line.rsd).as_str())]))
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
pub async fn show(
    signed_in: SignedIn,
    path: web::Path<String>,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, PageError> {
    let SignedIn { ctx, user } = signed_in;
    let store = &ctx.state.store;
    let q = query.q.as_deref().map(str::trim).unwrap_or("").to_string();
    // A cursor that does not parse starts from the top: it came from no page of ours.
    let after = query.after.as_deref().and_then(LineCursor::parse);
    let page = LinePage { q: Some(q.as_str()).filter(|q| !q.is_empty()), after, limit: LINES_PER_PAGE + 1 };
    let (head, counts, mut lines) = match store.order_page(&path, &user.actor(), &page).await? {
        Some((head, counts, lines)) if user.actor().may_see(&head.parties()) => (head, counts, lines),
        _ => return Err(PageError::NotFound),
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
    let facts = head.facts();
    let mut texts = RowTexts::default();
    let rows = lines.iter().map(|l| line_row(&ctx, Page::Order, &facts, l, may_edit, &mut texts)).collect();
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
    Ok(html(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::{Page, TimeLeft, iso_date, time_left};
    use chrono::{Duration, NaiveDate};

    #[test]
    fn dates_and_links_are_written_as_chrono_and_format_would() {
        for (y, m, d) in [(2026, 12, 5), (2027, 1, 31), (999, 2, 3)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
        assert_eq!(Page::Order.href("WO-1", "Sub-1", "resend"), "/orders/WO-1/lines/Sub-1/resend");
        assert_eq!(Page::Subscriptions.href("WO-1", "Sub-1", "contact"), "/subscriptions/Sub-1/contact");
        assert_eq!(Page::Subscriptions.href("WO-1", "Sub-1", "history"), "/orders/WO-1/lines/Sub-1/history");
    }

    #[test]
    fn time_left_reads_as_a_person_says_it() {
        assert_eq!(time_left(Duration::hours(6 * 24 + 23)), TimeLeft::Days(7));
        assert_eq!(time_left(Duration::minutes(6 * 24 * 60 + 30)), TimeLeft::Days(6));
        assert_eq!(time_left(Duration::hours(48)), TimeLeft::Days(2));
        assert_eq!(time_left(Duration::minutes(47 * 60 + 1)), TimeLeft::Days(2));
        assert_eq!(time_left(Duration::minutes(90)), TimeLeft::Hours(2));
        assert_eq!(time_left(Duration::minutes(-5)), TimeLeft::Hours(0));
    }
}
