//! Where emails go: an SMTP relay (SMTP_URL, pooled connections) or the file mailbox
//! `./mail/` (one .eml per message).
//!
//! The SMTP pool is our own, over lettre's connection: lettre writes a message's body and
//! its closing "." in two writes, and its own pool opens sockets with Nagle's algorithm
//! on, so against a relay that delays its ACKs (ordinary Linux TCP) every message waited
//! ~40 ms for the ACK of its body before the "." went. Our sockets set TCP_NODELAY.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::Rendered;
use crate::config::{MailConfig, SmtpSecurity, SmtpUrl};
use crate::domain::delivery::{DeliveryFailure, FailureCause, mailbox_reply};

/// Connecting, and each message on a connection, give up after this long.
const TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is closed rather than reused (as lettre's pool).
const IDLE: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub enum Mailer {
    Smtp(Arc<SmtpPool>),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// Why a message did not go.
#[derive(Debug, Clone)]
pub struct SendError {
    /// The mail server refused it for good (5xx), or it cannot be sent at all: no retry helps.
    pub permanent: bool,
    /// Its cause (what a person can do about it) and the technical text.
    pub failure: DeliveryFailure,
}

impl SendError {
    fn new(permanent: bool, cause: FailureCause, technical: String) -> Self {
        Self { permanent, failure: DeliveryFailure::new(cause, &technical) }
    }
}

impl Mailer {
    pub fn new(config: &MailConfig, mailbox: PathBuf, connections: u32) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp else {
            std::fs::create_dir_all(&mailbox).map_err(|e| anyhow::anyhow!("mail folder {}: {e}", mailbox.display()))?;
            return Ok(Self::File(AsyncFileTransport::new(&mailbox)));
        };
        Ok(Self::Smtp(Arc::new(SmtpPool::new(url, connections)?)))
    }

    /// Builds the message; its Message-ID comes from the outbox id, so a retry after a
    /// crash is recognisable as the same message.
    pub fn message(outbox_id: i64, from: &str, to: &str, rendered: &Rendered) -> Result<Message, SendError> {
        Self::message_with_cc(outbox_id, from, to, None, rendered)
    }

    /// The message with someone in copy (a reminder: the order's creator).
    pub fn message_with_cc(
        outbox_id: i64,
        from: &str,
        to: &str,
        cc: Option<&str>,
        rendered: &Rendered,
    ) -> Result<Message, SendError> {
        Self::message_with_envelope(outbox_id, from, to, cc, rendered, None)
    }

    /// The message, sent with `envelope_sender` as its envelope sender (Return-Path) when
    /// given (the signed bounce address of docs/product.md rule 14); the From header stays.
    pub fn message_with_envelope(
        outbox_id: i64,
        from: &str,
        to: &str,
        cc: Option<&str>,
        rendered: &Rendered,
        envelope_sender: Option<&str>,
    ) -> Result<Message, SendError> {
        // A recipient that is no address is the address's fault; anything else ours.
        let invalid = |cause: FailureCause, what: &str, e: &dyn std::fmt::Display| {
            SendError::new(true, cause, format!("{what}: {e}"))
        };
        let address = FailureCause::InvalidAddress;
        let portal = FailureCause::Portal;
        let from: Mailbox = from.parse().map_err(|e| invalid(portal, "sender", &e))?;
        let to: Mailbox = to.parse().map_err(|e| invalid(address, "recipient", &e))?;
        let domain = from.email.domain().to_string();
        let mut recipients = vec![to.email.clone()];
        let mut builder = Message::builder().from(from).to(to);
        if let Some(cc) = cc {
            let cc: Mailbox = cc.parse().map_err(|e| invalid(portal, "copy recipient", &e))?;
            recipients.push(cc.email.clone());
            builder = builder.cc(cc);
        }
        if let Some(sender) = envelope_sender {
            let sender: lettre::Address = sender.parse().map_err(|e| invalid(portal, "envelope sender", &e))?;
            let envelope = lettre::address::Envelope::new(Some(sender), recipients)
                .map_err(|e| invalid(portal, "envelope", &e))?;
            builder = builder.envelope(envelope);
        }
        builder
            .subject(&rendered.subject)
            .message_id(Some(format!("<provisioning-{outbox_id}@{domain}>")))
            .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))
            .map_err(|e| invalid(portal, "message", &e))
    }

    /// Sends; Ok carries the mail server's reply as stored (domain::delivery::Accepted).
    pub async fn send(&self, message: Message) -> Result<String, SendError> {
        match self {
            Self::Smtp(pool) => pool.send(&message).await,
            Self::File(file) => match file.send(message).await {
                Ok(id) => Ok(mailbox_reply(&format!("{id}.eml"))),
                Err(e) => Err(SendError::new(false, FailureCause::Portal, format!("the file mailbox: {e}"))),
            },
        }
    }
}

