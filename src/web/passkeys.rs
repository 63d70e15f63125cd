//! Passkeys (WebAuthn, with webauthn-rs): registering them on `/account/security`, signing
//! in with one alone at `/login` (a discoverable credential verified by its user counts as
//! both factors, docs/product.md rule 15), and removing them.
//!
//! Each ceremony is two JSON posts that `static/passkeys.js` makes around the browser's
//! `navigator.credentials.create` / `.get` (docs/http.md, "Passkeys"); both carry the CSRF
//! token in `X-CSRF-Token` (`csrf::SignedJson`, `csrf::CsrfJson`). What the finish needs
//! of the start stays out of the browser's reach: a registration's state is kept with the
//! session's row (`sessions.ceremony`, taken once); a sign-in has no session yet, so its
//! state travels in a short-lived cookie signed with the server's key, and the nonce it
//! carries is recorded on the passkey that used it, so one answer cannot sign in twice.
//!
//! The relying party is the host of PROVISIO_PUBLIC_URL and its origin that URL: browsers
//! refuse an IP address as a relying party, so on such an address passkeys are off and the
//! pages say so.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url,
    Uuid, Webauthn, WebauthnBuilder,
};

use super::csrf::{CsrfJson, NoFields, SignedForm, SignedJson};
use super::ctx::{Ctx, safe_next};
use super::errors::PageError;
use super::factors::Pending;
use crate::store::{AddPasskeyOutcome, MAX_PASSKEYS, NewPasskey, PasskeyRecord, User};

/// How long a ceremony may take between its start and its finish (the browser's own
/// timeout is webauthn-rs's five minutes too).
const CEREMONY_MINUTES: i64 = 5;

/// The longest name a passkey may have.
pub const MAX_NAME_CHARS: usize = 60;

/// What the sign-in cookie's signature is for.
const SIGN_IN_PURPOSE: &str = "passkey-sign-in";

/// The relying party of PROVISIO_PUBLIC_URL, or None (with the reason logged) when its host
/// is no domain name: an IP address, which no browser takes as a relying party.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let Some(host) = url.domain() else {
        tracing::warn!(public_url, "passkeys are off: PROVISIO_PUBLIC_URL's host is not a domain name");
        return None;
    };
    let built = WebauthnBuilder::new(host, &url).and_then(|b| b.rp_name("Provisio").build());
    match built {
        Ok(webauthn) => Some(webauthn),
        Err(e) => {
            tracing::warn!(public_url, error = %e, "passkeys are off");
            None
        }
    }
}

/// A registration between its start and its finish, kept with the session.
#[derive(Serialize, Deserialize)]
struct Registration {
    until: DateTime<Utc>,
    name: String,
    state: PasskeyRegistration,
}

/// A sign-in between its start and its finish, in the signed cookie.
#[derive(Serialize, Deserialize)]
pub(super) struct SignInCeremony {
    until: DateTime<Utc>,
    /// Recorded on the passkey that finishes it: the same answer cannot be used twice.
    nonce: String,
    state: DiscoverableAuthentication,
    /// For a second factor: the user whose password was right. None: a passkey alone.
    user: Option<i64>,
}

/// An answer a ceremony's script shows: `{"error": "…"}` with `status`.
fn refused(status: StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message }))
}

/// The ceremony is done: the script goes to `to`.
fn go_to(to: &str) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "redirect": to }))
}

fn unavailable(ctx: &Ctx) -> HttpResponse {
    refused(StatusCode::SERVICE_UNAVAILABLE, ctx.tr.t("passkeys-unavailable"))
}

fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// The passkey's name as given, or the message that says what is wrong with it.
fn checked_name(ctx: &Ctx, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ctx.tr.t("passkeys-name-missing"));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ctx.tr.tn("passkeys-name-long", "max", MAX_NAME_CHARS as i64));
    }
    Ok(name.to_string())
}

