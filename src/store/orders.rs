//! Orders and their lines: the order page's head, counts and pages of lines, the closing
//! policy's update, and the admin console's events (PONR, set-up complete).

use chrono::{DateTime, Utc};

use super::{
    EditScope, LineCounts, LineRecord, LinesJson, OrderHead, Store, line_columns, line_json, lines_from_json,
    prefix_range, read, retrying, sql, write_tx,
};
use crate::domain::{Actor, LineStatus};

/// Where a page of an order's lines starts: after the last line of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCursor {
    pub position: i64,
    pub subscription_id: String,
}

impl LineCursor {
    /// The cursor after `line`.
    pub fn after(line: &LineRecord) -> Self {
        Self { position: line.position, subscription_id: line.subscription_id.clone() }
    }

    /// The cursor as the `after` query parameter: opaque to the user, read back by [`Self::parse`].
    pub fn encode(&self) -> String {
        format!("{}.{}", self.position, self.subscription_id)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (position, subscription_id) = text.split_once('.')?;
        Some(Self { position: position.parse().ok()?, subscription_id: subscription_id.to_string() })
    }
}

/// Which of an order's lines one page shows.
#[derive(Debug, Clone)]
pub struct LinePage<'a> {
    /// Only lines whose subscription id starts with this, case-insensitively.
    pub q: Option<&'a str>,
    pub after: Option<LineCursor>,
    pub limit: i64,
}

/// A [`LinePage`] as the lines statements bind it: the cursor, and the id prefix's range.
struct PageBounds<'a> {
    after_position: Option<i64>,
    after_id: Option<&'a str>,
    lo: Option<String>,
    hi: Option<String>,
}

impl LinePage<'_> {
    fn bounds(&self) -> PageBounds<'_> {
        let (lo, hi) = match self.q.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let (lo, hi) = prefix_range(q);
                (Some(lo), Some(hi))
            }
            None => (None, None),
        };
        let (after_position, after_id) = match &self.after {
            Some(cursor) => (Some(cursor.position), Some(cursor.subscription_id.as_str())),
            None => (None, None),
        };
        PageBounds { after_position, after_id, lo, hi }
    }
}

/// What an admin-console event or command did: done now, done before, or no such thing.
#[derive(Debug, PartialEq, Eq)]
pub enum OnboardOutcome {
    Onboarded,
    AlreadyOnboarded,
    NotFound,
}

/// An order's head with its lines counted by status (`CountedHead`), the order's id `$1`;
/// `$extra` adds columns. The counts come from the index on (order_id, status) alone,
/// never from a count over the table.
macro_rules! counted_head_sql {
    ($extra:expr) => {
        concat!(
            "SELECT o.id, o.customer, o.partner_id, p.name AS partner_name, o.distributor_id,
                    d.name AS distributor_name, o.created_by, u.name AS creator_name,
                    u.email AS creator_email, COALESCE(o.language, p.language) AS language,
                    o.org_mapped_at, c.awaiting, c.closed, c.complete",
            $extra,
            " FROM orders o
             JOIN companies p ON p.id = o.partner_id
             LEFT JOIN companies d ON d.id = o.distributor_id
             JOIN users u ON u.id = o.created_by
             CROSS JOIN (SELECT COUNT(*) FILTER (WHERE status = 'awaiting') AS awaiting,
                                COUNT(*) FILTER (WHERE status = 'closed') AS closed,
                                COUNT(*) FILTER (WHERE status = 'complete') AS complete
                         FROM lines WHERE order_id = $1) c
             WHERE o.id = $1"
        )
    };
}

/// SQLite: one page of an order's lines as one JSON value (`line_json!`): the order `$1`,
/// after the cursor (`$2`, `$3`), the id prefix range (`$4`, `$5`), at most `$6` lines.
/// `LIMIT +$6`: a bare bound LIMIT is read by SQLite's planner when it prepares the
/// statement, so each run with a fresh binding prepared it again (6 % of the order page's
/// instructions); an expression of it is not (see `Statement::limit`).
macro_rules! sqlite_lines_page_sql {
    () => {
        concat!(
            "SELECT ",
            line_json!(),
            " FROM (SELECT ",
            line_columns!(),
            " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
              WHERE l.order_id = $1
                AND ($2 IS NULL OR (l.position, l.subscription_id) > ($2, $3))
                AND ($4 IS NULL OR (lower(l.subscription_id) >= $4 AND lower(l.subscription_id) < $5))
              ORDER BY l.position, l.subscription_id LIMIT +$6)"
        )
    };
}

