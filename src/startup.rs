//! Builds the HTTP server on a bound listener (port 0 in tests) around a store.

use std::net::TcpListener;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use actix_web_flash_messages::FlashMessagesFramework;
use rand::RngCore;

use crate::config::Config;
use crate::jobs;
use crate::mail::{Dispatcher, Mailer};
use crate::secret::SigningKey;
use crate::stop::Stop;
use crate::store::{SessionStorage, Store};
use crate::web::sessions::{FlashCookie, PageSessions};
use crate::web::{
    ApiLimiter, AppState, CookieNames, PasswordChecks, count_requests, ctx::set_cookies, request_id, routes,
    wire_headers,
};

/// How often the scheduler looks for lines whose requested start date has come.
const SCHEDULER_SECONDS: u64 = 30;

/// Sent with PROVISIO_SECURE_COOKIES (the portal is behind HTTPS): browsers use HTTPS
/// only, for a year.
const HSTS: &str = "max-age=31536000; includeSubDomains";

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub struct Application {
    port: u16,
    server: Server,
    /// Raised on SIGTERM or Ctrl-C: the background work starts nothing new.
    stop: Stop,
    /// The dispatcher and the scheduler, awaited by a graceful stop.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// PROVISIO_SHUTDOWN.
    shutdown: std::time::Duration,
}

/// The key that signs what the portal hands to browsers (the sign-in form's token; the keys
/// of the session cookie and the flash cookie are derived from it): made once, kept in the
/// database, so every instance shares it and it survives restarts. Never in the repository.
pub async fn signing_key(store: &Store) -> anyhow::Result<SigningKey> {
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    let stored = store.setting_or_insert("session_cookie_key", hex::encode(fresh)).await?;
    Ok(SigningKey::new(hex::decode(stored)?))
}

