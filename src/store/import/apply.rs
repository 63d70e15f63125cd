//! Applying an import file: its orders and lines are staged in temporary tables as they
//! are read, then checked against the database and merged by a fixed number of set-based
//! statements, whatever the number of lines, all in one database transaction.
//!
//! Staging is the one step that differs by database: PostgreSQL takes each batch by
//! `COPY`, SQLite as one JSON array read by `json_each` (one statement per batch instead
//! of one per line). Every other statement is the same text on both.
//!
//! About 570 lines, most of them SQL: the staging per database and the merge's statements,
//! each named and commented, read as one procedure.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{PgConnection, SqliteConnection};
use tokio::sync::mpsc;

use super::read::{Item, StagedOrder};
use super::{
    CompanyIn, ImportError, ImportProgress, ImportSummary, Progress, UserIn, field, hash_password, password_matches,
};
use crate::store::{Store, tx_steps, write_tx};

/// Lines staged per batch: large enough that a statement's overhead is small, small
/// enough that a batch's buffer stays a few megabytes.
const BATCH_LINES: usize = 5_000;

/// Staging, the one step whose statements differ by database.
trait Staging {
    async fn create_staging(&mut self) -> sqlx::Result<()>;
    async fn stage(&mut self, orders: &[StagedOrder]) -> sqlx::Result<()>;
    /// Everything is staged: the merge comes next.
    async fn staged(&mut self) -> sqlx::Result<()>;
    /// The merge is done; the transaction commits next.
    async fn drop_staging(&mut self) -> sqlx::Result<()>;
}

impl Staging for SqliteConnection {
    async fn create_staging(&mut self) -> sqlx::Result<()> {
        sqlx::raw_sql(
            "DROP TABLE IF EXISTS temp.import_orders;
             DROP TABLE IF EXISTS temp.import_lines;
             CREATE TEMP TABLE import_orders (idx INTEGER PRIMARY KEY, id TEXT NOT NULL, partner TEXT NOT NULL,
                 distributor TEXT, creator TEXT NOT NULL, creator_text TEXT NOT NULL, customer TEXT NOT NULL,
                 language TEXT, org_mapped_at TEXT, existed INTEGER NOT NULL DEFAULT 0,
                 moved INTEGER NOT NULL DEFAULT 0);
             CREATE TEMP TABLE import_lines (order_idx INTEGER NOT NULL, idx INTEGER NOT NULL,
                 subscription TEXT NOT NULL, order_id TEXT NOT NULL, offer TEXT NOT NULL, rsd TEXT NOT NULL,
                 contact TEXT NOT NULL, status TEXT NOT NULL, email_sent_at TEXT);",
        )
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn stage(&mut self, orders: &[StagedOrder]) -> sqlx::Result<()> {
        // Times as sqlx writes them to SQLite, so that they compare with the stored ones.
        let time = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, false));
        let order_rows = orders.iter().filter(|o| o.head).map(|o| {
            serde_json::json!([
                o.idx,
                o.id,
                o.partner,
                o.distributor,
                o.creator,
                o.creator_text,
                o.customer,
                o.language,
                time(&o.org_mapped_at),
            ])
        });
        insert_json(
            self,
            concat!(
                "INSERT INTO import_orders (idx, id, partner, distributor, creator, creator_text, customer, language,
                                            org_mapped_at)",
                nine_values!()
            ),
            order_rows.collect(),
        )
        .await?;
        let line_rows = orders.iter().flat_map(|o| {
            o.lines.iter().map(move |l| {
                serde_json::json!([
                    o.idx,
                    l.idx,
                    l.subscription,
                    o.id,
                    l.offer,
                    l.rsd.format("%F").to_string(),
                    l.contact,
                    l.status.as_str(),
                    time(&l.email_sent_at),
                ])
            })
        });
        insert_json(
            self,
            concat!(
                "INSERT INTO import_lines (order_idx, idx, subscription, order_id, offer, rsd, contact, status,
                                           email_sent_at)",
                nine_values!()
            ),
            line_rows.collect(),
        )
        .await
    }

    async fn staged(&mut self) -> sqlx::Result<()> {
        Ok(())
    }

    async fn drop_staging(&mut self) -> sqlx::Result<()> {
        // SQLite keeps temporary tables for the connection's life: the writer is reused.
        sqlx::raw_sql("DROP TABLE temp.import_orders; DROP TABLE temp.import_lines;").execute(&mut *self).await?;
        Ok(())
    }
}

