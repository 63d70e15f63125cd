//! The list and search pages: the orders list and the Cloud/SaaS Subscriptions page.
//!
//! Each page is one statement whose every part walks an index in the page's own order and
//! stops at the page's end, so a page costs the same at a million lines as at ten
//! thousand (`cargo bench --bench scale`; `tests/api/plans.rs` reads each statement's
//! plan on both databases):
//!
//! * the viewer's company is the first column of the index (orders and lines carry their
//!   partner and distributor), one branch per party, since an order's partner and
//!   distributor are different companies;
//! * pages are ordered by `lower(id)`, the key of the prefix search (ids are unique
//!   case-insensitively), and the keyset cursor is a range bound on it;
//! * a prefix search is a range `>= prefix AND < prefix + U+10FFFF` on that key, so both
//!   databases read it from an index (no LIKE on an expression);
//! * the statement holds only the predicates of the filters in use, each value bound, so
//!   every combination gets the plan of its own index.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Type};

use super::{OrderSummary, Store, SubscriptionRecord, TransactionFilter, TransactionRecord, line_columns};
use crate::domain::closing::{SHORT_PERIOD_OFFERS, closing_cutoffs};
use crate::domain::{Actor, TransactionKind};

/// The filters of the Cloud/SaaS Subscriptions page.
#[derive(Debug, Default)]
pub struct SubscriptionFilter<'a> {
    pub q: Option<&'a str>,
    pub pending: bool,
    /// Only lines still awaiting set-up that close before this time.
    pub closing_before: Option<DateTime<Utc>>,
    /// Keyset cursor: the last subscription id of the previous page.
    pub after: Option<&'a str>,
}

/// A value bound to a statement put together from the filters in use.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

/// A statement's text and its bound values, numbered `$1`, `$2`, … in binding order (the
/// same placeholder may be used more than once).
#[derive(Debug, Default)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Statement {
    /// Binds `arg` and returns its placeholder.
    pub fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Arg::Text(value.into()))
    }

    /// A page's size, written into the text rather than bound. SQLite's planner reads a
    /// bound LIMIT when it prepares a statement, so every run with a fresh binding
    /// prepared the page's statement again (`sqlite3_prepare_v2`: a binding the plan may
    /// depend on expires it): 0.4 M instructions a request on the order page, more on
    /// these statements of several branches. A number in the text keeps the statement
    /// cached; pages have a few fixed sizes, and an `i64` written out is only digits.
    pub fn limit(&self, size: i64) -> String {
        size.to_string()
    }
}

/// Binds every value of `args`, in order.
pub(crate) fn bind_args<'q, DB: Database, O>(
    mut query: sqlx::query::QueryAs<'q, DB, O, <DB as Database>::Arguments>,
    args: &'q [Arg],
) -> sqlx::query::QueryAs<'q, DB, O, <DB as Database>::Arguments>
where
    &'q str: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::Int(v) => query.bind(*v),
            Arg::Time(v) => query.bind(*v),
        };
    }
    query
}

/// Above every id in byte order: the cursor of a descending list's first page.
const AFTER_EVERY_ID: &str = "\u{10FFFF}";

/// The byte-order range `[lo, hi)` of ids that start with `prefix`, case-insensitively.
pub fn prefix_range(prefix: &str) -> (String, String) {
    let lo = prefix.trim().to_lowercase();
    let hi = format!("{lo}{AFTER_EVERY_ID}");
    (lo, hi)
}

/// Whose rows one branch of a list reads: everything (operators), or one party's.
#[derive(Clone, Copy)]
pub(super) enum Party {
    All,
    Partner,
    Distributor,
}

impl Party {
    /// The branches that together are what `viewer` may see.
    pub(super) fn of(viewer: &Actor) -> &'static [Party] {
        if viewer.sees_every_company() { &[Party::All] } else { &[Party::Partner, Party::Distributor] }
    }

    /// The predicate on `alias` (orders or lines: both carry partner_id and distributor_id).
    pub(super) fn predicate(self, alias: &str, company: &str) -> String {
        match self {
            Party::All => "TRUE".into(),
            Party::Partner => format!("{alias}.partner_id = {company}"),
            Party::Distributor => format!("{alias}.distributor_id = {company}"),
        }
    }
}

/// The rows of `branches` without repeats (a line may match a search twice), each branch
/// a subquery of its own: the common syntax of SQLite and PostgreSQL.
pub(super) fn union(branches: &[String]) -> String {
    branches.iter().enumerate().map(|(i, b)| format!("SELECT * FROM ({b}) AS b{i}")).collect::<Vec<_>>().join(" UNION ")
}

/// The columns of an [`OrderSummary`] before its companies are named, and its key `k`.
const ORDER_COLUMNS: &str =
    "o.id, o.customer, o.partner_id, o.distributor_id, o.org_mapped_at, o.line_count, lower(o.id) AS k";

