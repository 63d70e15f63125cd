//! The email limits (docs/product.md rule 6): how many provisioning emails people may
//! trigger for one line and for one recipient, by the hour and by the day. The store
//! counts what went out; these functions say whether one more fits, and when it will.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// How many provisioning emails one line (or one recipient) may trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    pub per_hour: u32,
    pub per_day: u32,
}

impl SendLimit {
    /// `3/h,10/d`
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut per_hour = None;
        let mut per_day = None;
        for part in text.split(',') {
            let (n, unit) = part.trim().split_once('/').ok_or("expected a form such as 3/h,10/d")?;
            let n: u32 = n.trim().parse().map_err(|_| "expected a form such as 3/h,10/d")?;
            match unit.trim() {
                "h" => per_hour = Some(n),
                "d" => per_day = Some(n),
                _ => return Err("expected a form such as 3/h,10/d".into()),
            }
        }
        match (per_hour, per_day) {
            (Some(h), Some(d)) if h >= 1 && d >= h => Ok(Self { per_hour: h, per_day: d }),
            _ => Err("expected a form such as 3/h,10/d, at least 1 an hour and no fewer a day".into()),
        }
    }
}

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
    by_recipient: HashMap<String, Vec<DateTime<Utc>>>,
    by_line: HashMap<String, Vec<DateTime<Utc>>>,
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