/// The nine values of each JSON array in `$1`, as the rows of a SELECT (SQLite staging).
macro_rules! nine_values {
    () => {
        " SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
                 value ->> 7, value ->> 8
          FROM json_each($1)"
    };
}
use nine_values;

/// Inserts `rows` (JSON arrays) with `insert`, one statement for the whole batch.
async fn insert_json(
    conn: &mut SqliteConnection,
    insert: &'static str,
    rows: Vec<serde_json::Value>,
) -> sqlx::Result<()> {
    sqlx::query(insert).bind(serde_json::Value::Array(rows).to_string()).execute(conn).await?;
    Ok(())
}

impl Staging for PgConnection {
    async fn create_staging(&mut self) -> sqlx::Result<()> {
        // Temporary tables live in the session's own buffers (8 MB by default); a million
        // staged lines spilled from them to disk and took 20 s to stage. The size can only
        // change before a session's first temporary table, so a pooled connection that
        // staged before keeps what it had.
        sqlx::raw_sql(
            "DO $$ BEGIN PERFORM set_config('temp_buffers', '256MB', true);
             EXCEPTION WHEN OTHERS THEN NULL; END $$;",
        )
        .execute(&mut *self)
        .await?;
        sqlx::raw_sql(
            "CREATE TEMP TABLE import_orders (idx BIGINT PRIMARY KEY, id TEXT COLLATE \"C\" NOT NULL,
                 partner TEXT NOT NULL, distributor TEXT, creator TEXT NOT NULL, creator_text TEXT NOT NULL,
                 customer TEXT NOT NULL, language TEXT, org_mapped_at TIMESTAMPTZ,
                 existed BOOLEAN NOT NULL DEFAULT FALSE, moved BOOLEAN NOT NULL DEFAULT FALSE) ON COMMIT DROP;
             CREATE TEMP TABLE import_lines (order_idx BIGINT NOT NULL, idx BIGINT NOT NULL,
                 subscription TEXT COLLATE \"C\" NOT NULL, order_id TEXT COLLATE \"C\" NOT NULL, offer TEXT NOT NULL,
                 rsd DATE NOT NULL, contact TEXT NOT NULL, status TEXT NOT NULL, email_sent_at TIMESTAMPTZ)
                 ON COMMIT DROP;",
        )
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn stage(&mut self, orders: &[StagedOrder]) -> sqlx::Result<()> {
        // Microseconds, cut as sqlx cuts a bound time (PostgreSQL would round a longer text).
        let time = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true));
        let mut rows = String::new();
        for o in orders.iter().filter(|o| o.head) {
            copy_row(
                &mut rows,
                &[
                    Some(&o.idx.to_string()),
                    Some(&o.id),
                    Some(&o.partner),
                    o.distributor.as_ref(),
                    Some(&o.creator),
                    Some(&o.creator_text),
                    Some(&o.customer),
                    o.language.as_ref(),
                    time(&o.org_mapped_at).as_ref(),
                ],
            );
        }
        copy_in(
            self,
            "COPY import_orders (idx, id, partner, distributor, creator, creator_text, customer, language,
                                 org_mapped_at) FROM STDIN",
            &rows,
        )
        .await?;
        let mut rows = String::new();
        for o in orders {
            let order_idx = o.idx.to_string();
            for l in &o.lines {
                copy_row(
                    &mut rows,
                    &[
                        Some(&order_idx),
                        Some(&l.idx.to_string()),
                        Some(&l.subscription),
                        Some(&o.id),
                        Some(&l.offer),
                        Some(&l.rsd.format("%F").to_string()),
                        Some(&l.contact),
                        Some(&l.status.as_str().to_string()),
                        time(&l.email_sent_at).as_ref(),
                    ],
                );
            }
        }
        copy_in(
            self,
            "COPY import_lines (order_idx, idx, subscription, order_id, offer, rsd, contact, status,
                                email_sent_at) FROM STDIN",
            &rows,
        )
        .await
    }

    async fn staged(&mut self) -> sqlx::Result<()> {
        // The planner needs the staged tables' sizes to join them with the lines.
        sqlx::raw_sql("ANALYZE import_orders; ANALYZE import_lines;").execute(&mut *self).await?;
        Ok(())
    }

    async fn drop_staging(&mut self) -> sqlx::Result<()> {
        // The tables are ON COMMIT DROP.
        Ok(())
    }
}

