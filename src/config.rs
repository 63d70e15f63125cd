//! Configuration from flags and environment variables, validated once at start-up.
//! A missing or malformed value stops start-up with one line naming the setting.
//!
//! About 510 lines, most of them the parsing of each setting and its unit tests: one
//! place to find every setting (docs/configuration.md is checked against it).

pub use crate::domain::SendLimit;
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub admin_console_url: String,
    pub secure_cookies: bool,
    pub mail: MailConfig,
    /// `serve --demo`: the mailbox page is on.
    pub demo: bool,
    /// HMAC-SHA256 key of admin-console events; None: the webhook answers 404.
    pub webhook_secret: Option<String>,
    /// Bearer token of `GET /metrics` (PROVISIO_METRICS_TOKEN); None: it answers 404.
    pub metrics_token: Option<String>,
    pub sessions: SessionConfig,
    /// The time sessions are measured by: the system clock, a held one in tests.
    pub clock: crate::clock::Clock,
    pub login: LoginConfig,
    /// Support cases one user may open.
    pub case_limit: Rate,
    /// How long before a line's closing time reminders go out, latest first (PROVISIO_REMINDERS).
    pub reminders: Vec<chrono::Duration>,
    /// API requests one token may make (counted per instance).
    pub api_limit: Rate,
    /// How long a graceful stop waits for requests and sends in progress (PROVISIO_SHUTDOWN).
    pub shutdown: std::time::Duration,
    /// The portal's address as people reach it, without a trailing slash: the one base of
    /// every link in an email or a page (PROVISIO_PUBLIC_URL).
    pub public_url: String,
    /// How long a bulk preview (and an applied one's outcome) is kept (PROVISIO_BULK_KEEP).
    pub bulk_keep: chrono::Duration,
    /// Who must have a second factor (PROVISIO_MFA).
    pub mfa: crate::domain::MfaPolicy,
}

/// How long a session lives: signed out after `idle` without use, and after `max` however
/// busy it is (PROVISIO_SESSION_IDLE, PROVISIO_SESSION_MAX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    pub idle: chrono::Duration,
    pub max: chrono::Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self { idle: chrono::Duration::minutes(30), max: chrono::Duration::hours(12) }
    }
}

/// Sign-in throttling and where the client address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginConfig {
    /// Failed sign-ins one client address may make for one account (PROVISIO_LOGIN_LIMIT).
    pub per_account: Rate,
    /// Failed sign-ins one client address may make across all accounts.
    pub per_address: Rate,
    /// Reverse proxies whose X-Forwarded-For is believed (PROVISIO_TRUSTED_PROXIES).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            per_account: Rate { count: 5, per: chrono::Duration::minutes(15) },
            per_address: Rate { count: 100, per: chrono::Duration::hours(1) },
            trusted_proxies: Vec::new(),
        }
    }
}

/// `COUNT/DURATION`: so many in any such window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: chrono::Duration,
}

impl Rate {
    /// `5/15m`, `10/d` (a bare unit is one of it).
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected = || "expected COUNT/DURATION such as 5/15m or 10/d".to_string();
        let (count, per) = text.trim().split_once('/').ok_or_else(expected)?;
        let count: u32 = count.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(expected)?;
        let per = per.trim();
        let per = if per.len() == 1 { parse_duration(&format!("1{per}")) } else { parse_duration(per) };
        Ok(Self { count, per: per.map_err(|_| expected())? })
    }
}

/// `N` + `s`, `m`, `h` or `d`; at least a second, at most a year.
pub fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let expected = || format!("expected a duration such as 30m, 12h or 3d, got {text:?}");
    let text = text.trim();
    let unit = text.chars().last().ok_or_else(expected)?;
    let n: i64 = text[..text.len() - unit.len_utf8()].parse().map_err(|_| expected())?;
    let seconds = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86_400,
        _ => return Err(expected()),
    };
    if !(1..=366 * 86_400).contains(&seconds) {
        return Err(expected());
    }
    Ok(chrono::Duration::seconds(seconds))
}

