//! The outbox of provisioning emails: enqueued in the transaction of the change that
//! causes them, claimed in leased batches by dispatchers, delivered at least once.
//!
//! Longer than most store files (about 700 lines): enqueueing, the limits, claiming,
//! finishing and the scheduled RSD and reminder emails share the lease and status rules,
//! which read best beside each other.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::stop::Stop;

use super::{CopyOutcome, LineAction, Store, read, retrying, sql, tx_steps, write_tx};
use super::{counted_for_line, counted_for_recipient};
use crate::domain::{SendLimit, wait_for_limit};

/// The lines an action would email, whose own limits it must fit (`$1` in the statements
/// below is the order).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Emailed<'a> {
    /// One line (a resend).
    Line(&'a str),
    /// The lines an edit changes whose first email went out: the edited line, or with
    /// `apply_to_all` every line of the order in the scope's `statuses` whose contact is
    /// not already `new_contact`.
    Edit { subscription_id: &'a str, apply_to_all: bool, statuses: (&'a str, &'a str), new_contact: &'a str },
    /// Every line of the order in `statuses` whose first email went out (resend for all).
    Order { statuses: (&'a str, &'a str) },
}

/// The emails of the order's lines that people triggered in the last day (`$2` the start of
/// that day), for the lines `$lines` selects, by line.
macro_rules! sent_by_line {
    ($lines:literal) => {
        concat!(
            "SELECT ol.subscription_id, o.created_at FROM outbox o JOIN outbox_lines ol ON ol.outbox_id = o.id
             WHERE o.order_id = $1 AND ",
            $crate::store::counted_for_line!("o"),
            " AND o.created_at > $2 AND ol.subscription_id IN (",
            $lines,
            ") ORDER BY ol.subscription_id, o.created_at"
        )
    };
}

/// A scheduler's claimed line: (subscription id, order id, contact).
pub(crate) type ClaimedLine = (String, String, String);

/// The scheduler's messages (id, order, recipient, as written) linked to the claimed lines
/// they are about: one message per order and recipient. A JSON array of `{"o": message,
/// "s": subscription}`, in message order, for [`OutboxTx::link_messages`].
fn message_links(messages: &[(i64, String, String)], lines: &[ClaimedLine]) -> String {
    let ids: std::collections::HashMap<(&str, &str), i64> =
        messages.iter().map(|(id, order, recipient)| ((order.as_str(), recipient.as_str()), *id)).collect();
    let mut links: Vec<(i64, &str)> = lines
        .iter()
        .filter_map(|(sub, order, contact)| Some((*ids.get(&(order.as_str(), contact.as_str()))?, sub.as_str())))
        .collect();
    links.sort_unstable();
    let links: Vec<serde_json::Value> = links.iter().map(|(o, s)| serde_json::json!({"o": o, "s": s})).collect();
    serde_json::to_string(&links).unwrap_or_default()
}

/// A statement over the message links bound as `$1` (see [`message_links`]), read as a
/// table `j(o, s)`: (PostgreSQL, SQLite).
macro_rules! over_links {
    ($before:literal, $after:literal) => {
        (
            concat!($before, " jsonb_to_recordset($1::jsonb) AS j(o bigint, s text) ", $after),
            concat!(
                $before,
                " (SELECT json_extract(value, '$.o') AS o, json_extract(value, '$.s') AS s FROM json_each($1)) AS j ",
                $after
            ),
        )
    };
}