/// Sends `rows` (COPY's text format) with the `COPY … FROM STDIN` statement `copy`.
async fn copy_in(conn: &mut PgConnection, copy: &str, rows: &str) -> sqlx::Result<()> {
    let mut copy = conn.copy_in_raw(copy).await?;
    copy.send(rows.as_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
fn copy_row(out: &mut String, fields: &[Option<&String>]) {
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match value {
            None => out.push_str("\\N"),
            Some(v) if !v.contains(['\\', '\t', '\n', '\r']) => out.push_str(v),
            Some(v) => {
                for c in v.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out.push('\n');
}

/// A status's place in a line's progress (a line never moves back), in SQL.
macro_rules! status_rank {
    ($column:literal) => {
        concat!("CASE ", $column, " WHEN 'awaiting' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END")
    };
}

/// The checks of staged orders against the database, each giving the first offender by
/// file order: (order index, line index or -1, message). Run after the file's companies and
/// users are written, so an order may name a company or user of the same file.
const ORDER_CHECKS: [&str; 6] = [
    "SELECT s.idx, CAST(-1 AS BIGINT), 'partner', 'no partner company ' || s.partner
     FROM import_orders s LEFT JOIN companies c ON c.id = s.partner
     WHERE c.kind IS NULL OR c.kind <> 'partner' ORDER BY s.idx LIMIT 1",
    "SELECT s.idx, CAST(-1 AS BIGINT), 'distributor', 'no distributor company ' || s.distributor
     FROM import_orders s LEFT JOIN companies c ON c.id = s.distributor
     WHERE s.distributor IS NOT NULL AND (c.kind IS NULL OR c.kind <> 'distributor') ORDER BY s.idx LIMIT 1",
    "SELECT s.idx, CAST(-1 AS BIGINT), 'created_by', 'unknown user ' || s.creator_text
     FROM import_orders s LEFT JOIN users u ON u.email = s.creator
     WHERE u.id IS NULL ORDER BY s.idx LIMIT 1",
    "SELECT s.idx, CAST(-1 AS BIGINT), 'id', 'another order has this id in another case'
     FROM import_orders s JOIN orders o ON lower(o.id) = lower(s.id)
     WHERE o.id <> s.id ORDER BY s.idx LIMIT 1",
    "SELECT s.order_idx, s.idx, 'subscription', s.subscription || ' belongs to order ' || l.order_id
     FROM import_lines s JOIN lines l ON l.subscription_id = s.subscription
     WHERE l.order_id <> s.order_id ORDER BY s.order_idx, s.idx LIMIT 1",
    "SELECT s.order_idx, s.idx, 'subscription', 'another subscription has this id in another case'
     FROM import_lines s JOIN lines l ON lower(l.subscription_id) = lower(s.subscription)
     WHERE l.subscription_id <> s.subscription ORDER BY s.order_idx, s.idx LIMIT 1",
];

/// The merge, in order. `$1` is the time of the import.
/// Which staged orders the database has already, and which of those go to other parties.
const MARK_KNOWN_ORDERS: &str = "UPDATE import_orders SET existed = TRUE,
        moved = (o.partner_id <> import_orders.partner OR o.distributor_id IS DISTINCT FROM import_orders.distributor)
     FROM orders o WHERE o.id = import_orders.id";
const MOVED_ORDERS: &str = "SELECT COUNT(*) FROM import_orders WHERE moved";
/// A new order's line count is its staged lines'; a known order's is counted after the
/// merge (`COUNT_LINES`), since it may have lines the file does not name.
const UPSERT_ORDERS: &str = "INSERT INTO orders (id, partner_id, distributor_id, created_by, customer, language,
                         org_mapped_at, created_at, line_count)
     SELECT s.id, s.partner, s.distributor, u.id, s.customer, s.language, s.org_mapped_at, $1, c.n
     FROM import_orders s JOIN users u ON u.email = s.creator
     JOIN (SELECT order_idx, COUNT(*) AS n FROM import_lines GROUP BY order_idx) AS c ON c.order_idx = s.idx
     WHERE TRUE
     ON CONFLICT (id) DO UPDATE SET partner_id = excluded.partner_id,
        distributor_id = excluded.distributor_id, created_by = excluded.created_by,
        customer = excluded.customer, language = excluded.language,
        org_mapped_at = COALESCE(orders.org_mapped_at, excluded.org_mapped_at)";
/// A changed contact is an update transaction by "import" (before the lines change).
const RECORD_CONTACT_CHANGES: &str = "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value,
                               actor_user_id, actor, status, detail, created_at, updated_at, partner_id, distributor_id)
     SELECT 'provisioning_email_update', l.subscription_id, l.order_id, l.contact, s.contact, NULL, 'import',
            'success', NULL, $1, $1, l.partner_id, l.distributor_id
     FROM import_lines s JOIN lines l ON l.subscription_id = s.subscription
     WHERE l.contact <> s.contact
     ORDER BY s.order_idx, s.idx";
/// New lines are inserted; a known line changes only where the file says something new,
/// its status only forward and its first email only earlier (the closing clock).
const UPSERT_LINES: &str = concat!(
    "INSERT INTO lines (subscription_id, order_id, partner_id, distributor_id, position, offer, rsd, contact,
                        status, email_sent_at, version, updated_at, updated_by)
     SELECT s.subscription, s.order_id, o.partner_id, o.distributor_id, s.idx, s.offer, s.rsd, s.contact,
            s.status, s.email_sent_at, 1, $1, 'import'
     FROM import_lines s JOIN orders o ON o.id = s.order_id
     WHERE TRUE
     ON CONFLICT (subscription_id) DO UPDATE SET
        offer = excluded.offer, rsd = excluded.rsd, contact = excluded.contact,
        status = CASE WHEN ",
    status_rank!("excluded.status"),
    " > ",
    status_rank!("lines.status"),
    " THEN excluded.status ELSE lines.status END,
        email_sent_at = CASE WHEN lines.email_sent_at IS NULL OR excluded.email_sent_at < lines.email_sent_at
                             THEN excluded.email_sent_at ELSE lines.email_sent_at END,
        version = lines.version + 1, updated_at = excluded.updated_at, updated_by = 'import'
     WHERE lines.contact <> excluded.contact OR lines.offer <> excluded.offer OR lines.rsd <> excluded.rsd
        OR ",
    status_rank!("excluded.status"),
    " > ",
    status_rank!("lines.status"),
    " OR (excluded.email_sent_at IS NOT NULL
            AND (lines.email_sent_at IS NULL OR excluded.email_sent_at < lines.email_sent_at))"
);
/// Lines, their transactions and cases carry their order's parties: they follow an order a
/// re-import gave to another company (a transaction of a line that was never changed since
/// then runs before its line's current parties, so both are set from the order).
const MOVE_LINES: &str = "UPDATE lines SET partner_id = o.partner_id, distributor_id = o.distributor_id
     FROM orders o
     WHERE o.id = lines.order_id AND o.id IN (SELECT id FROM import_orders WHERE moved)";
