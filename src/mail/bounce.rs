//! Bounces (docs/product.md rule 14): the signed envelope sender every message goes out
//! with, and the one reader of whatever comes back to it, used by `provisio bounce` and by
//! `POST /webhooks/bounce` alike.
//!
//! A message to `alice@customer.example` goes out with the envelope sender
//! `bounces+1234-9f86d081884c7d65@portal.example`: the outbox id and the first 64 bits of
//! its HMAC under the portal's signing key (kept in the database), in digits and lower-case
//! hex, so an MTA that lower-cases the local part changes nothing, and the whole local part
//! stays well under 64 characters. A report names its message only through a token whose
//! MAC holds: a guessed or forged one names nothing.
//!
//! The report itself is read with mail-parser (MIME, encodings, nesting) and its
//! `message/delivery-status` part field by field (RFC 3464).

use mail_parser::{MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use crate::domain::bounce::{BounceOutcome, BounceReason, BounceReport, find_status_code};
use crate::i18n::Tr;
use crate::secret::{SigningKey, constant_time_eq};

/// What the MAC of a token is for: no other signature of the key can stand in for it.
const PURPOSE: &str = "bounce token";
/// Hex digits of the MAC in a token (64 bits).
const MAC_DIGITS: usize = 16;
/// The longest token: an i64 in digits, a hyphen and the MAC.
pub const MAX_TOKEN: usize = 19 + 1 + MAC_DIGITS;
/// The most of a message that is read: a report is small, the returned message need not be
/// whole (the webhook refuses more than 1 MB before this).
pub const MAX_MESSAGE: usize = 4 << 20;

/// The token that names outbox message `outbox_id`.
pub fn token(key: &SigningKey, outbox_id: i64) -> String {
    let mac = key.sign_hex(PURPOSE, &outbox_id.to_string());
    format!("{outbox_id}-{}", &mac[..MAC_DIGITS])
}

/// The outbox id a token names, if its MAC holds (compared in constant time).
pub fn verify_token(key: &SigningKey, token: &str) -> Option<i64> {
    let (id, mac) = token.split_once('-')?;
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) || mac.len() != MAC_DIGITS {
        return None;
    }
    let outbox_id: i64 = id.parse().ok()?;
    let expected = key.sign_hex(PURPOSE, &outbox_id.to_string());
    constant_time_eq(&expected.as_bytes()[..MAC_DIGITS], mac.to_ascii_lowercase().as_bytes()).then_some(outbox_id)
}

/// PROVISIO_BOUNCE_ADDRESS: the mailbox whose `+` addresses receive the bounces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceAddress {
    local: String,
    domain: String,
}

impl BounceAddress {
    /// `local@domain`; the local part must leave room for `+` and the longest token within
    /// the 64 characters an address's local part may have (RFC 5321).
    pub fn parse(text: &str) -> Result<Self, String> {
        let address = crate::domain::ContactEmail::parse(text).map_err(|e| e.plain())?.into_string();
        let (local, domain) = address.rsplit_once('@').ok_or("expected local@domain")?;
        if local.contains('+') {
            return Err("expected an address without a + in its local part (the + part is the token)".into());
        }
        if local.len() + 1 + MAX_TOKEN > 64 {
            return Err(format!("expected a local part of at most {} characters", 64 - 1 - MAX_TOKEN));
        }
        Ok(Self { local: local.to_string(), domain: domain.to_string() })
    }

    /// The envelope sender of outbox message `outbox_id`.
    pub fn envelope_sender(&self, key: &SigningKey, outbox_id: i64) -> String {
        format!("{}+{}@{}", self.local, token(key, outbox_id), self.domain)
    }
}

/// What one message read at the bounce address is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A report about one of our messages.
    Report(BounceReport),
    /// An out-of-office or other automatic reply: not a failure.
    AutoReply,
    /// Nothing about a message of ours: no token, a forged or guessed one, or a message
    /// with a token that is neither a report nor a bounce (a person's reply).
    NotOurs,
    /// Not an email message at all.
    Unreadable,
}

