//! The request context every page needs: signed-in user (from the session that
//! actix-session's middleware loaded with its user, in one statement), language, CSRF
//! token, flash message, client address, and whether htmx asked for a fragment.
//!
//! Anonymous visitors have no session row: the sign-in form's CSRF token is a signed
//! double-submit token (a random nonce in a cookie, its signature in the form), and the
//! flash message after a plain-form action is a signed cookie (`web::sessions`). So a GET
//! writes nothing, but for the idle refresh of a session (at most once per quarter of the
//! idle time).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use actix_web_flash_messages::{FlashMessage, IncomingFlashMessages};

use super::AppState;
use super::client::{client_address, client_key, forwarded_for};
use super::csrf;
use super::views::Layout;
use crate::i18n::{LANGUAGES, Tr};
use crate::secret::{constant_time_eq, random_token};
use crate::store::{LiveSession, SessionOrigin, User, sessions};

/// A request header that marks an automatic status poll: it reads the session but does
/// not count as use (docs/configuration.md, PROVISIO_SESSION_IDLE).
pub const POLL_HEADER: &str = "X-Provisio-Poll";

/// The cookies of the portal. With PROVISIO_SECURE_COOKIES they carry the `__Host-`
/// prefix: Secure, Path=/, no Domain, so no other host can set or shadow them.
#[derive(Debug, Clone, Copy)]
pub struct CookieNames {
    pub session: &'static str,
    pub login: &'static str,
    pub flash: &'static str,
    /// A passkey sign-in between its start and its finish (signed; `web::passkeys`).
    pub passkey: &'static str,
    /// A sign-in whose second factor is still to come (`web::factors::Pending`).
    pub pending: &'static str,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(secure: bool) -> Self {
        if secure {
            Self {
                session: "__Host-provisio_session",
                login: "__Host-provisio_login",
                flash: "__Host-provisio_flash",
                passkey: "__Host-provisio_passkey",
                pending: "__Host-provisio_second_factor",
                secure,
            }
        } else {
            Self {
                session: "provisio_session",
                login: "provisio_login",
                flash: "provisio_flash",
                passkey: "provisio_passkey",
                pending: "provisio_second_factor",
                secure,
            }
        }
    }

    /// A cookie of this portal: HttpOnly, SameSite=Lax, Path=/, for the browser session.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value).path("/").http_only(true).secure(self.secure).same_site(SameSite::Lax).finish()
    }

    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut cookie = self.cookie(name, String::new());
        cookie.make_removal();
        cookie
    }
}

/// Cookies a handler wants set on its answer, written by [`set_cookies`]; and whether its
/// page showed the flash message (then `web::sessions::FlashCookie` removes it).
#[derive(Clone, Default)]
struct OutgoingCookies(Rc<Outgoing>);

#[derive(Default)]
struct Outgoing {
    cookies: RefCell<Vec<Cookie<'static>>>,
    flash_shown: Cell<bool>,
}

/// Whether the answer to `req` showed the flash message it came with.
pub(super) fn flash_was_shown(req: &HttpRequest) -> bool {
    req.extensions().get::<OutgoingCookies>().is_some_and(|o| o.0.flash_shown.get())
}

/// Middleware: makes room for the cookies a request's handler sets, and writes them onto
/// the answer (whatever the answer is, error pages included).
pub async fn set_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let outgoing = OutgoingCookies::default();
    req.extensions_mut().insert(outgoing.clone());
    let mut response = next.call(req).await?;
    for cookie in outgoing.0.cookies.borrow().iter() {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub struct Ctx {
    pub state: web::Data<AppState>,
    pub user: Option<User>,
    /// The signed-in user's company's name (read with the session, in its one statement).
    pub company_name: Option<String>,
    pub tr: Tr,
    /// htmx asked (HX-Request: true): answer with fragments.
    pub htmx: bool,
    /// The token forms carry, masked afresh for this answer ([`csrf::mask`]): the
    /// session's, or for an anonymous visitor the signature of the sign-in nonce (empty when
    /// there is none yet).
    pub csrf: String,
    /// The path and query of this request, for `next` after sign-in.
    pub here: String,
    /// The local page the request came from (Referer), if any.
    pub came_from: Option<String>,
    /// The client address that sign-in throttling counts by.
    pub client: String,
    /// The client's own address, whole, and its `User-Agent`: what a session started by this
    /// request records (the user's list of sessions shows them).
    origin: SessionOrigin,
    /// When this session's user last proved their second factor (or password, without
    /// one): the fresh check reads it (`web::account::fresh_check`).
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the signed-in user has a second factor that signs in.
    pub second_factor: bool,
    /// The request's session (actix-session): empty for an anonymous visitor.
    session: Session,
    /// The hash of the live session's key: which of the user's sessions this request is.
    session_key_hash: Option<String>,
    /// The token itself, unmasked: what a sent token must unmask to.
    csrf_secret: String,
    header_csrf: Option<String>,
    login_nonce: Option<String>,
    flash: RefCell<Option<String>>,
    outgoing: OutgoingCookies,
}

/// The path and query of an absolute URL from a header, if it is a safe local path.
fn local_path_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let path = &rest[rest.find('/')?..];
    safe_next(path).map(str::to_string)
}