const MOVE_CASES: &str = "UPDATE cases
     SET partner_id = (SELECT o.partner_id FROM orders o WHERE o.id = cases.order_id),
         distributor_id = (SELECT o.distributor_id FROM orders o WHERE o.id = cases.order_id)
     WHERE order_id IN (SELECT id FROM import_orders WHERE moved)";
const MOVE_TRANSACTIONS: &str = "UPDATE transactions
     SET partner_id = (SELECT o.partner_id FROM orders o WHERE o.id = transactions.order_id),
         distributor_id = (SELECT o.distributor_id FROM orders o WHERE o.id = transactions.order_id)
     WHERE lower(order_id) IN (SELECT lower(id) FROM import_orders WHERE moved)";
/// Lines come only from the import: the order keeps their count, so a list never counts.
/// Known orders are counted again after the merge, in one aggregate over their lines
/// (counting every imported order again took 4.3 s for 100,000 new ones on PostgreSQL).
const COUNT_LINES: &str = "UPDATE orders SET line_count = c.n
     FROM (SELECT l.order_id, COUNT(*) AS n FROM import_orders s JOIN lines l ON l.order_id = s.id
           WHERE s.existed GROUP BY l.order_id) AS c
     WHERE orders.id = c.order_id";

/// A password's Argon2 hash being computed on a blocking thread.
pub(super) struct PendingHash(tokio::task::JoinHandle<Result<String, ImportError>>);