/// Reads one message that arrived at the bounce address. `envelope_recipient` is the
/// address the MTA delivered it to, when it says (Postfix's pipe: `$ORIGINAL_RECIPIENT`),
/// the surest place of the token. Never panics, whatever the bytes.
pub fn read(raw: &[u8], key: &SigningKey, envelope_recipient: Option<&str>) -> Reading {
    let raw = &raw[..raw.len().min(MAX_MESSAGE)];
    // An mbox "From sender date" line before the headers (local(8) adds one for a pipe).
    let raw = if raw.starts_with(b"From ") {
        raw.iter().position(|&b| b == b'\n').map(|at| &raw[at + 1..]).unwrap_or(&[])
    } else {
        raw
    };
    let Some(message) = MessageParser::default().parse(raw) else { return Reading::Unreadable };
    if message.headers().is_empty() {
        return Reading::Unreadable;
    }
    let header = |name: &str| -> String {
        message.header_values(name).filter_map(|v| v.as_text()).collect::<Vec<_>>().join(", ")
    };
    let addresses = |name: &str| -> String {
        message
            .header_values(name)
            .filter_map(|v| v.as_address())
            .flat_map(|a| a.iter())
            .filter_map(|a| a.address.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The token: where the MTA delivered the message, then the headers that name that,
    // then anywhere in the message (a report quotes the envelope sender: Postfix's
    // X-Postfix-Sender, the returned message's Return-Path).
    let mut places = vec![envelope_recipient.unwrap_or_default().to_string()];
    for name in ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "Original-Recipient"] {
        places.push(header(name));
    }
    places.push(addresses("To"));
    places.push(String::from_utf8_lossy(raw).into_owned());
    let Some(outbox_id) = places.iter().find_map(|text| find_token(text, key)) else { return Reading::NotOurs };

    let fingerprint = {
        let mut hash = Sha256::new();
        match message.message_id() {
            Some(id) => hash.update(format!("message-id:{id}").as_bytes()),
            None => hash.update(raw),
        }
        hex::encode(hash.finalize())
    };
    let report = |outcome, recipient, reason| {
        Reading::Report(BounceReport { outbox_id, outcome, recipient, reason, fingerprint: fingerprint.clone() })
    };

    // A delivery status report (RFC 3464), wherever it is in the message.
    let status_part = message.parts.iter().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status") || s.eq_ignore_ascii_case("global-delivery-status")
                })
        })
    });
    if let Some(part) = status_part {
        let text = match &part.body {
            PartType::Text(t) | PartType::Html(t) => t.to_string(),
            PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::from_utf8_lossy(part.contents()).into_owned(),
        };
        if let Some((outcome, recipient, reason)) = delivery_status(&text) {
            return report(outcome, recipient, reason);
        }
    }

    let subject = message.subject().unwrap_or_default().to_lowercase();
    let from = addresses("From").to_lowercase();
    let from_daemon = from.split_whitespace().any(|a| {
        let local = a.split('@').next().unwrap_or_default();
        matches!(local, "mailer-daemon" | "postmaster" | "mail-daemon")
    });
    const BOUNCE_SUBJECTS: [&str; 9] = [
        "undeliver",
        "delivery status notification (failure)",
        "mail delivery failed",
        "returned mail",
        "failure notice",
        "delivery failure",
        "mail delivery failure",
        "could not be delivered",
        "non-delivery",
    ];
    let bounce_like =
        from_daemon || !header("X-Failed-Recipients").is_empty() || BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s));
    if bounce_like {
        // A bounce without a report (an old Exim, qmail, a forwarder): its code if the
        // text names one.
        let text = message.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
        let code = find_status_code(&text);
        let recipient = header("X-Failed-Recipients").split(',').next().map(|r| r.trim().to_string());
        let diagnostic = match &code {
            Some(code) => text.lines().find(|l| l.contains(code.as_str())).unwrap_or_default().trim().to_string(),
            None => String::new(),
        };
        return report(
            BounceOutcome::Bounced,
            recipient.filter(|r| !r.is_empty()),
            BounceReason::new(code, &diagnostic),
        );
    }
    if is_auto_reply(&header, &subject) {
        return Reading::AutoReply;
    }
    // Sent with a null sender and nothing else says what it is: a bounce.
    if message.header_raw("Return-Path").is_some_and(|r| r.trim() == "<>") {
        return report(BounceOutcome::Bounced, None, BounceReason::new(None, ""));
    }
    Reading::NotOurs
}

/// RFC 3834 and the common conventions for automatic replies (out of office, vacation).
fn is_auto_reply(header: &dyn Fn(&str) -> String, subject: &str) -> bool {
    let auto_submitted = header("Auto-Submitted").trim().to_ascii_lowercase();
    (!auto_submitted.is_empty() && auto_submitted != "no")
        || !header("X-Autoreply").is_empty()
        || !header("X-Autorespond").is_empty()
        || !header("X-Auto-Response-Suppress").is_empty()
        || header("Precedence").trim().eq_ignore_ascii_case("auto_reply")
        || ["out of office", "automatic reply", "auto:", "autoreply", "autosvar", "frånvaro", "부재", "자동 회신"]
            .iter()
            .any(|s| subject.starts_with(s) || subject.contains(&format!(" {s}")))
}

