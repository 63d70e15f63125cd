//! Needs attention (docs/product.md, "A partner's day"): the lines of what a user may see
//! that need someone now, one row per line and reason, and the count of each reason.
//!
//! Built like the other list pages (`lists.rs`): one statement put together from the
//! filters in use, one branch per reason and party, each reading one index from the
//! viewer's company on and stopping at the page's end. The page is ordered by reason, then
//! by subscription id (case-insensitively); the keyset cursor is (reason, id).
//!
//! * closing soon: awaiting lines (partial indexes `lines_*_awaiting`, which also hold the
//!   first email's time and the offer, so the closing test is read from the index);
//! * bounced, failed, delayed: read from the outbox's messages in that state (`outbox_due`
//!   starts with the status), the lines each lists (`outbox_lines`' primary key) and those
//!   lines whose last email it still is, so they cost what the undelivered messages list,
//!   never a walk over the lines (no index on `last_outbox_id`: an edit changes it on every
//!   line, and an index on it made every such update rewrite all the indexes of lines);
//! * pending: closed lines (`lines_*_closed`);
//! * case answered: cases the operators moved or answered lately (`cases_*_updated`).
//!
//! The counts come from the same predicates without the page's limit: a count over each
//! index range (for an operator without a company filter, the whole range is everything).

use chrono::{DateTime, Utc};

use super::lists::{Arg, Party, Statement, union};
use super::{Store, SubscriptionRecord, line_columns, read};
use crate::domain::attention::{CASE_ANSWER_FRESH, closing_soon_cutoffs};
use crate::domain::closing::SHORT_PERIOD_OFFERS;
use crate::domain::{Actor, AttentionCursor, AttentionKind};

/// The filters of the Needs attention page.
#[derive(Debug, Clone)]
pub struct AttentionFilter<'a> {
    /// Operators: one company's lines, as partner and as distributor (None: every
    /// company's). Ignored for everyone else, who sees their own company's.
    pub company: Option<&'a str>,
    pub kind: Option<AttentionKind>,
    pub after: Option<AttentionCursor>,
    pub now: DateTime<Utc>,
}

/// One row of the page: a line and why it is there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttentionRecord {
    pub kind: String,
    #[sqlx(flatten)]
    pub subscription: SubscriptionRecord,
}

impl AttentionRecord {
    pub fn kind(&self) -> AttentionKind {
        AttentionKind::parse(&self.kind).unwrap_or(AttentionKind::Pending)
    }
}

/// The company whose lines a viewer's page reads, with its branches.
fn parties<'a>(viewer: &'a Actor, filter: &AttentionFilter<'a>) -> (Option<&'a str>, &'static [Party]) {
    match (viewer.sees_every_company(), filter.company) {
        (true, None) => (None, Party::of(viewer)),
        (true, Some(company)) => (Some(company), &[Party::Partner, Party::Distributor]),
        (false, _) => (Some(viewer.company_id.as_str()), Party::of(viewer)),
    }
}

/// `FROM … WHERE …` of one reason and party: rows carry the line's subscription id as
/// `sub`. Statuses are literal, so that SQLite sees which partial index applies.
fn source(kind: AttentionKind, party: Party, company: &str, st: &mut Statement, now: DateTime<Utc>) -> String {
    match kind {
        AttentionKind::ClosingSoon => {
            let (short_cutoff, long_cutoff) = closing_soon_cutoffs(now);
            let short = SHORT_PERIOD_OFFERS.map(|offer| st.text(offer)).join(", ");
            let (short_cutoff, long_cutoff) = (st.bind(Arg::Time(short_cutoff)), st.bind(Arg::Time(long_cutoff)));
            format!(
                "FROM lines l WHERE {} AND l.status = 'awaiting'
                   AND l.email_sent_at <= CASE WHEN l.offer IN ({short}) THEN {short_cutoff} ELSE {long_cutoff} END",
                party.predicate("l", company)
            )
        }
        AttentionKind::Bounced | AttentionKind::Failed | AttentionKind::Delayed => {
            let status = kind.email_status().unwrap_or("failed");
            format!(
                "FROM outbox e JOIN outbox_lines ol ON ol.outbox_id = e.id
                 JOIN lines l ON l.subscription_id = ol.subscription_id
                 WHERE e.status = '{status}' AND l.last_outbox_id = e.id AND {} AND l.status <> 'complete'",
                party.predicate("l", company)
            )
        }
        AttentionKind::Pending => {
            format!("FROM lines l WHERE {} AND l.status = 'closed'", party.predicate("l", company))
        }
        AttentionKind::CaseAnswered => {
            let since = st.bind(Arg::Time(now - CASE_ANSWER_FRESH));
            format!(
                "FROM cases c WHERE {} AND c.updated_at >= {since} AND (c.status <> 'open' OR c.note <> '')",
                party.predicate("c", company)
            )
        }
    }
}

/// The column holding the line's subscription id in [`source`]'s rows.
fn subscription_column(kind: AttentionKind) -> &'static str {
    if kind == AttentionKind::CaseAnswered { "c.subscription_id" } else { "l.subscription_id" }
}