impl PendingHash {
    fn start(password: String) -> Self {
        Self(tokio::task::spawn_blocking(move || hash_password(&password)))
    }

    async fn finish(self) -> Result<String, ImportError> {
        self.0.await.map_err(|e| field("users", format!("could not hash a password: {e}")))?
    }
}

tx_steps! {
    /// The steps after staging, the same statements on both databases: one implementation,
    /// written once and instantiated for each connection type.
    trait Merge {
        async fn upsert_company(&mut self, c: &CompanyIn) -> sqlx::Result<()> {
            sqlx::query(
                "INSERT INTO companies (id, name, kind, language) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                                                language = excluded.language",
            )
            .bind(&c.id)
            .bind(c.name.trim())
            .bind(&c.kind)
            .bind(&c.language)
            .execute(&mut *self)
            .await?;
            Ok(())
        }

        /// Writes a user; `hashed` is the hash of the file's password, begun when the user was
        /// read, used unless the stored hash already matches that password.
        async fn upsert_user(
            &mut self,
            i: usize,
            u: &UserIn,
            hashed: Option<PendingHash>,
        ) -> Result<(), ImportError> {
            let company: Option<String> = sqlx::query_scalar("SELECT kind FROM companies WHERE id = $1")
                .bind(&u.company)
                .fetch_optional(&mut *self)
                .await?;
            if company.is_none() {
                return Err(field(format!("users[{i}].company"), format!("unknown company {}", u.company)));
            }
            let email = u.email.trim().to_lowercase();
            let existing: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
                    .bind(&email)
                    .fetch_optional(&mut *self)
                    .await?;
            // Re-hashing an unchanged password would change the row: keep the hash when
            // the file's password still matches it.
            let hash = match (&u.password, &existing) {
                (Some(p), Some((_, Some(h)))) if password_matches(p, h) => Some(h.clone()),
                (Some(p), _) => Some(match hashed {
                    Some(pending) => pending.finish().await?,
                    None => hash_password(p)?,
                }),
                (None, Some((_, h))) => h.clone(),
                (None, None) => None,
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, name, company_id, password_hash, can_edit, operator, company_admin)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (email) DO UPDATE SET name = excluded.name, company_id = excluded.company_id,
                    password_hash = excluded.password_hash, can_edit = excluded.can_edit,
                    operator = excluded.operator, company_admin = excluded.company_admin
                 RETURNING id",
            )
            .bind(&email)
            .bind(u.name.trim())
            .bind(&u.company)
            .bind(hash.as_deref())
            .bind(u.can_edit)
            .bind(u.operator)
            .bind(u.company_admin)
            .fetch_one(&mut *self)
            .await?;
            // A changed password ends the user's sessions (in the same transaction).
            if let Some((_, Some(old))) = &existing
                && hash.as_deref() != Some(old.as_str())
            {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *self).await?;
            }
            Ok(())
        }

        async fn check_orders(&mut self) -> Result<(), ImportError> {
            let mut first: Option<(i64, i64, String, String)> = None;
            for check in ORDER_CHECKS {
                let found: Option<(i64, i64, String, String)> =
                    sqlx::query_as(check).fetch_optional(&mut *self).await?;
                if let Some(found) = found
                    && first.as_ref().is_none_or(|f| (found.0, found.1) < (f.0, f.1))
                {
                    first = Some(found);
                }
            }
            match first {
                None => Ok(()),
                Some((order, line, column, message)) if line < 0 => {
                    Err(field(format!("orders[{order}].{column}"), message))
                }
                Some((order, line, column, message)) => {
                    Err(field(format!("orders[{order}].lines[{line}].{column}"), message))
                }
            }
        }

        /// Writes orders, transactions and lines: (contact changes recorded, lines written).
        async fn merge(&mut self, now: DateTime<Utc>) -> sqlx::Result<(u64, u64)> {
            sqlx::query(MARK_KNOWN_ORDERS).execute(&mut *self).await?;
            let moved: i64 = sqlx::query_scalar(MOVED_ORDERS).fetch_one(&mut *self).await?;
            sqlx::query(UPSERT_ORDERS).bind(now).execute(&mut *self).await?;
            let changes = sqlx::query(RECORD_CONTACT_CHANGES).bind(now).execute(&mut *self).await?.rows_affected();
            let lines = sqlx::query(UPSERT_LINES).bind(now).execute(&mut *self).await?.rows_affected();
            if moved > 0 {
                sqlx::query(MOVE_LINES).execute(&mut *self).await?;
                sqlx::query(MOVE_TRANSACTIONS).execute(&mut *self).await?;
                sqlx::query(MOVE_CASES).execute(&mut *self).await?;
            }
            sqlx::query(COUNT_LINES).execute(&mut *self).await?;
            Ok((changes, lines))
        }
    }
}

