//! Provisioning and invitation emails: rendering, the transports (SMTP or the file mailbox), and the
//! dispatcher that drains the outbox.

mod dispatcher;
mod transport;

use askama::Template;

pub use dispatcher::Dispatcher;
pub use transport::{Mailer, SendError};

use crate::i18n::Tr;
use crate::store::InvitationEmail;

#[derive(Template)]
#[template(path = "emails/provisioning.txt")]
struct ProvisioningText<'a> {
    t: &'a Tr,
    order_id: &'a str,
    customer: &'a str,
    lines: &'a [(String, String)],
    setup_url: &'a str,
    from: &'a str,
}

#[derive(Template)]
#[template(path = "emails/provisioning.html")]
struct ProvisioningHtml<'a> {
    t: &'a Tr,
    subject: &'a str,
    order_id: &'a str,
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

/// The provisioning email of an order for the lines it is about, in the order's language.
pub fn render_provisioning(
    language: Option<&str>,
    order_id: &str,
    customer: &str,
    lines: &[(String, String)],
    setup_url: &str,
    from: &str,
) -> Result<Rendered, askama::Error> {
    let t = Tr::new(language.unwrap_or("en"));
    let subject = t.ta("email-subject", [("order", order_id)]);
    let text = ProvisioningText { t: &t, order_id, customer, lines, setup_url, from }.render()?;
    let html = ProvisioningHtml { t: &t, subject: &subject, order_id, customer, lines, setup_url, from }.render()?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let r =
            render_provisioning(None, "WO-1", "Globex & <Co>", &lines, "https://admin.example", "webex_comm@webex.com")
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
        let lines = vec![("Sub-1".to_string(), "A-Flex".to_string())];
        let sv = render_provisioning(Some("sv"), "WO-1", "Globex", &lines, "https://a.example", "x@webex.com").unwrap();
        assert_eq!(sv.subject, "Information om etablering krävs för beställning WO-1");
        assert!(sv.html.contains("lang=\"sv\""));
        let ko = render_provisioning(Some("ko"), "WO-1", "Globex", &lines, "https://a.example", "x@webex.com").unwrap();
        assert_eq!(ko.subject, "주문 WO-1에 프로비저닝 정보가 필요합니다");
    }
}
