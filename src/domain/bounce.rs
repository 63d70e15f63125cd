//! Delivery truth (docs/product.md rule 14): what a bounce or delay report about an
//! accepted message means, in the product's words. No I/O: the reading of the report is
//! `mail::bounce`, the recording `store::bounces`.

/// What a report says became of a message the mail server had accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceOutcome {
    /// The customer's server gave up: the email did not arrive (final).
    Bounced,
    /// The customer's server (or one on the way) is still trying.
    Delayed,
    /// Delivered after all (a report with Action delivered, relayed or expanded).
    Delivered,
}

impl BounceOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounced => "bounced",
            Self::Delayed => "delayed",
            Self::Delivered => "delivered",
        }
    }

    /// The outcome an RFC 3464 `Action` names; None for one we do not know.
    pub fn of_action(action: &str) -> Option<Self> {
        match action.trim().to_ascii_lowercase().as_str() {
            "failed" => Some(Self::Bounced),
            "delayed" => Some(Self::Delayed),
            "delivered" | "relayed" | "expanded" => Some(Self::Delivered),
            _ => None,
        }
    }

    /// Which of two reports about one message weighs more: a failure over a delay over a
    /// delivery (a report about several recipients says the worst).
    pub fn severity(self) -> u8 {
        match self {
            Self::Bounced => 3,
            Self::Delayed => 2,
            Self::Delivered => 1,
        }
    }
}

/// A report about one of our messages, as read (`mail::bounce::read`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceReport {
    pub outbox_id: i64,
    pub outcome: BounceOutcome,
    /// The address the report is about (Final-Recipient), when it says.
    pub recipient: Option<String>,
    pub reason: BounceReason,
    /// The same report read twice has the same fingerprint: its Message-ID, else its bytes.
    pub fingerprint: String,
}

/// Why a message bounced or is delayed, as stored (the message's `last_error`, a
/// transaction's detail after `bounced:` or `delayed:`): the enhanced status code (RFC 3463)
/// or `-` when the report gave none, a space, then the remote server's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceReason {
    pub code: Option<String>,
    pub diagnostic: String,
}

/// The longest diagnostic kept: a reason, not a copy of the report.
const MAX_DIAGNOSTIC: usize = 300;

impl BounceReason {
    pub fn new(code: Option<String>, diagnostic: &str) -> Self {
        let diagnostic: String = diagnostic
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let diagnostic = diagnostic.chars().take(MAX_DIAGNOSTIC).collect();
        Self { code: code.filter(|c| is_status_code(c)), diagnostic }
    }

    pub fn stored(&self) -> String {
        format!("{} {}", self.code.as_deref().unwrap_or("-"), self.diagnostic).trim_end().to_string()
    }

    pub fn from_stored(stored: &str) -> Self {
        let (code, rest) = stored.split_once(' ').unwrap_or((stored, ""));
        Self { code: Some(code.to_string()).filter(|c| is_status_code(c)), diagnostic: rest.to_string() }
    }

    /// The message catalog key of this reason in plain words (each takes `$code`).
    pub fn words_key(&self, outcome: BounceOutcome) -> &'static str {
        if outcome == BounceOutcome::Delayed {
            return "bounce-reason-delayed";
        }
        let Some(code) = self.code.as_deref() else { return "bounce-reason-no-report" };
        let mut parts = code.split('.');
        let (class, subject, detail) = (parts.next(), parts.next(), parts.next());
        match (class, subject, detail) {
            (Some("5"), Some("1"), Some("2")) => "bounce-reason-no-such-domain",
            (Some("5"), Some("1"), Some(_)) => "bounce-reason-no-such-address",
            (_, Some("2"), Some("2")) => "bounce-reason-mailbox-full",
            (_, Some("2"), Some("1")) => "bounce-reason-mailbox-disabled",
            (_, Some("3"), Some("4")) | (_, Some("2"), Some("3")) => "bounce-reason-too-large",
            (_, Some("7"), _) => "bounce-reason-refused-policy",
            (_, Some("4"), _) => "bounce-reason-no-route",
            _ => "bounce-reason-refused",
        }
    }
}

/// Whether `text` is an enhanced status code: class 2, 4 or 5, then two numbers of at most
/// three digits (RFC 3463).
pub fn is_status_code(text: &str) -> bool {
    let mut parts = text.split('.');
    let number =
        |p: Option<&str>| p.is_some_and(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    matches!(parts.next(), Some("2" | "4" | "5"))
        && number(parts.next())
        && number(parts.next())
        && parts.next().is_none()
}

/// The first enhanced status code of class 4 or 5 in free text (a diagnostic, a bounce
/// without a report), if any.
pub fn find_status_code(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|w| w.trim_matches('.'))
        .find(|w| (w.starts_with("4.") || w.starts_with("5.")) && is_status_code(w))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_name_their_words() {
        let r = BounceReason::new(Some("5.1.1".into()), "smtp; 550 5.1.1 <x@y>: user\r\n unknown");
        assert_eq!(r.stored(), "5.1.1 smtp; 550 5.1.1 <x@y>: user unknown");
        assert_eq!(BounceReason::from_stored(&r.stored()), r);
        assert_eq!(r.words_key(BounceOutcome::Bounced), "bounce-reason-no-such-address");
        assert_eq!(r.words_key(BounceOutcome::Delayed), "bounce-reason-delayed");
        let none = BounceReason::new(None, "");
        assert_eq!(none.stored(), "-");
        assert_eq!(BounceReason::from_stored("-"), none);
        assert_eq!(none.words_key(BounceOutcome::Bounced), "bounce-reason-no-report");
        let key = |code: &str| BounceReason::new(Some(code.into()), "").words_key(BounceOutcome::Bounced);
        assert_eq!(key("5.1.10"), "bounce-reason-no-such-address");
        assert_eq!(key("5.1.2"), "bounce-reason-no-such-domain");
        assert_eq!(key("5.2.2"), "bounce-reason-mailbox-full");
        assert_eq!(key("5.7.1"), "bounce-reason-refused-policy");
        assert_eq!(key("4.4.7"), "bounce-reason-no-route");
        assert_eq!(key("5.0.0"), "bounce-reason-refused");
        assert_eq!(BounceReason::new(Some("<script>".into()), "x").code, None, "only a status code is a code");
    }

    #[test]
    fn status_codes_are_found_in_free_text() {
        assert_eq!(find_status_code("550-5.1.1 The email account does not exist."), Some("5.1.1".into()));
        assert_eq!(find_status_code("host said: 452 4.2.2 Mailbox full"), Some("4.2.2".into()));
        assert_eq!(find_status_code("version 1.2.3 and 2.0.0 ok"), None);
        assert_eq!(find_status_code("5.1.1234"), None);
        assert!(is_status_code("5.1.10") && !is_status_code("5.1") && !is_status_code("3.1.1"));
    }

    #[test]
    fn actions_and_severity() {
        assert_eq!(BounceOutcome::of_action(" Failed "), Some(BounceOutcome::Bounced));
        assert_eq!(BounceOutcome::of_action("relayed"), Some(BounceOutcome::Delivered));
        assert_eq!(BounceOutcome::of_action("x"), None);
        assert!(BounceOutcome::Bounced.severity() > BounceOutcome::Delayed.severity());
    }
}
