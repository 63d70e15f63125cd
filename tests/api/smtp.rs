//! A small real SMTP server in the test process: it speaks enough ESMTP for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps what it receives, can refuse
//! messages for good (550) and can be stopped and started again on the same port to
//! play an outage. Its kernel acknowledges at once by default, or holds its ACKs back
//! like an ordinary relay (`Acks::Delayed`, for the drain benchmark).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender (MAIL FROM).
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The plain-text part of the message, decoded (quoted-printable or base64).
    pub fn text(&self) -> String {
        let message = mail_parser::MessageParser::default().parse(self.data.as_bytes()).expect("a MIME message");
        message.body_text(0).expect("a plain-text part").into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 550 at RCPT: a permanent refusal.
    RefuseForGood,
}

/// When the server's TCP acknowledges what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// At once (TCP_QUICKACK before every read): a client's Nagle never waits on us.
    Quick,
    /// Delayed, as Linux does for an ordinary relay (TCP_QUICKACK off after every read,
    /// so the kernel stays in its delayed-ACK mode): a client that sends a small segment
    /// behind unacknowledged data waits ~40 ms unless it set TCP_NODELAY.
    Delayed,
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    acks: Acks,
    /// How long the server takes to accept a message once it has it (a relay's own work).
    reply_delay: Arc<Mutex<std::time::Duration>>,
    tasks: Mutex<Option<JoinSet<()>>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_with(Acks::Quick).await
    }

    pub async fn start_with(acks: Acks) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = Self {
            port,
            received: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            acks,
            reply_delay: Arc::default(),
            tasks: Mutex::new(None),
        };
        server.serve(listener);
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: TcpListener) {
        let mut tasks = JoinSet::new();
        let received = self.received.clone();
        let mode = self.mode.clone();
        let acks = self.acks;
        let delay = self.reply_delay.clone();
        tasks.spawn(async move {
            let mut sessions = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                sessions.spawn(session(socket, received.clone(), mode.clone(), acks, delay.clone()));
            }
        });
        *self.tasks.lock().unwrap() = Some(tasks);
    }

    /// The server goes away: the listener closes and open connections drop.
    pub fn stop(&self) {
        if let Some(mut tasks) = self.tasks.lock().unwrap().take() {
            tasks.abort_all();
        }
    }

    /// Back on the same port.
    pub async fn restart(&self) {
        self.stop();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.port),
            }
        };
        self.serve(listener);
    }

    /// TCP_NODELAY of every socket of this process connected to this server: its clients'
    /// ends, as the mailer opened them (found through /proc/self/fd).
    pub fn clients_nodelay(&self) -> Vec<bool> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
            let Ok(fd) = entry.file_name().to_string_lossy().parse::<libc::c_int>() else { continue };
            // SAFETY: a zeroed sockaddr_in is a valid value; getpeername writes at most
            // `len` bytes into it, and fails harmlessly on a descriptor that is no socket.
            let mut peer: libc::sockaddr_in = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let r =
                unsafe { libc::getpeername(fd, &mut peer as *mut libc::sockaddr_in as *mut libc::sockaddr, &mut len) };
            if r != 0 || i32::from(peer.sin_family) != libc::AF_INET || u16::from_be(peer.sin_port) != self.port {
                continue;
            }
            let mut on: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: fd is a TCP socket (it has an IPv4 peer); the option value is a c_int.
            let r = unsafe {
                libc::getsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    &mut on as *mut libc::c_int as *mut libc::c_void,
                    &mut len,
                )
            };
            if r == 0 {
                found.push(on != 0);
            }
        }
        found
    }

    /// Each message is kept at once but answered (250) only after `delay`: a client that
    /// dies in between has had it accepted without knowing.
    pub fn set_reply_delay(&self, delay: std::time::Duration) {
        *self.reply_delay.lock().unwrap() = delay;
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` messages arrived (ten seconds at most) and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(std::time::Instant::now() < deadline, "{} of {n} messages arrived", messages.len());
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    acks: Acks,
    reply_delay: Arc<Mutex<std::time::Duration>>,
) {
    // Replies go out at once. A client writes a message's body and its closing "." in two
    // writes; whether the "." waits for our ACK (Nagle) is what `acks` decides. Linux
    // forgets TCP_QUICKACK on its own, so it is set again around every read.
    let _ = socket.set_nodelay(true);
    let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
    let quickack = move |on: bool| {
        let on = libc::c_int::from(on);
        // SAFETY: fd is this live socket's descriptor; the option value is a c_int.
        unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                &on as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    };
    let before_read = move || quickack(acks == Acks::Quick);
    let after_read = move || {
        if acks == Acks::Delayed {
            quickack(false);
        }
    };
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let mut to = Vec::new();
    let mut from = String::new();
    if write.write_all(b"220 provisio-test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        before_read();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        after_read();
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-provisio-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if command.starts_with("MAIL FROM") {
            to.clear();
            from = line.trim_end()[10..].split_whitespace().next().unwrap_or_default().to_string();
            from = from.trim_start_matches('<').trim_end_matches('>').to_string();
            b"250 2.1.0 OK\r\n"
        } else if command.starts_with("RSET") {
            to.clear();
            b"250 2.0.0 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            if *mode.lock().unwrap() == Mode::RefuseForGood {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                let address = line.trim_end()[8..].trim().trim_start_matches('<').trim_end_matches('>').to_string();
                to.push(address);
                b"250 2.1.5 OK\r\n"
            }
        } else if command == "DATA" {
            if write.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            loop {
                let mut l = String::new();
                before_read();
                match lines.read_line(&mut l).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                after_read();
                if l == ".\r\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
            }
            let n = {
                let mut all = received.lock().unwrap();
                all.push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data: data.replace("\r\n", "\n"),
                });
                all.len()
            };
            let delay = *reply_delay.lock().unwrap();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let reply = format!("250 2.0.0 queued as test-{n}\r\n");
            if write.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            continue;
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"502 5.5.2 not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