/// `3d,1d` (durations, any order) or `none`: the offsets before a line's closing time at
/// which reminders go out, smallest (the latest reminder) first.
pub fn parse_reminders(text: &str) -> Result<Vec<chrono::Duration>, String> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut offsets = text
        .split(',')
        .map(|d| parse_duration(d).map_err(|_| format!("expected durations such as 3d,1d or none, got {text:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    offsets.sort();
    offsets.dedup();
    Ok(offsets)
}

fn parse_proxies(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("expected addresses or CIDRs separated by commas, got {p:?}"))
        })
        .collect()
}

/// Where and how provisioning emails go.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// None: the file mailbox `./mail/`.
    pub smtp: Option<SmtpUrl>,
    pub from: String,
    pub limit: SendLimit,
    pub max_attempts: u32,
    /// The first retry waits about this long; each next one twice as long, at most 10 min.
    pub retry_base: std::time::Duration,
    /// The file mailbox, when there is no SMTP_URL.
    pub mailbox: std::path::PathBuf,
    /// How long a dispatcher holds the messages it claimed; after that another dispatcher
    /// may take them over (PROVISIO_MAIL_LEASE). Longer than any batch takes.
    pub lease: chrono::Duration,
    /// Where bounces go (PROVISIO_BOUNCE_ADDRESS): each message's envelope sender is its own
    /// signed `local+TOKEN@domain`. None: the envelope sender is `from`.
    pub bounce_address: Option<crate::mail::bounce::BounceAddress>,
}

impl MailConfig {
    pub fn file_mailbox() -> Self {
        Self {
            smtp: None,
            from: "webex_comm@webex.com".to_string(),
            limit: SendLimit { per_hour: 3, per_day: 10 },
            max_attempts: 8,
            retry_base: std::time::Duration::from_secs(10),
            mailbox: std::path::PathBuf::from("mail"),
            lease: chrono::Duration::minutes(5),
            bounce_address: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: no TLS, for a relay on the local network.
    Plain,
    /// `smtp+starttls://`
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub security: SmtpSecurity,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpUrl {
    // The password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}://{}:{}", self.security, self.host, self.port)
    }
}

impl SmtpUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let (scheme, rest) = url.split_once("://").ok_or("expected smtp://, smtp+starttls:// or smtps://")?;
        let (security, default_port) = match scheme {
            "smtp" => (SmtpSecurity::Plain, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            _ => return Err("expected smtp://, smtp+starttls:// or smtps://".into()),
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((c, a)) => (Some(c), a),
            None => (None, rest),
        };
        let (user, password) = match credentials {
            Some(c) => {
                let (u, p) = c.split_once(':').unwrap_or((c, ""));
                let decode = |s: &str| percent_decode(s).ok_or("credentials are not valid percent-encoding");
                (Some(decode(u)?), Some(decode(p)?))
            }
            None => (None, None),
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "the port is not a number")?),
            None => (address, default_port),
        };
        if host.is_empty() || host.contains('/') {
            return Err("expected a host name".into());
        }
        Ok(Self { security, host: host.to_string(), port, user, password })
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Debug, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

fn bad(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { setting, problem: problem.into() }
}

impl Config {
    /// Reads the environment through `var`; `bind_flag` (from `--bind`) wins over PROVISIO_BIND.
    pub fn from_env(var: impl Fn(&str) -> Option<String>, bind_flag: Option<&str>) -> Result<Self, ConfigError> {
        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://provisio.db".to_string());
        let is_sqlite = database_url.starts_with("sqlite:") && database_url.len() > "sqlite:".len();
        let is_postgres = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        if !is_sqlite && !is_postgres {
            return Err(bad("DATABASE_URL", "expected sqlite://PATH or postgres://USER@HOST/DB"));
        }

        let (bind_setting, bind_text) = match bind_flag {
            Some(b) => ("--bind", b.to_string()),
            None => ("PROVISIO_BIND", var("PROVISIO_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_string())),
        };
        let bind = bind_text
            .parse()
            .map_err(|_| bad(bind_setting, format!("expected an address such as 127.0.0.1:8080, got {bind_text:?}")))?;

        let admin_console_url =
            var("PROVISIO_ADMIN_CONSOLE_URL").unwrap_or_else(|| "https://admin.webex.com".to_string());
        let valid_url = (admin_console_url.starts_with("https://") || admin_console_url.starts_with("http://"))
            && !admin_console_url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
        if !valid_url {
            return Err(bad("PROVISIO_ADMIN_CONSOLE_URL", "expected an http:// or https:// URL"));
        }

        let secure_cookies = match var("PROVISIO_SECURE_COOKIES").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(bad("PROVISIO_SECURE_COOKIES", format!("expected true or false, got {other:?}")));
            }
        };

        let mut mail = MailConfig::file_mailbox();
        if let Some(url) = var("SMTP_URL").filter(|u| !u.is_empty()) {
            mail.smtp = Some(SmtpUrl::parse(&url).map_err(|p| bad("SMTP_URL", p))?);
        }
        if let Some(from) = var("PROVISIO_MAIL_FROM") {
            mail.from = crate::domain::ContactEmail::parse(&from)
                .map_err(|e| bad("PROVISIO_MAIL_FROM", e.plain()))?
                .into_string();
        }
        if let Some(limit) = var("PROVISIO_RESEND_LIMIT") {
            mail.limit = SendLimit::parse(&limit).map_err(|p| bad("PROVISIO_RESEND_LIMIT", p))?;
        }
        if let Some(n) = var("PROVISIO_MAIL_MAX_ATTEMPTS") {
            mail.max_attempts = n
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| bad("PROVISIO_MAIL_MAX_ATTEMPTS", "expected a whole number from 1 to 100"))?;
        }

