//! The closing policy (SPEC.md rule 7): a line whose set-up is not finished within the
//! policy period after its first provisioning email closes and billing starts. Neither a
//! resend nor an edit restarts the clock.

use chrono::{DateTime, Duration, Utc};

/// The offers with the short period.
pub const SHORT_PERIOD_OFFERS: [&str; 2] = ["A-Flex", "A-Flex-3"];

/// 7×24 hours for A-Flex and A-Flex-3, 30×24 hours for every other offer.
pub fn policy_period(offer: &str) -> Duration {
    if SHORT_PERIOD_OFFERS.contains(&offer) { Duration::days(7) } else { Duration::days(30) }
}

/// When a line closes, counted from its first provisioning email.
pub fn closing_deadline(offer: &str, first_email_at: DateTime<Utc>) -> DateTime<Utc> {
    first_email_at + policy_period(offer)
}

/// The first-email times at or before which lines are due to close at `now`:
/// (for the short-period offers, for every other offer).
pub fn closing_cutoffs(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - Duration::days(7), now - Duration::days(30))
}

#[cfg(test)]
mod tests {
    use super::*;

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
