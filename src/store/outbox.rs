//! The outbox of provisioning emails: enqueued in the transaction of the change that
//! causes them, claimed in leased batches by dispatchers, delivered at least once.
//!
//! Longer than most store files (about 640 lines): enqueueing, the limits, claiming,
//! finishing and the scheduled RSD and reminder emails share the lease and status rules,
//! which read best beside each other.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{Store, read, sql, write_tx};
use crate::config::SendLimit;

/// Inserts one message to `recipient` about lines of `order_id`, inside `$tx`; evaluates
/// to its id. The caller writes the lines it is about (outbox_lines) and marks them as
/// their last email. A macro so that it expands within each database's transaction.
macro_rules! enqueue {
    ($tx:ident, $order_id:expr, $recipient:expr, $cause:expr, $now:expr) => {{
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, 'queued', 0, $4, $4) RETURNING id",
        )
        .bind($order_id)
        .bind($recipient)
        .bind($cause)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}
pub(crate) use enqueue;

/// How long until the email an action would trigger fits the limits, inside `$tx`; None
/// when it fits now. Counts the emails people triggered (edits, resends) in the last day:
/// to `$recipient` (case-insensitively, copies to it included), and of every line it would email, which
/// `$lines` selects (a statement or list whose parameters start at `$3`; `$1` is the
/// order, `$2` the start of the day counted). Set-based: a fixed number of statements
/// whatever the number of lines, each served by an index.
macro_rules! limit_wait {
    ($tx:ident, $order_id:expr, $recipient:expr, $limit:expr, $now:expr, $lines:literal $(, $bind:expr)*) => {{
        let since = $now - chrono::Duration::days(1);
        let by_recipient: Vec<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT created_at FROM outbox
             WHERE lower(recipient) = lower($1) AND cause IN ('edit', 'resend', 'copy') AND created_at > $2
             ORDER BY created_at",
        )
        .bind($recipient)
        .bind(since)
        .fetch_all(&mut *$tx)
        .await?;
        let mut wait = $crate::store::outbox::wait_for_limit(&by_recipient, $limit, $now);
        // Every email of a line is one of its order's: while the order's emails fit the
        // limit, so do those of each of its lines, and no line needs counting.
        let by_order: Vec<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT created_at FROM outbox
             WHERE order_id = $1 AND cause IN ('edit', 'resend') AND created_at > $2 ORDER BY created_at",
        )
        .bind($order_id)
        .bind(since)
        .fetch_all(&mut *$tx)
        .await?;
        if $crate::store::outbox::wait_for_limit(&by_order, $limit, $now).is_some() {
            let by_line: Vec<(String, DateTime<Utc>)> = sqlx::query_as(concat!(
                "SELECT ol.subscription_id, o.created_at FROM outbox o JOIN outbox_lines ol ON ol.outbox_id = o.id
                 WHERE o.order_id = $1 AND o.cause IN ('edit', 'resend') AND o.created_at > $2
                   AND ol.subscription_id IN (",
                $lines,
                ") ORDER BY ol.subscription_id, o.created_at"
            ))
            .bind($order_id)
            .bind(since)
            $(.bind($bind))*
            .fetch_all(&mut *$tx)
            .await?;
            for line in by_line.chunk_by(|a, b| a.0 == b.0) {
                let sent: Vec<DateTime<Utc>> = line.iter().map(|(_, at)| *at).collect();
                wait = wait.max($crate::store::outbox::wait_for_limit(&sent, $limit, $now));
            }
        }
        wait
    }};
}
pub(crate) use limit_wait;