/// The statement of the orders list (see [`Store::orders_for`]).
pub fn orders_statement(viewer: &Actor, q: Option<&str>, before: Option<&str>, limit: i64) -> Statement {
    let mut st = Statement::default();
    let company = st.text(viewer.company_id.clone());
    let before = st.text(before.map(str::to_lowercase).unwrap_or_else(|| AFTER_EVERY_ID.into()));
    let limit = st.limit(limit);
    let range = q.map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        let (lo, hi) = prefix_range(q);
        (st.text(lo), st.text(hi))
    });
    let mut branches = Vec::new();
    for party in Party::of(viewer) {
        let orders = party.predicate("o", &company);
        match &range {
            None => branches.push(format!(
                "SELECT {ORDER_COLUMNS} FROM orders o WHERE {orders} AND lower(o.id) < {before}
                 ORDER BY lower(o.id) DESC LIMIT {limit}"
            )),
            Some((lo, hi)) => {
                branches.push(format!(
                    "SELECT {ORDER_COLUMNS} FROM orders o
                     WHERE {orders} AND lower(o.id) >= {lo} AND lower(o.id) < {hi} AND lower(o.id) < {before}
                     ORDER BY lower(o.id) DESC LIMIT {limit}"
                ));
                // Orders with a line whose subscription id starts with q, read from those
                // lines (as many as match), never by walking the company's orders.
                let lines = party.predicate("l", &company);
                branches.push(format!(
                    "SELECT DISTINCT {ORDER_COLUMNS} FROM lines l JOIN orders o ON o.id = l.order_id
                     WHERE {lines} AND lower(l.subscription_id) >= {lo} AND lower(l.subscription_id) < {hi}
                       AND lower(o.id) < {before}
                     ORDER BY k DESC LIMIT {limit}"
                ));
            }
        }
    }
    st.sql = format!(
        "SELECT page.id, page.customer, p.name AS partner_name, d.name AS distributor_name, page.org_mapped_at,
                CAST(page.line_count AS BIGINT) AS line_count
         FROM ({}) AS page
         JOIN companies p ON p.id = page.partner_id
         LEFT JOIN companies d ON d.id = page.distributor_id
         ORDER BY page.k DESC LIMIT {limit}",
        union(&branches)
    );
    st
}

/// The statement of the Cloud/SaaS Subscriptions page (see [`Store::subscriptions_for`]).
pub fn subscriptions_statement(viewer: &Actor, filter: &SubscriptionFilter<'_>, limit: i64) -> Statement {
    let mut st = Statement::default();
    let company = st.text(viewer.company_id.clone());
    let after = st.text(filter.after.map(str::to_lowercase).unwrap_or_default());
    let limit = st.limit(limit);
    // Literal statuses, so that SQLite sees the partial indexes of closed lines apply.
    let mut state = String::new();
    if filter.pending {
        state += " AND l.status = 'closed'";
    }
    if let Some(at) = filter.closing_before {
        let (short_cutoff, long_cutoff) = closing_cutoffs(at);
        let short = SHORT_PERIOD_OFFERS.map(|offer| st.text(offer)).join(", ");
        let (short_cutoff, long_cutoff) = (st.bind(Arg::Time(short_cutoff)), st.bind(Arg::Time(long_cutoff)));
        // One comparison whose bound depends on the row's offer (a line never emailed has
        // no first email and fails it): the page walks the lines in its own order and keeps
        // the ones closing soon, rather than reading every line sent before a cutoff from
        // the closing job's index and sorting them, which SQLite chose for operators (5 ms
        // at 10,000 lines, 728 ms at 1,000,000).
        state += &format!(
            " AND l.status = 'awaiting'
              AND l.email_sent_at <= CASE WHEN l.offer IN ({short}) THEN {short_cutoff} ELSE {long_cutoff} END"
        );
    }
    let range = filter.q.map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        let (lo, hi) = prefix_range(q);
        (st.text(lo), st.text(hi))
    });
    // The branches find the page's keys (a table or two each, quick to plan); the rows are
    // read for those keys alone. With the rows' four joins in every branch, PostgreSQL
    // spent 2.5–5.5 ms planning each request at 1,000,000 lines (a custom plan per request)
    // against 0.1–1.4 ms executing it.
    let key = "l.subscription_id AS id, lower(l.subscription_id) AS k";
    let mut branches = Vec::new();
    for party in Party::of(viewer) {
        let lines = party.predicate("l", &company);
        let by_subscription = match &range {
            None => String::new(),
            Some((lo, hi)) => format!(" AND lower(l.subscription_id) >= {lo} AND lower(l.subscription_id) < {hi}"),
        };
        branches.push(format!(
            "SELECT {key} FROM lines l
             WHERE {lines}{state}{by_subscription} AND lower(l.subscription_id) > {after}
             ORDER BY lower(l.subscription_id) LIMIT {limit}"
        ));
        if let Some((lo, hi)) = &range {
            // Lines of the orders whose id starts with q: as many as those orders have.
            let orders = party.predicate("o", &company);
            branches.push(format!(
                "SELECT {key} FROM orders o JOIN lines l ON l.order_id = o.id
                 WHERE {orders} AND lower(o.id) >= {lo} AND lower(o.id) < {hi}{state}
                   AND lower(l.subscription_id) > {after}
                 ORDER BY lower(l.subscription_id) LIMIT {limit}"
            ));
        }
    }
    st.sql = format!(
        "SELECT {}, o.customer, o.org_mapped_at, o.partner_id, o.distributor_id, o.created_by,
                u.name AS creator_name, u.email AS creator_email
         FROM (SELECT * FROM ({}) AS keys ORDER BY keys.k LIMIT {limit}) AS page
         JOIN lines l ON l.subscription_id = page.id
         JOIN orders o ON o.id = l.order_id
         JOIN users u ON u.id = o.created_by
         LEFT JOIN outbox e ON e.id = l.last_outbox_id
         ORDER BY page.k",
        line_columns!(),
        union(&branches)
    );
    st
}