/// One passkey as the security page lists it.
pub struct PasskeyRow {
    /// `data-passkey`.
    pub id: i64,
    pub name: String,
    pub added: String,
    pub last_used: Option<String>,
    pub remove_action: String,
}

/// The passkeys part of the security page.
pub struct PasskeysSection {
    pub rows: Vec<PasskeyRow>,
    /// Passkeys are on (PROVISIO_PUBLIC_URL's host is a domain name).
    pub on: bool,
    /// The user holds [`MAX_PASSKEYS`]: the page says so and offers no other.
    pub full: Option<String>,
    pub script: String,
}

/// The user's passkeys and, where passkeys are on, the form to add one.
pub async fn section(ctx: &Ctx, user: &User) -> Result<PasskeysSection, PageError> {
    let held = ctx.state.store.passkeys_of(user.id).await?;
    let rows: Vec<PasskeyRow> = held
        .into_iter()
        .map(|p| PasskeyRow {
            remove_action: format!("/account/passkeys/{}/remove", p.id),
            added: ctx.tr.when(&p.created_at),
            last_used: p.last_used_at.as_ref().map(|t| ctx.tr.when(t)),
            name: p.name,
            id: p.id,
        })
        .collect();
    Ok(PasskeysSection {
        full: (rows.len() as i64 >= MAX_PASSKEYS).then(|| ctx.tr.tn("passkeys-too-many", "max", MAX_PASSKEYS)),
        rows,
        on: ctx.state.webauthn.is_some(),
        script: super::assets::url("passkeys.js"),
    })
}

#[derive(Deserialize)]
pub struct RegistrationStart {
    #[serde(default)]
    name: String,
}

/// `POST /account/passkeys/register/start` (`{"name"}`): the options for
/// `navigator.credentials.create`, asking for a discoverable credential with user
/// verification; the state stays with the session.
pub async fn register_start(posted: SignedJson<RegistrationStart>) -> Result<HttpResponse, PageError> {
    let SignedJson { ctx, user, body } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let name = match checked_name(&ctx, &body.name) {
        Ok(name) => name,
        Err(message) => return Ok(refused(StatusCode::UNPROCESSABLE_ENTITY, message)),
    };
    let store = &ctx.state.store;
    let held = store.passkeys_of(user.id).await?;
    if held.len() as i64 >= MAX_PASSKEYS {
        return Ok(refused(StatusCode::CONFLICT, ctx.tr.tn("passkeys-too-many", "max", MAX_PASSKEYS)));
    }
    let handle = store.ensure_passkey_handle(user.id, &Uuid::new_v4().to_string()).await?;
    let handle = Uuid::parse_str(&handle).map_err(anyhow::Error::from)?;
    // The user's passkeys already held: an authenticator that has one makes no second.
    let exclude = held.iter().filter_map(stored_passkey).map(|p| p.cred_id().clone()).collect();
    let (options, state) = webauthn
        .start_passkey_registration(handle, &user.email, &user.name, Some(exclude))
        .map_err(|e| anyhow::anyhow!("starting a passkey registration: {e}"))?;
    // A passkey signs in alone only if the authenticator keeps it (discoverable): ask for
    // that. webauthn-rs leaves it to the authenticator; nothing else in the options changes.
    let mut options = serde_json::to_value(&options).map_err(anyhow::Error::from)?;
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection").and_then(|s| s.as_object_mut()) {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    let until = ctx.state.config.clock.now() + Duration::minutes(CEREMONY_MINUTES);
    let ceremony = serde_json::to_string(&Registration { until, name, state }).map_err(anyhow::Error::from)?;
    let key_hash = ctx.session_key_hash().ok_or_else(|| anyhow::anyhow!("a signed-in request has its session"))?;
    store.set_session_ceremony(key_hash, &ceremony).await?;
    Ok(HttpResponse::Ok().json(options))
}

fn stored_passkey(record: &PasskeyRecord) -> Option<Passkey> {
    serde_json::from_str(&record.credential)
        .inspect_err(|e| tracing::error!(passkey = record.id, error = %e, "a stored passkey does not read"))
        .ok()
}