        if let Some(address) = var("PROVISIO_BOUNCE_ADDRESS").filter(|a| !a.is_empty()) {
            mail.bounce_address = Some(
                crate::mail::bounce::BounceAddress::parse(&address).map_err(|p| bad("PROVISIO_BOUNCE_ADDRESS", p))?,
            );
        }

        if let Some(lease) = var("PROVISIO_MAIL_LEASE") {
            mail.lease = parse_duration(&lease).map_err(|p| bad("PROVISIO_MAIL_LEASE", p))?;
        }

        let webhook_secret = match var("PROVISIO_WEBHOOK_SECRET") {
            None => None,
            Some(secret) if secret.len() >= 16 => Some(secret),
            Some(_) => return Err(bad("PROVISIO_WEBHOOK_SECRET", "expected at least 16 characters")),
        };

        // It travels in a header: visible ASCII, and long enough not to be guessed.
        let metrics_token = match var("PROVISIO_METRICS_TOKEN") {
            None => None,
            Some(token) if token.len() >= 16 && token.bytes().all(|b| b.is_ascii_graphic()) => Some(token),
            Some(_) => {
                return Err(bad(
                    "PROVISIO_METRICS_TOKEN",
                    "expected at least 16 characters, no spaces or control characters",
                ));
            }
        };

        let mut sessions = SessionConfig::default();
        if let Some(idle) = var("PROVISIO_SESSION_IDLE") {
            sessions.idle = parse_duration(&idle).map_err(|p| bad("PROVISIO_SESSION_IDLE", p))?;
        }
        if let Some(max) = var("PROVISIO_SESSION_MAX") {
            sessions.max = parse_duration(&max).map_err(|p| bad("PROVISIO_SESSION_MAX", p))?;
        }
        if sessions.max < sessions.idle {
            return Err(bad("PROVISIO_SESSION_MAX", "expected at least PROVISIO_SESSION_IDLE"));
        }

        let mut login = LoginConfig::default();
        if let Some(limit) = var("PROVISIO_LOGIN_LIMIT") {
            login.per_account = Rate::parse(&limit).map_err(|p| bad("PROVISIO_LOGIN_LIMIT", p))?;
        }
        if let Some(limit) = var("PROVISIO_LOGIN_ADDRESS_LIMIT") {
            login.per_address = Rate::parse(&limit).map_err(|p| bad("PROVISIO_LOGIN_ADDRESS_LIMIT", p))?;
        }
        if let Some(proxies) = var("PROVISIO_TRUSTED_PROXIES") {
            login.trusted_proxies = parse_proxies(&proxies).map_err(|p| bad("PROVISIO_TRUSTED_PROXIES", p))?;
        }
        let case_limit = match var("PROVISIO_CASE_LIMIT") {
            Some(limit) => Rate::parse(&limit).map_err(|p| bad("PROVISIO_CASE_LIMIT", p))?,
            None => Rate { count: 10, per: chrono::Duration::days(1) },
        };
        let reminders = parse_reminders(&var("PROVISIO_REMINDERS").unwrap_or_else(|| "3d,1d".to_string()))
            .map_err(|p| bad("PROVISIO_REMINDERS", p))?;
        let api_limit = match var("PROVISIO_API_LIMIT") {
            Some(limit) => Rate::parse(&limit).map_err(|p| bad("PROVISIO_API_LIMIT", p))?,
            None => Rate { count: 600, per: chrono::Duration::minutes(1) },
        };