/// The statement of the Transaction Manager (see [`Store::transactions_for`]), newest first.
///
/// A line's transaction carries its order's partner and distributor, a permission change
/// its company, each with an index on (it, id): without a search, a company's page is the
/// union of those three walks in id order, each stopping at the page's end. A search by
/// id prefix is read from the two prefix indexes instead (as many rows as match), and the
/// company is then checked on each row, by expressions no index serves, so that the
/// planner cannot prefer walking all of the company's transactions.
pub fn transactions_statement(viewer: &Actor, filter: &TransactionFilter, limit: i64) -> Statement {
    let mut st = Statement::default();
    let company = (!viewer.sees_every_company()).then(|| st.text(viewer.company_id.clone()));
    let mut filters = String::new();
    if let Some(kind) = filter.kind {
        filters += &format!(" AND t.kind = {}", st.text(kind.as_str()));
        // Update transactions, one per changed line, are most of the table and have no
        // entry in transactions_kind (a walk in id order finds them at once); the other
        // kinds say so in the index's own words, so that SQLite sees it applies.
        if kind != TransactionKind::Update {
            filters += " AND t.kind <> 'provisioning_email_update'";
        }
    }
    if let Some(status) = filter.status {
        filters += &format!(" AND t.status = {}", st.text(status.as_str()));
    }
    let searched = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = searched {
        let (lo, hi) = prefix_range(q);
        let (lo, hi) = (st.text(lo), st.text(hi));
        filters += &format!(
            " AND ((lower(t.subscription_id) >= {lo} AND lower(t.subscription_id) < {hi})
                   OR (lower(t.order_id) >= {lo} AND lower(t.order_id) < {hi}))"
        );
    }
    if let Some(from) = filter.from {
        filters += &format!(" AND t.created_at >= {}", st.bind(Arg::Time(from)));
    }
    if let Some(to) = filter.to {
        filters += &format!(" AND t.created_at < {}", st.bind(Arg::Time(to)));
    }
    let before = st.bind(Arg::Int(filter.before_id.unwrap_or(i64::MAX)));
    let limit = st.limit(limit);
    filters += &format!(" AND t.id < {before}");
    let columns = "t.id, t.kind, t.subscription_id, t.order_id, t.old_value, t.new_value, t.actor, t.status,
                   t.detail, t.created_at, t.updated_at, t.subject, t.bulk_batch_id, t.outbox_id";
    let parties: Vec<String> = match (&company, searched) {
        (None, _) => vec!["TRUE".into()],
        (Some(c), Some(_)) => {
            vec![format!("(COALESCE(t.partner_id, t.company_id, '') = {c} OR COALESCE(t.distributor_id, '') = {c})")]
        }
        (Some(c), None) => {
            // And the viewer's own security changes (docs/product.md rule 15), which belong to
            // no company: another index range (transactions_security_user).
            let own = st.bind(Arg::Int(viewer.user_id));
            vec![
                format!("t.partner_id = {c}"),
                format!("t.distributor_id = {c}"),
                format!("t.company_id = {c}"),
                format!("t.kind = 'security_change' AND t.actor_user_id = {own}"),
            ]
        }
    };
    let branches: Vec<String> = parties
        .iter()
        .map(|party| {
            format!("SELECT {columns} FROM transactions t WHERE {party}{filters} ORDER BY t.id DESC LIMIT {limit}")
        })
        .collect();
    st.sql = if branches.len() == 1 {
        branches.into_iter().next().unwrap_or_default()
    } else {
        format!("SELECT * FROM ({}) AS page ORDER BY page.id DESC LIMIT {limit}", union(&branches))
    };
    st
}

