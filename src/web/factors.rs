//! What sign-in, the fresh check and the account page share about second factors: the
//! one-time code key (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew
//! either way), its QR code, checking a typed code or recovery code once, the throttle that
//! counts wrong ones like wrong passwords, and the signed cookie of a sign-in half done.

use actix_web::cookie::{Cookie, CookieJar, Key};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use totp_rs::{Algorithm, Totp};

use super::ctx::Ctx;
use crate::domain::second_factor::{normalise_recovery_code, normalise_totp_code};
use crate::secret::SigningKey;
use crate::store::{ANY_ACCOUNT, User, recovery_code_hash};

/// The purpose the one-time code keys are sealed under ([`SigningKey::seal`]).
const SEAL_PURPOSE: &str = "totp secret";
/// How long the second step of a sign-in may take after the password.
pub const PENDING_SECONDS: i64 = 5 * 60;

/// A new one-time code key: 160 random bits (RFC 4226's recommendation).
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// The key sealed for `user_id`'s row (it opens for that user only).
pub fn seal(key: &SigningKey, user_id: i64, secret: &[u8]) -> String {
    key.seal(SEAL_PURPOSE, &format!("user:{user_id}"), secret)
}

/// The key of `user_id`'s row, unsealed.
pub fn open(key: &SigningKey, user_id: i64, sealed: &str) -> Option<Vec<u8>> {
    key.open(SEAL_PURPOSE, &format!("user:{user_id}"), sealed)
}

/// The RFC 6238 generator of `secret` for `account` (shown by authenticator apps beside
/// the issuer, "Provisio").
pub fn totp(secret: &[u8], account: &str) -> anyhow::Result<Totp> {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_issuer(Some("Provisio"))
        .with_account_name(account.replace(':', ""))
        .build()
        .map_err(|e| anyhow::anyhow!("one-time code key: {e:?}"))
}

/// The key in base32 (what people type into an app), upper case without padding: the text
/// a script reads from the page (`data-totp-secret`) as it is.
pub fn base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` URL of the key as a QR code: an SVG drawn here (no outside service),
/// as a `data:` URL for an `img`.
pub fn qr_data_url(totp: &Totp) -> anyhow::Result<String> {
    let url = totp.to_url().map_err(|e| anyhow::anyhow!("otpauth URL: {e:?}"))?;
    let code = qrcode::QrCode::new(url.as_bytes())?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    Ok(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

/// The step whose code `typed` is, for `secret` at `now` (one step either way), if any.
pub fn matching_step(secret: &[u8], typed: &str, now: DateTime<Utc>) -> Option<i64> {
    let code = normalise_totp_code(typed)?;
    let totp = totp(secret, "check").ok()?;
    totp.check(&code, u64::try_from(now.timestamp()).ok()?).and_then(|step| i64::try_from(step).ok())
}

/// What a typed second factor turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// A one-time code of a step not used before, now used.
    Code,
    /// A recovery code not used before, now used (its security change is recorded).
    RecoveryCode,
    /// Neither: wrong, used already, or the user has no one-time codes.
    Wrong,
}

/// Checks `typed`, a one-time code or a recovery code of `user`, and uses it: a code works
/// once (its step is recorded, and earlier ones stop working), a recovery code once.
pub async fn check_typed(ctx: &Ctx, user: &User, typed: &str) -> anyhow::Result<Checked> {
    let store = &ctx.state.store;
    let now = ctx.state.config.clock.now();
    if normalise_totp_code(typed).is_some() {
        let Some(factor) = store.totp_factor(user.id).await?.filter(|f| f.confirmed_at.is_some()) else {
            return Ok(Checked::Wrong);
        };
        let Some(secret) = open(&ctx.state.signing_key, user.id, &factor.secret) else {
            anyhow::bail!("the one-time code key of user {} does not open", user.id);
        };
        return Ok(match matching_step(&secret, typed, now) {
            Some(step) if store.use_totp_step(user.id, step).await? => Checked::Code,
            _ => Checked::Wrong,
        });
    }
    if let Some(code) = normalise_recovery_code(typed)
        && store.use_recovery_code(user, &recovery_code_hash(&code), now).await?
    {
        return Ok(Checked::RecoveryCode);
    }
    Ok(Checked::Wrong)
}

/// The account key under which wrong codes of `email` are counted (apart from its wrong
/// passwords, under the same limits: PROVISIO_LOGIN_LIMIT per client address and account,
/// PROVISIO_LOGIN_ADDRESS_LIMIT per address).
fn code_account(email: &str) -> String {
    format!("code:{email}")
}

/// Takes the throttle's slots for one more code of `email` from this client address, or
/// answers how long to wait. A right code gives them back ([`give_back`]).
pub async fn take_slots(ctx: &Ctx, email: &str) -> anyhow::Result<Option<chrono::Duration>> {
    let store = &ctx.state.store;
    let limits = &ctx.state.config.login;
    let now = ctx.state.config.clock.now();
    if let Some(wait) = store.take_login_slot(&ctx.client, ANY_ACCOUNT, limits.per_address, now).await? {
        return Ok(Some(wait));
    }
    if let Some(wait) = store.take_login_slot(&ctx.client, &code_account(email), limits.per_account, now).await? {
        store.return_login_slot(&ctx.client, ANY_ACCOUNT).await?;
        return Ok(Some(wait));
    }
    Ok(None)
}

/// Gives back the slots a right code took.
pub async fn give_back(ctx: &Ctx, email: &str) -> anyhow::Result<()> {
    let store = &ctx.state.store;
    store.return_login_slot(&ctx.client, &code_account(email)).await?;
    store.return_login_slot(&ctx.client, ANY_ACCOUNT).await?;
    Ok(())
}

/// A sign-in half done: the password was right, the second factor is still to come. It
/// lives only in a cookie signed with a key of its own purpose (no session, no row), for
/// [`PENDING_SECONDS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub user_id: i64,
    pub since: DateTime<Utc>,
    pub next: String,
}