tx_steps! {
    /// The outbox steps of a change, inside the change's own database transaction: the same
    /// statements on both databases, written once and instantiated for each connection type.
    pub(crate) trait OutboxTx {
        /// Inserts one message to `recipient` about lines of `order_id` and returns its id. The
        /// caller writes the lines it is about (outbox_lines) and marks them as their last email.
        async fn enqueue(
            &mut self,
            order_id: &str,
            recipient: &str,
            cause: &str,
            now: DateTime<Utc>,
        ) -> sqlx::Result<i64> {
            sqlx::query_scalar(
                "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, 'queued', 0, $4, $4) RETURNING id",
            )
            .bind(order_id)
            .bind(recipient)
            .bind(cause)
            .bind(now)
            .fetch_one(&mut *self)
            .await
        }

        /// When emails people triggered (edits, resends, copies) went to `recipient` in the last
        /// day, compared case-insensitively, oldest first.
        async fn sent_to(&mut self, recipient: &str, now: DateTime<Utc>) -> sqlx::Result<Vec<DateTime<Utc>>> {
            sqlx::query_scalar(concat!(
                "SELECT created_at FROM outbox WHERE lower(recipient) = lower($1) AND ",
                counted_for_recipient!(),
                " AND created_at > $2 ORDER BY created_at"
            ))
            .bind(recipient)
            .bind(now - Duration::days(1))
            .fetch_all(&mut *self)
            .await
        }

        /// How long until an email to `recipient` about the `emailed` lines of `order_id` fits
        /// the limits (docs/product.md rule 6); None when it fits now. Set-based: a fixed
        /// number of statements whatever the number of lines, each served by an index.
        async fn limit_wait(
            &mut self,
            order_id: &str,
            recipient: &str,
            emailed: Emailed<'_>,
            limit: SendLimit,
            now: DateTime<Utc>,
        ) -> sqlx::Result<Option<Duration>> {
            let since = now - Duration::days(1);
            // The recipient's emails (as `sent_to` counts them) and the order's, in one
            // statement: a round trip fewer on every edit and resend.
            let sent: Vec<(bool, DateTime<Utc>)> = sqlx::query_as(concat!(
                "SELECT TRUE AS by_order, created_at FROM outbox WHERE order_id = $1 AND ",
                counted_for_line!(),
                " AND created_at > $2
                 UNION ALL
                 SELECT FALSE, created_at FROM outbox WHERE lower(recipient) = lower($3) AND ",
                counted_for_recipient!(),
                " AND created_at > $2 ORDER BY 1, 2"
            ))
            .bind(order_id)
            .bind(since)
            .bind(recipient)
            .fetch_all(&mut *self)
            .await?;
            let (by_order, to_recipient): (Vec<_>, Vec<_>) = sent.into_iter().partition(|(by_order, _)| *by_order);
            let to_recipient: Vec<DateTime<Utc>> = to_recipient.into_iter().map(|(_, at)| at).collect();
            let by_order: Vec<DateTime<Utc>> = by_order.into_iter().map(|(_, at)| at).collect();
            let mut wait = wait_for_limit(&to_recipient, limit, now);
            // Every email of a line is one of its order's: while the order's emails fit
            // the limit, so do those of each of its lines, and no line needs counting.
            if wait_for_limit(&by_order, limit, now).is_none() {
                return Ok(wait);
            }
            let by_line: Vec<(String, DateTime<Utc>)> = match emailed {
                Emailed::Line(subscription_id) => {
                    sqlx::query_as(sent_by_line!("$3"))
                        .bind(order_id)
                        .bind(since)
                        .bind(subscription_id)
                        .fetch_all(&mut *self)
                        .await?
                }
                Emailed::Edit { subscription_id, apply_to_all, statuses, new_contact } => {
                    sqlx::query_as(sent_by_line!(
                        "SELECT subscription_id FROM lines
                         WHERE order_id = $1 AND (subscription_id = $3 OR $4) AND status IN ($5, $6)
                           AND contact <> $7 AND email_sent_at IS NOT NULL"
                    ))
                    .bind(order_id)
                    .bind(since)
                    .bind(subscription_id)
                    .bind(apply_to_all)
                    .bind(statuses.0)
                    .bind(statuses.1)
                    .bind(new_contact)
                    .fetch_all(&mut *self)
                    .await?
                }
                Emailed::Order { statuses } => {
                    sqlx::query_as(sent_by_line!(
                        "SELECT l.subscription_id FROM lines l WHERE l.order_id = $1 AND l.status IN ($3, $4)
                         AND l.email_sent_at IS NOT NULL"
                    ))
                    .bind(order_id)
                    .bind(since)
                    .bind(statuses.0)
                    .bind(statuses.1)
                    .fetch_all(&mut *self)
                    .await?
                }
            };
            for line in by_line.chunk_by(|a, b| a.0 == b.0) {
                let sent: Vec<DateTime<Utc>> = line.iter().map(|(_, at)| *at).collect();
                wait = wait.max(wait_for_limit(&sent, limit, now));
            }
            Ok(wait)
        }

        /// Links the scheduler's messages to their lines (`links`, from [`message_links`]):
        /// each lists them, and they point at it as their last email. By primary keys
        /// only: the lines claimed at one instant share their time, which an index on it
        /// would take for one row.
        async fn link_messages(&mut self, links: &str) -> sqlx::Result<()> {
            let list_them = over_links!(
                "INSERT INTO outbox_lines (outbox_id, subscription_id) SELECT j.o, j.s FROM",
                "ORDER BY j.o, j.s"
            );
            let point_at_them = over_links!(
                "UPDATE lines SET last_outbox_id = j.o FROM",
                "WHERE lines.subscription_id = j.s"
            );
            for (pg, sqlite) in [list_them, point_at_them] {
                sqlx::query(sql(Self::PG, pg, sqlite)).bind(links).execute(&mut *self).await?;
            }
            Ok(())
        }

        /// Queues a copy of the message `source` (if one goes out now) to the acting user's own
        /// address, when the action asks for one. A copy counts against that address only:
        /// over its limit only the copy is dropped, and the action it accompanies goes on.
        async fn enqueue_copy(&mut self, action: &LineAction<'_>, source: Option<i64>) -> sqlx::Result<CopyOutcome> {
            let (limit, now) = (action.limit, action.at);
            let (Some(copy_to), Some(source)) = (action.copy_to, source) else {
                return Ok(if action.copy_to.is_none() { CopyOutcome::NotAsked } else { CopyOutcome::NothingToCopy });
            };
            if let Some(wait) = wait_for_limit(&self.sent_to(copy_to, now).await?, limit, now) {
                return Ok(CopyOutcome::Dropped(wait));
            }
            let id = self.enqueue(action.grant.order_id(), copy_to, "copy", now).await?;
            sqlx::query(
                "INSERT INTO outbox_lines (outbox_id, subscription_id)
                 SELECT $1, subscription_id FROM outbox_lines WHERE outbox_id = $2",
            )
            .bind(id)
            .bind(source)
            .execute(&mut *self)
            .await?;
            Ok(CopyOutcome::Sent)
        }
    }
}

/// id, order, recipient, cause, attempts, customer, partner's name, language, subscription,
/// offer, the line's first email, cc, closes at.
type ClaimRow = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// One line a provisioning email is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLine {
    pub subscription_id: String,
    pub offer: String,
    /// When the line closes, counted from its first email (domain::closing): a reminder
    /// names each line's own closing time.
    pub closes_at: Option<DateTime<Utc>>,
}