impl Store {
    /// The transactions of the lines `viewer` may see, newest first, keyset-paginated.
    pub async fn transactions_for(
        &self,
        viewer: &Actor,
        filter: &TransactionFilter,
        limit: i64,
    ) -> sqlx::Result<Vec<TransactionRecord>> {
        let st = transactions_statement(viewer, filter, limit);
        self.fetch_list(&st).await
    }

    /// The orders `viewer` may see, by order id (case-insensitively, last first), optionally
    /// those whose order id or one of whose subscription ids starts with `q`; those before
    /// the order id `before` (the keyset cursor).
    pub async fn orders_for(
        &self,
        viewer: &Actor,
        q: Option<&str>,
        before: Option<&str>,
        limit: i64,
    ) -> sqlx::Result<Vec<OrderSummary>> {
        let st = orders_statement(viewer, q, before, limit);
        self.fetch_list(&st).await
    }

    /// The lines `viewer` may see on the Cloud/SaaS Subscriptions page, by subscription id
    /// (case-insensitively), after the subscription id `filter.after`: those whose
    /// subscription or order id starts with `q`; only the closed ones (provisioning still
    /// pending) with `pending`; only those that close before `closing_before` with it.
    pub async fn subscriptions_for(
        &self,
        viewer: &Actor,
        filter: &SubscriptionFilter<'_>,
        limit: i64,
    ) -> sqlx::Result<Vec<SubscriptionRecord>> {
        let st = subscriptions_statement(viewer, filter, limit);
        self.fetch_list(&st).await
    }

    /// The rows of a list statement, planned for this request's values.
    ///
    /// On PostgreSQL list statements run on connections with `plan_cache_mode =
    /// force_custom_plan`. A prepared statement otherwise gets a generic plan after five
    /// runs when PostgreSQL estimates it as cheap as the custom ones, and a generic plan
    /// knows neither the company nor the prefix. Measured with `cargo bench --bench scale`
    /// and generic plans forced, a partner's subscriptions walked the whole subscription
    /// index filtering for the company: 240 ms at 1,000,000 lines against 2 ms, because
    /// "distributor = this partner" matches nothing and a generic plan cannot see that. At
    /// 10,000 lines PostgreSQL chose such plans by itself (a distributor's subscriptions
    /// 2.7 ms against 1.8). Planned for its values (0.1–0.7 ms), a page costs the same at
    /// any size and for any company. Other statements keep PostgreSQL's choice: planning
    /// every one of them cost about 0.7 ms a page.
    pub(crate) async fn fetch_list<O>(&self, st: &Statement) -> sqlx::Result<Vec<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
        O: Send + Unpin,
    {
        let sql = || sqlx::AssertSqlSafe(st.sql.as_str());
        match self {
            Store::Sqlite(s) => bind_args(sqlx::query_as(sql()), &st.args).fetch_all(&s.read).await,
            Store::Postgres(p) => bind_args(sqlx::query_as(sql()), &st.args).fetch_all(&p.lists).await,
        }
    }

    /// How PostgreSQL plans the list statements (`plan_cache_mode` on their connections);
    /// `None` on SQLite, which plans each statement once, when it is prepared.
    pub async fn list_plan_cache_mode(&self) -> sqlx::Result<Option<String>> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(p) => sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(&p.lists).await.map(Some),
        }
    }

    /// The query plan of a statement, one line per step (`EXPLAIN QUERY PLAN` on SQLite,
    /// `EXPLAIN` on PostgreSQL), for the tests that hold each page to its indexes. With
    /// `indexes_first`, PostgreSQL plans as if reading a whole table cost more than any
    /// index path (sequential scans, hash and merge joins off): on a small test database
    /// that shows whether indexes can serve the statement, which is what the planner
    /// chooses on a large one.
    pub async fn explain(&self, statement: &Statement, indexes_first: bool) -> sqlx::Result<Vec<String>> {
        match self {
            Store::Sqlite(s) => {
                let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
                let rows: Vec<(i64, i64, i64, String)> =
                    bind_args(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &statement.args).fetch_all(&s.read).await?;
                Ok(rows.into_iter().map(|r| r.3).collect())
            }
            Store::Postgres(p) => {
                let mut tx = p.lists.begin().await?;
                if indexes_first {
                    sqlx::raw_sql(
                        "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off;
                         SET LOCAL enable_mergejoin = off;",
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                let sql = format!("EXPLAIN {}", statement.sql);
                let rows: Vec<(String,)> =
                    bind_args(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &statement.args).fetch_all(&mut *tx).await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
        }
    }
}
