//! Where emails go: an SMTP relay (SMTP_URL, pooled connections) or the file mailbox
//! `./mail/` (one .eml per message).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Rendered;
use crate::config::{MailConfig, SmtpSecurity};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Why a message did not go.
#[derive(Debug, Clone)]
pub struct SendError {
    /// The mail server refused it for good (5xx): no retry helps.
    pub permanent: bool,
    pub reason: String,
}

impl Mailer {
    pub fn new(config: &MailConfig, mailbox: PathBuf, connections: u32) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp else {
            std::fs::create_dir_all(&mailbox).map_err(|e| anyhow::anyhow!("mail folder {}: {e}", mailbox.display()))?;
            return Ok(Self::File(AsyncFileTransport::new(&mailbox), mailbox));
        };
        let builder = match url.security {
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&url.host)?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&url.host)?,
        };
        let mut builder = builder
            .port(url.port)
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(connections));
        if let (Some(user), Some(password)) = (&url.user, &url.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self::Smtp(builder.build()))
    }

    pub fn mailbox_dir(&self) -> Option<&PathBuf> {
        match self {
            Self::File(_, dir) => Some(dir),
            Self::Smtp(_) => None,
        }
    }

    /// Builds the message; its Message-ID comes from the outbox id, so a retry after a
    /// crash is recognisable as the same message.
    pub fn message(outbox_id: i64, from: &str, to: &str, rendered: &Rendered) -> Result<Message, SendError> {
        let invalid =
            |what: &str, e: &dyn std::fmt::Display| SendError { permanent: true, reason: format!("{what}: {e}") };
        let from: Mailbox = from.parse().map_err(|e| invalid("sender", &e))?;
        let to: Mailbox = to.parse().map_err(|e| invalid("recipient", &e))?;
        let domain = from.email.domain().to_string();
        Message::builder()
            .from(from)
            .to(to)
            .subject(&rendered.subject)
            .message_id(Some(format!("<provisioning-{outbox_id}@{domain}>")))
            .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))
            .map_err(|e| invalid("message", &e))
    }

    /// Sends; Ok carries the mail server's reply.
    pub async fn send(&self, message: Message) -> Result<String, SendError> {
        match self {
            Self::Smtp(smtp) => match smtp.send(message).await {
                Ok(response) => Ok(format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" "))),
                Err(e) => Err(SendError { permanent: e.is_permanent(), reason: smtp_reason(&e) }),
            },
            Self::File(file, _) => match file.send(message).await {
                Ok(id) => Ok(format!("written to the mailbox as {id}.eml")),
                Err(e) => Err(SendError { permanent: false, reason: e.to_string() }),
            },
        }
    }
}

fn smtp_reason(e: &lettre::transport::smtp::Error) -> String {
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    reason
}