#[derive(Deserialize)]
pub struct RegistrationFinish {
    credential: RegisterPublicKeyCredential,
}

/// `POST /account/passkeys/register/finish` (`{"credential"}`, the browser's answer):
/// checks it against the session's registration (taken once) and keeps the passkey.
pub async fn register_finish(posted: SignedJson<RegistrationFinish>) -> Result<HttpResponse, PageError> {
    let SignedJson { ctx, user, body } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let store = &ctx.state.store;
    let key_hash = ctx.session_key_hash().ok_or_else(|| anyhow::anyhow!("a signed-in request has its session"))?;
    let now = ctx.state.config.clock.now();
    let ceremony = store
        .take_session_ceremony(key_hash)
        .await?
        .and_then(|json| serde_json::from_str::<Registration>(&json).ok())
        .filter(|r| r.until > now);
    let Some(Registration { name, state, .. }) = ceremony else {
        return Ok(refused(StatusCode::BAD_REQUEST, ctx.tr.t("passkeys-expired")));
    };
    let passkey = match webauthn.finish_passkey_registration(&body.credential, &state) {
        Ok(passkey) => passkey,
        Err(e) => {
            tracing::info!(user = user.id, error = %e, "a passkey registration was refused");
            return Ok(refused(StatusCode::BAD_REQUEST, ctx.tr.t("passkeys-failed")));
        }
    };
    let credential = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    let credential_id = credential_key(passkey.cred_id());
    let added = NewPasskey { credential_id: &credential_id, name: &name, credential: &credential };
    match store.add_passkey(&user, added, now).await? {
        AddPasskeyOutcome::Added { .. } => {}
        AddPasskeyOutcome::Duplicate => return Ok(refused(StatusCode::CONFLICT, ctx.tr.t("passkeys-duplicate"))),
        AddPasskeyOutcome::TooMany => {
            return Ok(refused(StatusCode::CONFLICT, ctx.tr.tn("passkeys-too-many", "max", MAX_PASSKEYS)));
        }
    }
    ctx.flash(ctx.tr.ta("passkeys-saved", [("name", name.as_str())]));
    Ok(go_to("/account/security"))
}

/// `POST /account/passkeys/{id}/remove`: one of the user's own passkeys (404 for any
/// other), after a fresh check (303 to `/login/confirm` when the last is over 10 minutes
/// old), back to the security page.
pub async fn remove(posted: SignedForm<NoFields>, id: web::Path<i64>) -> Result<HttpResponse, PageError> {
    let SignedForm { ctx, user, .. } = posted;
    let id = id.into_inner();
    let store = &ctx.state.store;
    if !store.passkeys_of(user.id).await?.iter().any(|p| p.id == id) {
        return Err(PageError::NotFound);
    }
    // Removing a factor asks for a fresh check (docs/product.md rule 15).
    super::account::fresh_check(&ctx, "/account/security")?;
    let Some(name) = store.remove_passkey(&user, id, ctx.state.config.clock.now()).await? else {
        return Err(PageError::NotFound);
    };
    ctx.flash(ctx.tr.ta("passkeys-removed", [("name", name.as_str())]));
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/account/security")).finish())
}

/// The sign-in cookie: the ceremony as JSON in base64url, a dot, its signature.
fn seal(ctx: &Ctx, ceremony: &SignInCeremony) -> anyhow::Result<String> {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(ceremony)?);
    let signature = ctx.state.signing_key.sign(SIGN_IN_PURPOSE, &payload);
    Ok(format!("{payload}.{signature}"))
}

/// The ceremony of the request's sign-in cookie, if this server signed it and it has not
/// run out; the cookie is removed with the answer either way (one finish per start).
fn unseal(ctx: &Ctx, cookie: Option<&str>) -> Option<SignInCeremony> {
    let names = ctx.state.cookies;
    cookie?;
    ctx.set_cookie(names.removal(names.passkey));
    let (payload, signature) = cookie?.split_once('.')?;
    if !ctx.state.signing_key.verify(SIGN_IN_PURPOSE, payload, signature) {
        return None;
    }
    let ceremony: SignInCeremony = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (ceremony.until > ctx.state.config.clock.now()).then_some(ceremony)
}