/// Queues a copy of the message `$source` (if one goes out now) to the acting user's own
/// address `$copy_to`, inside `$tx`, and evaluates to the [`CopyOutcome`]. A copy counts
/// against that address only (CONTRACT.md, email limits): over its limit only the copy is
/// dropped, and the action it accompanies goes on.
macro_rules! enqueue_copy {
    ($tx:ident, $order_id:expr, $copy_to:expr, $source:expr, $limit:expr, $now:expr) => {{
        let copy_to: Option<&str> = $copy_to;
        let source: Option<i64> = $source;
        match (copy_to, source) {
            (None, _) => $crate::store::CopyOutcome::NotAsked,
            (Some(_), None) => $crate::store::CopyOutcome::NothingToCopy,
            (Some(copy_to), Some(source)) => {
                let sent: Vec<DateTime<Utc>> = sqlx::query_scalar(
                    "SELECT created_at FROM outbox
                     WHERE lower(recipient) = lower($1) AND cause IN ('edit', 'resend', 'copy') AND created_at > $2
                     ORDER BY created_at",
                )
                .bind(copy_to)
                .bind($now - chrono::Duration::days(1))
                .fetch_all(&mut *$tx)
                .await?;
                match $crate::store::outbox::wait_for_limit(&sent, $limit, $now) {
                    Some(wait) => $crate::store::CopyOutcome::Dropped(wait),
                    None => {
                        let id = $crate::store::outbox::enqueue!($tx, $order_id, copy_to, "copy", $now);
                        sqlx::query(
                            "INSERT INTO outbox_lines (outbox_id, subscription_id)
                             SELECT $1, subscription_id FROM outbox_lines WHERE outbox_id = $2",
                        )
                        .bind(id)
                        .bind(source)
                        .execute(&mut *$tx)
                        .await?;
                        $crate::store::CopyOutcome::Sent
                    }
                }
            }
        }
    }};
}
pub(crate) use enqueue_copy;

/// How long until one more email fits within `limit`, given the send times of the last
/// day in ascending order; None when it fits now.
pub fn wait_for_limit(sent: &[DateTime<Utc>], limit: SendLimit, now: DateTime<Utc>) -> Option<Duration> {
    let hour_ago = now - Duration::hours(1);
    let in_hour: Vec<&DateTime<Utc>> = sent.iter().filter(|t| **t > hour_ago).collect();
    let mut wait = None;
    if in_hour.len() >= limit.per_hour as usize {
        // The oldest that must leave the window for one more to fit.
        let oldest = in_hour[in_hour.len() - limit.per_hour as usize];
        wait = Some(*oldest + Duration::hours(1) - now);
    }
    if sent.len() >= limit.per_day as usize {
        let oldest = sent[sent.len() - limit.per_day as usize];
        let day_wait = oldest + Duration::days(1) - now;
        wait = Some(wait.map_or(day_wait, |w: Duration| w.max(day_wait)));
    }
    wait.map(|w| w.max(Duration::seconds(1)))
}

/// The emails people triggered in the last day, by recipient (lower-cased) and by line,
/// for actions that send many emails at once (a bulk fix): each email is admitted by
/// [`wait_for_limit`], the rule of a single edit, and counts for the ones after it.
#[derive(Debug, Default)]
pub struct LimitBook {
    by_recipient: std::collections::HashMap<String, Vec<DateTime<Utc>>>,
    by_line: std::collections::HashMap<String, Vec<DateTime<Utc>>>,
}

impl LimitBook {
    /// From the send times of the last day: (recipient, time) and (subscription id, time).
    pub fn new(
        recipients: impl IntoIterator<Item = (String, DateTime<Utc>)>,
        lines: impl IntoIterator<Item = (String, DateTime<Utc>)>,
    ) -> Self {
        let mut book = Self::default();
        for (recipient, at) in recipients {
            book.by_recipient.entry(recipient.to_lowercase()).or_default().push(at);
        }
        for (line, at) in lines {
            book.by_line.entry(line).or_default().push(at);
        }
        for sent in book.by_recipient.values_mut().chain(book.by_line.values_mut()) {
            sent.sort();
        }
        book
    }

    /// Which of `lines` one email to `recipient` at `now` may be about: none when the
    /// recipient is over the limit, else those within their own. An email that goes out
    /// is recorded for the recipient and each admitted line.
    pub fn admit(&mut self, recipient: &str, lines: &[&str], limit: SendLimit, now: DateTime<Utc>) -> Vec<bool> {
        let recipient = recipient.to_lowercase();
        let empty = Vec::new();
        if wait_for_limit(self.by_recipient.get(&recipient).unwrap_or(&empty), limit, now).is_some() {
            return vec![false; lines.len()];
        }
        let admitted: Vec<bool> = lines
            .iter()
            .map(|l| wait_for_limit(self.by_line.get(*l).unwrap_or(&empty), limit, now).is_none())
            .collect();
        if admitted.iter().any(|a| *a) {
            self.by_recipient.entry(recipient).or_default().push(now);
            for (line, _) in lines.iter().zip(&admitted).filter(|(_, a)| **a) {
                self.by_line.entry(line.to_string()).or_default().push(now);
            }
        }
        admitted
    }
}