impl Store {
    /// Stages the items as they arrive, then checks and merges them (see the module).
    pub(super) async fn apply_import(
        &self,
        mut items: mpsc::Receiver<Result<Item, ImportError>>,
        now: DateTime<Utc>,
        progress: Progress,
    ) -> Result<ImportSummary, ImportError> {
        let mut summary = ImportSummary::default();
        let mut companies = Vec::new();
        let mut users = Vec::new();
        write_tx!(self, |tx, pg| {
            let conn = &mut *tx;
            conn.create_staging().await?;
            let mut batch = Vec::new();
            let mut batch_lines = 0;
            while let Some(item) = items.recv().await {
                match item? {
                    Item::Company(c) => companies.push(c),
                    Item::User(i, u) => {
                        // Argon2 takes tens of milliseconds a password: hash while the
                        // rest of the file streams, not after it.
                        let hashed = u.password.clone().map(PendingHash::start);
                        users.push((i, u, hashed));
                    }
                    Item::Order(o) => {
                        batch_lines += o.lines.len();
                        batch.push(o);
                    }
                    Item::Orders(os) => {
                        batch_lines += os.iter().map(|o| o.lines.len()).sum::<usize>();
                        batch.extend(os);
                    }
                }
                if batch_lines >= BATCH_LINES {
                    conn.stage(&batch).await?;
                    summary.orders += batch.iter().filter(|o| o.head).count();
                    batch.clear();
                    batch_lines = 0;
                }
            }
            if !batch.is_empty() {
                conn.stage(&batch).await?;
                summary.orders += batch.iter().filter(|o| o.head).count();
            }
            if let Some(progress) = &progress {
                progress(ImportProgress::Writing);
            }
            conn.staged().await?;
            for c in &companies {
                conn.upsert_company(c).await?;
            }
            for (i, u, hashed) in users.iter_mut() {
                conn.upsert_user(*i, u, hashed.take()).await?;
            }
            conn.check_orders().await?;
            let (changes, lines) = conn.merge(now).await?;
            conn.drop_staging().await?;
            tx.commit().await?;
            summary.companies = companies.len();
            summary.users = users.len();
            summary.contact_changes = changes as usize;
            summary.lines = lines as usize;
            Ok(summary)
        })
    }
}