impl Application {
    pub async fn build(mut config: Config, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("{}: cannot listen on {}: {e}", "PROVISIO_BIND", config.bind))?;
        let port = listener.local_addr()?.port();
        // The default public address is the bind address; on port 0, the port it got.
        if config.bind.port() == 0 && config.public_url == format!("http://{}", config.bind) {
            config.public_url = format!("http://{}", std::net::SocketAddr::new(config.bind.ip(), port));
        }
        let signing_key = signing_key(&store).await?;
        let secure = config.secure_cookies;
        let names = CookieNames::new(secure);
        // actix-session encrypts the session cookie (its key only: the state is in the
        // database) and the flash cookie is signed, each with a key of its own.
        let session_key = Key::from(&signing_key.derive("session cookie"));
        let flash_key = Key::from(&signing_key.derive("flash cookie"));
        let sessions = SessionStorage::new(store.clone(), config.sessions, config.clock.clone());
        let idle = actix_web::cookie::time::Duration::seconds(config.sessions.idle.num_seconds());
        // The background work runs in the same process: the email dispatcher and the
        // scheduler of the first emails on the requested start date.
        let stop = Stop::never();
        let mailer = Mailer::new(&config.mail, config.mail.mailbox.clone(), 8)?;
        let mut dispatcher =
            Dispatcher::new(store.clone(), mailer, config.mail.clone(), config.admin_console_url.clone())
                .with_bounces(signing_key.clone(), &config.public_url);
        dispatcher.stop = stop.clone();
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::default());
        dispatcher.metrics = metrics.clone();
        let background = vec![
            dispatcher.spawn(),
            jobs::spawn_scheduler(
                store.clone(),
                std::time::Duration::from_secs(SCHEDULER_SECONDS),
                config.login.clone(),
                config.reminders.clone(),
                config.bulk_keep,
                stop.clone(),
            ),
        ];
        let shutdown = config.shutdown;
        let demo = config.demo;
        // About one password check per core; the queue is longer than one address may
        // fill (PROVISIO_LOGIN_ADDRESS_LIMIT), so only many addresses at once reach 503.
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let max_waiting = 256.max(config.login.per_address.count as usize + 1);
        let webauthn = crate::web::relying_party(&config.public_url);
        let state = web::Data::new(AppState {
            store: store.clone(),
            config,
            demo,
            cookies: names,
            signing_key,
            password_checks: PasswordChecks::new(cores, max_waiting),
            api_limiter: ApiLimiter::default(),
            metrics,
            webauthn,
        });
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new();
            for (name, value) in security_headers(secure) {
                headers = headers.add((*name, *value));
            }
            // A browser session's cookie (no Max-Age); the server ends it (idle, absolute,
            // sign-out, the user's password or deactivation). Nothing is written for a request
            // that leaves the session as it was: the lazy idle refresh is the request
            // context's (`Ctx`), which knows a status poll from use.
            let session_middleware = SessionMiddleware::builder(sessions.clone(), session_key.clone())
                .cookie_name(names.session.to_string())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_path("/".to_string())
                .cookie_domain(None)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(idle)
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            let flash = FlashMessagesFramework::builder(FlashCookie::new(names, flash_key.clone())).build();
            // Innermost first: the session's Set-Cookie comes before the handler's own.
            App::new()
                .app_data(state.clone())
                .wrap(PageSessions(session_middleware))
                .wrap(flash)
                .wrap(from_fn(set_cookies))
                .wrap(from_fn(move |req, next| errors_with_security_headers(req, next, secure)))
                .wrap(headers)
                // Pages, fragments and API answers are compressed per request; static files
                // come compressed already (web/assets.rs) and are left as they are.
                .wrap(Compress::default())
                .wrap(from_fn(wire_headers))
                .wrap(from_fn(count_requests))
                .wrap(from_fn(request_id))
                .configure(routes)
        })
        // Signals are ours (`run_until_signalled`): actix's own handler would stop the
        // server without the background work.
        .disable_signals()
        .shutdown_timeout(shutdown.as_secs().max(1))
        .listen(listener)?
        .run();
        Ok(Self { port, server, stop, background, shutdown })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server stops (tests stop it by ending the runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until SIGTERM or Ctrl-C, then stops gracefully: no new connections nor new
    /// work, requests in progress answered, the dispatcher's messages on the wire finished
    /// and recorded, the messages it had claimed but not started given back at once; all
    /// within PROVISIO_SHUTDOWN, after which what is left is left to the lease.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        self.run_until(crate::stop::signalled()).await
    }

    /// [`Application::run_until_signalled`] with any signal: a graceful stop once `signal`
    /// resolves.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let Self { server, stop, background, shutdown, .. } = self;
        let handle = server.handle();
        let mut serving = tokio::spawn(server);
        tokio::select! {
            served = &mut serving => return served.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            _ = signal => {}
        }
        tracing::info!(within = ?shutdown, "stopping: finishing requests and emails in progress");
        let started = std::time::Instant::now();
        stop.raise();
        let drained = async {
            handle.stop(true).await;
            let _ = serving.await;
            for work in background {
                let _ = work.await;
            }
        };
        match tokio::time::timeout(shutdown, drained).await {
            Ok(()) => tracing::info!(took = ?started.elapsed(), "stopped"),
            Err(_) => tracing::warn!(after = ?shutdown, "stopped with work unfinished; it goes again after the lease"),
        }
        Ok(())
    }
}

/// The headers every answer carries (docs/security.md): with secure cookies, HSTS too.
pub fn security_headers(secure: bool) -> &'static [(&'static str, &'static str)] {
    const ALWAYS: [(&str, &str); 6] = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
        ("Strict-Transport-Security", HSTS),
    ];
    if secure { &ALWAYS } else { &ALWAYS[..5] }
}

/// `DefaultHeaders` adds its headers to answers only: an error that a middleware returns
/// (the session store failing to keep a sign-in's session: the 503 page) would reach the
/// browser without them. This gives such an error's answer the same headers.
async fn errors_with_security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
    secure: bool,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    next.call(req).await.map_err(|e| {
        let mut answer = e.error_response();
        for (name, value) in security_headers(secure) {
            if let Ok(name) = actix_web::http::header::HeaderName::from_bytes(name.as_bytes()) {
                answer.headers_mut().insert(name, actix_web::http::header::HeaderValue::from_static(value));
            }
        }
        actix_web::error::InternalError::from_response(e.to_string(), answer).into()
    })
}
