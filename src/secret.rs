//! Random tokens and the server's signing key, for everything that must not be guessed or
//! forged: session keys, CSRF tokens, leases, signed cookies.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The server's key for signing values it hands to browsers (made once, kept in the
/// database, shared by every instance; never in the repository).
#[derive(Clone)]
pub struct SigningKey(std::sync::Arc<Vec<u8>>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(std::sync::Arc::new(bytes))
    }

    /// The URL-safe HMAC-SHA256 of `purpose` and `value`: a signature of one use only.
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// 64 bytes of key for one purpose alone (two HMACs of the purpose under this key), for
    /// the libraries that take a key of their own (`cookie::Key`: the session cookie, the
    /// flash cookie). Derived, so it lives where this key lives: in the database.
    pub fn derive(&self, purpose: &str) -> [u8; 64] {
        let mut out = [0u8; 64];
        for (half, chunk) in out.chunks_mut(32).enumerate() {
            let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
            mac.update(b"derive\0");
            mac.update(purpose.as_bytes());
            mac.update(&[0, half as u8]);
            chunk.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }

    /// The HMAC-SHA256 of `purpose` and `value` in lower-case hex, for values that must
    /// survive a case-insensitive channel (the local part of an email address).
    pub fn sign_hex(&self, purpose: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn verify(&self, purpose: &str, value: &str, signature: &str) -> bool {
        constant_time_eq(self.sign(purpose, value).as_bytes(), signature.as_bytes())
    }

    /// `secret` sealed with AES-256-GCM under a key derived for `purpose`, bound to
    /// `context` (which must be given again to open it: a sealed value moved to another row
    /// does not open there): URL-safe base64 of a random 96-bit nonce and the ciphertext.
    pub fn seal(&self, purpose: &str, context: &str, secret: &[u8]) -> String {
        use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.derive(purpose)[..32]).expect("a 256-bit key");
        let nonce = aes_gcm::Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: secret, aad: context.as_bytes() })
            .expect("AES-GCM seals any message");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
    }

    /// What [`SigningKey::seal`] sealed for `purpose` and `context`; None for anything else.
    pub fn open(&self, purpose: &str, context: &str, sealed: &str) -> Option<Vec<u8>> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.derive(purpose)[..32]).ok()?;
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        cipher.decrypt(&nonce.into(), Payload { msg: sealed, aad: context.as_bytes() }).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_bound_to_key_purpose_and_value() {
        let key = SigningKey::new(b"k1".to_vec());
        let sig = key.sign("csrf", "abc");
        assert!(key.verify("csrf", "abc", &sig));
        assert!(!key.verify("flash", "abc", &sig));
        assert!(!key.verify("csrf", "abd", &sig));
        assert!(!SigningKey::new(b"k2".to_vec()).verify("csrf", "abc", &sig));
        assert_ne!(random_token(), random_token());
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"ab"));
        // Derived keys differ by purpose and by key, and their halves differ.
        let derived = key.derive("session");
        assert_ne!(derived, key.derive("flash"));
        assert_ne!(derived, SigningKey::new(b"k2".to_vec()).derive("session"));
        assert_eq!(derived, SigningKey::new(b"k1".to_vec()).derive("session"));
        assert_ne!(derived[..32], derived[32..]);
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_purpose_and_context() {
        let key = SigningKey::new(b"k1".to_vec());
        let sealed = key.seal("totp", "user:1", b"twenty random bytes!");
        assert_ne!(sealed, key.seal("totp", "user:1", b"twenty random bytes!"), "a fresh nonce each time");
        assert_eq!(key.open("totp", "user:1", &sealed).as_deref(), Some(&b"twenty random bytes!"[..]));
        assert_eq!(key.open("totp", "user:2", &sealed), None, "another row");
        assert_eq!(key.open("other", "user:1", &sealed), None, "another purpose");
        assert_eq!(SigningKey::new(b"k2".to_vec()).open("totp", "user:1", &sealed), None, "another key");
        assert_eq!(key.open("totp", "user:1", "garbage"), None);
    }
}
