//! The middleware of sessions and flash messages.
//!
//! Sessions are actix-session's `SessionMiddleware` over our own store
//! (`store::SessionStorage`), on the pages only: static files, the health check, `/metrics`
//! and API v1 (bearer tokens, no cookies) never read a session, so a signed-in browser's request for a
//! stylesheet costs no database work ([`PageSessions`]). When the store cannot be read, the
//! request context answers 503 (`store::sessions::UNREADABLE`); when it cannot be written
//! after the handler, this answers 503 too (the middleware's own answer would be an empty 500).
//!
//! Flash messages are actix-web-flash-messages' (`FlashMessage::send`, read back with
//! `IncomingFlashMessages`), kept in a signed cookie by [`FlashCookie`] rather than by the
//! crate's `CookieMessageStore`: that store marks its cookie `Secure` whatever
//! PROVISIO_SECURE_COOKIES says (a browser drops it on plain http, so no message would show)
//! and sets a removal cookie on every answer without a message (63 bytes of `Set-Cookie` on
//! every page, static file and API answer, where the hand-written cookie set none), which
//! also ends a message on the first answer after it, whether or not that answer shows it.

use std::rc::Rc;
use std::task::{Context, Poll};

use actix_session::SessionMiddleware;
use actix_session::storage::SessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::{CookieJar, Key};
use actix_web::dev::{ResponseHead, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderValue, SET_COOKIE};
use actix_web::{Error, HttpRequest};
use actix_web_flash_messages::FlashMessage;
use actix_web_flash_messages::storage::{FlashMessageStore, LoadError, StoreError};
use base64::Engine;
use futures_util::future::LocalBoxFuture;

use super::ctx::{CookieNames, flash_was_shown};
use super::errors::session_store_failed;

/// Whether a request path may use the session: every page, but not static files, the
/// health check, the metrics and API v1.
fn wants_session(path: &str) -> bool {
    !(path.starts_with("/static/") || path.starts_with("/api/v1/") || path == "/healthz" || path == "/metrics")
}

/// `SessionMiddleware` on the pages only (see the module's comment).
pub struct PageSessions<St: SessionStore>(pub SessionMiddleware<St>);

/// The inner service, shared by the path with a session and the path without.
pub struct Shared<S>(Rc<S>);

impl<S: Service<ServiceRequest>> Service<ServiceRequest> for Shared<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        self.0.call(req)
    }
}

impl<S, B, St> Transform<S, ServiceRequest> for PageSessions<St>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
    St: SessionStore + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = PageSessionsService<S, <SessionMiddleware<St> as Transform<Shared<S>, ServiceRequest>>::Transform>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let plain = Rc::new(service);
        let with_session = self.0.new_transform(Shared(plain.clone()));
        Box::pin(async move { Ok(PageSessionsService { plain, with_session: with_session.await? }) })
    }
}

pub struct PageSessionsService<S, W> {
    plain: Rc<S>,
    with_session: W,
}

impl<S, W, B> Service<ServiceRequest> for PageSessionsService<S, W>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    W: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    W::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.plain.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if !wants_session(req.path()) {
            let answer = self.plain.call(req);
            return Box::pin(answer);
        }
        // What the 503 page needs, kept aside: the request itself cannot be (routing needs
        // it unshared), and the middleware drops it with an error.
        let language = req.headers().get(ACCEPT_LANGUAGE).cloned();
        let uri = req.uri().clone();
        let answer = self.with_session.call(req);
        Box::pin(async move {
            match answer.await {
                Ok(response) => Ok(response),
                // Handlers' errors are answers already: an error here is the session store's,
                // storing what the handler changed (sign-in, sign-out).
                Err(e) => {
                    let page = session_store_failed(language.as_ref().and_then(|v| v.to_str().ok()), &uri, &e);
                    Err(actix_web::error::InternalError::from_response(e.to_string(), page).into())
                }
            }
        })
    }
}

/// Flash messages in a cookie signed with a key derived from the database's signing key:
/// set when a handler sends one, removed once a page has shown it.
pub struct FlashCookie {
    names: CookieNames,
    key: Key,
}

impl FlashCookie {
    pub fn new(names: CookieNames, key: Key) -> Self {
        Self { names, key }
    }

    fn append(response: &mut ResponseHead, cookie: &actix_web::cookie::Cookie<'_>) -> Result<(), StoreError> {
        let value = HeaderValue::from_str(&cookie.to_string()).map_err(|e| StoreError::GenericError(e.into()))?;
        response.headers_mut().append(SET_COOKIE, value);
        Ok(())
    }
}

impl FlashMessageStore for FlashCookie {
    /// The messages of a cookie this portal signed; none for a missing, forged or unreadable
    /// one (the crate's extractor would answer 400 to an error).
    fn load(&self, request: &HttpRequest) -> Result<Vec<FlashMessage>, LoadError> {
        let Some(cookie) = request.cookie(self.names.flash) else { return Ok(Vec::new()) };
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        let messages = jar
            .signed(&self.key)
            .get(self.names.flash)
            .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c.value()).ok())
            .and_then(|json| serde_json::from_slice(&json).ok());
        Ok(messages.unwrap_or_default())
    }

    fn store(
        &self,
        messages: &[FlashMessage],
        request: HttpRequest,
        response: &mut ResponseHead,
    ) -> Result<(), StoreError> {
        if !messages.is_empty() {
            let json = serde_json::to_vec(messages).map_err(|e| StoreError::SerializationError(e.into()))?;
            let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
            let mut jar = CookieJar::new();
            jar.signed_mut(&self.key).add(self.names.cookie(self.names.flash, value));
            if let Some(cookie) = jar.get(self.names.flash) {
                Self::append(response, cookie)?;
            }
        } else if flash_was_shown(&request) {
            Self::append(response, &self.names.removal(self.names.flash))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_the_health_check_and_the_api_have_no_session() {
        for path in ["/orders", "/login", "/", "/orders/WO-1/lines/S-1/contact", "/no-such-page", "/staticx"] {
            assert!(wants_session(path), "{path}");
        }
        for path in ["/static/app.123.css", "/api/v1/orders", "/api/v1/control-hub/events", "/healthz", "/metrics"] {
            assert!(!wants_session(path), "{path}");
        }
    }
}
