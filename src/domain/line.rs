//! Order lines: their status and what may still be done with them.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineStatus {
    /// Awaiting Provisioning Details: open, waiting for the customer to finish set-up.
    Awaiting,
    /// The ordering side is closed; set-up may still be pending.
    Closed,
    /// Provisioning Complete.
    Complete,
}

impl LineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Awaiting => "awaiting",
            Self::Closed => "closed",
            Self::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "awaiting" => Some(Self::Awaiting),
            "closed" => Some(Self::Closed),
            "complete" => Some(Self::Complete),
            _ => None,
        }
    }

    /// Statuses only move forward (awaiting → closed → complete); an import or an
    /// event never moves a line back.
    pub fn advance_to(self, other: Self) -> Self {
        self.max(other)
    }

    pub fn message_key(self) -> &'static str {
        match self {
            Self::Awaiting => "status-awaiting",
            Self::Closed => "status-closed",
            Self::Complete => "status-complete",
        }
    }
}

/// Why a change to a line is refused by its state (answered with 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The customer organisation is onboarded: set-up continues in the admin console.
    Ponr,
    /// Closed lines are fixed from the Cloud/SaaS Subscriptions page, not the order page.
    ClosedOnOrderPage,
    /// Set-up is already finished; there is nothing to send.
    Complete,
    /// The line changed since the dialog was shown.
    Stale { changed_by: String, current: String },
    /// A resend before the first email: it goes out on the requested start date.
    NotYetSent { rsd: NaiveDate },
}

/// Where an edit comes from decides which lines it may touch (docs/product.md rule 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    /// The order page: lines awaiting set-up.
    OrderPage,
    /// The Cloud/SaaS Subscriptions page (and the bulk fix): those and the
    /// closed-but-pending ones.
    SubscriptionsPage,
}

impl EditScope {
    /// The two line statuses this scope may change (the same one twice for the order page).
    pub fn editable_statuses(self) -> (&'static str, &'static str) {
        match self {
            Self::OrderPage => ("awaiting", "awaiting"),
            Self::SubscriptionsPage => ("awaiting", "closed"),
        }
    }

    /// Why a line in this state may not be changed from this scope (409), if it may not:
    /// PONR wins over every status. The one rule behind the dialogs, the locked write and
    /// every row of a bulk fix.
    pub fn refusal(self, status: LineStatus, org_mapped_at: Option<DateTime<Utc>>) -> Option<Refusal> {
        if org_mapped_at.is_some() {
            return Some(Refusal::Ponr);
        }
        match (self, status) {
            (_, LineStatus::Awaiting) | (Self::SubscriptionsPage, LineStatus::Closed) => None,
            (Self::OrderPage, LineStatus::Closed) => Some(Refusal::ClosedOnOrderPage),
            (_, LineStatus::Complete) => Some(Refusal::Complete),
        }
    }

    /// Why a line may not be resent from this scope (409), if it may not: whatever stops
    /// an edit, then the first email must have gone out (before the requested start date
    /// there is nothing to send again). The one rule behind the Resend button, the dialog,
    /// the API and the locked write.
    pub fn resend_refusal(
        self,
        status: LineStatus,
        org_mapped_at: Option<DateTime<Utc>>,
        email_sent_at: Option<DateTime<Utc>>,
        rsd: NaiveDate,
    ) -> Option<Refusal> {
        self.refusal(status, org_mapped_at).or_else(|| email_sent_at.is_none().then_some(Refusal::NotYetSent { rsd }))
    }
}

/// The line changed since the dialog (or the API client) read `expected` (409): who
/// changed it last and its contact now. The one rule behind the pages' dialogs, the API and
/// the locked write. None when no version was given, or it is still the line's.
pub fn stale_refusal(expected: Option<i64>, version: i64, updated_by: &str, contact: &str) -> Option<Refusal> {
    expected
        .is_some_and(|v| v != version)
        .then(|| Refusal::Stale { changed_by: updated_by.to_string(), current: contact.to_string() })
}

