//! The two changes a partner makes to a line: a new provisioning contact (one line or every
//! editable line of its order) and a resend, each one database transaction with its
//! transactions and its queued email.

use chrono::{DateTime, Utc};

use super::outbox::{Emailed, OutboxTx};
use super::{EditScope, OrderLock, Store, retrying, sql, write_tx};
use crate::domain::SendLimit;
use crate::domain::{ContactEmail, EditGrant, LineStatus, Refusal, stale_refusal};

/// The order's PONR, and status, contact, version, updated_by, email_sent_at of the line an
/// edit targets.
type LockedLine = (Option<DateTime<Utc>>, LineStatus, String, i64, String, Option<DateTime<Utc>>);

/// Who acts on which line, from which page, when and under which email limit: what an
/// edit and a resend share.
#[derive(Debug)]
pub struct LineAction<'a> {
    pub grant: &'a EditGrant,
    pub actor_name: &'a str,
    pub subscription_id: &'a str,
    pub scope: EditScope,
    pub at: DateTime<Utc>,
    /// The emails a line or recipient may trigger.
    pub limit: SendLimit,
    /// "Send me a copy": the acting user's own account address.
    pub copy_to: Option<&'a str>,
}

/// One request to change the provisioning contact of a line (and maybe its siblings).
#[derive(Debug)]
pub struct ContactEdit<'a> {
    pub action: LineAction<'a>,
    pub new_contact: &'a ContactEmail,
    pub apply_to_all: bool,
    /// The line's version the dialog showed, if it sent one.
    pub expected_version: Option<i64>,
}

/// What became of "Send me a copy" (`copy_to_me=on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOutcome {
    NotAsked,
    /// Queued to the acting user.
    Sent,
    /// No email goes out now (an edit before the first email), so there is nothing to copy.
    NothingToCopy,
    /// Over the limits of the acting user's address: only the copy is dropped; another
    /// fits after this long.
    Dropped(chrono::Duration),
}

#[derive(Debug, PartialEq, Eq)]
pub enum EditOutcome {
    /// The subscription ids whose contact changed (empty: it already was that address),
    /// and whether any of them gets the email at once (its first one already went out;
    /// the others get it on their RSD).
    Changed {
        lines: Vec<String>,
        emailed: bool,
        copy: CopyOutcome,
        /// The update transactions written, one per changed line.
        transactions: Vec<i64>,
    },
    Stopped(Stopped),
}

/// Why a change to lines was not made (nothing was written), the same for an edit, a
/// resend and a resend for every line, so that each answer (page or API) is one match arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// A rule of the line's state: 409.
    Refused(Refusal),
    /// Too many emails for a line or recipient: the next fits after this long (429).
    Limited(chrono::Duration),
    /// The line is gone, or out of the grant: 404.
    NotFound,
}

/// One request to send the provisioning email of a line again.
pub type Resend<'a> = LineAction<'a>;

#[derive(Debug, PartialEq, Eq)]
pub enum ResendOutcome {
    /// Queued to this address, recorded as this resend transaction; what became of the copy.
    Queued {
        recipient: String,
        transaction: i64,
        copy: CopyOutcome,
    },
    Stopped(Stopped),
}

impl Store {
    /// Changes the provisioning contact of one line, or of every line of its order that the
    /// scope may edit, in one database transaction with one update transaction per changed
    /// line. The order row is locked first (PostgreSQL: FOR UPDATE; SQLite: the write lock of
    /// BEGIN IMMEDIATE), and onboarding writes that same row, so an edit can never commit
    /// after PONR.
    pub async fn edit_contact(&self, edit: ContactEdit<'_>) -> sqlx::Result<EditOutcome> {
        retrying(|| self.edit_contact_once(&edit)).await
    }