fn header_path(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).and_then(local_path_of)
}

/// The first of the user's accepted languages that the portal speaks.
pub(super) fn accepted_language(req: &HttpRequest) -> Option<&'static str> {
    language_of(req.headers().get("Accept-Language")?.to_str().ok()?)
}

/// The first language of an `Accept-Language` header that the portal speaks.
pub(super) fn language_of(header: &str) -> Option<&'static str> {
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
        .take(32)
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.iter().find_map(|(_, tag)| {
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        LANGUAGES.iter().copied().find(|l| *l == primary)
    })
}

const LOGIN_PURPOSE: &str = "login-csrf";

impl Ctx {
    async fn from_request(req: HttpRequest) -> Result<Self, actix_web::Error> {
        let (ctx, refresh) = Self::read_session(&req, true)?;
        if let Some(key_hash) = refresh {
            let now = ctx.state.config.clock.now();
            // Losing a refresh only shortens the session; the page still answers.
            if let Err(e) = ctx.state.store.refresh_session(&key_hash, &ctx.state.config.sessions, now).await {
                tracing::warn!(error = %e, "session refresh failed");
            }
        }
        // The message of a plain-form action before the redirect (several: the last).
        let flash = IncomingFlashMessages::from_request(&req, &mut Payload::None)
            .await
            .ok()
            .and_then(|incoming| incoming.iter().last().map(|m| m.content().to_string()));
        *ctx.flash.borrow_mut() = flash;
        Ok(ctx)
    }

    /// The context of a request whose handler already ran, without waiting for anything
    /// and without side effects (no refresh, no flash taken, no cookie set): what an error
    /// answer needs to speak the request's language ([`super::errors::PageError`]).
    pub(super) fn read(req: &HttpRequest) -> Result<Self, actix_web::Error> {
        Self::read_session(req, false).map(|(ctx, _)| ctx)
    }

