//! Provisioning and invitation emails: rendering, the transports (SMTP or the file mailbox), and the
//! dispatcher that drains the outbox.

pub mod bounce;
mod dispatcher;
mod transport;

use askama::Template;
use chrono::{DateTime, Utc};

pub use dispatcher::Dispatcher;
pub use transport::{Mailer, SendError};

use crate::i18n::Tr;
use crate::store::{InvitationEmail, SecurityEmail};

#[derive(Template)]
#[template(path = "emails/provisioning.txt")]
struct ProvisioningText<'a> {
    t: &'a Tr,
    intro: &'a str,
    note: Option<&'a str>,
    customer: &'a str,
    lines: &'a [(String, String)],
    setup_url: &'a str,
    from: &'a str,
}

#[derive(Template)]
#[template(path = "emails/provisioning.html")]
struct ProvisioningHtml<'a> {
    t: &'a Tr,
    intro: &'a str,
    note: Option<&'a str>,
    subject: &'a str,
    customer: &'a str,
    lines: &'a [(String, String)],
    setup_url: &'a str,
    from: &'a str,
}

/// A rendered provisioning email.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Which provisioning email a message is: the email itself (on the RSD, after an edit or
/// a resend), a reminder before the lines close, or a copy for the acting user to forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Provisioning,
    Reminder { closes_at: DateTime<Utc> },
    Copy,
}

impl EmailKind {
    /// The kind of a queued message, from its cause and the closing time it carries.
    pub fn of(cause: &str, closes_at: Option<DateTime<Utc>>) -> Self {
        match (cause, closes_at) {
            ("reminder", Some(closes_at)) => Self::Reminder { closes_at },
            ("copy", _) => Self::Copy,
            _ => Self::Provisioning,
        }
    }
}

/// The subject and the opening sentence of the provisioning email of `order_id` in
/// `language`: what the email says first, for the dialogs to show before "Yes".
pub fn opening(language: Option<&str>, order_id: &str) -> (String, String) {
    let t = Tr::new(language.unwrap_or("en"));
    (t.ta("email-subject", [("order", order_id)]), t.ta("email-intro", [("order", order_id)]))
}

/// A provisioning email of `kind`, in the order's language. The set-up link is the admin
/// console's address and carries no credential, so a copy can be forwarded as it is.
pub fn render_email(
    kind: EmailKind,
    language: Option<&str>,
    order_id: &str,
    customer: &str,
    lines: &[(String, String)],
    setup_url: &str,
    from: &str,
) -> Result<Rendered, askama::Error> {
    let t = Tr::new(language.unwrap_or("en"));
    let (plain_subject, opening) = opening(language, order_id);
    let (subject, intro, note) = match kind {
        EmailKind::Provisioning => (plain_subject, opening, None),
        EmailKind::Reminder { closes_at } => {
            let date = t.when(&closes_at);
            let args = [("order", order_id), ("date", date.as_str())];
            (t.ta("email-reminder-subject", args), t.ta("email-reminder-intro", args), None)
        }
        EmailKind::Copy => (
            t.ta("email-copy-subject", [("subject", plain_subject.as_str())]),
            opening,
            Some(t.ta("email-copy-note", [("order", order_id)])),
        ),
    };
    let note = note.as_deref();
    let text = ProvisioningText { t: &t, intro: &intro, note, customer, lines, setup_url, from }.render()?;
    let html = ProvisioningHtml { t: &t, intro: &intro, note, subject: &subject, customer, lines, setup_url, from }
        .render()?;
    Ok(Rendered { subject, text, html })
}

#[derive(Template)]
#[template(path = "emails/invitation.txt")]
struct InvitationText<'a> {
    t: &'a Tr,
    invitee: &'a str,
    company: &'a str,
    inviter: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "emails/invitation.html")]
struct InvitationHtml<'a> {
    t: &'a Tr,
    subject: &'a str,
    invitee: &'a str,
    company: &'a str,
    inviter: &'a str,
    link: &'a str,
}

/// The invitation to set a password, in the company's language: no order, no lines.
pub fn render_invitation(language: Option<&str>, invitation: &InvitationEmail) -> Result<Rendered, askama::Error> {
    let t = Tr::new(language.unwrap_or("en"));
    let InvitationEmail { invitee, company, inviter, link } = invitation;
    let subject = t.ta("invite-email-subject", [("company", company.as_str())]);
    let text = InvitationText { t: &t, invitee, company, inviter, link }.render()?;
    let html = InvitationHtml { t: &t, subject: &subject, invitee, company, inviter, link }.render()?;
    Ok(Rendered { subject, text, html })
}

#[derive(Template)]
#[template(path = "emails/security.txt")]
struct SecurityText<'a> {
    t: &'a Tr,
    name: &'a str,
    what: &'a str,
    when: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "emails/security.html")]
