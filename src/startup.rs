//! Builds the HTTP server on a bound listener (port 0 in tests) around a store.

use std::net::TcpListener;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use rand::RngCore;

use crate::config::Config;
use crate::jobs;
use crate::mail::{Dispatcher, Mailer};
use crate::store::{SqlSessionStore, Store};
use crate::web::{AppState, routes};

/// How often the scheduler looks for lines whose requested start date has come.
const SCHEDULER_SECONDS: u64 = 30;

/// Idle time after which a session ends and the user signs in again.
const SESSION_IDLE_HOURS: i64 = 8;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub struct Application {
    port: u16,
    server: Server,
}

/// The key that signs and encrypts session cookies: made once, kept in the database, so
/// sessions survive restarts and every instance shares it. Never in the repository.
async fn session_key(store: &Store) -> anyhow::Result<Key> {
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    let stored = store.setting_or_insert("session_cookie_key", hex::encode(fresh)).await?;
    Ok(Key::from(&hex::decode(stored)?))
}

impl Application {
    pub async fn build(config: Config, store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("{}: cannot listen on {}: {e}", "PROVISIO_BIND", config.bind))?;
        let port = listener.local_addr()?.port();
        let key = session_key(&store).await?;
        let secure = config.secure_cookies;
        // The background work runs in the same process: the email dispatcher and the
        // scheduler of the first emails on the requested start date.
        let mailer = Mailer::new(&config.mail, config.mail.mailbox.clone(), 8)?;
        Dispatcher::new(store.clone(), mailer, config.mail.clone(), config.admin_console_url.clone()).spawn();
        jobs::spawn_scheduler(store.clone(), std::time::Duration::from_secs(SCHEDULER_SECONDS));
        let demo = config.demo;
        let state = web::Data::new(AppState { store: store.clone(), config, demo });
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(SqlSessionStore::new(store.clone()), key.clone())
                .cookie_name("provisio_session".into())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(Duration::hours(SESSION_IDLE_HOURS))
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            App::new()
                .app_data(state.clone())
                .wrap(sessions)
                .wrap(
                    DefaultHeaders::new()
                        .add(("Content-Security-Policy", CSP))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add(("Cache-Control", "no-store")),
                )
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