/// Up to `connections` SMTP connections at once; idle ones wait for the next message.
pub struct SmtpPool {
    host: String,
    port: u16,
    security: SmtpSecurity,
    /// Built once: for STARTTLS and for TLS from the first byte.
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// One permit per connection that may be open and in use.
    permits: Semaphore,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    fn new(url: &SmtpUrl, connections: u32) -> anyhow::Result<Self> {
        let tls = match url.security {
            SmtpSecurity::Plain => None,
            SmtpSecurity::StartTls | SmtpSecurity::Tls => Some(TlsParameters::new(url.host.clone())?),
        };
        let credentials = match (&url.user, &url.password) {
            (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.clone())),
            _ => None,
        };
        Ok(Self {
            host: url.host.clone(),
            port: url.port,
            security: url.security,
            tls,
            credentials,
            hello: ClientId::default(),
            permits: Semaphore::new(connections.max(1) as usize),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn send(&self, message: &Message) -> Result<String, SendError> {
        let _permit = self.permits.acquire().await.expect("the pool's semaphore is never closed");
        let mut conn = match self.reuse().await {
            Some(conn) => conn,
            None => within_timeout("connecting", self.connect()).await?,
        };
        let result = within_timeout("sending", async {
            conn.send(message.envelope(), &message.formatted()).await.map_err(smtp_error)
        })
        .await;
        // lettre marks the connection broken (and has sent QUIT) after any error; a
        // timeout leaves it in an unknown state. Neither goes back to the pool.
        if result.is_ok() && !conn.has_broken() {
            self.idle.lock().unwrap().push((conn, Instant::now()));
        }
        let response = result?;
        Ok(format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")))
    }

    /// The most recently used idle connection that still answers NOOP; the others that
    /// were looked at are closed.
    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().unwrap().pop()?;
            if since.elapsed() < IDLE && tokio::time::timeout(TIMEOUT, conn.test_connected()).await.unwrap_or(false) {
                return Some(conn);
            }
            let _ = tokio::time::timeout(TIMEOUT, conn.abort()).await;
        }
    }

    /// A new connection: TCP without Nagle, the greeting and EHLO, TLS as the URL says,
    /// then AUTH when the URL has credentials.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let unreachable = |what: String| SendError::new(false, FailureCause::Unreachable, what);
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| unreachable(format!("could not connect to {}:{}: {e}", self.host, self.port)))?;
        tcp.set_nodelay(true).map_err(|e| unreachable(format!("TCP_NODELAY: {e}")))?;
        let mut conn = match (self.security, &self.tls) {
            (SmtpSecurity::Tls, Some(tls)) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream.upgrade_tls(tls.clone()).await.map_err(smtp_error)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(TlsFromTheStart(stream)), &self.hello).await
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await,
        }
        .map_err(smtp_error)?;
        if let (SmtpSecurity::StartTls, Some(tls)) = (self.security, &self.tls) {
            conn.starttls(tls.clone(), &self.hello).await.map_err(smtp_error)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await.map_err(smtp_error)?;
        }
        Ok(conn)
    }
}

async fn within_timeout<T>(what: &str, future: impl Future<Output = Result<T, SendError>>) -> Result<T, SendError> {
    tokio::time::timeout(TIMEOUT, future).await.unwrap_or_else(|_| {
        Err(SendError::new(false, FailureCause::Unreachable, format!("{what} timed out after {} s", TIMEOUT.as_secs())))
    })
}

/// A refusal with a reply code is the mail server's answer (about the address or the
/// message); anything else (the connection, TLS, a reply that could not be read) means
/// the portal could not talk to its mail server.
fn smtp_error(e: lettre::transport::smtp::Error) -> SendError {
    let technical = smtp_reason(&e);
    let failure = match e.status() {
        Some(code) => DeliveryFailure::refused(code.to_string().parse().ok(), &technical),
        None => DeliveryFailure::new(FailureCause::Unreachable, &technical),
    };
    SendError { permanent: e.is_permanent(), failure }
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

/// lettre's own TLS stream over our TCP socket, handed back to lettre as the transport of
/// a connection: `connect_with_transport` reads the greeting at once, so for smtps:// the
/// handshake has to come first, and lettre's `TlsParameters` do it as its own pool would.
#[allow(deprecated)]
#[derive(Debug)]
struct TlsFromTheStart(AsyncNetworkStream);

impl AsyncRead for TlsFromTheStart {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = ready!(futures_util::io::AsyncRead::poll_read(Pin::new(&mut self.0), cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for TlsFromTheStart {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        futures_util::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_util::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_util::io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for TlsFromTheStart {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}