struct SecurityHtml<'a> {
    t: &'a Tr,
    subject: &'a str,
    name: &'a str,
    what: &'a str,
    when: &'a str,
    link: &'a str,
}

/// What a security change says, in the reader's language (the email, the Transaction
/// Manager and the account page word it alike).
pub fn security_change_text(t: &Tr, code: &str) -> String {
    use crate::domain::SecurityChange as Change;
    match Change::parse(code) {
        Some(Change::TotpOn) => t.t("security-totp-on"),
        Some(Change::TotpOff) => t.t("security-totp-off"),
        Some(Change::RecoveryCodesRenewed) => t.t("security-recovery-renewed"),
        Some(Change::RecoveryCodeUsed) => t.t("security-recovery-used"),
        Some(Change::PasskeyAdded(name)) => t.ta("security-passkey-added", [("name", name.as_str())]),
        Some(Change::PasskeyRemoved(name)) => t.ta("security-passkey-removed", [("name", name.as_str())]),
        Some(Change::SessionEnded) => t.t("security-session-ended"),
        Some(Change::OtherSessionsEnded(n)) => t.tn("security-sessions-ended", "count", n),
        None => code.to_string(),
    }
}

/// The notice to a user's own address that their sign-in changed (docs/product.md rule
/// 15), in their language, with a link to their account security page on `public_url`.
pub fn render_security(
    language: Option<&str>,
    notice: &SecurityEmail,
    public_url: &str,
) -> Result<Rendered, askama::Error> {
    let t = Tr::new(language.unwrap_or("en"));
    let what = security_change_text(&t, &notice.change);
    let when = t.when(&notice.at);
    let link = format!("{public_url}/account/security");
    let subject = t.t("security-email-subject");
    let name = notice.name.as_str();
    let text = SecurityText { t: &t, name, what: &what, when: &when, link: &link }.render()?;
    let html = SecurityHtml { t: &t, subject: &subject, name, what: &what, when: &when, link: &link }.render()?;
    Ok(Rendered { subject, text, html })
}

#[derive(Template)]
#[template(path = "emails/bounce_alert.txt")]
struct BounceAlertText<'a> {
    t: &'a Tr,
    order_id: &'a str,
    customer: &'a str,
    address: &'a str,
    reason: &'a str,
    lines: &'a [(String, String)],
}

#[derive(Template)]
#[template(path = "emails/bounce_alert.html")]
struct BounceAlertHtml<'a> {
    t: &'a Tr,
    subject: &'a str,
    order_id: &'a str,
    customer: &'a str,
    address: &'a str,
    reason: &'a str,
    lines: &'a [(String, String)],
}