/// Starts a sign-in ceremony: the options for `navigator.credentials.get` (no credential
/// named: the authenticator offers the passkeys it keeps for this site, unless `allow`
/// names the ones a second factor may use), and the signed cookie.
pub(super) fn start_sign_in(
    ctx: &Ctx,
    webauthn: &Webauthn,
    user: Option<i64>,
    allow: &[PasskeyRecord],
) -> Result<HttpResponse, PageError> {
    let (options, state) =
        webauthn.start_discoverable_authentication().map_err(|e| anyhow::anyhow!("starting a passkey sign-in: {e}"))?;
    let mut options = serde_json::to_value(&options).map_err(anyhow::Error::from)?;
    if let Some(object) = options.as_object_mut() {
        // A button press, not the form's autofill: the browser asks at once.
        object.remove("mediation");
    }
    let allowed: Vec<serde_json::Value> = allow
        .iter()
        .filter_map(stored_passkey)
        .map(|p| serde_json::json!({ "type": "public-key", "id": credential_key(p.cred_id()) }))
        .collect();
    if !allowed.is_empty()
        && let Some(public_key) = options.get_mut("publicKey").and_then(|p| p.as_object_mut())
    {
        public_key.insert("allowCredentials".into(), allowed.into());
    }
    let until = ctx.state.config.clock.now() + Duration::minutes(CEREMONY_MINUTES);
    let ceremony = SignInCeremony { until, nonce: crate::secret::random_token(), state, user };
    let names = ctx.state.cookies;
    let mut cookie = names.cookie(names.passkey, seal(ctx, &ceremony)?);
    cookie.set_max_age(actix_web::cookie::time::Duration::minutes(CEREMONY_MINUTES));
    ctx.set_cookie(cookie);
    Ok(HttpResponse::Ok().json(options))
}

/// Why a sign-in ceremony's finish was refused.
pub(super) enum SignInRefused {
    /// No ceremony (never started, run out, or finished already): start again.
    Expired,
    /// The passkey is unknown, another user's, or its answer does not verify.
    Failed,
}

impl SignInRefused {
    pub(super) fn answer(&self, ctx: &Ctx) -> HttpResponse {
        match self {
            SignInRefused::Expired => refused(StatusCode::BAD_REQUEST, ctx.tr.t("passkeys-expired")),
            SignInRefused::Failed => refused(StatusCode::UNAUTHORIZED, ctx.tr.t("passkeys-sign-in-failed")),
        }
    }
}

/// Finishes a sign-in ceremony: the user whose passkey answered, verified by its user
/// (webauthn-rs refuses an answer without user verification), with the passkey's counter
/// and the ceremony's nonce recorded. For a second factor the passkey must be that user's.
pub(super) async fn finish_sign_in(
    ctx: &Ctx,
    webauthn: &Webauthn,
    credential: &PublicKeyCredential,
    req: &HttpRequest,
) -> Result<Result<(User, Option<i64>), SignInRefused>, PageError> {
    let cookie = req.cookie(ctx.state.cookies.passkey);
    let Some(ceremony) = unseal(ctx, cookie.as_ref().map(|c| c.value())) else {
        return Ok(Err(SignInRefused::Expired));
    };
    let store = &ctx.state.store;
    let Some(owner) = store.passkey_by_credential(&credential_key(credential.get_credential_id())).await? else {
        return Ok(Err(SignInRefused::Failed));
    };
    match ceremony.user {
        // A second factor: the passkey of the user whose password was right.
        Some(user_id) if user_id != owner.user.id => return Ok(Err(SignInRefused::Failed)),
        Some(_) => {}
        // A passkey alone: the authenticator names the user, and it must be this passkey's.
        None => {
            let handle = owner.passkey_handle.as_deref().and_then(|h| Uuid::parse_str(h).ok());
            let named = credential.get_user_unique_id().and_then(|b| Uuid::from_slice(b).ok());
            if handle.is_none() || handle != named {
                return Ok(Err(SignInRefused::Failed));
            }
        }
    }
    let Ok(mut passkey) = serde_json::from_str::<Passkey>(&owner.credential) else {
        return Ok(Err(SignInRefused::Failed));
    };
    let result = match webauthn.finish_discoverable_authentication_v2(credential, ceremony.state, &passkey) {
        Ok(result) => result,
        Err(e) => {
            tracing::info!(user = owner.user.id, error = %e, "a passkey sign-in was refused");
            return Ok(Err(SignInRefused::Failed));
        }
    };
    passkey.update_credential(&result);
    let stored = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    let now = ctx.state.config.clock.now();
    if !store.passkey_used(owner.passkey_id, &stored, &ceremony.nonce, now).await? {
        return Ok(Err(SignInRefused::Failed));
    }
    Ok(Ok((owner.user, ceremony.user)))
}

