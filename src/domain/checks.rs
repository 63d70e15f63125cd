//! The order in which every action on a line is checked (docs/http.md, "Answers of the
//! action routes"; docs/product.md rules 2, 3, 7 and 9): visible (404), permitted (403),
//! the line's state (409). One function, used by the use cases of `crate::actions` for the
//! pages and API v1, and by the bulk fix for every row of a file.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Actor, EditGrant, EditScope, LineStatus, OrderParties, Refusal};

/// Which action the line is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineCheck {
    /// A new provisioning contact.
    Edit,
    /// The provisioning email again: the state of an edit, and the first email gone out.
    Resend { email_sent_at: Option<DateTime<Utc>>, rsd: NaiveDate },
    /// The email again for every line of the order: visible and permitted here; which
    /// lines may be resent is the scope's predicate over the whole order, in the store.
    EveryLine,
}

/// Why the action may not be taken, in the order the checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// Not visible to the actor: for them the line does not exist (404).
    NotFound,
    /// Visible, but the actor may not change the order (403).
    Forbidden,
    /// The line's state refuses it (409).
    Refused(Refusal),
}

/// Visible, then permitted, then the line's state by the page's scope: the grant the
/// store's writes take, or the first check that failed.
pub fn check_line(
    actor: &Actor,
    parties: &OrderParties,
    scope: EditScope,
    status: LineStatus,
    org_mapped_at: Option<DateTime<Utc>>,
    check: LineCheck,
) -> Result<EditGrant, NotAllowed> {
    if !actor.may_see(parties) {
        return Err(NotAllowed::NotFound);
    }
    let grant = actor.edit_grant(parties).ok_or(NotAllowed::Forbidden)?;
    let refused = match check {
        LineCheck::Edit => scope.refusal(status, org_mapped_at),
        LineCheck::Resend { email_sent_at, rsd } => scope.resend_refusal(status, org_mapped_at, email_sent_at, rsd),
        LineCheck::EveryLine => None,
    };
    match refused {
        Some(refusal) => Err(NotAllowed::Refused(refusal)),
        None => Ok(grant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{actor, parties};

    #[test]
    fn visibility_comes_before_permission_and_permission_before_state() {
        let p = parties();
        let complete = LineStatus::Complete;
        let scope = EditScope::SubscriptionsPage;
        // Another company's complete line: 404, not 403 nor 409.
        assert_eq!(
            check_line(&actor("other", true), &p, scope, complete, None, LineCheck::Edit).unwrap_err(),
            NotAllowed::NotFound
        );
        // Our company without the permission: 403, not 409.
        assert_eq!(
            check_line(&actor("acme", false), &p, scope, complete, None, LineCheck::Edit).unwrap_err(),
            NotAllowed::Forbidden
        );
        assert_eq!(
            check_line(&actor("acme", true), &p, scope, complete, None, LineCheck::Edit).unwrap_err(),
            NotAllowed::Refused(Refusal::Complete)
        );
        let open = LineStatus::Awaiting;
        assert!(check_line(&actor("acme", true), &p, scope, open, None, LineCheck::Edit).is_ok());
    }

    #[test]
    fn a_resend_also_wants_the_first_email_gone_out_and_every_line_leaves_the_state_to_the_order() {
        let p = parties();
        let editor = actor("acme", true);
        let rsd = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
        let scope = EditScope::OrderPage;
        let before = LineCheck::Resend { email_sent_at: None, rsd };
        assert_eq!(
            check_line(&editor, &p, scope, LineStatus::Awaiting, None, before).unwrap_err(),
            NotAllowed::Refused(Refusal::NotYetSent { rsd })
        );
        let after = LineCheck::Resend { email_sent_at: Some(Utc::now()), rsd };
        assert!(check_line(&editor, &p, scope, LineStatus::Awaiting, None, after).is_ok());
        assert!(check_line(&editor, &p, scope, LineStatus::Complete, None, LineCheck::EveryLine).is_ok());
        assert_eq!(
            check_line(&editor, &p, scope, LineStatus::Awaiting, Some(Utc::now()), LineCheck::Edit).unwrap_err(),
            NotAllowed::Refused(Refusal::Ponr)
        );
    }
}