/// The alert that a provisioning email bounced (docs/product.md rule 14), in the reader's
/// language: which order and lines, which address, why, and a link to each line built on
/// `public_url` (PROVISIO_PUBLIC_URL).
pub fn render_bounce_alert(
    language: Option<&str>,
    alert: &crate::store::BounceAlert,
    order_id: &str,
    customer: &str,
    subscriptions: &[String],
    public_url: &str,
) -> Result<Rendered, askama::Error> {
    let t = Tr::new(language.unwrap_or("en"));
    let reason = bounce::reason_in_words(&t, crate::domain::bounce::BounceOutcome::Bounced, Some(&alert.reason));
    let lines: Vec<(String, String)> = subscriptions
        .iter()
        .map(|sub| {
            let query = serde_urlencoded::to_string([("q", sub.as_str())]).unwrap_or_default();
            (sub.clone(), format!("{public_url}/orders/{order_id}?{query}#line-{sub}"))
        })
        .collect();
    let address = alert.address.as_str();
    let subject = t.ta("bounce-alert-subject", [("order", order_id), ("email", address)]);
    let text = BounceAlertText { t: &t, order_id, customer, address, reason: &reason, lines: &lines }.render()?;
    let html =
        BounceAlertHtml { t: &t, subject: &subject, order_id, customer, address, reason: &reason, lines: &lines }
            .render()?;
    Ok(Rendered { subject, text, html })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Order WO-1 of Globex with one A-Flex line, as `kind` says it in `language`.
    fn wo1(kind: EmailKind, language: Option<&str>) -> Rendered {
        let lines = [("Sub-1".to_string(), "A-Flex".to_string())];
        render_email(kind, language, "WO-1", "Globex", &lines, "https://a.example", "x@webex.com").unwrap()
    }

    #[test]
    fn a_security_notice_says_what_changed_when_and_where_to_look_and_escapes_html() {
        let notice = SecurityEmail {
            name: "Ada <b>Admin</b>".into(),
            change: "passkey_added:Laptop <script>".into(),
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        for lang in [None, Some("ko"), Some("sv")] {
            let r = render_security(lang, &notice, "https://portal.example").unwrap();
            assert!(!r.subject.is_empty());
            for body in [&r.text, &r.html] {
                assert!(body.contains("https://portal.example/account/security"), "{body}");
                assert!(body.contains("UTC"), "{body}");
            }
            assert!(
                r.html.contains("Laptop &#60;script&#62;") || r.html.contains("Laptop &lt;script&gt;"),
                "{}",
                r.html
            );
            assert!(!r.html.contains("<b>Admin"), "{}", r.html);
        }
        let en = render_security(None, &notice, "https://portal.example").unwrap();
        assert!(en.text.contains("Laptop <script>"), "the text part is plain text: {}", en.text);
    }

    #[test]
    fn the_invitation_names_company_inviter_and_link_and_escapes_html() {
        let invitation = InvitationEmail {
            invitee: "Ivy <New>".into(),
            company: "Acme & Co".into(),
            inviter: "Ada Admin".into(),
            link: "https://portal.example/invitations/abc".into(),
        };
        let r = render_invitation(None, &invitation).unwrap();
        assert_eq!(r.subject, "You are invited to Acme & Co on Provisio");
        for body in [&r.text, &r.html] {
            assert!(body.contains("Ada Admin") && body.contains("https://portal.example/invitations/abc"));
            assert!(body.contains("72"), "says how long the link works");
        }
        assert!(r.html.contains("Ivy &#60;New&#62;") && !r.html.contains("<New>"));
        let sv = render_invitation(Some("sv"), &invitation).unwrap();
        assert!(sv.html.contains("lang=\"sv\"") && sv.subject.contains("Acme & Co"));
    }

    #[test]
    fn the_email_names_order_lines_link_and_sender_and_escapes_html() {
        let lines =
            vec![("Sub-1".to_string(), "A-Flex".to_string()), ("Sub-2".to_string(), "Webex <Calling>".to_string())];
        let r = render_email(
            EmailKind::Provisioning,
            None,
            "WO-1",
            "Globex & <Co>",
            &lines,
            "https://admin.example",
            "webex_comm@webex.com",
        )
        .unwrap();
        assert_eq!(r.subject, "Provisioning information required for order WO-1");
        for body in [&r.text, &r.html] {
            assert!(body.contains("Sub-1") && body.contains("Sub-2") && body.contains("A-Flex"));
            assert!(body.contains("https://admin.example") && body.contains("webex_comm@webex.com"));
            assert!(body.contains("spam"));
        }
        assert!(r.text.contains("Globex & <Co>"), "the text part is plain text");
        assert!(r.html.contains("Globex &#38; &#60;Co&#62;"), "{}", r.html);
        assert!(!r.html.contains("<Calling>"));
    }

    #[test]
    fn the_email_goes_out_in_the_orders_language() {
        let sv = wo1(EmailKind::Provisioning, Some("sv"));
        assert_eq!(sv.subject, "Information om etablering krävs för beställning WO-1");
        assert!(sv.html.contains("lang=\"sv\""));
        let ko = wo1(EmailKind::Provisioning, Some("ko"));
        assert_eq!(ko.subject, "주문 WO-1에 프로비저닝 정보가 필요합니다");
    }

    #[test]
    fn a_reminder_says_when_the_lines_close_and_a_copy_says_it_is_one() {
        use chrono::TimeZone;
        let closes_at = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        for (lang, date) in
            [("en", "4 Dec 2026, 09:00 UTC"), ("ko", "2026년 12월 4일 09:00 UTC"), ("sv", "4 dec 2026 kl. 09:00 UTC")]
        {
            let r = wo1(EmailKind::Reminder { closes_at }, Some(lang));
            assert!(r.subject.contains("WO-1"), "{lang}: {}", r.subject);
            for body in [&r.text, &r.html] {
                assert!(
                    body.contains(date) && body.contains("Sub-1") && body.contains("https://a.example"),
                    "{lang}: {body}"
                );
            }
        }
        let en = wo1(EmailKind::Reminder { closes_at }, None);
        assert!(en.text.contains("billing starts then"), "{}", en.text);
        for lang in ["en", "ko", "sv"] {
            let copy = wo1(EmailKind::Copy, Some(lang));
            let original = wo1(EmailKind::Provisioning, Some(lang));
            assert_ne!(copy.subject, original.subject);
            assert!(copy.subject.contains(&original.subject));
            let note = Tr::new(lang).ta("email-copy-note", [("order", "WO-1")]);
            assert!(copy.text.contains(&note) && !original.text.contains(&note), "{lang}");
        }
        assert_eq!(EmailKind::of("reminder", Some(closes_at)), EmailKind::Reminder { closes_at });
        assert_eq!(EmailKind::of("copy", None), EmailKind::Copy);
        assert_eq!(EmailKind::of("rsd", None), EmailKind::Provisioning);
    }
}