    /// The context from the session the middleware loaded, and the session to refresh
    /// (its key's hash) if this request counts as use and it is due.
    fn read_session(req: &HttpRequest, first: bool) -> Result<(Self, Option<String>), actix_web::Error> {
        let state = req.app_data::<web::Data<AppState>>().expect("app state is registered").clone();
        let names = state.cookies;
        let outgoing = req.extensions().get::<OutgoingCookies>().cloned().unwrap_or_default();

        // The middleware loaded the session with its user (`store::SessionStorage::load`).
        let session = req.get_session();
        if let Ok(Some(cause)) = session.get::<String>(sessions::UNREADABLE) {
            return Err(super::errors::session_unreadable(req, &cause));
        }
        let live = session.get::<LiveSession>(sessions::LIVE).ok().flatten();
        let mut user = None;
        let mut company_name = None;
        let mut csrf = String::new();
        let mut refresh = None;
        let mut session_key_hash = None;
        let mut checked_at = None;
        let mut second_factor = false;
        match live {
            Some(LiveSession { key_hash, record }) => {
                checked_at = record.checked_at;
                second_factor = record.second_factor;
                let now = state.config.clock.now();
                let poll = req.headers().contains_key(POLL_HEADER);
                if !poll && record.wants_refresh(&state.config.sessions, now) {
                    refresh = Some(key_hash.clone());
                }
                session_key_hash = Some(key_hash);
                csrf = record.csrf;
                company_name = Some(record.company_name);
                user = Some(record.user);
            }
            // Expired or ended: forget the cookie, so the browser never needs clearing.
            None if first && req.cookie(names.session).is_some() => {
                outgoing.0.cookies.borrow_mut().push(names.removal(names.session))
            }
            None => {}
        }
        let login_nonce = req.cookie(names.login).map(|c| c.value().to_string()).filter(|n| n.len() == 43);
        if user.is_none()
            && let Some(nonce) = &login_nonce
        {
            csrf = state.signing_key.sign(LOGIN_PURPOSE, nonce);
        }
        let lang = user
            .as_ref()
            .and_then(|u: &User| u.language.clone())
            .or_else(|| accepted_language(req).map(str::to_string))
            .unwrap_or_else(|| "en".to_string());
        let here = req.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
        let htmx = req.headers().get("HX-Request").is_some_and(|v| v == "true");
        let header_csrf = req.headers().get("X-CSRF-Token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let came_from = header_path(req, "Referer");
        let forwarded = forwarded_for(req);
        let peer = req.peer_addr().map(|a| a.ip());
        let trusted = &state.config.login.trusted_proxies;
        let client = client_key(peer, forwarded.as_deref(), trusted);
        let origin = SessionOrigin {
            client: client_address(peer, forwarded.as_deref(), trusted),
            user_agent: req
                .headers()
                .get("User-Agent")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).chars().take(sessions::MAX_USER_AGENT).collect())
                .unwrap_or_default(),
        };
        let ctx = Self {
            state,
            user,
            company_name,
            tr: Tr::new(&lang),
            htmx,
            csrf: csrf::mask(&csrf),
            csrf_secret: csrf,
            here,
            came_from,
            client,
            origin,
            checked_at,
            second_factor,
            session,
            session_key_hash,
            header_csrf,
            login_nonce,
            flash: RefCell::new(None),
            outgoing,
        };
        Ok((ctx, refresh))
    }

    /// The page frame: header, language switcher, flash message (shown once).
    pub fn layout(&self) -> Layout {
        let flash = self.flash.borrow_mut().take();
        if flash.is_some() {
            self.outgoing.0.flash_shown.set(true);
        }
        Layout::new(self, flash)
    }

    /// A message for the next page this browser shows (after a plain-form redirect).
    pub fn flash(&self, message: String) {
        FlashMessage::info(message).send();
    }

    pub fn set_cookie(&self, cookie: Cookie<'static>) {
        self.outgoing.0.cookies.borrow_mut().push(cookie);
    }

    /// Signs `user_id` in: a new session under a new key (`Session::renew`: the session the
    /// browser came with, if any, ends on the server), with a new CSRF token, whose last
    /// strong check is now (the sign-in was one), and the client address and browser it was
    /// started from. The middleware stores it and sets the cookie.
    pub fn start_session(&self, user_id: i64) -> anyhow::Result<()> {
        let now = self.state.config.clock.now();
        self.session.clear();
        self.session.renew();
        self.session.insert(sessions::USER_ID, user_id).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.session.insert(sessions::CSRF, random_token()).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.session.insert(sessions::CHECKED_AT, Some(now)).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.session.insert(sessions::CLIENT, &self.origin.client).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.session.insert(sessions::USER_AGENT, &self.origin.user_agent).map_err(|e| anyhow::anyhow!("{e}"))?;
        // A stale cookie's removal, queued when the request came in, must not undo the new one.
        let session_cookie = self.state.cookies.session;
        self.outgoing.0.cookies.borrow_mut().retain(|c| c.name() != session_cookie);
        Ok(())
    }

    /// The hash of this request's live session key (None for a visitor): which row of the
    /// user's sessions is this one.
    pub fn session_key_hash(&self) -> Option<&str> {
        self.session_key_hash.as_deref()
    }

    /// Records a strong check made now (the second factor, or the password without one):
    /// the middleware writes it to the session's row (`checked_at`).
    pub fn mark_checked(&mut self) -> anyhow::Result<()> {
        let now = self.state.config.clock.now();
        self.session.insert(sessions::CHECKED_AT, Some(now)).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.checked_at = Some(now);
        Ok(())
    }

    /// Signs out: the session ends on the server (`Session::purge`: the row is deleted, so a
    /// copied cookie stops working at once, on every instance) and the cookie is removed.
    pub fn end_session(&self) {
        self.session.purge();
    }

    /// Makes sure an anonymous visitor has a sign-in nonce (the sign-in form), and returns
    /// the form's token for it.
    pub fn ensure_login_token(&mut self) -> String {
        if self.user.is_none() && self.login_nonce.is_none() {
            let nonce = random_token();
            self.csrf_secret = self.state.signing_key.sign(LOGIN_PURPOSE, &nonce);
            self.csrf = csrf::mask(&self.csrf_secret);
            let names = self.state.cookies;
            self.set_cookie(names.cookie(names.login, nonce.clone()));
            self.login_nonce = Some(nonce);
        }
        self.csrf.clone()
    }

    /// The token sent with a state-changing request (the form field, else the header)
    /// unmasks to this session's (or, without a session, the sign-in nonce's signature).
    /// Compared in constant time; a request with neither has no token to match.
    pub fn csrf_ok(&self, form_token: Option<&str>) -> bool {
        let sent = form_token.or(self.header_csrf.as_deref()).unwrap_or("");
        let unmasked = csrf::unmask(sent).unwrap_or_default();
        !self.csrf_secret.is_empty() && constant_time_eq(&unmasked, self.csrf_secret.as_bytes())
    }
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(Ctx::from_request(req))
    }
}

