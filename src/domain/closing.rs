//! The closing policy (docs/product.md rule 8): a line whose set-up is not finished within the
//! policy period after its first provisioning email closes and billing starts. Neither a
//! resend nor an edit restarts the clock.

use chrono::{DateTime, Duration, Utc};

use super::LineStatus;

/// The offers with the short period.
pub const SHORT_PERIOD_OFFERS: [&str; 2] = ["A-Flex", "A-Flex-3"];
/// The policy period of A-Flex and A-Flex-3: 7×24 hours.
pub const SHORT_PERIOD: Duration = Duration::days(7);
/// The policy period of every other offer: 30×24 hours.
pub const LONG_PERIOD: Duration = Duration::days(30);

/// 7×24 hours for A-Flex and A-Flex-3, 30×24 hours for every other offer.
pub fn policy_period(offer: &str) -> Duration {
    if SHORT_PERIOD_OFFERS.contains(&offer) { SHORT_PERIOD } else { LONG_PERIOD }
}

/// When a line closes (awaiting, after its first email) or closed (closed): the one rule
/// behind the order page's note, the API's `closes_at` and the reminders. None before the
/// first email, and for a complete line.
pub fn closes_at(
    status: LineStatus,
    offer: &str,
    first_email_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match status {
        LineStatus::Awaiting => first_email_at.map(|first| closing_deadline(offer, first)),
        LineStatus::Closed => closed_at,
        LineStatus::Complete => None,
    }
}

/// When a line closes, counted from its first provisioning email.
pub fn closing_deadline(offer: &str, first_email_at: DateTime<Utc>) -> DateTime<Utc> {
    first_email_at + policy_period(offer)
}

/// The first-email times at or before which lines are due to close at `now`:
/// (for the short-period offers, for every other offer).
pub fn closing_cutoffs(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - SHORT_PERIOD, now - LONG_PERIOD)
}

/// The reminders of lines with policy period `period` at `now`: for each offset before
/// the closing time (`offsets` smallest first, as PROVISIO_REMINDERS gives them), the
/// first-email time at or before which that reminder is due, smallest offset first.
/// An offset as long as the period or longer was past when the first email went out, and
/// is skipped. The latest due reminder of a line is the first pair whose cutoff it meets;
/// a line whose first email is at or before `now - period` has closed and gets none.
pub fn reminder_cutoffs(period: Duration, offsets: &[Duration], now: DateTime<Utc>) -> Vec<(Duration, DateTime<Utc>)> {
    offsets.iter().filter(|o| **o < period).map(|o| (*o, now - period + *o)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_before_the_closing_time_and_skip_what_was_already_past() {
        let now = Utc::now();
        let offsets = [Duration::days(1), Duration::days(3), Duration::days(10)];
        let short = reminder_cutoffs(Duration::days(7), &offsets, now);
        assert_eq!(
            short,
            vec![(Duration::days(1), now - Duration::days(6)), (Duration::days(3), now - Duration::days(4))]
        );
        // A line whose first email went out exactly 4 days ago is at its 3-day reminder.
        let sent = now - Duration::days(4);
        assert_eq!(closing_deadline("A-Flex", sent) - Duration::days(3), now);
        assert_eq!(reminder_cutoffs(Duration::days(30), &offsets, now).len(), 3);
        assert!(reminder_cutoffs(Duration::days(7), &[], now).is_empty());
    }

    #[test]
    fn seven_days_for_a_flex_thirty_for_the_rest() {
        let sent = Utc::now();
        assert_eq!(closing_deadline("A-Flex", sent), sent + Duration::hours(7 * 24));
        assert_eq!(closing_deadline("A-Flex-3", sent), sent + Duration::hours(7 * 24));
        assert_eq!(closing_deadline("Webex Meetings", sent), sent + Duration::hours(30 * 24));
        assert_eq!(closing_deadline("Webex Calling", sent), sent + Duration::hours(30 * 24));
        // Offer names are exact: another offer is a 30-day one.
        assert_eq!(policy_period("a-flex"), Duration::days(30));
        let now = Utc::now();
        assert_eq!(closing_cutoffs(now), (now - Duration::days(7), now - Duration::days(30)));
    }
}
