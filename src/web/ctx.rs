//! The request context every page needs: session, signed-in user, language, CSRF token,
//! and whether htmx asked for a fragment.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine;
use rand::RngCore;

use super::AppState;
use super::views::Layout;
use crate::i18n::{LANGUAGES, Tr};
use crate::store::User;

pub const SESSION_USER: &str = "user_id";
pub const SESSION_CSRF: &str = "csrf";
pub const SESSION_FLASH: &str = "flash";

pub struct Ctx {
    pub state: web::Data<AppState>,
    pub session: Session,
    pub user: Option<User>,
    pub tr: Tr,
    /// htmx asked (HX-Request: true): answer with fragments.
    pub htmx: bool,
    pub csrf: String,
    /// The path and query of this request, for `next` after sign-in.
    pub here: String,
    /// The local page the request came from (Referer), if any.
    pub came_from: Option<String>,
    header_csrf: Option<String>,
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

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The first of the user's accepted languages that the portal speaks.
fn accepted_language(req: &HttpRequest) -> Option<&'static str> {
    let header = req.headers().get("Accept-Language")?.to_str().ok()?;
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
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

impl Ctx {
    async fn from_request(req: HttpRequest) -> Result<Self, actix_web::Error> {
        let state = req.app_data::<web::Data<AppState>>().expect("app state is registered").clone();
        let session = req.get_session();
        let user = match session.get::<i64>(SESSION_USER) {
            Ok(Some(id)) => state.store.user(id).await.map_err(actix_web::error::ErrorInternalServerError)?,
            _ => None,
        };
        let lang = user
            .as_ref()
            .and_then(|u| u.language.clone())
            .or_else(|| accepted_language(&req).map(str::to_string))
            .unwrap_or_else(|| "en".to_string());
        let csrf = match session.get::<String>(SESSION_CSRF) {
            Ok(Some(token)) => token,
            _ => {
                let token = random_token();
                session.insert(SESSION_CSRF, &token).map_err(actix_web::error::ErrorInternalServerError)?;
                token
            }
        };
        let here = req.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
        let htmx = req.headers().get("HX-Request").is_some_and(|v| v == "true");
        let header_csrf = req.headers().get("X-CSRF-Token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let came_from = header_path(&req, "Referer");
        Ok(Self { state, session, user, tr: Tr::new(&lang), htmx, csrf, here, came_from, header_csrf })
    }

    /// The page frame: header, language switcher, flash message.
    pub fn layout(&self) -> Layout {
        let flash = self.session.remove_as::<String>(SESSION_FLASH).and_then(Result::ok);
        Layout::new(self, flash)
    }

    pub fn flash(&self, message: String) {
        // A failed insert only loses a confirmation message, never a change.
        let _ = self.session.insert(SESSION_FLASH, message);
    }

    /// The token sent with a state-changing request matches this session's. Compared in
    /// constant time; a request without a session has no token to match.
    pub fn csrf_ok(&self, form_token: Option<&str>) -> bool {
        let sent = form_token.or(self.header_csrf.as_deref()).unwrap_or("");
        let expected = self.session.get::<String>(SESSION_CSRF).ok().flatten().unwrap_or_default();
        !expected.is_empty() && constant_time_eq(sent.as_bytes(), expected.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    let next = safe_next(next).filter(|n| *n != "/" && !n.starts_with("/login")).unwrap_or("/orders");
    format!("/login?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default())
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = Ctx::from_request(req.clone()).await?;
            if let Some(user) = ctx.user.clone() {
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
        assert_eq!(login_url("//evil.example"), "/login?next=%2Forders");
        assert_eq!(login_url("/orders/WO-1"), "/login?next=%2Forders%2FWO-1");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