/// id, order, recipient, cause, attempts, customer, language, subscription, offer, cc, closes at.
type ClaimRow =
    (i64, String, String, String, i64, String, Option<String>, String, String, Option<String>, Option<DateTime<Utc>>);

/// A claimed message and what it says.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub order_id: String,
    pub recipient: String,
    pub cause: String,
    pub attempts: i64,
    pub customer: String,
    pub language: Option<String>,
    /// (subscription id, offer) of every line the message is about.
    pub lines: Vec<(String, String)>,
    /// An invitation email (cause `invitation`) is about no order: what it says instead.
    pub invitation: Option<InvitationEmail>,
    /// Who gets it in copy (a reminder: the order's creator).
    pub cc: Option<String>,
    /// The closing time a reminder announces.
    pub closes_at: Option<DateTime<Utc>>,
}

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

impl Store {
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
        let rows: (Vec<ClaimRow>, Vec<InvitationClaimRow>) = write_tx!(self, |tx, pg| {
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
                "SELECT o.id, o.order_id, o.recipient, o.cause, CAST(o.attempts AS BIGINT), ord.customer,
                        COALESCE(ord.language, p.language), l.subscription_id, l.offer,
                        o.cc, o.closes_at
                 FROM outbox o
                 JOIN orders ord ON ord.id = o.order_id
                 JOIN companies p ON p.id = ord.partner_id
                 JOIN outbox_lines ol ON ol.outbox_id = o.id
                 JOIN lines l ON l.subscription_id = ol.subscription_id
                 WHERE o.lease_token = $1
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
            tx.commit().await?;
            (rows, invitations)
        });
        let (rows, invitations) = rows;
        let mut claimed: Vec<ClaimedEmail> = invitations
            .into_iter()
            .map(|(id, recipient, attempts, language, invitee, company, inviter, link)| ClaimedEmail {
                id,
                order_id: String::new(),
                recipient,
                cause: "invitation".to_string(),
                attempts,
                customer: String::new(),
                language,
                lines: Vec::new(),
                invitation: Some(InvitationEmail { invitee, company, inviter, link }),
                cc: None,
                closes_at: None,
            })
            .collect();
        for (id, order_id, recipient, cause, attempts, customer, language, sub, offer, cc, closes_at) in rows {
            match claimed.last_mut() {
                Some(last) if last.id == id => last.lines.push((sub, offer)),
                _ => claimed.push(ClaimedEmail {
                    id,
                    order_id,
                    recipient,
                    cause,
                    attempts,
                    customer,
                    language,
                    lines: vec![(sub, offer)],
                    invitation: None,
                    cc,
                    closes_at,
                }),
            }
        }
        Ok(claimed)
    }

    /// Records what became of a claimed batch in one transaction, and moves the update
    /// and resend transactions that the messages carry to success or failed.
    pub async fn finish_emails(
        &self,
        lease: &str,
        results: &[(i64, Delivery)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        write_tx!(self, |tx, pg| {
            for (id, result) in results {
                let (status, next, error, reply, sent_at) = match result {
                    Delivery::Accepted(reply) => ("sent", now, None, Some(reply.as_str()), Some(now)),
                    Delivery::Retry(at, reason) => ("queued", *at, Some(reason.as_str()), None, None),
                    Delivery::Failed(reason) => ("failed", now, Some(reason.as_str()), None, None),
                };
                sqlx::query(
                    "UPDATE outbox SET status = $2, next_attempt_at = $3, last_error = COALESCE($4, last_error),
                            server_reply = $5, sent_at = $6, lease_until = NULL
                     WHERE id = $1 AND lease_token = $7",
                )
                .bind(id)
                .bind(status)
                .bind(next)
                .bind(error)
                .bind(reply)
                .bind(sent_at)
                .bind(lease)
                .execute(&mut *tx)
                .await?;
            }
            // Set-based from here: the messages of this lease that reached an end.
            sqlx::query(
                "UPDATE transactions SET status = 'success', updated_at = $2,
                        detail = (SELECT 'accepted:' || COALESCE(o.server_reply, '') FROM outbox o WHERE o.id = transactions.outbox_id)
                 WHERE outbox_id IN (SELECT id FROM outbox WHERE lease_token = $1 AND status = 'sent')",
            )
            .bind(lease)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE transactions SET status = 'failed', updated_at = $2,
                        detail = (SELECT 'failed:' || COALESCE(o.last_error, '') FROM outbox o WHERE o.id = transactions.outbox_id)
                 WHERE outbox_id IN (SELECT id FROM outbox WHERE lease_token = $1 AND status = 'failed')",
            )
            .bind(lease)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE lines SET last_email_at = $2
                 WHERE subscription_id IN (SELECT ol.subscription_id FROM outbox_lines ol JOIN outbox o ON o.id = ol.outbox_id
                                           WHERE o.lease_token = $1 AND o.status = 'sent' AND o.cause <> 'copy')",
            )
            .bind(lease)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // An invitation's link carries its one-time token: kept only until the message
            // reaches an end.
            sqlx::query(
                "UPDATE outbox SET link = NULL
                 WHERE lease_token = $1 AND cause = 'invitation' AND status IN ('sent', 'failed')",
            )
            .bind(lease)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET lease_token = NULL WHERE lease_token = $1")
                .bind(lease)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Sends the first provisioning email of every line whose requested start date has
    /// come (from 00:00 UTC of that day), once: the update that marks the lines is the
    /// claim, so two schedulers never both send. One email per order and recipient.
    pub async fn enqueue_due_rsd_emails(&self, now: DateTime<Utc>) -> sqlx::Result<usize> {
        let today: NaiveDate = now.date_naive();
        write_tx!(self, |tx, pg| {
            let due: Vec<(String, String, String)> = sqlx::query_as(
                "UPDATE lines SET email_sent_at = $1
                 WHERE status = 'awaiting' AND email_sent_at IS NULL AND rsd <= $2
                   AND order_id IN (SELECT id FROM orders WHERE org_mapped_at IS NULL)
                 RETURNING order_id, contact, subscription_id",
            )
            .bind(now)
            .bind(today)
            .fetch_all(&mut *tx)
            .await?;
            let mut groups: Vec<(String, String)> = due.iter().map(|(o, c, _)| (o.clone(), c.clone())).collect();
            groups.sort();
            groups.dedup();
            for (order_id, contact) in &groups {
                let id = enqueue!(tx, order_id, contact, "rsd", now);
                sqlx::query(
                    "INSERT INTO outbox_lines (outbox_id, subscription_id)
                     SELECT $1, subscription_id FROM lines
                     WHERE order_id = $2 AND contact = $3 AND email_sent_at = $4 AND status = 'awaiting'",
                )
                .bind(id)
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE lines SET last_outbox_id = $1
                     WHERE order_id = $2 AND contact = $3 AND email_sent_at = $4 AND status = 'awaiting'",
                )
                .bind(id)
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(groups.len())
        })
    }

    /// Sends the reminders that are due at `now` (PROVISIO_REMINDERS, `offsets` smallest
    /// first) to the provisioning contacts of lines still awaiting set-up before PONR, the
    /// order's creator in copy. Of a line's reminders only the latest due one goes out, and
    /// only while its closing time is ahead; the update that records it on the line is the
    /// claim, so two schedulers never both send. One email per order and recipient, one
    /// reminder transaction per line.
    pub async fn enqueue_due_reminders(&self, now: DateTime<Utc>, offsets: &[Duration]) -> sqlx::Result<usize> {
        use crate::domain::closing::{SHORT_PERIOD_OFFERS, closing_cutoffs, closing_deadline, reminder_cutoffs};
        let short = reminder_cutoffs(Duration::days(7), offsets, now);
        let long = reminder_cutoffs(Duration::days(30), offsets, now);
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
        let claim = format!(
            "UPDATE lines SET reminder_offset = {due}, reminded_at = $1
             WHERE status = 'awaiting' AND email_sent_at IS NOT NULL
               AND ((offer IN ({offers}) AND email_sent_at > $2) OR (offer NOT IN ({offers}) AND email_sent_at > $3))
               AND order_id IN (SELECT id FROM orders WHERE org_mapped_at IS NULL)
               AND {due} IS NOT NULL AND (reminder_offset IS NULL OR reminder_offset > {due})
             RETURNING order_id, contact, offer, email_sent_at"
        );
        write_tx!(self, |tx, pg| {
            let mut query =
                sqlx::query_as(sqlx::AssertSqlSafe(claim.clone())).bind(now).bind(short_closed).bind(long_closed);
            for cutoff in &cutoffs {
                query = query.bind(*cutoff);
            }
            let due: Vec<(String, String, String, DateTime<Utc>)> = query.fetch_all(&mut *tx).await?;
            // Each email announces the earliest closing time of the lines it is about.
            let mut groups: Vec<((String, String), DateTime<Utc>)> = due
                .into_iter()
                .map(|(order, contact, offer, sent)| ((order, contact), closing_deadline(&offer, sent)))
                .collect();
            groups.sort();
            groups.dedup_by(|later, first| later.0 == first.0);
            for ((order_id, contact), closes_at) in &groups {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO outbox (order_id, recipient, cause, status, attempts, next_attempt_at, created_at, cc, closes_at)
                     SELECT o.id, $2, 'reminder', 'queued', 0, $3, $3, u.email, $4
                     FROM orders o JOIN users u ON u.id = o.created_by WHERE o.id = $1
                     RETURNING id",
                )
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .bind(closes_at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO outbox_lines (outbox_id, subscription_id)
                     SELECT $1, subscription_id FROM lines WHERE order_id = $2 AND contact = $3 AND reminded_at = $4",
                )
                .bind(id)
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE lines SET last_outbox_id = $1 WHERE order_id = $2 AND contact = $3 AND reminded_at = $4",
                )
                .bind(id)
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                               actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                               distributor_id)
                     SELECT 'provisioning_email_reminder', subscription_id, order_id, contact, contact, NULL,
                            'scheduler', 'in_progress', NULL, $4, $4, $1, partner_id, distributor_id
                     FROM lines WHERE order_id = $2 AND contact = $3 AND reminded_at = $4",
                )
                .bind(id)
                .bind(order_id)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(groups.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_the_last_hour_and_day() {
        let now = Utc::now();
        let limit = SendLimit { per_hour: 3, per_day: 10 };
        assert_eq!(wait_for_limit(&[], limit, now), None);
        let two = [now - Duration::minutes(50), now - Duration::minutes(10)];
        assert_eq!(wait_for_limit(&two, limit, now), None);
        let three = [now - Duration::minutes(50), now - Duration::minutes(20), now - Duration::minutes(10)];
        assert_eq!(wait_for_limit(&three, limit, now), Some(Duration::minutes(10)));
        let day: Vec<_> = (0..10).map(|i| now - Duration::hours(20) + Duration::minutes(i)).collect();
        assert_eq!(wait_for_limit(&day, limit, now), Some(Duration::hours(4)));
    }

    #[test]
    fn a_book_admits_emails_while_recipient_and_line_fit() {
        let now = Utc::now();
        let limit = SendLimit { per_hour: 2, per_day: 10 };
        let earlier = now - Duration::minutes(5);
        let mut book = LimitBook::new([("A@x.example".to_string(), earlier)], [("Sub-2".to_string(), earlier)]);
        assert_eq!(book.admit("a@x.example", &["Sub-1"], limit, now), [true]);
        // The recipient has had two now: the next email to it waits, whatever its lines.
        assert_eq!(book.admit("a@X.example", &["Sub-3"], limit, now), [false]);
        assert_eq!(book.admit("b@x.example", &["Sub-2", "Sub-4"], limit, now), [true, true]);
        assert_eq!(book.admit("c@x.example", &["Sub-2", "Sub-5"], limit, now), [false, true], "Sub-2 had two");
    }
}