#[derive(Deserialize)]
pub struct SignInStart {}

/// `POST /login/passkey/start`: a sign-in with a passkey alone.
pub async fn sign_in_start(posted: CsrfJson<SignInStart>) -> Result<HttpResponse, PageError> {
    let ctx = posted.ctx;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    start_sign_in(&ctx, webauthn, None, &[])
}

#[derive(Deserialize)]
pub struct SignInFinish {
    credential: PublicKeyCredential,
    #[serde(default)]
    next: String,
}

/// `POST /login/passkey/finish` (`{"credential", "next"}`): signs the passkey's user in
/// (a new session, as a right password and second factor would) and names where to go.
pub async fn sign_in_finish(posted: CsrfJson<SignInFinish>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let CsrfJson { ctx, body } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let user = match finish_sign_in(&ctx, webauthn, &body.credential, &req).await? {
        Ok((user, None)) => user,
        // A second factor's ceremony is finished at its own route.
        Ok((_, Some(_))) => return Ok(SignInRefused::Expired.answer(&ctx)),
        Err(refusal) => return Ok(refusal.answer(&ctx)),
    };
    ctx.start_session(user.id)?;
    let names = ctx.state.cookies;
    ctx.set_cookie(names.removal(names.login));
    let target = safe_next(&body.next).filter(|n| !n.starts_with("/login")).unwrap_or("/attention");
    Ok(go_to(target))
}

/// What the second step of sign-in offers `user`: the code form (they have one-time codes,
/// or no passkey option can be offered instead) and the passkey option's script (they have
/// a passkey and passkeys are on).
pub async fn second_factor_option(ctx: &Ctx, user: &User) -> Result<(bool, Option<String>), PageError> {
    let store = &ctx.state.store;
    let totp = store.second_factors(user.id).await?.totp == Some(true);
    let passkeys = ctx.state.webauthn.is_some() && !store.passkeys_of(user.id).await?.is_empty();
    let script = passkeys.then(|| super::assets::url("passkeys.js"));
    Ok((totp || script.is_none(), script))
}

/// `POST /login/passkey/second-factor/start`: after a right password, the options for a
/// passkey of that user's (the pending sign-in's: `web::factors::Pending`), named, so a
/// passkey the authenticator does not keep discoverable works too.
pub async fn second_factor_start(posted: CsrfJson<SignInStart>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let ctx = posted.ctx;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let Some(pending) = Pending::read(&ctx, &req) else { return Ok(SignInRefused::Expired.answer(&ctx)) };
    let held = ctx.state.store.passkeys_of(pending.user_id).await?;
    if held.is_empty() {
        return Ok(SignInRefused::Failed.answer(&ctx));
    }
    start_sign_in(&ctx, webauthn, Some(pending.user_id), &held)
}

#[derive(Deserialize)]
pub struct SecondFactorFinish {
    credential: PublicKeyCredential,
}