impl EmailLine {
    /// The line as an email lists it, from its offer and its first email's time.
    pub fn new(subscription_id: String, offer: String, first_email_at: Option<DateTime<Utc>>) -> Self {
        let closes_at = first_email_at.map(|first| crate::domain::closing::closing_deadline(&offer, first));
        Self { subscription_id, offer, closes_at }
    }
}

/// A claimed message and what it says.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub order_id: String,
    pub recipient: String,
    pub cause: String,
    pub attempts: i64,
    pub customer: String,
    /// The name of the partner company that placed the order (the email names it).
    pub partner: String,
    pub language: Option<String>,
    /// Every line the message is about.
    pub lines: Vec<EmailLine>,
    /// An invitation email (cause `invitation`) is about no order: what it says instead.
    pub invitation: Option<InvitationEmail>,
    /// Who gets it in copy (a reminder: the order's creator).
    pub cc: Option<String>,
    /// The closing time a reminder announces.
    pub closes_at: Option<DateTime<Utc>>,
    /// A bounce alert (cause `bounce_alert`): the bounced address and why; `lines` are the
    /// lines it is about.
    pub alert: Option<BounceAlert>,
    /// A security notice (cause `security`): what changed in the recipient's own sign-in.
    pub security: Option<SecurityEmail>,
}

/// What a security notice says (docs/product.md rule 15): to whom, what changed (the
/// `security_change` transaction's code, [`crate::domain::SecurityChange`]), and when.
#[derive(Debug, Clone)]
pub struct SecurityEmail {
    pub name: String,
    pub change: String,
    pub at: DateTime<Utc>,
}

/// id, recipient, attempts, language, name, change, at.
type SecurityClaimRow = (i64, String, i64, Option<String>, String, String, DateTime<Utc>);

/// What a bounce alert is about: the address the provisioning email bounced from, and the
/// reason as stored (docs/product.md rule 14).
#[derive(Debug, Clone)]
pub struct BounceAlert {
    pub address: String,
    pub reason: String,
}

/// id, order, recipient, attempts, customer, language, subscription, offer, bounced address, reason.
type AlertClaimRow = (i64, String, String, i64, String, Option<String>, String, String, String, String);

/// What an invitation email says: who is invited to which company by whom, and the link.
#[derive(Debug, Clone)]
pub struct InvitationEmail {
    pub invitee: String,
    pub company: String,
    pub inviter: String,
    pub link: String,
}

/// id, recipient, attempts, language, invitee, company, inviter, link.
type InvitationClaimRow = (i64, String, i64, Option<String>, String, String, String, String);

/// What became of one delivery attempt.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The mail server accepted the message; its reply.
    Accepted(String),
    /// Try again at this time; the reason.
    Retry(DateTime<Utc>, String),
    /// Given up: refused for good, or the last attempt failed.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCounts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

/// Before "Yes" (docs/product.md rule 6): how long until one more email about a line, and
/// one more to an address, fit the limits; None where one fits now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitPreview {
    pub line: Option<Duration>,
    pub recipient: Option<Duration>,
}

/// The counts behind [`Store::limit_preview`], by the same steps a change takes under its
/// lock: the line's by `limit_wait` with no recipient (`""` is nobody's address), the
/// address's by `sent_to`.
async fn limit_preview_on<C: OutboxTx>(
    conn: &mut C,
    order_id: &str,
    subscription_id: &str,
    recipient: Option<&str>,
    limit: SendLimit,
    now: DateTime<Utc>,
) -> sqlx::Result<LimitPreview> {
    let line = conn.limit_wait(order_id, "", Emailed::Line(subscription_id), limit, now).await?;
    let recipient = match recipient {
        Some(recipient) => wait_for_limit(&conn.sent_to(recipient, now).await?, limit, now),
        None => None,
    };
    Ok(LimitPreview { line, recipient })
}

impl Store {
    /// Whether one more email about `subscription_id` (of `order_id`), and one more to
    /// `recipient`, would fit the limits now: read only, for the dialogs to say so before
    /// "Yes". The change itself counts again under the order's lock.
    pub async fn limit_preview(
        &self,
        order_id: &str,
        subscription_id: &str,
        recipient: Option<&str>,
        limit: SendLimit,
        now: DateTime<Utc>,
    ) -> sqlx::Result<LimitPreview> {
        match self {
            Store::Sqlite(s) => {
                let mut conn = s.read.acquire().await?;
                limit_preview_on(&mut *conn, order_id, subscription_id, recipient, limit, now).await
            }
            Store::Postgres(p) => {
                let mut conn = p.pool.acquire().await?;
                limit_preview_on(&mut *conn, order_id, subscription_id, recipient, limit, now).await
            }
        }
    }

