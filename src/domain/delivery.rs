//! What a delivery attempt came to (docs/product.md rule 10), as stored and as people read it.
//!
//! The mail server's answer and the reason a message could not go are technical text in
//! English ("Connection refused (os error 111)", "250 2.0.0 queued as 4F3A"). Stored as
//! they are, they reached partners in every language. What is stored instead is a cause
//! and its parameters (a reply code, a file name) before the technical text; pages, the
//! CSV and the API word the cause in the reader's language, with what to do next. The
//! technical text stays in the database and the log, for operators.

use super::bounce::{find_status_code, is_status_code};

/// Why a message could not be delivered; what a person can do about it follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The portal could not reach its own mail server (connection refused, timed out, TLS):
    /// nothing is wrong with the address, the operators' side is.
    Unreachable,
    /// The mail server refused the address (a 5xx reply about the recipient or its mailbox).
    AddressRefused,
    /// The mail server refused the message itself, or kept deferring it until the portal
    /// gave up.
    Refused,
    /// The address cannot be written into an email at all.
    InvalidAddress,
    /// The portal could not prepare or store the message (a template, the file mailbox).
    Portal,
}

impl FailureCause {
    const ALL: [Self; 5] = [Self::Unreachable, Self::AddressRefused, Self::Refused, Self::InvalidAddress, Self::Portal];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::AddressRefused => "address-refused",
            Self::Refused => "refused",
            Self::InvalidAddress => "invalid-address",
            Self::Portal => "portal",
        }
    }

    /// The message catalog key of the cause in plain words with the next step; each takes
    /// `$code` (the mail server's reply code, or a word for none).
    pub fn words_key(self) -> &'static str {
        match self {
            Self::Unreachable => "delivery-failed-unreachable",
            Self::AddressRefused => "delivery-failed-address-refused",
            Self::Refused => "delivery-failed-refused",
            Self::InvalidAddress => "delivery-failed-invalid-address",
            Self::Portal => "delivery-failed-portal",
        }
    }

    /// Whether the person who triggered the email can fix it by editing the address (the
    /// others are for the operators).
    pub fn fixed_by_editing(self) -> bool {
        matches!(self, Self::AddressRefused | Self::InvalidAddress)
    }
}

/// Why a message failed, as stored (the message's `last_error`, a transaction's detail
/// after `failed:`): the cause's code, the mail server's reply code or `-`, then the
/// technical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    pub cause: FailureCause,
    /// The reply code that says why: an enhanced status code (RFC 3463) when the server gave
    /// one, else its three-digit reply code.
    pub code: Option<String>,
    /// The technical text, for operators and the log.
    pub technical: String,
}

impl DeliveryFailure {
    /// A refusal by the mail server with reply code `reply` (such as 550): about the
    /// address when the enhanced status says so (X.1.x addressing, X.2.x mailbox) or, with
    /// none, when the reply code is one of the mailbox refusals (550, 551, 553).
    pub fn refused(reply: Option<u16>, technical: &str) -> Self {
        let enhanced = find_status_code(technical);
        let about_address = match enhanced.as_deref().map(|c| c.split('.').nth(1)) {
            Some(Some(subject)) => matches!(subject, "1" | "2"),
            _ => matches!(reply, Some(550 | 551 | 553)),
        };
        let cause = if about_address && reply.is_none_or(|r| r >= 500) {
            FailureCause::AddressRefused
        } else {
            FailureCause::Refused
        };
        Self { cause, code: enhanced.or_else(|| reply.map(|r| r.to_string())), technical: technical.to_string() }
    }

    pub fn new(cause: FailureCause, technical: &str) -> Self {
        Self { cause, code: None, technical: technical.to_string() }
    }

    pub fn stored(&self) -> String {
        format!("{} {} {}", self.cause.as_str(), self.code.as_deref().unwrap_or("-"), self.technical)
            .trim_end()
            .to_string()
    }

    /// The failure as stored; a reason stored before causes were (plain technical text) is
    /// read by what it says.
    pub fn from_stored(stored: &str) -> Self {
        let mut parts = stored.splitn(3, ' ');
        let (first, code, rest) = (parts.next().unwrap_or(""), parts.next(), parts.next());
        if let Some(cause) = FailureCause::ALL.into_iter().find(|c| c.as_str() == first)
            && let Some(code) = code
        {
            let code = Some(code).filter(|c| is_status_code(c) || is_reply_code(c)).map(str::to_string);
            return Self { cause, code, technical: rest.unwrap_or("").to_string() };
        }
        Self::read_legacy(stored)
    }

    /// A reason stored as the mail transport's own words.
    fn read_legacy(text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        let reply = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 3 && (w.starts_with('4') || w.starts_with('5')))
            .and_then(|w| w.parse::<u16>().ok());
        if lower.contains("permanent error") || lower.contains("transient error") {
            return Self::refused(reply, text);
        }
        let cause = if lower.starts_with("recipient") || lower.starts_with("copy recipient") {
            FailureCause::InvalidAddress
        } else if lower.contains("render") {
            FailureCause::Portal
        } else if lower.contains("connect")
            || lower.contains("timed out")
            || lower.contains("os error")
            || lower.contains("tls")
            || lower.contains("network")
        {
            FailureCause::Unreachable
        } else if reply.is_some() {
            return Self::refused(reply, text);
        } else {
            FailureCause::Refused
        };
        Self::new(cause, text)
    }
}