/// The key of the pending sign-in cookie, derived from the signing key for this alone.
pub fn pending_key(key: &SigningKey) -> Key {
    Key::from(&key.derive("second factor cookie"))
}

impl Pending {
    /// The signed cookie that carries it.
    pub fn cookie(&self, ctx: &Ctx) -> Cookie<'static> {
        let next = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&self.next);
        let value = format!("{}.{}.{next}", self.user_id, self.since.timestamp());
        let names = ctx.state.cookies;
        let mut cookie = names.cookie(names.pending, value);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(PENDING_SECONDS));
        let mut jar = CookieJar::new();
        jar.signed_mut(&pending_key(&ctx.state.signing_key)).add(cookie);
        jar.get(names.pending).cloned().expect("the cookie just added")
    }

    /// The pending sign-in of this request's cookie, if it was signed here and is not older
    /// than [`PENDING_SECONDS`].
    pub fn read(ctx: &Ctx, req: &actix_web::HttpRequest) -> Option<Self> {
        let names = ctx.state.cookies;
        let mut jar = CookieJar::new();
        jar.add_original(req.cookie(names.pending)?);
        let value = jar.signed(&pending_key(&ctx.state.signing_key)).get(names.pending)?.value().to_string();
        let mut parts = value.splitn(3, '.');
        let user_id = parts.next()?.parse().ok()?;
        let since = DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?;
        let next = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let now = ctx.state.config.clock.now();
        let fresh =
            since <= now + chrono::Duration::seconds(5) && now - since <= chrono::Duration::seconds(PENDING_SECONDS);
        fresh.then(|| Self { user_id, since, next: String::from_utf8(next).ok().unwrap_or_default() })
    }
}

/// Ten new recovery codes: 80 random bits each, in base32 (`a`–`z`, `2`–`7`), shown in
/// groups of four; and their hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut shown = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..crate::domain::second_factor::RECOVERY_CODES {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        // 16 symbols of 5 bits: 80 bits, each symbol from its own byte's low bits.
        let code: String = bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect();
        hashes.push(recovery_code_hash(&code));
        shown.push(
            code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-"),
        );
    }
    (shown, hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238_and_one_step_of_skew() {
        // RFC 6238's SHA-1 test key and times (its 8-digit codes end in these 6 digits).
        let secret = b"12345678901234567890";
        let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap();
        assert_eq!(matching_step(secret, "287082", at(59)), Some(1));
        assert_eq!(matching_step(secret, "081804", at(1_111_111_109)), Some(37_037_036));
        assert_eq!(matching_step(secret, "050471", at(1_111_111_111)), Some(37_037_037));
        assert_eq!(matching_step(secret, "005924", at(1_234_567_890)), Some(41_152_263));
        // The step before and after are taken; two steps away not.
        assert_eq!(matching_step(secret, "287082", at(89)), Some(1));
        assert_eq!(matching_step(secret, "287082", at(90)), None);
        assert_eq!(matching_step(secret, "28708", at(59)), None);
        assert_eq!(base32(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_otpauth_url() {
        let totp = totp(b"12345678901234567890", "ana@acme.example").unwrap();
        let url = totp.to_url().unwrap();
        assert!(url.starts_with("otpauth://totp/Provisio:") && url.contains("secret=GEZDGNBV"), "{url}");
        let data = qr_data_url(&totp).unwrap();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(data.strip_prefix("data:image/svg+xml;base64,").unwrap())
            .unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_back() {
        let (shown, hashes) = new_recovery_codes();
        assert_eq!(shown.len(), 10);
        let mut unique = hashes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let typed = normalise_recovery_code(&shown[0].to_uppercase()).unwrap();
        assert_eq!(recovery_code_hash(&typed), hashes[0]);
    }
}