        let shutdown = match var("PROVISIO_SHUTDOWN") {
            Some(d) => parse_duration(&d).map_err(|p| bad("PROVISIO_SHUTDOWN", p))?.to_std().unwrap_or_default(),
            None => std::time::Duration::from_secs(20),
        };
        let public_url = match var("PROVISIO_PUBLIC_URL") {
            Some(url) => parse_public_url(&url).map_err(|p| bad("PROVISIO_PUBLIC_URL", p))?,
            None => format!("http://{bind}"),
        };
        let bulk_keep = match var("PROVISIO_BULK_KEEP") {
            Some(d) => parse_duration(&d).map_err(|p| bad("PROVISIO_BULK_KEEP", p))?,
            None => chrono::Duration::hours(24),
        };

        let mfa = match var("PROVISIO_MFA") {
            Some(policy) => crate::domain::MfaPolicy::parse(&policy).map_err(|p| bad("PROVISIO_MFA", p))?,
            None => crate::domain::MfaPolicy::default(),
        };

        Ok(Self {
            database_url,
            bind,
            admin_console_url,
            secure_cookies,
            mail,
            demo: false,
            webhook_secret,
            metrics_token,
            sessions,
            clock: crate::clock::Clock::system(),
            login,
            case_limit,
            reminders,
            api_limit,
            shutdown,
            public_url,
            bulk_keep,
            mfa,
        })
    }
}