fn kinds(filter: &AttentionFilter<'_>) -> Vec<AttentionKind> {
    AttentionKind::ALL.into_iter().filter(|k| filter.kind.is_none_or(|only| only == *k)).collect()
}

/// The statement of one page (see [`Store::attention_for`]).
pub fn attention_statement(viewer: &Actor, filter: &AttentionFilter<'_>, limit: i64) -> Statement {
    let mut st = Statement::default();
    let (company, branches_of) = parties(viewer, filter);
    let company = st.text(company.unwrap_or_default());
    let limit = st.limit(limit);
    let first = st.text("");
    let mut branches = Vec::new();
    for kind in kinds(filter) {
        // Reasons before the cursor's are done; the cursor's own starts after its key.
        let after = match &filter.after {
            Some(cursor) if cursor.kind.rank() > kind.rank() => continue,
            Some(cursor) if cursor.kind == kind => st.text(cursor.key.clone()),
            _ => first.clone(),
        };
        let sub = subscription_column(kind);
        let distinct = if kind == AttentionKind::CaseAnswered { "DISTINCT " } else { "" };
        for party in branches_of {
            let from = source(kind, *party, &company, &mut st, filter.now);
            branches.push(format!(
                "SELECT {distinct}'{}' AS kind, {} AS kind_rank, {sub} AS id, lower({sub}) AS k
                 {from} AND lower({sub}) > {after}
                 ORDER BY k LIMIT {limit}",
                kind.as_str(),
                kind.rank()
            ));
        }
    }
    if branches.is_empty() {
        // Past the last reason: an empty page.
        branches.push(format!(
            "SELECT 'pending' AS kind, 0 AS kind_rank, l.subscription_id AS id, lower(l.subscription_id) AS k
             FROM lines l WHERE lower(l.subscription_id) = {first} AND 1 = 0"
        ));
    }
    st.sql = format!(
        "SELECT page.kind, {}, o.customer, o.org_mapped_at, o.partner_id, o.distributor_id, o.created_by,
                u.name AS creator_name, u.email AS creator_email
         FROM (SELECT * FROM ({}) AS keys ORDER BY keys.kind_rank, keys.k LIMIT {limit}) AS page
         JOIN lines l ON l.subscription_id = page.id
         JOIN orders o ON o.id = l.order_id
         JOIN users u ON u.id = o.created_by
         LEFT JOIN outbox e ON e.id = l.last_outbox_id
         ORDER BY page.kind_rank, page.k",
        line_columns!(),
        union(&branches)
    );
    st
}

/// The statement of the counts by reason (see [`Store::attention_counts`]): the same
/// sources as the page, without the kind filter, the cursor or the limit.
pub fn attention_counts_statement(viewer: &Actor, filter: &AttentionFilter<'_>) -> Statement {
    let mut st = Statement::default();
    let (company, branches_of) = parties(viewer, filter);
    let company = st.text(company.unwrap_or_default());
    let mut branches = Vec::new();
    for kind in AttentionKind::ALL {
        // Lines, not cases: a line with two answered cases counts once. Every other count
        // reads no column, so an index that holds the predicate's columns answers it alone.
        let counted =
            if kind == AttentionKind::CaseAnswered { "COUNT(DISTINCT c.subscription_id)" } else { "COUNT(*)" };
        for party in branches_of {
            let from = source(kind, *party, &company, &mut st, filter.now);
            branches.push(format!("SELECT '{}' AS kind, {counted} AS n {from}", kind.as_str()));
        }
    }
    st.sql = format!(
        "SELECT a.kind, CAST(SUM(a.n) AS BIGINT) AS n FROM ({}) AS a GROUP BY a.kind",
        branches.join(" UNION ALL ")
    );
    st
}

impl Store {
    /// One page of the lines `viewer` may see that need someone (docs/product.md, "A
    /// partner's day"), by reason and then subscription id, after `filter.after`.
    pub async fn attention_for(
        &self,
        viewer: &Actor,
        filter: &AttentionFilter<'_>,
        limit: i64,
    ) -> sqlx::Result<Vec<AttentionRecord>> {
        let st = attention_statement(viewer, filter, limit);
        self.fetch_list(&st).await
    }

    /// How many lines `viewer` may see need someone, for each reason (every reason
    /// present, zero where none).
    pub async fn attention_counts(
        &self,
        viewer: &Actor,
        filter: &AttentionFilter<'_>,
    ) -> sqlx::Result<Vec<(AttentionKind, i64)>> {
        let st = attention_counts_statement(viewer, filter);
        let rows: Vec<(String, i64)> = self.fetch_list(&st).await?;
        Ok(AttentionKind::ALL
            .into_iter()
            .map(|kind| (kind, rows.iter().find(|(k, _)| k == kind.as_str()).map(|(_, n)| *n).unwrap_or(0)))
            .collect())
    }
}

impl Store {
    /// Every company (id, name), by name: the operators' company filter.
    pub async fn company_names(&self, _grant: &crate::domain::OperatorGrant) -> sqlx::Result<Vec<(String, String)>> {
        read!(self, |pool, pg| {
            sqlx::query_as("SELECT id, name FROM companies ORDER BY name, id").fetch_all(pool).await
        })
    }
}