    /// Claims up to `limit` due messages for `lease` (a random token) until `lease_until`.
    /// PostgreSQL skips rows another dispatcher holds; SQLite's single writer makes the
    /// claim atomic. A lease whose holder crashed is taken over once it expires.
    pub async fn claim_emails(
        &self,
        lease: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> sqlx::Result<Vec<ClaimedEmail>> {
        type Claimed = (Vec<ClaimRow>, Vec<InvitationClaimRow>, Vec<AlertClaimRow>, Vec<SecurityClaimRow>);
        let rows: Claimed = write_tx!(self, |tx, pg| {
            sqlx::query(sql(
                pg,
                "UPDATE outbox SET lease_token = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE status = 'queued' AND next_attempt_at <= $3
                                AND (lease_until IS NULL OR lease_until < $3)
                              ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)",
                "UPDATE outbox SET lease_token = $1, lease_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE status = 'queued' AND next_attempt_at <= $3
                                AND (lease_until IS NULL OR lease_until < $3)
                              ORDER BY next_attempt_at, id LIMIT $4)",
            ))
            .bind(lease)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .execute(&mut *tx)
            .await?;
            let rows: Vec<ClaimRow> = sqlx::query_as(
                "SELECT o.id, o.order_id, o.recipient, o.cause, CAST(o.attempts AS BIGINT), ord.customer, p.name,
                        COALESCE(ord.language, p.language), l.subscription_id, l.offer, l.email_sent_at,
                        o.cc, o.closes_at
                 FROM outbox o
                 JOIN orders ord ON ord.id = o.order_id
                 JOIN companies p ON p.id = ord.partner_id
                 JOIN outbox_lines ol ON ol.outbox_id = o.id
                 JOIN lines l ON l.subscription_id = ol.subscription_id
                 WHERE o.lease_token = $1 AND o.cause <> 'bounce_alert'
                 ORDER BY o.id, l.position, l.subscription_id",
            )
            .bind(lease)
            .fetch_all(&mut *tx)
            .await?;
            // Invitation emails have no order nor lines: their own statement.
            let invitations: Vec<InvitationClaimRow> = sqlx::query_as(
                "SELECT o.id, o.recipient, CAST(o.attempts AS BIGINT), c.language, u.name, c.name,
                        COALESCE(b.name, ''), COALESCE(o.link, '')
                 FROM outbox o
                 JOIN invitations i ON i.id = o.invitation_id
                 JOIN users u ON u.id = i.user_id
                 JOIN companies c ON c.id = u.company_id
                 LEFT JOIN users b ON b.id = i.invited_by
                 WHERE o.lease_token = $1 AND o.cause = 'invitation'
                 ORDER BY o.id",
            )
            .bind(lease)
            .fetch_all(&mut *tx)
            .await?;
            // Bounce alerts go to a user of the portal, in their language, about the bounced
            // message (about_outbox_id): their own statement too.
            let alerts: Vec<AlertClaimRow> = sqlx::query_as(
                "SELECT o.id, o.order_id, o.recipient, CAST(o.attempts AS BIGINT), ord.customer,
                        COALESCE(u.language, c.language), l.subscription_id, l.offer, b.recipient,
                        COALESCE(b.last_error, '-')
                 FROM outbox o
                 JOIN orders ord ON ord.id = o.order_id
                 JOIN outbox b ON b.id = o.about_outbox_id
                 JOIN outbox_lines ol ON ol.outbox_id = o.id
                 JOIN lines l ON l.subscription_id = ol.subscription_id
                 LEFT JOIN users u ON u.email = o.recipient
                 LEFT JOIN companies c ON c.id = u.company_id
                 WHERE o.lease_token = $1 AND o.cause = 'bounce_alert'
                 ORDER BY o.id, l.position, l.subscription_id",
            )
            .bind(lease)
            .fetch_all(&mut *tx)
            .await?;
            // Security notices go to the user whose sign-in changed, in their language,
            // saying what their transaction records: their own statement too.
            let notices: Vec<SecurityClaimRow> = sqlx::query_as(
                "SELECT o.id, o.recipient, CAST(o.attempts AS BIGINT), COALESCE(u.language, c.language), u.name,
                        COALESCE(t.new_value, ''), t.created_at
                 FROM outbox o
                 JOIN transactions t ON t.outbox_id = o.id
                 JOIN users u ON u.id = t.actor_user_id
                 JOIN companies c ON c.id = u.company_id
                 WHERE o.lease_token = $1 AND o.cause = 'security'
                 ORDER BY o.id",
            )
            .bind(lease)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            (rows, invitations, alerts, notices)
        });
        let (rows, invitations, alerts, notices) = rows;
        let mut claimed: Vec<ClaimedEmail> = invitations
            .into_iter()
            .map(|(id, recipient, attempts, language, invitee, company, inviter, link)| ClaimedEmail {
                id,
                order_id: String::new(),
                recipient,
                cause: "invitation".to_string(),
                attempts,
                customer: String::new(),
                partner: String::new(),
                language,
                lines: Vec::new(),
                invitation: Some(InvitationEmail { invitee, company, inviter, link }),
                cc: None,
                closes_at: None,
                alert: None,
                security: None,
            })
            .collect();
        claimed.extend(notices.into_iter().map(|(id, recipient, attempts, language, name, change, at)| ClaimedEmail {
            id,
            order_id: String::new(),
            recipient,
            cause: "security".to_string(),
            attempts,
            customer: String::new(),
            partner: String::new(),
            language,
            lines: Vec::new(),
            invitation: None,
            cc: None,
            closes_at: None,
            alert: None,
            security: Some(SecurityEmail { name, change, at }),
        }));
        for (id, order_id, recipient, attempts, customer, language, sub, offer, address, reason) in alerts {
            match claimed.last_mut() {
                Some(last) if last.id == id => last.lines.push(EmailLine::new(sub, offer, None)),
                _ => claimed.push(ClaimedEmail {
                    id,
                    order_id,
                    recipient,
                    cause: "bounce_alert".to_string(),
                    attempts,
                    customer,
                    partner: String::new(),
                    language,
                    lines: vec![EmailLine::new(sub, offer, None)],
                    invitation: None,
                    cc: None,
                    closes_at: None,
                    alert: Some(BounceAlert { address, reason }),
                    security: None,
                }),
            }
        }
        for (id, order_id, recipient, cause, attempts, customer, partner, language, sub, offer, first, cc, closes_at) in
            rows
        {
            let line = EmailLine::new(sub, offer, first);
            match claimed.last_mut() {
                Some(last) if last.id == id => last.lines.push(line),
                _ => claimed.push(ClaimedEmail {
                    id,
                    order_id,
                    recipient,
                    cause,
                    attempts,
                    customer,
                    partner,
                    language,
                    lines: vec![line],
                    invitation: None,
                    cc,
                    closes_at,
                    alert: None,
                    security: None,
                }),
            }
        }
        Ok(claimed)
    }

    /// Records what became of some messages of a claimed batch (the dispatcher calls it as
    /// the mail server answers, a few messages at a time, so that a crash forgets only what
    /// was on the wire) in one transaction, and moves the update and resend transactions
    /// that the messages carry to success or failed. A message no longer held by `lease`
    /// (taken over after the lease ran out) is left as its new holder records it.
    pub async fn finish_emails(
        &self,
        lease: &str,
        results: &[(i64, Delivery)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        // The messages went out: losing a deadlock must not lose their outcome (after the
        // lease they would go again).
        retrying(|| self.finish_emails_once(lease, results, now)).await
    }

    async fn finish_emails_once(
        &self,
        lease: &str,
        results: &[(i64, Delivery)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        // Timestamps as sqlx writes them into SQLite, so that they compare as text.
        let at = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let outcomes: Vec<serde_json::Value> = results
            .iter()
            .map(|(id, result)| match result {
                Delivery::Accepted(reply) => serde_json::json!(
                    {"id": id, "status": "sent", "next": at(&now), "reply": reply, "sent_at": at(&now)}),
                Delivery::Retry(next, reason) => {
                    serde_json::json!({"id": id, "status": "queued", "next": at(next), "error": reason})
                }
                Delivery::Failed(reason) => {
                    serde_json::json!({"id": id, "status": "failed", "next": at(&now), "error": reason})
                }
            })
            .collect();
        let outcomes = serde_json::Value::Array(outcomes).to_string();
        // Each message is updated once, and only while this lease still holds it (after
        // the lease another dispatcher records it). Its transactions and lines follow from
        // what that update returned. A row updated once is not checked against its order
        // again, so the record takes no lock on the orders, and an edit (which holds its
        // order, then writes lines) never waits on it while it waits on the edit.
        write_tx!(self, |tx, pg| {
            if pg {
                // A record of what the relay answered need not wait for the WAL to reach
                // the disk: if PostgreSQL itself crashed within that moment, the message
                // would go again after the lease, which delivery at least once allows; our
                // own crash loses nothing the commit returned. Each connection waits for
                // its last message's record, so the flush was most of the drain's time
                // (docs/performance.md has the figures).
                sqlx::query("SET LOCAL synchronous_commit TO OFF").execute(&mut *tx).await?;
                // One statement: the messages, their transactions, their lines.
                sqlx::query(
                    "WITH r AS (
                         SELECT * FROM jsonb_to_recordset($1::jsonb)
                             AS r(id bigint, status text, next timestamptz, error text, reply text, sent_at timestamptz)),
                     o AS (
                         UPDATE outbox SET status = r.status, next_attempt_at = r.next,
                                last_error = COALESCE(r.error, outbox.last_error), server_reply = r.reply,
                                sent_at = r.sent_at, lease_until = NULL, lease_token = NULL,
                                link = CASE WHEN r.status IN ('sent', 'failed') THEN NULL ELSE outbox.link END
                         FROM r WHERE outbox.id = r.id AND outbox.lease_token = $2
                         RETURNING outbox.id, outbox.status, outbox.cause, outbox.server_reply, outbox.last_error),
                     t AS (
                         UPDATE transactions SET updated_at = $3,
                                status = CASE o.status WHEN 'sent' THEN 'success' ELSE 'failed' END,
                                detail = CASE o.status WHEN 'sent' THEN 'accepted:' || COALESCE(o.server_reply, '')
                                                       ELSE 'failed:' || COALESCE(o.last_error, '') END
                         FROM o WHERE transactions.outbox_id = o.id AND o.status IN ('sent', 'failed')
                         RETURNING 1),
                     l AS (
                         UPDATE lines SET last_email_at = $3
                         FROM outbox_lines ol JOIN o ON o.id = ol.outbox_id
                         WHERE lines.subscription_id = ol.subscription_id AND o.status = 'sent'
                           AND o.cause NOT IN ('copy', 'bounce_alert')
                         RETURNING 1)
                     SELECT (SELECT COUNT(*) FROM o) + (SELECT COUNT(*) FROM t) + (SELECT COUNT(*) FROM l)",
                )
                .bind(&outcomes)
                .bind(lease)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                return tx.commit().await;
            }
            let recorded: Vec<(i64, String, String)> = sqlx::query_as(
                "UPDATE outbox SET status = json_extract(r.value, '$.status'),
                        next_attempt_at = json_extract(r.value, '$.next'),
                        last_error = COALESCE(json_extract(r.value, '$.error'), outbox.last_error),
                        server_reply = json_extract(r.value, '$.reply'),
                        sent_at = json_extract(r.value, '$.sent_at'), lease_until = NULL, lease_token = NULL,
                        link = CASE WHEN json_extract(r.value, '$.status') IN ('sent', 'failed') THEN NULL
                                    ELSE outbox.link END
                 FROM json_each($1) AS r
                 WHERE outbox.id = json_extract(r.value, '$.id') AND outbox.lease_token = $2
                 RETURNING outbox.id, outbox.status, outbox.cause",
            )
            .bind(&outcomes)
            .bind(lease)
            .fetch_all(&mut *tx)
            .await?;
            let ended: Vec<i64> =
                recorded.iter().filter(|(_, status, _)| status != "queued").map(|(id, _, _)| *id).collect();
            let sent: Vec<i64> = recorded
                .iter()
                .filter(|(_, status, cause)| status == "sent" && cause != "copy" && cause != "bounce_alert")
                .map(|(id, _, _)| *id)
                .collect();
            if !ended.is_empty() {
                sqlx::query(
                    "UPDATE transactions SET updated_at = $2,
                            status = (SELECT CASE o.status WHEN 'sent' THEN 'success' ELSE 'failed' END
                                      FROM outbox o WHERE o.id = transactions.outbox_id),
                            detail = (SELECT CASE o.status WHEN 'sent' THEN 'accepted:' || COALESCE(o.server_reply, '')
                                                           ELSE 'failed:' || COALESCE(o.last_error, '') END
                                      FROM outbox o WHERE o.id = transactions.outbox_id)
                     WHERE outbox_id IN (SELECT value FROM json_each($1))",
                )
                .bind(serde_json::to_string(&ended).unwrap_or_default())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if !sent.is_empty() {
                sqlx::query(
                    "UPDATE lines SET last_email_at = $2
                     WHERE subscription_id IN (SELECT subscription_id FROM outbox_lines
                                               WHERE outbox_id IN (SELECT value FROM json_each($1)))",
                )
                .bind(serde_json::to_string(&sent).unwrap_or_default())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }

    /// Gives back claimed messages that were never attempted (a graceful stop), so that
    /// another dispatcher takes them at once rather than after the lease; their claim's
    /// attempt is not counted.
    pub async fn release_emails(&self, lease: &str, ids: &[i64]) -> sqlx::Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids_json = serde_json::to_string(ids).unwrap_or_default();
        retrying(|| async {
            write_tx!(self, |tx, pg| {
                let n = sqlx::query(sql(
                    pg,
                    "UPDATE outbox SET lease_token = NULL, lease_until = NULL, attempts = attempts - 1
                     WHERE lease_token = $1 AND status = 'queued'
                       AND id IN (SELECT CAST(jsonb_array_elements_text($2::jsonb) AS BIGINT))",
                    "UPDATE outbox SET lease_token = NULL, lease_until = NULL, attempts = attempts - 1
                     WHERE lease_token = $1 AND status = 'queued' AND id IN (SELECT value FROM json_each($2))",
                ))
                .bind(lease)
                .bind(&ids_json)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(n)
            })
        })
        .await
    }

    /// Sends the first provisioning email of every line whose requested start date has
    /// come (from 00:00 UTC of that day), once: the update that marks the lines is the
    /// claim, so two schedulers never both send. One email per order and recipient.
    ///
    /// A batch of orders per database transaction, each a fixed number of statements: after
    /// an import of a million lines whose dates have passed, the writer is never held for
    /// long (SQLite has one), and a sign-in waits for one batch at most.
    pub async fn enqueue_due_rsd_emails(&self, now: DateTime<Utc>) -> sqlx::Result<usize> {
        self.enqueue_due_rsd_emails_until(now, &Stop::never()).await
    }

    /// [`Store::enqueue_due_rsd_emails`], ending between two batches once `stop` is raised.
    pub async fn enqueue_due_rsd_emails_until(&self, now: DateTime<Utc>, stop: &Stop) -> sqlx::Result<usize> {
        const ORDERS_PER_BATCH: i64 = 500;
        let today: NaiveDate = now.date_naive();
        let mut messages = 0;
        loop {
            let (orders, queued) = write_tx!(self, |tx, pg| {
                // A batch of orders with a due line, then every due line of theirs (an
                // order's lines go out together); the claim re-checks, so two schedulers
                // never both send.
                let orders: Vec<String> = sqlx::query_scalar(
                    "SELECT DISTINCT l.order_id FROM lines l JOIN orders o ON o.id = l.order_id
                     WHERE l.status = 'awaiting' AND l.email_sent_at IS NULL AND l.rsd <= $1
                       AND o.org_mapped_at IS NULL
                     LIMIT $2",
                )
                .bind(today)
                .bind(ORDERS_PER_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                let claimed: Vec<ClaimedLine> = sqlx::query_as(sql(
                    pg,
                    "UPDATE lines SET email_sent_at = $1
                     WHERE status = 'awaiting' AND email_sent_at IS NULL AND rsd <= $2
                       AND order_id IN (SELECT jsonb_array_elements_text($3::jsonb))
                     RETURNING subscription_id, order_id, contact",
                    "UPDATE lines SET email_sent_at = $1
                     WHERE status = 'awaiting' AND email_sent_at IS NULL AND rsd <= $2
                       AND order_id IN (SELECT value FROM json_each($3))
                     RETURNING subscription_id, order_id, contact",
                ))
                .bind(now)
                .bind(today)
                .bind(serde_json::to_string(&orders).unwrap_or_default())
                .fetch_all(&mut *tx)
                .await?;
                // One message per order and recipient, in order.
                let mut recipients: Vec<(&str, &str)> =
                    claimed.iter().map(|(_, o, c)| (o.as_str(), c.as_str())).collect();
                recipients.sort_unstable();
                recipients.dedup();
                let payload: Vec<serde_json::Value> = recipients
                    .iter()
                    .enumerate()
                    .map(|(n, (order, contact))| serde_json::json!({"n": n, "o": order, "c": contact}))
                    .collect();
                let written: Vec<(i64, String, String)> = sqlx::query_as(sql(
                    pg,
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                     SELECT j.o, j.c, 'rsd', 'queued', 0, $1, $1 FROM jsonb_to_recordset($2::jsonb) AS j(n bigint, o text, c text)
                     ORDER BY j.n RETURNING id, order_id, recipient",
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
                     SELECT json_extract(value, '$.o'), json_extract(value, '$.c'), 'rsd', 'queued', 0, $1, $1
                     FROM json_each($2) ORDER BY json_extract(value, '$.n') RETURNING id, order_id, recipient",
                ))
                .bind(now)
                .bind(serde_json::to_string(&payload).unwrap_or_default())
                .fetch_all(&mut *tx)
                .await?;
                if !written.is_empty() {
                    tx.link_messages(&message_links(&written, &claimed)).await?;
                }
                tx.commit().await?;
                (orders.len() as i64, written.len())
            });
            messages += queued;
            if orders < ORDERS_PER_BATCH || stop.is_raised() {
                return Ok(messages);
            }
        }
    }

    /// Sends the reminders that are due at `now` (PROVISIO_REMINDERS, `offsets` smallest
    /// first) to the provisioning contacts of lines still awaiting set-up before PONR whose
    /// last email did not bounce (no reminder to an address that bounced: rule 14), the
    /// order's creator in copy. Of a line's reminders only the latest due one goes out, and
    /// only while its closing time is ahead; the update that records it on the line is the
    /// claim, so two schedulers never both send. One email per order and recipient, one
    /// reminder transaction per line.
    pub async fn enqueue_due_reminders(&self, now: DateTime<Utc>, offsets: &[Duration]) -> sqlx::Result<usize> {
        self.enqueue_due_reminders_until(now, offsets, &Stop::never()).await
    }

    /// [`Store::enqueue_due_reminders`], ending between two batches once `stop` is raised.
    pub async fn enqueue_due_reminders_until(
        &self,
        now: DateTime<Utc>,
        offsets: &[Duration],
        stop: &Stop,
    ) -> sqlx::Result<usize> {
        use crate::domain::closing::{
            LONG_PERIOD, SHORT_PERIOD, SHORT_PERIOD_OFFERS, closing_cutoffs, reminder_cutoffs,
        };
        let short = reminder_cutoffs(SHORT_PERIOD, offsets, now);
        let long = reminder_cutoffs(LONG_PERIOD, offsets, now);
        if short.is_empty() && long.is_empty() {
            return Ok(0);
        }
        let (short_closed, long_closed) = closing_cutoffs(now);
        // The offset (seconds) of a line's latest due reminder, NULL when none is due:
        // cutoffs are bound from $4 on, offsets are whole seconds from the configuration.
        let mut n = 3;
        let mut cutoffs = Vec::new();
        let mut case = |pairs: &[(Duration, DateTime<Utc>)]| {
            if pairs.is_empty() {
                return "NULL".to_string();
            }
            let mut expr = String::from("CASE");
            for (offset, cutoff) in pairs {
                n += 1;
                cutoffs.push(*cutoff);
                expr += &format!(" WHEN email_sent_at <= ${n} THEN {}", offset.num_seconds());
            }
            expr + " END"
        };
        let offers = SHORT_PERIOD_OFFERS.map(|o| format!("'{o}'")).join(", ");
        let due = format!("(CASE WHEN offer IN ({offers}) THEN {} ELSE {} END)", case(&short), case(&long));
        let lines_due = format!(
            "status = 'awaiting' AND email_sent_at IS NOT NULL
             AND ((offer IN ({offers}) AND email_sent_at > $2) OR (offer NOT IN ({offers}) AND email_sent_at > $3))
             AND order_id IN (SELECT id FROM orders WHERE org_mapped_at IS NULL)
             AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.id = last_outbox_id AND b.status = 'bounced')
             AND {due} IS NOT NULL AND (reminder_offset IS NULL OR reminder_offset > {due})"
        );
        // The orders with a reminder due, read once (the closing job's index range), then
        // claimed and written a batch at a time, each its own short transaction: a million
        // lines due at once never hold the writer for long.
        let find = format!("SELECT DISTINCT order_id FROM lines WHERE {lines_due} ORDER BY order_id");
        let orders: Vec<String> = read!(self, |pool, pg| {
            let mut query =
                sqlx::query_scalar(sqlx::AssertSqlSafe(find.as_str())).bind(now).bind(short_closed).bind(long_closed);
            for cutoff in &cutoffs {
                query = query.bind(*cutoff);
            }
            query.fetch_all(pool).await?
        });
        // The claim re-checks every condition, so that two schedulers never both send; the
        // batch's orders are a JSON array bound after the cutoffs.
        let batch = cutoffs.len() + 4;
        let in_batch = if self.is_postgres() {
            format!("SELECT jsonb_array_elements_text(${batch}::jsonb)")
        } else {
            format!("SELECT value FROM json_each(${batch})")
        };
        let claim = format!(
            "UPDATE lines SET reminder_offset = {due}, reminded_at = $1
             WHERE {lines_due} AND order_id IN ({in_batch})
             RETURNING subscription_id, order_id, contact, offer, email_sent_at"
        );
        let mut messages = 0;
        for batch in orders.chunks(500) {
            if stop.is_raised() {
                break;
            }
            messages += self.enqueue_reminder_batch(&claim, &cutoffs, batch, now, (short_closed, long_closed)).await?;
        }
        Ok(messages)
    }

    /// Claims the due reminders of `orders` and writes one message per order and
    /// recipient, its lines, the lines' last email and a reminder transaction per line, in
    /// a fixed number of statements.
    async fn enqueue_reminder_batch(
        &self,
        claim: &str,
        cutoffs: &[DateTime<Utc>],
        orders: &[String],
        now: DateTime<Utc>,
        (short_closed, long_closed): (DateTime<Utc>, DateTime<Utc>),
    ) -> sqlx::Result<usize> {
        use crate::domain::closing::closing_deadline;
        let orders = serde_json::to_string(orders).unwrap_or_default();
        write_tx!(self, |tx, pg| {
            let mut query =
                sqlx::query_as(sqlx::AssertSqlSafe(claim.to_string())).bind(now).bind(short_closed).bind(long_closed);
            for cutoff in cutoffs {
                query = query.bind(*cutoff);
            }
            let due: Vec<(String, String, String, String, DateTime<Utc>)> =
                query.bind(&orders).fetch_all(&mut *tx).await?;
            // Each email's subject announces the earliest closing time of the lines it is
            // about; its body says each line's own (mail::render_email).
            let mut groups: Vec<((String, String), DateTime<Utc>)> = due
                .iter()
                .map(|(_, order, contact, offer, sent)| {
                    ((order.clone(), contact.clone()), closing_deadline(offer, *sent))
                })
                .collect();
            let claimed: Vec<ClaimedLine> =
                due.into_iter().map(|(sub, order, contact, _, _)| (sub, order, contact)).collect();
            groups.sort();
            groups.dedup_by(|later, first| later.0 == first.0);
            if groups.is_empty() {
                tx.commit().await?;
                Ok(0)
            } else {
                let payload: Vec<serde_json::Value> = groups
                    .iter()
                    .enumerate()
                    .map(|(n, ((order, contact), closes_at))| {
                        // As sqlx writes a time to SQLite, so that it reads back alike.
                        let t = closes_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
                        serde_json::json!({"n": n, "o": order, "c": contact, "t": t})
                    })
                    .collect();
                let written: Vec<(i64, String, String)> = sqlx::query_as(sql(
                    pg,
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at, cc, closes_at)
                     SELECT o.id, j.c, 'reminder', 'queued', 0, $1, $1, u.email, j.t
                     FROM jsonb_to_recordset($2::jsonb) AS j(n bigint, o text, c text, t timestamptz)
                     JOIN orders o ON o.id = j.o JOIN users u ON u.id = o.created_by
                     ORDER BY j.n RETURNING id, order_id, recipient",
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at, cc, closes_at)
                     SELECT o.id, j.c, 'reminder', 'queued', 0, $1, $1, u.email, j.t
                     FROM (SELECT json_extract(value, '$.n') AS n, json_extract(value, '$.o') AS o,
                                  json_extract(value, '$.c') AS c, json_extract(value, '$.t') AS t
                           FROM json_each($2)) AS j
                     JOIN orders o ON o.id = j.o JOIN users u ON u.id = o.created_by
                     ORDER BY j.n RETURNING id, order_id, recipient",
                ))
                .bind(now)
                .bind(serde_json::to_string(&payload).unwrap_or_default())
                .fetch_all(&mut *tx)
                .await?;
                let links = message_links(&written, &claimed);
                tx.link_messages(&links).await?;
                let (pg_sql, sqlite_sql) = over_links!(
                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                               actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                               distributor_id)
                     SELECT 'provisioning_email_reminder', l.subscription_id, l.order_id, l.contact, l.contact, NULL,
                            'scheduler', 'in_progress', NULL, $2, $2, j.o, l.partner_id, l.distributor_id
                     FROM",
                    "JOIN lines l ON l.subscription_id = j.s ORDER BY j.o, l.position, l.subscription_id"
                );
                sqlx::query(sql(pg, pg_sql, sqlite_sql)).bind(&links).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(written.len())
            }
        })
    }

    pub async fn email_counts(&self) -> sqlx::Result<QueueCounts> {
        read!(self, |pool, pg| {
            let (queued, sent, failed): (i64, i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
                 FROM outbox",
            )
            .fetch_one(pool)
            .await?;
            Ok(QueueCounts { queued, sent, failed })
        })
    }

    /// The earliest time a queued message is due, to sleep until then.
    pub async fn next_email_due(&self) -> sqlx::Result<Option<DateTime<Utc>>> {
        read!(self, |pool, pg| {
            sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued'").fetch_one(pool).await
        })
    }
}