/// The first token in `text` whose MAC holds: `+` digits `-` 16 hex digits `@`.
fn find_token(text: &str, key: &SigningKey) -> Option<i64> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find('+') {
        let start = from + at + 1;
        from = start;
        let end = bytes[start..].iter().take(MAX_TOKEN + 1).position(|&b| b == b'@').map(|n| start + n);
        if let Some(end) = end
            && let Some(id) = verify_token(key, &text[start..end])
        {
            return Some(id);
        }
    }
    None
}

/// The outcome, recipient and reason a `message/delivery-status` body reports: of its
/// per-recipient blocks the worst (failed over delayed over delivered). None when no block
/// has an Action or a Status.
fn delivery_status(text: &str) -> Option<(BounceOutcome, Option<String>, BounceReason)> {
    let mut worst: Option<(BounceOutcome, Option<String>, BounceReason)> = None;
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let fields = fields(block);
        let field =
            |name: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string());
        // "rfc822; alice@x" → "alice@x"
        let typed = |v: String| v.split_once(';').map(|(_, v)| v.trim().to_string()).unwrap_or(v);
        let status = field("Status").map(|s| s.split_whitespace().next().unwrap_or_default().to_string());
        let outcome = field("Action").and_then(|a| BounceOutcome::of_action(&a)).or_else(|| {
            match status.as_deref().and_then(|s| s.chars().next()) {
                Some('5') => Some(BounceOutcome::Bounced),
                Some('4') => Some(BounceOutcome::Delayed),
                Some('2') => Some(BounceOutcome::Delivered),
                _ => None,
            }
        });
        let Some(outcome) = outcome else { continue };
        let diagnostic = field("Diagnostic-Code").map(typed).unwrap_or_default();
        let status = status.filter(|s| crate::domain::bounce::is_status_code(s));
        // "5.0.0" says only the class (Exim's reports): the remote server's own code, when
        // its words carry one of the same class, says more.
        let specific = find_status_code(&diagnostic);
        let code = match (status, specific) {
            (Some(s), Some(d)) if s.ends_with(".0.0") && d.starts_with(&s[..2]) => Some(d),
            (Some(s), _) => Some(s),
            (None, d) => d,
        };
        let recipient = field("Final-Recipient").or_else(|| field("Original-Recipient")).map(typed);
        let reason = BounceReason::new(code, &diagnostic);
        if worst.as_ref().is_none_or(|(w, _, _)| outcome.severity() > w.severity()) {
            worst = Some((outcome, recipient.filter(|r| !r.is_empty()), reason));
        }
    }
    worst
}

/// Header-style fields of one block, folded lines joined.
fn fields(block: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// The outcome a line's `data-email-state` of `bounced` or `delayed` stands for.
pub fn outcome_of_state(state: &str) -> BounceOutcome {
    if state == "delayed" { BounceOutcome::Delayed } else { BounceOutcome::Bounced }
}

/// A stored reason in the reader's words, with its code: "The customer's mail server says
/// this address does not exist (5.1.1)".
pub fn reason_in_words(tr: &Tr, outcome: BounceOutcome, stored: Option<&str>) -> String {
    let reason = BounceReason::from_stored(stored.unwrap_or("-"));
    let code = reason.code.clone().unwrap_or_else(|| tr.t("bounce-no-report"));
    tr.ta(reason.words_key(outcome), [("code", code.as_str())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_message_and_nothing_else() {
        let key = SigningKey::new(b"test key".to_vec());
        let t = token(&key, 1234);
        assert_eq!(verify_token(&key, &t), Some(1234));
        assert_eq!(verify_token(&key, &t.to_ascii_uppercase()), Some(1234), "case does not matter");
        assert_eq!(verify_token(&SigningKey::new(b"other".to_vec()), &t), None);
        assert_eq!(verify_token(&key, &t.replacen("1234", "1235", 1)), None);
        for bad in ["", "-", "1-", "x-0123456789abcdef", "99999999999999999999-0123456789abcdef", "1-0123"] {
            assert_eq!(verify_token(&key, bad), None, "{bad}");
        }
        let address = BounceAddress::parse("bounces@portal.example").unwrap();
        let sender = address.envelope_sender(&key, i64::MAX);
        assert!(sender.split('@').next().unwrap().len() <= 64, "{sender}");
        assert_eq!(find_token(&format!("to: <{sender}>"), &key), Some(i64::MAX));
        assert!(BounceAddress::parse("a+b@x.example").is_err());
        assert!(BounceAddress::parse(&format!("{}@x.example", "a".repeat(28))).is_err());
        assert!(BounceAddress::parse("nope").is_err());
    }
}