/// The state of a line's last provisioning email, as the pages (`data-email-state`), the
/// API's `last_email` and the reminders read it, from its outbox row's status and the
/// delivery attempts so far: none, queued (no attempt yet), in_progress (attempted,
/// retrying), accepted, failed, and after the relay accepted it, bounced or delayed
/// (docs/product.md rule 14).
pub fn email_state(outbox_status: Option<&str>, attempts: i64) -> &'static str {
    match (outbox_status, attempts) {
        (Some("queued"), 0) => "queued",
        (Some("queued"), _) => "in_progress",
        (Some("sent"), _) => "accepted",
        (Some("failed"), _) => "failed",
        (Some("bounced"), _) => "bounced",
        (Some("delayed"), _) => "delayed",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stale_version_names_who_changed_the_line_and_its_contact_now() {
        assert_eq!(super::stale_refusal(None, 3, "Ana", "a@x.example"), None);
        assert_eq!(super::stale_refusal(Some(3), 3, "Ana", "a@x.example"), None);
        assert_eq!(
            super::stale_refusal(Some(2), 3, "Ana", "a@x.example"),
            Some(super::Refusal::Stale { changed_by: "Ana".into(), current: "a@x.example".into() })
        );
    }

    use super::*;

    #[test]
    fn status_round_trips_and_never_moves_back() {
        for s in [LineStatus::Awaiting, LineStatus::Closed, LineStatus::Complete] {
            assert_eq!(LineStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LineStatus::parse("open"), None);
        assert_eq!(LineStatus::Closed.advance_to(LineStatus::Awaiting), LineStatus::Closed);
        assert_eq!(LineStatus::Awaiting.advance_to(LineStatus::Complete), LineStatus::Complete);
    }

    #[test]
    fn ponr_wins_over_every_status() {
        let mapped = Some(Utc::now());
        let order = EditScope::OrderPage;
        for s in [LineStatus::Awaiting, LineStatus::Closed, LineStatus::Complete] {
            assert_eq!(order.refusal(s, mapped), Some(Refusal::Ponr));
        }
        assert_eq!(order.refusal(LineStatus::Awaiting, None), None);
        assert_eq!(order.refusal(LineStatus::Closed, None), Some(Refusal::ClosedOnOrderPage));
        assert_eq!(order.refusal(LineStatus::Complete, None), Some(Refusal::Complete));
        let subs = EditScope::SubscriptionsPage;
        assert_eq!(subs.refusal(LineStatus::Closed, None), None, "closed lines are fixed there");
        assert_eq!(subs.refusal(LineStatus::Complete, None), Some(Refusal::Complete));
        assert_eq!(subs.refusal(LineStatus::Closed, mapped), Some(Refusal::Ponr));
    }

    #[test]
    fn a_resend_waits_for_the_first_email_and_keeps_every_edit_rule() {
        let rsd = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
        let (sent, mapped) = (Some(Utc::now()), Some(Utc::now()));
        let order = EditScope::OrderPage;
        assert_eq!(order.resend_refusal(LineStatus::Awaiting, None, sent, rsd), None);
        assert_eq!(order.resend_refusal(LineStatus::Awaiting, None, None, rsd), Some(Refusal::NotYetSent { rsd }));
        // The edit rules come first: PONR, closed on the order page, complete.
        assert_eq!(order.resend_refusal(LineStatus::Awaiting, mapped, None, rsd), Some(Refusal::Ponr));
        assert_eq!(order.resend_refusal(LineStatus::Closed, None, None, rsd), Some(Refusal::ClosedOnOrderPage));
        assert_eq!(order.resend_refusal(LineStatus::Complete, None, sent, rsd), Some(Refusal::Complete));
        let subs = EditScope::SubscriptionsPage;
        assert_eq!(subs.resend_refusal(LineStatus::Closed, None, sent, rsd), None);
        assert_eq!(subs.resend_refusal(LineStatus::Closed, None, None, rsd), Some(Refusal::NotYetSent { rsd }));
    }
}
