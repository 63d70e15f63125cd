//! CSRF, enforced where a POST route is declared. The router's `post` and `get_post`
//! accept only handlers whose first argument is one of the extractors here, each of which
//! refuses a request without the session's token (403, the "form expired" page) before the
//! handler runs: a new POST route that forgets the check does not compile. The two webhooks
//! and API v1, which take no CSRF token, are declared with their own helpers.
//!
//! The token is the form's `csrf_token` field, or the `X-CSRF-Token` header (htmx). It is
//! checked before the body's type: a body that cannot carry the token (not a form) and no
//! header token is a missing token (403); with a valid header token, a body of the wrong
//! type is 415.
//!
//! The token a page carries is masked afresh in every answer (BREACH, docs/security.md):
//! `base64url(pad || pad XOR token)` with a random pad as long as the token, so a
//! compressed page never repeats the secret's bytes for an attacker to guess against.
//! A sent token is unmasked before it is compared.

use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ctx::{Ctx, SignedIn};
use super::errors::PageError;
use super::upload::UploadError;
use crate::store::User;

/// The token masked with a fresh random pad: different in every answer, the same token
/// once unmasked. An empty token stays empty (there is none to carry).
pub fn mask(token: &str) -> String {
    if token.is_empty() {
        return String::new();
    }
    let token = token.as_bytes();
    let mut masked = vec![0u8; token.len() * 2];
    let (pad, xored) = masked.split_at_mut(token.len());
    rand::rng().fill_bytes(pad);
    for ((x, p), t) in xored.iter_mut().zip(pad.iter()).zip(token) {
        *x = p ^ t;
    }
    URL_SAFE_NO_PAD.encode(masked)
}

/// The token inside a masked one, or None for what no [`mask`] made.
pub fn unmask(masked: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(masked).ok()?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let (pad, xored) = bytes.split_at(bytes.len() / 2);
    Some(pad.iter().zip(xored).map(|(p, x)| p ^ x).collect())
}

/// The largest urlencoded form any page posts.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A form whose only field is its token (a button such as Sign out or Discard).
#[derive(Deserialize)]
pub struct NoFields {}

/// Marks the extractors that check the CSRF token (the first argument of a POST handler).
pub trait CsrfChecked {}

/// A handler's arguments whose first one checks the CSRF token.
pub trait CsrfFirst {}

macro_rules! csrf_first {
    ($($rest:ident),*) => {
        impl<A: CsrfChecked, $($rest),*> CsrfFirst for (A, $($rest),*) {}
    };
}
csrf_first!();
csrf_first!(B);
csrf_first!(B, C);
csrf_first!(B, C, D);
csrf_first!(B, C, D, E);

/// A urlencoded form whose token matches, with the request's context; for the forms of
/// visitors who are not signed in (sign-in, setting an invitation's password), whose token
/// is the signed one of the form's page.
pub struct CsrfForm<T> {
    pub ctx: Ctx,
    pub form: T,
}

/// A signed-in user's urlencoded form whose token matches: not signed in is answered
/// first (303 to sign in, htmx 401), then a missing or wrong token (403).
pub struct SignedForm<T> {
    pub ctx: Ctx,
    pub user: User,
    pub form: T,
}

/// A signed-in user's multipart upload. Its token is a field of the upload itself, so the
/// body is only handed out through [`CsrfUpload::read`], which checks that field (or the
/// header) before it returns what was read.
pub struct CsrfUpload {
    pub ctx: Ctx,
    pub user: User,
    payload: Option<Multipart>,
}

/// What a multipart upload read: its `csrf_token` field.
pub trait UploadForm {
    fn csrf_token(&self) -> &str;
}

/// Why an upload was not read.
pub enum UploadRefused {
    /// Over the route's cap (413).
    TooLarge,
    /// Not a readable multipart body (400).
    Malformed,
    /// The token is missing or wrong (403: [`PageError::Csrf`]).
    Csrf,
}

/// A JSON body (a passkey ceremony's step, sent by script) whose `X-CSRF-Token` header
/// matches: the session's token, or for a visitor the sign-in form's signed one. The
/// header is checked first (403), then the type (415), the size (413) and the JSON (400).
pub struct CsrfJson<T> {
    pub ctx: Ctx,
    pub body: T,
}

/// A signed-in user's JSON body whose `X-CSRF-Token` header matches: not signed in is
/// answered first (303 to sign in), then as [`CsrfJson`].
pub struct SignedJson<T> {
    pub ctx: Ctx,
    pub user: User,
    pub body: T,
}

impl<T> CsrfChecked for CsrfForm<T> {}
impl<T> CsrfChecked for SignedForm<T> {}
impl CsrfChecked for CsrfUpload {}
impl<T> CsrfChecked for CsrfJson<T> {}
impl<T> CsrfChecked for SignedJson<T> {}

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