fn is_reply_code(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_digit()) && matches!(text.as_bytes()[0], b'4' | b'5')
}

/// What the mail server answered when it took a message, as stored (a transaction's detail
/// after `accepted:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// A relay's reply: its code ("250 2.0.0") and the id it queued the message under, if it
    /// said one.
    Relay { code: String, queue_id: Option<String> },
    /// Written to the file mailbox (no SMTP_URL) as this file.
    Mailbox { file: String },
}

/// The file mailbox's answer as stored: `mailbox` and the file's name.
pub fn mailbox_reply(file: &str) -> String {
    format!("mailbox {file}")
}

impl Accepted {
    pub fn from_stored(reply: &str) -> Self {
        let reply = reply.trim();
        // Before causes were stored the file mailbox answered in English.
        let file = reply.strip_prefix("mailbox ").or_else(|| reply.strip_prefix("written to the mailbox as "));
        if let Some(file) = file {
            return Self::Mailbox { file: file.to_string() };
        }
        let mut words = reply.split_whitespace();
        let basic = words.next().filter(|w| w.len() == 3 && w.bytes().all(|b| b.is_ascii_digit())).unwrap_or("250");
        let code = match words.next().filter(|w| is_status_code(w)) {
            Some(enhanced) => format!("{basic} {enhanced}"),
            None => basic.to_string(),
        };
        let lower = reply.to_ascii_lowercase();
        let queue_id = ["queued as ", "id="]
            .iter()
            .find_map(|marker| lower.find(marker).map(|at| &reply[at + marker.len()..]))
            .and_then(|rest| rest.split_whitespace().next())
            .map(|id| id.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
            .filter(|id| !id.is_empty());
        Self::Relay { code, queue_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_round_trip_and_keep_the_technical_text() {
        let f = DeliveryFailure::refused(Some(550), "permanent error (550): 5.1.1 mailbox unavailable");
        assert_eq!((f.cause, f.code.as_deref()), (FailureCause::AddressRefused, Some("5.1.1")));
        assert_eq!(f.stored(), "address-refused 5.1.1 permanent error (550): 5.1.1 mailbox unavailable");
        assert_eq!(DeliveryFailure::from_stored(&f.stored()), f);
        let policy = DeliveryFailure::refused(Some(554), "permanent error (554): 5.7.1 relay denied");
        assert_eq!((policy.cause, policy.code.as_deref()), (FailureCause::Refused, Some("5.7.1")));
        let plain = DeliveryFailure::refused(Some(552), "permanent error (552): too big");
        assert_eq!((plain.cause, plain.code.as_deref()), (FailureCause::Refused, Some("552")));
        let down =
            DeliveryFailure::new(FailureCause::Unreachable, "could not connect: Connection refused (os error 111)");
        assert_eq!(down.stored(), "unreachable - could not connect: Connection refused (os error 111)");
        assert_eq!(DeliveryFailure::from_stored(&down.stored()), down);
        assert!(FailureCause::AddressRefused.fixed_by_editing() && !FailureCause::Unreachable.fixed_by_editing());
    }

    #[test]
    fn reasons_stored_before_causes_are_read_by_what_they_say() {
        let read = |s: &str| DeliveryFailure::from_stored(s).cause;
        assert_eq!(
            read("could not connect to 127.0.0.1:2525: Connection refused (os error 111)"),
            FailureCause::Unreachable
        );
        assert_eq!(read("gave up after 6 attempts: connecting timed out after 30 s"), FailureCause::Unreachable);
        assert_eq!(read("permanent error (550): 5.1.1 mailbox unavailable"), FailureCause::AddressRefused);
        assert_eq!(read("recipient: invalid email address"), FailureCause::InvalidAddress);
        assert_eq!(read("could not render the email: x"), FailureCause::Portal);
        assert_eq!(read("550 5.1.1 no such user"), FailureCause::AddressRefused);
        assert_eq!(read("the mailbox does not exist"), FailureCause::Refused);
        assert_eq!(read("something else"), FailureCause::Refused);
        // The technical text is kept as it was.
        assert_eq!(DeliveryFailure::from_stored("oops (os error 5)").technical, "oops (os error 5)");
    }

    #[test]
    fn accepted_replies_name_their_code_and_queue_id() {
        assert_eq!(
            Accepted::from_stored("250 2.0.0 Ok: queued as 4F3A9C"),
            Accepted::Relay { code: "250 2.0.0".into(), queue_id: Some("4F3A9C".into()) }
        );
        assert_eq!(
            Accepted::from_stored("250 2.0.0 queued as test-7"),
            Accepted::Relay { code: "250 2.0.0".into(), queue_id: Some("test-7".into()) }
        );
        assert_eq!(Accepted::from_stored("250 OK"), Accepted::Relay { code: "250".into(), queue_id: None });
        assert_eq!(Accepted::from_stored(&mailbox_reply("abc-1.eml")), Accepted::Mailbox { file: "abc-1.eml".into() });
        assert_eq!(
            Accepted::from_stored("written to the mailbox as abc-1.eml"),
            Accepted::Mailbox { file: "abc-1.eml".into() }
        );
    }
}