/// `http://` or `https://`, a host (and port), an optional path; no query, fragment,
/// credentials, white space or quotes. Returned without a trailing slash, so that a link
/// is the base plus an absolute path.
pub fn parse_public_url(text: &str) -> Result<String, String> {
    let expected = || format!("expected an address such as https://portal.example, got {text:?}");
    let text = text.trim();
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).ok_or_else(expected)?;
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, Some(p))).unwrap_or((rest, None));
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']').ok_or_else(expected)?;
            if inside.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(expected());
            }
            ("v6", after.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(expected());
    }
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let path_ok = path
        .is_none_or(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_' | '~' | '%')));
    if !host_ok || !path_ok {
        return Err(expected());
    }
    Ok(text.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = Config::from_env(env(&[]), None).unwrap();
        assert_eq!(c.database_url, "sqlite://provisio.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.admin_console_url, "https://admin.webex.com");
        assert!(!c.secure_cookies);
        assert!(c.mail.smtp.is_none());
        assert_eq!(c.mail.from, "webex_comm@webex.com");
        assert_eq!(c.mail.limit, SendLimit { per_hour: 3, per_day: 10 });
        assert_eq!(c.mail.max_attempts, 8);
        assert_eq!(c.mail.lease, chrono::Duration::minutes(5));
        assert_eq!(c.sessions, SessionConfig::default());
        assert_eq!(c.sessions.idle, chrono::Duration::minutes(30));
        assert_eq!(c.login.per_account, Rate { count: 5, per: chrono::Duration::minutes(15) });
        assert_eq!(c.login.per_address, Rate { count: 100, per: chrono::Duration::hours(1) });
        assert!(c.login.trusted_proxies.is_empty());
        assert_eq!(c.case_limit, Rate { count: 10, per: chrono::Duration::days(1) });
        assert_eq!(c.api_limit, Rate { count: 600, per: chrono::Duration::minutes(1) });
        let c = Config::from_env(env(&[("PROVISIO_API_LIMIT", "5/s")]), None).unwrap();
        assert_eq!(c.api_limit, Rate { count: 5, per: chrono::Duration::seconds(1) });
        assert_eq!(c.reminders, vec![chrono::Duration::days(1), chrono::Duration::days(3)]);
        assert_eq!(c.mfa, crate::domain::MfaPolicy::default(), "operators,admins");
        let c = Config::from_env(env(&[("PROVISIO_MFA", "all")]), None).unwrap();
        assert_eq!(c.mfa, crate::domain::MfaPolicy::ALL);
    }

    #[test]
    fn the_public_url_is_a_plain_base_and_defaults_to_the_bind_address() {
        let c = Config::from_env(env(&[]), Some("127.0.0.1:9000")).unwrap();
        assert_eq!(c.public_url, "http://127.0.0.1:9000");
        assert_eq!(c.shutdown, std::time::Duration::from_secs(20));
        assert_eq!(c.bulk_keep, chrono::Duration::hours(24));
        for (given, kept) in [
            ("https://portal.example", "https://portal.example"),
            ("https://portal.example/", "https://portal.example"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("https://example.com/provisio/", "https://example.com/provisio"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(parse_public_url(given).unwrap(), kept, "{given}");
        }
        for bad in [
            "",
            "portal.example",
            "ftp://portal.example",
            "https://",
            "https://user:pw@portal.example",
            "https://portal.example?x=1",
            "https://portal.example/#a",
            "https://evil.example\"><script>",
            "https://portal .example",
            "https://portal.example:port",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad:?}");
        }
        let e = Config::from_env(env(&[("PROVISIO_PUBLIC_URL", "portal")]), None).unwrap_err();
        assert_eq!(e.setting, "PROVISIO_PUBLIC_URL");
        let e = Config::from_env(env(&[("PROVISIO_SHUTDOWN", "soon")]), None).unwrap_err();
        assert_eq!(e.setting, "PROVISIO_SHUTDOWN");
        let e = Config::from_env(env(&[("PROVISIO_BULK_KEEP", "0s")]), None).unwrap_err();
        assert_eq!(e.setting, "PROVISIO_BULK_KEEP");
    }

    #[test]
    fn reminders_are_offsets_or_none() {
        assert_eq!(parse_reminders("none").unwrap(), Vec::<chrono::Duration>::new());
        assert_eq!(
            parse_reminders("12h, 2d,12h").unwrap(),
            vec![chrono::Duration::hours(12), chrono::Duration::days(2)]
        );
        for bad in ["", "3d,", "soon", "none,1d"] {
            assert!(parse_reminders(bad).is_err(), "{bad:?}");
        }
        let c = Config::from_env(env(&[("PROVISIO_REMINDERS", "none")]), None).unwrap();
        assert!(c.reminders.is_empty());
    }

    #[test]
    fn rates_durations_and_proxies() {
        assert_eq!(Rate::parse("5/15m").unwrap(), Rate { count: 5, per: chrono::Duration::minutes(15) });
        assert_eq!(Rate::parse("10/d").unwrap(), Rate { count: 10, per: chrono::Duration::days(1) });
        assert_eq!(parse_duration("90s").unwrap(), chrono::Duration::seconds(90));
        for bad in ["", "m", "5", "-5m", "5w", "0s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        let c = Config::from_env(env(&[("PROVISIO_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]), None).unwrap();
        assert_eq!(c.login.trusted_proxies.len(), 3);
        let c = Config::from_env(env(&[("PROVISIO_MAIL_LEASE", "2s")]), None).unwrap();
        assert_eq!(c.mail.lease, chrono::Duration::seconds(2));
    }

    #[test]
    fn smtp_urls_of_the_contract() {
        let u = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((u.security, u.host.as_str(), u.port, u.user), (SmtpSecurity::Plain, "127.0.0.1", 2525, None));
        let u = SmtpUrl::parse("smtp+starttls://me%40x.example:p%3Ass@relay.example:587").unwrap();
        assert_eq!(u.security, SmtpSecurity::StartTls);
        assert_eq!((u.user.as_deref(), u.password.as_deref()), (Some("me@x.example"), Some("p:ss")));
        let u = SmtpUrl::parse("smtps://u:p@relay.example").unwrap();
        assert_eq!((u.security, u.port), (SmtpSecurity::Tls, 465));
        assert!(!format!("{u:?}").contains(":p@"), "no password in the debug form");
        for bad in ["relay.example", "smtp://", "smtp://h:port", "imap://h"] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(SendLimit::parse("5/h,20/d").unwrap(), SendLimit { per_hour: 5, per_day: 20 });
        assert!(SendLimit::parse("5/h").is_err());
        assert!(SendLimit::parse("5/h,2/d").is_err());
    }

    #[test]
    fn bad_values_name_their_setting() {
        let cases: [(&[(&str, &str)], &str); 23] = [
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("PROVISIO_BIND", "localhost")], "PROVISIO_BIND"),
            (&[("PROVISIO_SECURE_COOKIES", "yes")], "PROVISIO_SECURE_COOKIES"),
            (&[("PROVISIO_ADMIN_CONSOLE_URL", "javascript:alert(1)")], "PROVISIO_ADMIN_CONSOLE_URL"),
            (&[("SMTP_URL", "http://mail.example")], "SMTP_URL"),
            (&[("PROVISIO_MAIL_FROM", "Webex <x@webex.com>")], "PROVISIO_MAIL_FROM"),
            (&[("PROVISIO_BOUNCE_ADDRESS", "bounces+x@portal.example")], "PROVISIO_BOUNCE_ADDRESS"),
            (&[("PROVISIO_RESEND_LIMIT", "3 per hour")], "PROVISIO_RESEND_LIMIT"),
            (&[("PROVISIO_MAIL_MAX_ATTEMPTS", "0")], "PROVISIO_MAIL_MAX_ATTEMPTS"),
            (&[("PROVISIO_MAIL_LEASE", "5 minutes")], "PROVISIO_MAIL_LEASE"),
            (&[("PROVISIO_WEBHOOK_SECRET", "short")], "PROVISIO_WEBHOOK_SECRET"),
            (&[("PROVISIO_METRICS_TOKEN", "short")], "PROVISIO_METRICS_TOKEN"),
            (&[("PROVISIO_METRICS_TOKEN", "a token with spaces in it")], "PROVISIO_METRICS_TOKEN"),
            (&[("PROVISIO_SESSION_IDLE", "30 minutes")], "PROVISIO_SESSION_IDLE"),
            (&[("PROVISIO_SESSION_MAX", "0h")], "PROVISIO_SESSION_MAX"),
            (&[("PROVISIO_SESSION_IDLE", "2h"), ("PROVISIO_SESSION_MAX", "1h")], "PROVISIO_SESSION_MAX"),
            (&[("PROVISIO_LOGIN_LIMIT", "5")], "PROVISIO_LOGIN_LIMIT"),
            (&[("PROVISIO_LOGIN_ADDRESS_LIMIT", "0/1h")], "PROVISIO_LOGIN_ADDRESS_LIMIT"),
            (&[("PROVISIO_TRUSTED_PROXIES", "10.0.0.0/33")], "PROVISIO_TRUSTED_PROXIES"),
            (&[("PROVISIO_CASE_LIMIT", "ten/d")], "PROVISIO_CASE_LIMIT"),
            (&[("PROVISIO_REMINDERS", "3 days")], "PROVISIO_REMINDERS"),
            (&[("PROVISIO_API_LIMIT", "600 per minute")], "PROVISIO_API_LIMIT"),
            (&[("PROVISIO_MFA", "everyone")], "PROVISIO_MFA"),
        ];
        for (pairs, setting) in cases {
            let err = Config::from_env(env(pairs), None).unwrap_err();
            assert_eq!(err.setting, setting);
            assert!(err.to_string().starts_with(setting));
        }
        assert_eq!(Config::from_env(env(&[]), Some("nope")).unwrap_err().setting, "--bind");
    }

    #[test]
    fn every_setting_is_documented() {
        let docs = include_str!("../docs/configuration.md");
        let source = include_str!("config.rs");
        let settings: Vec<&str> = source
            .split("var(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|s| !s.is_empty())
            .collect();
        assert!(settings.len() >= 15, "{settings:?}");
        for setting in settings.iter().chain(["PROVISIO_LOG"].iter()) {
            assert!(docs.contains(&format!("| `{setting}` |")), "docs/configuration.md lacks {setting}");
        }
    }
}