    async fn edit_contact_once(&self, edit: &ContactEdit<'_>) -> sqlx::Result<EditOutcome> {
        let (status_a, status_b) = edit.action.scope.editable_statuses();
        // The lines this edit changes, in every statement below: $1 the order, $2 the line,
        // $3 apply to all, $4 and $5 the statuses the scope may edit, $6 the new contact.
        macro_rules! changed {
            ($sql:literal) => {
                concat!(
                    $sql,
                    " WHERE order_id = $1 AND (subscription_id = $2 OR $3) AND status IN ($4, $5) AND contact <> $6"
                )
            };
        }
        macro_rules! bind_changed {
            ($query:expr) => {
                $query
                    .bind(edit.action.grant.order_id())
                    .bind(edit.action.subscription_id)
                    .bind(edit.apply_to_all)
                    .bind(status_a)
                    .bind(status_b)
                    .bind(edit.new_contact.as_str())
            };
        }
        write_tx!(self, |tx, pg| {
            // The order's lock (as `OrderLock::lock_order` takes it) and the edited line, in
            // one statement: a round trip fewer on every edit. PostgreSQL locks the line too,
            // so that a line another edit changed while this one waited for the order is read
            // as that edit left it (a locked row is read again once its lock is granted; the
            // others keep the statement's snapshot). No row: no such order or line.
            let locked: Option<LockedLine> = sqlx::query_as(sql(
                pg,
                "SELECT o.org_mapped_at, l.status, l.contact, l.version, l.updated_by, l.email_sent_at
                 FROM orders o JOIN lines l ON l.subscription_id = $2 AND l.order_id = o.id
                 WHERE o.id = $1 FOR UPDATE OF o FOR NO KEY UPDATE OF l",
                "SELECT o.org_mapped_at, l.status, l.contact, l.version, l.updated_by, l.email_sent_at
                 FROM orders o JOIN lines l ON l.subscription_id = $2 AND l.order_id = o.id
                 WHERE o.id = $1",
            ))
            .bind(edit.action.grant.order_id())
            .bind(edit.action.subscription_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((org_mapped_at, status, contact, version, updated_by, email_sent_at)) = locked else {
                return Ok(EditOutcome::Stopped(Stopped::NotFound));
            };
            if let Some(refusal) = edit.action.scope.refusal(status, org_mapped_at) {
                return Ok(EditOutcome::Stopped(Stopped::Refused(refusal)));
            }
            if let Some(stale) = stale_refusal(edit.expected_version, version, &updated_by, &contact) {
                return Ok(EditOutcome::Stopped(Stopped::Refused(stale)));
            }
            // How many lines change, and how many of them get the email at once (their
            // first one already went out); the others get it on their RSD.
            let (changing, emailed): (i64, i64) = if edit.apply_to_all {
                bind_changed!(sqlx::query_as(changed!(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN email_sent_at IS NULL THEN 0 ELSE 1 END), 0) FROM lines"
                )))
                .fetch_one(&mut *tx)
                .await?
            } else if contact != edit.new_contact.as_str() {
                (1, i64::from(email_sent_at.is_some()))
            } else {
                (0, 0)
            };
            if changing == 0 {
                let copy = tx.enqueue_copy(&edit.action, None).await?;
                return Ok(EditOutcome::Changed { lines: Vec::new(), emailed: false, copy, transactions: Vec::new() });
            }
            // Every line this edit emails counts, and so does the new contact.
            if emailed > 0
                && let Some(wait) = tx
                    .limit_wait(
                        edit.action.grant.order_id(),
                        edit.new_contact.as_str(),
                        Emailed::Edit {
                            subscription_id: edit.action.subscription_id,
                            apply_to_all: edit.apply_to_all,
                            statuses: (status_a, status_b),
                            new_contact: edit.new_contact.as_str(),
                        },
                        edit.action.limit,
                        edit.action.at,
                    )
                    .await?
            {
                return Ok(EditOutcome::Stopped(Stopped::Limited(wait)));
            }
            // Set-based: a fixed number of statements whatever the number of lines. The
            // message is written first, so that each row is written once, already carrying it.
            let outbox_id = if emailed > 0 {
                // One email to the new contact listing every line it is now for.
                Some(tx.enqueue(edit.action.grant.order_id(), edit.new_contact.as_str(), "edit", edit.action.at).await?)
            } else {
                None
            };
            // The transactions (reading each line's old contact), the message's lines and the
            // lines themselves, in one round trip: PostgreSQL runs them as one statement
            // (data-modifying CTEs, which all read the lines as they were), SQLite as three
            // statements of one query on its single writer. $7 the actor's id, $8 their name,
            // $9 the time, $10 the message.
            macro_rules! insert_transactions {
                () => {
                    changed!(
                        "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                                   actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                                   distributor_id)
                         SELECT 'provisioning_email_update', subscription_id, order_id, contact, $6, $7, $8,
                                CASE WHEN email_sent_at IS NULL THEN 'success' ELSE 'in_progress' END,
                                CASE WHEN email_sent_at IS NULL THEN 'on-rsd' END, $9, $9,
                                CASE WHEN email_sent_at IS NULL THEN NULL ELSE $10 END, partner_id, distributor_id
                         FROM lines"
                    )
                };
            }
            macro_rules! insert_message_lines {
                () => {
                    concat!(
                        changed!(
                            "INSERT INTO outbox_lines (outbox_id, subscription_id) SELECT $10, subscription_id FROM lines"
                        ),
                        " AND email_sent_at IS NOT NULL AND $10 IS NOT NULL"
                    )
                };
            }
            macro_rules! update_lines {
                () => {
                    changed!(
                        "UPDATE lines SET contact = $6, version = version + 1, updated_at = $9, updated_by = $8,
                                          last_outbox_id = CASE WHEN email_sent_at IS NULL THEN last_outbox_id ELSE $10 END"
                    )
                };
            }
            let written: Vec<(Option<i64>, Option<String>)> = bind_changed!(sqlx::query_as(sql(
                pg,
                concat!(
                    "WITH t AS (",
                    insert_transactions!(),
                    " RETURNING id), m AS (",
                    insert_message_lines!(),
                    "), u AS (",
                    update_lines!(),
                    " RETURNING subscription_id)
                     SELECT id, NULL AS subscription_id FROM t UNION ALL SELECT NULL, subscription_id FROM u"
                ),
                concat!(
                    insert_transactions!(),
                    " RETURNING id, NULL AS subscription_id; ",
                    insert_message_lines!(),
                    "; ",
                    update_lines!(),
                    " RETURNING NULL AS id, subscription_id"
                ),
            )))
            .bind(edit.action.grant.actor_user_id())
            .bind(edit.action.actor_name)
            .bind(edit.action.at)
            .bind(outbox_id)
            .fetch_all(&mut *tx)
            .await?;
            let mut transactions: Vec<i64> = written.iter().filter_map(|(id, _)| *id).collect();
            transactions.sort_unstable();
            let lines: Vec<String> = written.into_iter().filter_map(|(_, line)| line).collect();
            let copy = tx.enqueue_copy(&edit.action, outbox_id).await?;
            tx.commit().await?;
            Ok(EditOutcome::Changed { lines, emailed: emailed > 0, copy, transactions })
        })
    }

    /// Sends the provisioning email of a line again (docs/product.md rule 5): only once the first
    /// email went out, never past PONR, within the limits; the resend transaction and the
    /// queued message are written together.
    pub async fn resend(&self, resend: Resend<'_>) -> sqlx::Result<ResendOutcome> {
        retrying(|| self.resend_once(&resend)).await
    }

    async fn resend_once(&self, resend: &Resend<'_>) -> sqlx::Result<ResendOutcome> {
        write_tx!(self, |tx, pg| {
            let mapped = tx.lock_order(resend.grant.order_id()).await?;
            let Some(org_mapped_at) = mapped else { return Ok(ResendOutcome::Stopped(Stopped::NotFound)) };
            let line: Option<(LineStatus, String, Option<DateTime<Utc>>, chrono::NaiveDate)> = sqlx::query_as(
                "SELECT status, contact, email_sent_at, rsd FROM lines WHERE subscription_id = $1 AND order_id = $2",
            )
            .bind(resend.subscription_id)
            .bind(resend.grant.order_id())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((status, contact, email_sent_at, rsd)) = line else {
                return Ok(ResendOutcome::Stopped(Stopped::NotFound));
            };
            if let Some(refusal) = resend.scope.resend_refusal(status, org_mapped_at, email_sent_at, rsd) {
                return Ok(ResendOutcome::Stopped(Stopped::Refused(refusal)));
            }
            let emailed = Emailed::Line(resend.subscription_id);
            if let Some(wait) =
                tx.limit_wait(resend.grant.order_id(), contact.as_str(), emailed, resend.limit, resend.at).await?
            {
                return Ok(ResendOutcome::Stopped(Stopped::Limited(wait)));
            }
            let id = tx.enqueue(resend.grant.order_id(), contact.as_str(), "resend", resend.at).await?;
            sqlx::query("INSERT INTO outbox_lines (outbox_id, subscription_id) VALUES ($1, $2)")
                .bind(id)
                .bind(resend.subscription_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE lines SET last_outbox_id = $1 WHERE subscription_id = $2")
                .bind(id)
                .bind(resend.subscription_id)
                .execute(&mut *tx)
                .await?;
            let transaction: i64 = sqlx::query_scalar(
                "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor_user_id,
                                           actor, status, detail, created_at, updated_at, outbox_id, partner_id,
                                           distributor_id)
                 SELECT 'provisioning_email_resend', $1, $2, $3, $3, $4, $5, 'in_progress', NULL, $6, $6, $7,
                        partner_id, distributor_id
                 FROM lines WHERE subscription_id = $1
                 RETURNING id",
            )
            .bind(resend.subscription_id)
            .bind(resend.grant.order_id())
            .bind(&contact)
            .bind(resend.grant.actor_user_id())
            .bind(resend.actor_name)
            .bind(resend.at)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let copy = tx.enqueue_copy(resend, Some(id)).await?;
            tx.commit().await?;
            Ok(ResendOutcome::Queued { recipient: contact, transaction, copy })
        })
    }
}