/// `POST /login/passkey/second-factor/finish` (`{"credential"}`): the pending sign-in's
/// user's passkey, verified by its user: the session starts, and the script goes where the
/// sign-in was going.
pub async fn second_factor_finish(
    posted: CsrfJson<SecondFactorFinish>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let CsrfJson { ctx, body } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let Some(pending) = Pending::read(&ctx, &req) else { return Ok(SignInRefused::Expired.answer(&ctx)) };
    let user = match finish_sign_in(&ctx, webauthn, &body.credential, &req).await? {
        Ok((user, Some(asked))) if asked == pending.user_id => user,
        Ok(_) => return Ok(SignInRefused::Expired.answer(&ctx)),
        Err(refusal) => return Ok(refusal.answer(&ctx)),
    };
    ctx.start_session(user.id)?;
    let names = ctx.state.cookies;
    ctx.set_cookie(names.removal(names.login));
    ctx.set_cookie(names.removal(names.pending));
    let target = safe_next(&pending.next).filter(|n| !n.starts_with("/login")).unwrap_or("/attention");
    Ok(go_to(target))
}

/// What can answer the fresh check for `user` (`/login/confirm`).
pub struct ConfirmOptions {
    /// A one-time code (the user has them on).
    pub code: bool,
    /// The password: the user has no second factor that can answer here.
    pub password: bool,
    /// A passkey of theirs: the script's URL.
    pub passkeys_js: Option<String>,
}

/// The fresh check asks for the second factor, or the password of a user without one; a
/// user with passkeys (and passkeys on) answers with one of them.
pub async fn confirm_options(ctx: &Ctx, user: &User) -> Result<ConfirmOptions, PageError> {
    let store = &ctx.state.store;
    let code = store.second_factors(user.id).await?.totp == Some(true);
    let passkeys = ctx.state.webauthn.is_some() && !store.passkeys_of(user.id).await?.is_empty();
    Ok(ConfirmOptions {
        code,
        password: !code && !passkeys,
        passkeys_js: passkeys.then(|| super::assets::url("passkeys.js")),
    })
}

/// `POST /login/passkey/confirm/start`: the fresh check with a passkey of the signed-in
/// user's (named; user verification required).
pub async fn confirm_start(posted: SignedJson<SignInStart>) -> Result<HttpResponse, PageError> {
    let SignedJson { ctx, user, .. } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    let held = ctx.state.store.passkeys_of(user.id).await?;
    if held.is_empty() {
        return Ok(SignInRefused::Failed.answer(&ctx));
    }
    start_sign_in(&ctx, webauthn, Some(user.id), &held)
}

/// `POST /login/passkey/confirm/finish` (`{"credential", "next"}`): a passkey of this
/// user's, verified by its user, is a fresh check: the session's last check is now, and the
/// script goes back to `next`.
pub async fn confirm_finish(posted: SignedJson<SignInFinish>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let SignedJson { mut ctx, user, body } = posted;
    let Some(webauthn) = ctx.state.webauthn.as_ref() else { return Ok(unavailable(&ctx)) };
    match finish_sign_in(&ctx, webauthn, &body.credential, &req).await? {
        Ok((_, Some(asked))) if asked == user.id => {}
        Ok(_) => return Ok(SignInRefused::Expired.answer(&ctx)),
        Err(refusal) => return Ok(refusal.answer(&ctx)),
    }
    ctx.mark_checked()?;
    ctx.flash(ctx.tr.t("confirm-done"));
    let target = safe_next(&body.next).filter(|n| !n.starts_with("/login")).unwrap_or(super::account::SECURITY_PAGE);
    Ok(go_to(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_urls_host_and_never_an_address() {
        assert!(relying_party("http://localhost:8080").is_some());
        assert!(relying_party("https://portal.example.com").is_some());
        assert!(relying_party("http://127.0.0.1:8080").is_none(), "browsers refuse an IP address");
        assert!(relying_party("http://[::1]:8080").is_none());
    }
}