fn refuse(response: HttpResponse) -> actix_web::Error {
    InternalError::from_response("refused", response).into()
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a form body and checks its token; the form's fields as `T`.
async fn checked_form<T: DeserializeOwned>(ctx: &Ctx, req: &HttpRequest, payload: Payload) -> Result<T, HttpResponse> {
    let header_ok = ctx.csrf_ok(None);
    let is_form = matches!(content_type(req).as_str(), "application/x-www-form-urlencoded" | "");
    if !is_form {
        return Err(if header_ok { unsupported(ctx) } else { PageError::Csrf.respond(ctx) });
    }
    let mut payload = payload;
    let body = match web::Bytes::from_request(req, &mut payload).await {
        Ok(body) if body.len() <= MAX_FORM_BYTES => body,
        Ok(_) => return Err(too_large(ctx)),
        Err(_) if header_ok => return Err(too_large(ctx)),
        Err(_) => return Err(PageError::Csrf.respond(ctx)),
    };
    let field = serde_urlencoded::from_bytes::<TokenField>(&body).ok().and_then(|f| f.csrf_token);
    if !ctx.csrf_ok(field.as_deref().filter(|t| !t.is_empty())) {
        return Err(PageError::Csrf.respond(ctx));
    }
    serde_urlencoded::from_bytes::<T>(&body)
        .map_err(|e| HttpResponse::BadRequest().content_type("text/plain; charset=utf-8").body(e.to_string()))
}

fn unsupported(ctx: &Ctx) -> HttpResponse {
    HttpResponse::UnsupportedMediaType().content_type("text/plain; charset=utf-8").body(ctx.tr.t("upload-not-a-form"))
}

fn too_large(ctx: &Ctx) -> HttpResponse {
    HttpResponse::PayloadTooLarge().content_type("text/plain; charset=utf-8").body(ctx.tr.t("form-too-large"))
}

/// The form of a request, with its context: `signed_in` answers a visitor first (303 to
/// sign in), then the token is checked (403).
async fn posted_form<T: DeserializeOwned>(
    req: HttpRequest,
    payload: Payload,
    signed_in: bool,
) -> Result<(Ctx, Option<User>, T), actix_web::Error> {
    let (ctx, user) = if signed_in {
        let SignedIn { ctx, user } = SignedIn::from_request(&req, &mut Payload::None).await?;
        (ctx, Some(user))
    } else {
        (<Ctx as FromRequest>::from_request(&req, &mut Payload::None).await?, None)
    };
    let form = checked_form(&ctx, &req, payload).await.map_err(refuse)?;
    Ok((ctx, user, form))
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let posted = posted_form(req.clone(), payload.take(), false);
        Box::pin(async move { posted.await.map(|(ctx, _, form)| Self { ctx, form }) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SignedForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let posted = posted_form(req.clone(), payload.take(), true);
        Box::pin(async move {
            let (ctx, user, form) = posted.await?;
            Ok(Self { ctx, user: user.expect("signed in"), form })
        })
    }
}

/// The largest JSON body a ceremony posts (an attestation is a few kilobytes).
const MAX_JSON_BYTES: usize = 64 * 1024;

/// Checks the header token, then reads a JSON body as `T`.
async fn checked_json<T: DeserializeOwned>(ctx: &Ctx, req: &HttpRequest, payload: Payload) -> Result<T, HttpResponse> {
    if !ctx.csrf_ok(None) {
        return Err(PageError::Csrf.respond(ctx));
    }
    if content_type(req) != "application/json" {
        return Err(HttpResponse::UnsupportedMediaType()
            .content_type("text/plain; charset=utf-8")
            .body("expected JSON"));
    }
    let mut payload = payload;
    let body = match web::Bytes::from_request(req, &mut payload).await {
        Ok(body) if body.len() <= MAX_JSON_BYTES => body,
        _ => return Err(too_large(ctx)),
    };
    serde_json::from_slice::<T>(&body)
        .map_err(|e| HttpResponse::BadRequest().content_type("text/plain; charset=utf-8").body(e.to_string()))
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let ctx = <Ctx as FromRequest>::from_request(&req, &mut Payload::None).await?;
            let body = checked_json(&ctx, &req, payload).await.map_err(refuse)?;
            Ok(Self { ctx, body })
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SignedJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let SignedIn { ctx, user } = SignedIn::from_request(&req, &mut Payload::None).await?;
            let body = checked_json(&ctx, &req, payload).await.map_err(refuse)?;
            Ok(Self { ctx, user, body })
        })
    }
}

impl FromRequest for CsrfUpload {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let SignedIn { ctx, user } = SignedIn::from_request(&req, &mut Payload::None).await?;
            if content_type(&req) != "multipart/form-data" {
                // Such a body cannot carry the form's token: without the header's, the
                // token is what is missing.
                let response = if ctx.csrf_ok(None) { unsupported(&ctx) } else { PageError::Csrf.respond(&ctx) };
                return Err(refuse(response));
            }
            let multipart = Multipart::new(req.headers(), payload);
            Ok(Self { ctx, user, payload: Some(multipart) })
        })
    }
}

impl CsrfUpload {
    /// Reads the upload with `read`, then checks its token field (or the header): what was
    /// read is handed out only when the token matches.
    pub async fn read<T, F, Fut>(&mut self, read: F) -> Result<T, UploadRefused>
    where
        T: UploadForm,
        F: FnOnce(Multipart) -> Fut,
        Fut: Future<Output = Result<T, UploadError>>,
    {
        let payload = self.payload.take().ok_or(UploadRefused::Malformed)?;
        let input = read(payload).await.map_err(|e| match e {
            UploadError::TooLarge => UploadRefused::TooLarge,
            UploadError::Malformed => UploadRefused::Malformed,
        })?;
        if !self.ctx.csrf_ok(Some(input.csrf_token()).filter(|t| !t.is_empty())) {
            return Err(UploadRefused::Csrf);
        }
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_differs_every_time_and_unmasks_to_the_token() {
        let token = crate::secret::random_token();
        let (a, b) = (mask(&token), mask(&token));
        assert_ne!(a, b);
        assert!(!a.contains(&token));
        assert_eq!(unmask(&a).unwrap(), token.as_bytes());
        assert_eq!(unmask(&b).unwrap(), token.as_bytes());
        assert_eq!(mask(""), "");
        // The bare token, garbage and odd lengths unmask to something else or nothing.
        assert_ne!(unmask(&token).unwrap_or_default(), token.as_bytes());
        for bad in ["", "!!", "QQ", &a[1..]] {
            assert_ne!(unmask(bad).unwrap_or_default(), token.as_bytes(), "{bad}");
        }
    }
}
