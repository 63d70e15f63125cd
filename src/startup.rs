//! Builds the HTTP server on a bound listener (port 0 in tests) around a store.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use rand::RngCore;

use crate::config::Config;
use crate::jobs;
use crate::mail::{Dispatcher, Mailer};
use crate::secret::SigningKey;
use crate::store::Store;
use crate::web::{ApiLimiter, AppState, CookieNames, PasswordChecks, ctx::set_cookies, request_id, routes};

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
}

/// The key that signs what the portal hands to browsers (the sign-in form's token, the
/// flash cookie): made once, kept in the database, so every instance shares it and it
/// survives restarts. Never in the repository.
async fn signing_key(store: &Store) -> anyhow::Result<SigningKey> {
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    let stored = store.setting_or_insert("session_cookie_key", hex::encode(fresh)).await?;
    Ok(SigningKey::new(hex::decode(stored)?))
}

impl Application {
    pub async fn build(config: Config, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("{}: cannot listen on {}: {e}", "PROVISIO_BIND", config.bind))?;
        let port = listener.local_addr()?.port();
        let signing_key = signing_key(&store).await?;
        let secure = config.secure_cookies;
        // The background work runs in the same process: the email dispatcher and the
        // scheduler of the first emails on the requested start date.
        let mailer = Mailer::new(&config.mail, config.mail.mailbox.clone(), 8)?;
        Dispatcher::new(store.clone(), mailer, config.mail.clone(), config.admin_console_url.clone()).spawn();
        jobs::spawn_scheduler(
            store.clone(),
            std::time::Duration::from_secs(SCHEDULER_SECONDS),
            config.login.clone(),
            config.reminders.clone(),
        );
        let demo = config.demo;
        // About one password check per core; the queue is longer than one address may
        // fill (PROVISIO_LOGIN_ADDRESS_LIMIT), so only many addresses at once reach 503.
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let max_waiting = 256.max(config.login.per_address.count as usize + 1);
        let state = web::Data::new(AppState {
            store: store.clone(),
            config,
            demo,
            cookies: CookieNames::new(secure),
            signing_key,
            password_checks: PasswordChecks::new(cores, max_waiting),
            api_limiter: ApiLimiter::default(),
        });
        let server = HttpServer::new(move || {
            let mut headers = DefaultHeaders::new()
                .add(("Content-Security-Policy", CSP))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("Cache-Control", "no-store"));
            if secure {
                headers = headers.add(("Strict-Transport-Security", HSTS));
            }
            App::new()
                .app_data(state.clone())
                .wrap(from_fn(set_cookies))
                .wrap(headers)
                .wrap(from_fn(request_id))
                .configure(routes)
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