/// A context with a signed-in user; without one, the request is sent to sign in and
/// brought back afterwards (htmx: 401 with HX-Redirect, since a fragment cannot redirect).
pub struct SignedIn {
    pub ctx: Ctx,
    pub user: User,
}

/// A local path that is safe to redirect to after sign-in: not `//host`, not `/\host`.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2000;
    ok.then_some(next)
}

pub fn login_url(next: &str) -> String {
    let next = safe_next(next).filter(|n| *n != "/" && !n.starts_with("/login")).unwrap_or("/attention");
    format!("/login?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default())
}

/// What a user who must enrol a second factor may still reach: their account's security
/// (the page, one-time codes, passkeys, sessions), sign-out and the language.
fn enrolling(path: &str) -> bool {
    path.starts_with("/account/") || path == "/logout" || path == "/settings/language"
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = Ctx::from_request(req.clone()).await?;
            if let Some(user) = ctx.user.clone() {
                // PROVISIO_MFA: a covered user without a second factor reaches nothing but
                // what enrolling needs (docs/product.md rule 15).
                if super::account::must_enrol(&ctx, &user) && !enrolling(req.path()) {
                    let target = super::account::SECURITY_PAGE;
                    let response = if ctx.htmx {
                        HttpResponse::Unauthorized().insert_header(("HX-Redirect", target)).finish()
                    } else {
                        HttpResponse::SeeOther().insert_header(("Location", target)).finish()
                    };
                    return Err(InternalError::from_response("enrol a second factor first", response).into());
                }
                return Ok(SignedIn { ctx, user });
            }
            let response = if ctx.htmx {
                // Come back to the page the fragment was asked from, not to the fragment.
                let page = header_path(&req, "HX-Current-URL").unwrap_or_else(|| "/orders".to_string());
                HttpResponse::Unauthorized().insert_header(("HX-Redirect", login_url(&page))).finish()
            } else {
                HttpResponse::SeeOther().insert_header(("Location", login_url(&ctx.here))).finish()
            };
            Err(InternalError::from_response("sign in first", response).into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_ever_a_local_path() {
        assert_eq!(safe_next("/orders/WO-1?x=1"), Some("/orders/WO-1?x=1"));
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/a\r\nb", "/a\\b", ""] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(login_url("//evil.example"), "/login?next=%2Fattention");
        assert_eq!(login_url("/orders/WO-1"), "/login?next=%2Forders%2FWO-1");
    }

    #[test]
    fn secure_cookies_carry_the_host_prefix() {
        let names = CookieNames::new(true);
        assert!(names.session.starts_with("__Host-"));
        let cookie = names.cookie(names.session, "v".into()).to_string();
        assert!(cookie.contains("Secure") && cookie.contains("Path=/") && cookie.contains("HttpOnly"), "{cookie}");
        assert!(!cookie.contains("Domain"));
        assert!(!CookieNames::new(false).cookie("provisio_session", "v".into()).to_string().contains("Secure"));
    }
}