/// PostgreSQL: one page of an order's lines (`line_columns!`), the order named by `$order`
/// (a condition on `l.order_id`), after the cursor (`$2`, `$3`), in the id prefix range
/// (`$4`, `$5`), at most `$6` lines; for `order_lines` and, beside its head, `order_page`.
macro_rules! pg_lines_page_sql {
    ($order:literal) => {
        concat!(
            "SELECT ",
            line_columns!(),
            " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
              WHERE ",
            $order,
            " AND ($2::bigint IS NULL OR (l.position, l.subscription_id) > ($2, $3))
                AND ($4::text IS NULL OR (lower(l.subscription_id) >= $4 AND lower(l.subscription_id) < $5))
              ORDER BY l.position, l.subscription_id LIMIT $6"
        )
    };
}

#[derive(sqlx::FromRow)]
struct CountedHead {
    #[sqlx(flatten)]
    head: OrderHead,
    awaiting: i64,
    closed: i64,
    complete: i64,
}

/// SQLite: a [`CountedHead`] with a page of its lines as JSON, where the viewer may see it.
#[derive(sqlx::FromRow)]
struct CountedHeadLines {
    #[sqlx(flatten)]
    counted: CountedHead,
    lines: Option<String>,
}

impl Store {
    /// The head of an order, whoever asks: callers check visibility with
    /// [`OrderHead::parties`] and answer 404 when it fails.
    pub async fn order_head(&self, order_id: &str) -> sqlx::Result<Option<OrderHead>> {
        read!(self, |pool, pg| {
            sqlx::query_as(
                "SELECT o.id, o.customer, o.partner_id, p.name AS partner_name, o.distributor_id,
                        d.name AS distributor_name, o.created_by, u.name AS creator_name,
                        u.email AS creator_email, COALESCE(o.language, p.language) AS language,
                        o.org_mapped_at
                 FROM orders o
                 JOIN companies p ON p.id = o.partner_id
                 LEFT JOIN companies d ON d.id = o.distributor_id
                 JOIN users u ON u.id = o.created_by
                 WHERE o.id = $1",
            )
            .bind(order_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// How many lines of each of these orders are in each status (a page of the orders
    /// list): one aggregate over those orders' own lines; the ids travel as one JSON array.
    pub async fn line_counts_of(
        &self,
        order_ids: &[String],
    ) -> sqlx::Result<std::collections::HashMap<String, LineCounts>> {
        let ids = serde_json::to_string(order_ids).unwrap_or_else(|_| "[]".into());
        let rows: Vec<(String, LineStatus, i64)> = read!(self, |pool, pg| {
            sqlx::query_as(sql(
                pg,
                "SELECT order_id, status, COUNT(*) FROM lines
                 WHERE order_id IN (SELECT jsonb_array_elements_text($1::jsonb)) GROUP BY order_id, status",
                "SELECT order_id, status, COUNT(*) FROM lines
                 WHERE order_id IN (SELECT value FROM json_each($1)) GROUP BY order_id, status",
            ))
            .bind(&ids)
            .fetch_all(pool)
            .await?
        });
        let mut counts: std::collections::HashMap<String, LineCounts> = std::collections::HashMap::new();
        for (order_id, status, n) in rows {
            let c = counts.entry(order_id).or_default();
            match status {
                LineStatus::Awaiting => c.awaiting = n,
                LineStatus::Closed => c.closed = n,
                LineStatus::Complete => c.complete = n,
            }
        }
        Ok(counts)
    }

    /// How many lines of an order an edit from `scope` may change: "Apply to all lines"
    /// covers them all.
    pub async fn editable_line_count(&self, order_id: &str, scope: EditScope) -> sqlx::Result<i64> {
        let (status_a, status_b) = scope.editable_statuses();
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT COUNT(*) FROM lines WHERE order_id = $1 AND status IN ($2, $3)")
                .bind(order_id)
                .bind(status_a)
                .bind(status_b)
                .fetch_one(pool)
                .await
        })
    }

    /// One line of an order, or None when the order has no such line.
    pub async fn order_line(&self, order_id: &str, subscription_id: &str) -> sqlx::Result<Option<LineRecord>> {
        read!(self, |pool, pg| {
            sqlx::query_as(concat!(
                "SELECT ",
                line_columns!(),
                " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                  WHERE l.subscription_id = $1 AND l.order_id = $2"
            ))
            .bind(subscription_id)
            .bind(order_id)
            .fetch_optional(pool)
            .await
        })
    }

    /// An order's page for `viewer`: its head with its lines counted by status, and one page
    /// of its lines. The head comes whoever asks (callers check `may_see` and answer 404);
    /// the lines only when `viewer` may see the order, so a hidden order costs what a
    /// missing one does.
    ///
    /// On SQLite this is one statement (the head, the counts and the lines' JSON): every
    /// statement is a hand-off to sqlx's worker thread and back, and the kernel's side of
    /// those hand-offs was 40 % of the order page's CPU under load (perf; the bare
    /// one-query page of `cargo bench --bench pages` makes one). Its test of visibility is
    /// rule 2's SQL form (`Actor::sees_every_company`); should it ever disagree with
    /// `may_see`, the lines are read on their own, so it can save work but never hide a
    /// line. PostgreSQL, one statement too: each statement is a round trip to a server
    /// that shares the machine's cores.
    pub async fn order_page(
        &self,
        order_id: &str,
        viewer: &Actor,
        page: &LinePage<'_>,
    ) -> sqlx::Result<Option<(OrderHead, LineCounts, Vec<LineRecord>)>> {
        let PageBounds { after_position, after_id, lo, hi } = page.bounds();
        if let Store::Postgres(p) = self {
            // The head beside each line of the page (LEFT JOIN LATERAL: one row with no line
            // for an order without one, or a viewer who may not see it).
            const PG_SQL: &str = concat!(
                "SELECT h.*, page.* FROM (",
                counted_head_sql!(", ($7 OR o.partner_id = $8 OR o.distributor_id = $8) AS visible"),
                ") h LEFT JOIN LATERAL (",
                pg_lines_page_sql!("h.visible AND l.order_id = h.id"),
                ") page ON TRUE ORDER BY page.position, page.subscription_id"
            );
            use sqlx::{FromRow, Row};
            let rows = sqlx::query(PG_SQL)
                .bind(order_id)
                .bind(after_position)
                .bind(after_id)
                .bind(lo.as_deref())
                .bind(hi.as_deref())
                .bind(page.limit)
                .bind(viewer.sees_every_company())
                .bind(&viewer.company_id)
                .fetch_all(&p.pool)
                .await?;
            let Some(first) = rows.first() else { return Ok(None) };
            let CountedHead { head, awaiting, closed, complete } = CountedHead::from_row(first)?;
            // NULL when the order has no distributor and the viewer none of its parties.
            let visible = first.try_get::<Option<bool>, _>("visible")?.unwrap_or(false);
            let mut lines = Vec::with_capacity(rows.len());
            for row in &rows {
                if row.try_get::<Option<String>, _>("subscription_id")?.is_some() {
                    lines.push(LineRecord::from_row(row)?);
                }
            }
            if !visible && viewer.may_see(&head.parties()) {
                lines = self.order_lines(&head.id, page).await?;
            }
            return Ok(Some((head, LineCounts { awaiting, closed, complete }, lines)));
        }
        const SQL: &str = counted_head_sql!(concat!(
            ", CASE WHEN $7 OR o.partner_id = $8 OR o.distributor_id = $8 THEN (",
            sqlite_lines_page_sql!(),
            ") END AS lines"
        ));
        let row: Option<CountedHeadLines> = read!(self, |pool, pg| {
            sqlx::query_as(SQL)
                .bind(order_id)
                .bind(after_position)
                .bind(after_id)
                .bind(lo)
                .bind(hi)
                .bind(page.limit)
                .bind(viewer.sees_every_company())
                .bind(&viewer.company_id)
                .fetch_optional(pool)
                .await?
        });
        let Some(CountedHeadLines { counted: CountedHead { head, awaiting, closed, complete }, lines }) = row else {
            return Ok(None);
        };
        let counts = LineCounts { awaiting, closed, complete };
        let lines = match lines {
            Some(json) => lines_from_json(&json)?,
            None if viewer.may_see(&head.parties()) => self.order_lines(&head.id, page).await?,
            None => Vec::new(),
        };
        Ok(Some((head, counts, lines)))
    }

    /// A page of an order's lines in the order's own order (position, then subscription
    /// id), keyset-paginated: those after the cursor, optionally only those whose
    /// subscription id starts with `q` (case-insensitively). One statement, walking the
    /// index on (order_id, position, subscription_id).
    pub async fn order_lines(&self, order_id: &str, page: &LinePage<'_>) -> sqlx::Result<Vec<LineRecord>> {
        let PageBounds { after_position, after_id, lo, hi } = page.bounds();
        const PG_SQL: &str = pg_lines_page_sql!("l.order_id = $1");
        const SQLITE_SQL: &str = sqlite_lines_page_sql!();
        macro_rules! bind_page {
            ($query:expr) => {
                $query.bind(order_id).bind(after_position).bind(after_id).bind(lo).bind(hi).bind(page.limit)
            };
        }
        read!(self, |pool, pg| {
            if pg {
                bind_page!(sqlx::query_as(PG_SQL)).fetch_all(pool).await
            } else {
                // The page as one row of JSON (see `line_json!`).
                let row: LinesJson = bind_page!(sqlx::query_as(SQLITE_SQL)).fetch_one(pool).await?;
                lines_from_json(&row.json)
            }
        })
    }

    /// The named lines of an order (those a change touched), in the order's own order,
    /// at most `limit` of them. One statement: the ids travel as one JSON array.
    pub async fn order_lines_among(
        &self,
        order_id: &str,
        subscription_ids: &[String],
        limit: i64,
    ) -> sqlx::Result<Vec<LineRecord>> {
        let ids = serde_json::to_string(subscription_ids).unwrap_or_else(|_| "[]".into());
        read!(self, |pool, pg| {
            sqlx::query_as(sql(
                pg,
                concat!(
                    "SELECT ",
                    line_columns!(),
                    " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1 AND l.subscription_id IN (SELECT jsonb_array_elements_text($2::jsonb))
                      ORDER BY l.position, l.subscription_id LIMIT $3"
                ),
                concat!(
                    "SELECT ",
                    line_columns!(),
                    " FROM lines l LEFT JOIN outbox e ON e.id = l.last_outbox_id
                      WHERE l.order_id = $1 AND l.subscription_id IN (SELECT value FROM json_each($2))
                      ORDER BY l.position, l.subscription_id LIMIT $3"
                ),
            ))
            .bind(order_id)
            .bind(&ids)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
    }

    /// The order a subscription belongs to.
    pub async fn order_of_subscription(&self, subscription_id: &str) -> sqlx::Result<Option<String>> {
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT order_id FROM lines WHERE subscription_id = $1")
                .bind(subscription_id)
                .fetch_optional(pool)
                .await
        })
    }

    /// Closes every line whose policy period after its first email has run out (docs/product.md
    /// rule 7); a closed line is never closed again.
    ///
    /// In batches of lines, each its own database transaction, so that closing a million
    /// lines at once (an import of old lines) never holds the writer for long. First the
    /// lines past the longer period, whatever their offer, then those of the short-period
    /// offers past theirs: each pass reads the closing job's index from its start and finds
    /// only lines to close.
    pub async fn close_due_lines(&self, now: DateTime<Utc>) -> sqlx::Result<u64> {
        self.close_due_lines_until(now, &crate::stop::Stop::never()).await
    }

    /// [`Store::close_due_lines`], ending between two batches once `stop` is raised.
    pub async fn close_due_lines_until(&self, now: DateTime<Utc>, stop: &crate::stop::Stop) -> sqlx::Result<u64> {
        use crate::domain::closing::{SHORT_PERIOD_OFFERS, closing_cutoffs};
        const LINES_PER_BATCH: i64 = 5_000;
        let (short_cutoff, long_cutoff) = closing_cutoffs(now);
        let [short_a, short_b] = SHORT_PERIOD_OFFERS;
        let mut closed = 0;
        for pass in [Pass::AnyOffer, Pass::ShortOffers] {
            loop {
                let n = write_tx!(self, |tx, pg| {
                    let cutoff = match pass {
                        Pass::AnyOffer => long_cutoff,
                        Pass::ShortOffers => short_cutoff,
                    };
                    let n = sqlx::query(
                        "UPDATE lines SET status = 'closed', closed_at = $1, version = version + 1, updated_at = $1,
                                updated_by = 'closing policy'
                         WHERE subscription_id IN (
                             SELECT subscription_id FROM lines
                             WHERE status = 'awaiting' AND email_sent_at <= $2 AND ($3 OR offer IN ($4, $5))
                             LIMIT $6)",
                    )
                    .bind(now)
                    .bind(cutoff)
                    .bind(matches!(pass, Pass::AnyOffer))
                    .bind(short_a)
                    .bind(short_b)
                    .bind(LINES_PER_BATCH)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    tx.commit().await?;
                    n
                });
                closed += n;
                if n < LINES_PER_BATCH as u64 || stop.is_raised() {
                    break;
                }
            }
        }
        Ok(closed)
    }

    /// The customer finished set-up (the admin console's `provisioning.completed`).
    pub async fn complete_line(&self, subscription_id: &str, at: DateTime<Utc>) -> sqlx::Result<OnboardOutcome> {
        self.record_once(
            "UPDATE lines SET status = 'complete', version = version + 1, updated_at = $2, updated_by = 'Control Hub'
             WHERE subscription_id = $1 AND status <> 'complete'",
            "SELECT COUNT(*) FROM lines WHERE subscription_id = $1",
            subscription_id,
            at,
        )
        .await
    }

    /// Runs `update` (which changes at most one row, and only once) and tells whether it
    /// did something now, had done it before (`exists` counts the row), or found nothing.
    async fn record_once(
        &self,
        update: &'static str,
        exists: &'static str,
        id: &str,
        at: DateTime<Utc>,
    ) -> sqlx::Result<OnboardOutcome> {
        // Waiting in the queue for an order's row, this update can be the one PostgreSQL
        // picks to end a deadlock among others: PONR is never lost to that.
        retrying(|| async {
            write_tx!(self, |tx, pg| {
                let updated = sqlx::query(update).bind(id).bind(at).execute(&mut *tx).await?.rows_affected();
                let outcome = if updated == 1 {
                    OnboardOutcome::Onboarded
                } else {
                    let n: i64 = sqlx::query_scalar(exists).bind(id).fetch_one(&mut *tx).await?;
                    if n > 0 { OnboardOutcome::AlreadyOnboarded } else { OnboardOutcome::NotFound }
                };
                tx.commit().await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// Records that the order was mapped to the customer organisation (PONR). The one
    /// domain call behind `provisio onboard` and the admin console's `order.mapped` event.
    pub async fn onboard(&self, order_id: &str, at: DateTime<Utc>) -> sqlx::Result<OnboardOutcome> {
        self.record_once(
            "UPDATE orders SET org_mapped_at = $2 WHERE id = $1 AND org_mapped_at IS NULL",
            "SELECT COUNT(*) FROM orders WHERE id = $1",
            order_id,
            at,
        )
        .await
    }
}

/// The two passes of [`Store::close_due_lines`].
#[derive(Clone, Copy)]
enum Pass {
    /// Lines whose first email is older than the longer period: due whatever their offer.
    AnyOffer,
    /// Lines of the short-period offers whose first email is older than the short period.
    ShortOffers,
}
