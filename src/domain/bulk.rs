//! Bulk fix (docs/product.md): every row of an uploaded file is checked by the
//! rules of one edit on the Cloud/SaaS Subscriptions page, with the same functions:
//! visibility, permission and the state ([`check_line`], as for one edit), the address
//! ([`ContactEmail::parse`], run when the file is read), then whether it changes anything.
//! The email limits come last and need the send history: the store applies them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Actor, ContactEmail, EditScope, LineCheck, LineStatus, NotAllowed, OrderParties, Refusal, check_line};

/// The most data rows one file may have.
pub const MAX_ROWS: usize = 10_000;

/// The most unapplied previews one user may hold at once: each is up to [`MAX_ROWS`]
/// rows in the database until it is applied, discarded or deleted after
/// PROVISIO_BULK_KEEP.
pub const MAX_UNAPPLIED: usize = 5;

/// What will happen, or happened, to one row (`data-result` in the markup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BulkResult {
    Change,
    Unchanged,
    NotFound,
    NoPermission,
    Ponr,
    Complete,
    Invalid,
    Duplicate,
    Limit,
    Done,
}

impl BulkResult {
    pub const ALL: [Self; 10] = [
        Self::Change,
        Self::Unchanged,
        Self::NotFound,
        Self::NoPermission,
        Self::Ponr,
        Self::Complete,
        Self::Invalid,
        Self::Duplicate,
        Self::Limit,
        Self::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Change => "change",
            Self::Unchanged => "unchanged",
            Self::NotFound => "not_found",
            Self::NoPermission => "no_permission",
            Self::Ponr => "ponr",
            Self::Complete => "complete",
            Self::Invalid => "invalid",
            Self::Duplicate => "duplicate",
            Self::Limit => "limit",
            Self::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the row changes (preview) or changed (after apply) its line.
    pub fn changes(self) -> bool {
        matches!(self, Self::Change | Self::Done)
    }
}

/// One data row of the file as it was read: its row number (the header is row 1), the
/// subscription id and the address as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub row: i64,
    pub subscription_id: String,
    pub typed_email: String,
}

/// A file row with what the rules make of it without the database: the parsed address
/// (or the catalog key of why it was refused) and whether its subscription appeared on
/// an earlier row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRow {
    pub row: FileRow,
    pub email: Result<ContactEmail, &'static str>,
    pub duplicate: bool,
}

/// Parses every address and marks the rows whose subscription came before.
pub fn prepare(rows: Vec<FileRow>) -> Vec<PreparedRow> {
    let mut seen = HashSet::with_capacity(rows.len());
    rows.into_iter()
        .map(|row| {
            let duplicate = !seen.insert(row.subscription_id.clone());
            let email = ContactEmail::parse(&row.typed_email).map_err(|e| e.message_key());
            PreparedRow { row, email, duplicate }
        })
        .collect()
}

/// What the database says of a row's line, if there is one.
#[derive(Debug, Clone)]
pub struct LineFacts<'a> {
    pub parties: &'a OrderParties,
    pub org_mapped_at: Option<DateTime<Utc>>,
    pub status: LineStatus,
    pub contact: &'a str,
}

/// The outcome of one row before the email limits, in the order of the action routes:
/// visible, permitted, state, input, then the file's own duplicate, then whether the
/// address already is the line's.
pub fn check_row(actor: &Actor, email: Option<&str>, duplicate: bool, line: Option<&LineFacts<'_>>) -> BulkResult {
    let Some(line) = line else { return BulkResult::NotFound };
    let scope = EditScope::SubscriptionsPage;
    match check_line(actor, line.parties, scope, line.status, line.org_mapped_at, LineCheck::Edit) {
        Ok(_) => {}
        Err(NotAllowed::NotFound) => return BulkResult::NotFound,
        Err(NotAllowed::Forbidden) => return BulkResult::NoPermission,
        Err(NotAllowed::Refused(Refusal::Ponr)) => return BulkResult::Ponr,
        Err(NotAllowed::Refused(_)) => return BulkResult::Complete,
    }
    let Some(email) = email else { return BulkResult::Invalid };
    if duplicate {
        return BulkResult::Duplicate;
    }
    if line.contact == email { BulkResult::Unchanged } else { BulkResult::Change }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{actor, parties};

    #[test]
    fn rows_are_checked_in_the_order_of_one_edit() {
        let p = parties();
        let open = LineFacts { parties: &p, org_mapped_at: None, status: LineStatus::Closed, contact: "a@x.example" };
        let editor = actor("acme", true);
        assert_eq!(check_row(&editor, Some("b@x.example"), false, Some(&open)), BulkResult::Change);
        assert_eq!(check_row(&editor, Some("a@x.example"), false, Some(&open)), BulkResult::Unchanged);
        assert_eq!(check_row(&editor, Some("b@x.example"), true, Some(&open)), BulkResult::Duplicate);
        assert_eq!(check_row(&editor, None, true, Some(&open)), BulkResult::Invalid);
        assert_eq!(check_row(&editor, Some("b@x.example"), false, None), BulkResult::NotFound);
        assert_eq!(check_row(&actor("other", true), None, false, Some(&open)), BulkResult::NotFound);
        assert_eq!(check_row(&actor("acme", false), None, false, Some(&open)), BulkResult::NoPermission);
        let ponr = LineFacts { org_mapped_at: Some(Utc::now()), ..open.clone() };
        assert_eq!(check_row(&editor, Some("b@x.example"), false, Some(&ponr)), BulkResult::Ponr);
        let complete = LineFacts { status: LineStatus::Complete, ..open };
        assert_eq!(check_row(&editor, Some("b@x.example"), false, Some(&complete)), BulkResult::Complete);
    }

    #[test]
    fn later_rows_of_a_subscription_are_duplicates_and_addresses_are_parsed() {
        let row =
            |n: i64, sub: &str, email: &str| FileRow { row: n, subscription_id: sub.into(), typed_email: email.into() };
        let prepared =
            prepare(vec![row(2, "Sub-1", "A@X.EXAMPLE"), row(3, "Sub-2", "nope"), row(4, "Sub-1", "b@x.example")]);
        assert_eq!(prepared[0].email.as_ref().unwrap().as_str(), "A@x.example");
        assert!(!prepared[0].duplicate && !prepared[1].duplicate && prepared[2].duplicate);
        assert_eq!(prepared[1].email, Err("email-error-invalid"));
        for r in BulkResult::ALL {
            assert_eq!(BulkResult::parse(r.as_str()), Some(r));
        }
    }
}
