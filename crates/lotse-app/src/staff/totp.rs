//! The optional second factor: time-based one-time passwords (RFC 6238 with HMAC-SHA-1,
//! 30-second steps, 6 digits), as every authenticator app computes them.
//!
//! A staff member sets it up on their own page: a fresh secret is stored as *pending* and shown
//! (base32, `otpauth://` URI, QR code); it becomes active only when a first code from the app
//! is confirmed. Sign-in then asks for a code after the right password. A code is accepted one
//! step before or after the server's time (clock drift) and only once: the newest accepted step
//! is stored and older or equal steps are refused. Wrong codes count toward the same lock-out
//! as wrong passwords. Switching it off needs the password and a code; an admin can reset it
//! for someone who lost their phone.

use std::fmt;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha1::Sha1;

use super::users::require_admin;
use super::{Staff, blocking, normalize_email, verify_password};
use crate::{App, AppError};

/// Length of a time step.
pub const STEP_SECS: i64 = 30;
/// Steps before and after the current one whose codes are still accepted.
pub const TOLERANCE_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, the size RFC 4226 recommends for HMAC-SHA-1).
const SECRET_BYTES: usize = 20;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps expect).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32, ignoring case, spaces and padding; `None` for other characters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = u8::try_from(c.to_ascii_uppercase()).ok()?;
        let value = ALPHABET.iter().position(|&a| a == c)?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// RFC 4226 HOTP: 6 decimal digits of the dynamically truncated HMAC-SHA-1 of the counter.
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return 0; // HMAC takes keys of any length; this cannot happen
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let word = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    word % 1_000_000
}

/// The time step of a moment (Unix milliseconds).
pub fn step_at(unix_ms: i64) -> i64 {
    unix_ms.div_euclid(1000).div_euclid(STEP_SECS)
}

/// The 6-digit code of a base32 secret at a moment (Unix milliseconds); `None` for a secret
/// that is not base32.
pub fn code_at(secret: &str, unix_ms: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    let step = u64::try_from(step_at(unix_ms)).ok()?;
    Some(format!("{:06}", hotp(&key, step)))
}

/// How a code compares with the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, for this time step (newer than the last one used).
    Valid(i64),
    /// Right, but its time step was used already (a replay).
    Reused,
    Wrong,
}

/// Checks a code (spaces allowed) against the steps around `now_ms`; steps up to `last_used`
/// count as used.
pub fn check_code(secret: &str, code: &str, now_ms: i64, last_used: i64) -> CodeCheck {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(key) = base32_decode(secret) else {
        return CodeCheck::Wrong;
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return CodeCheck::Wrong;
    }
    let now = step_at(now_ms);
    let mut reused = false;
    for step in now - TOLERANCE_STEPS..=now + TOLERANCE_STEPS {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        let expected = format!("{:06}", hotp(&key, counter));
        if same_digits(&expected, &code) {
            if step > last_used {
                return CodeCheck::Valid(step);
            }
            reused = true;
        }
    }
    if reused {
        CodeCheck::Reused
    } else {
        CodeCheck::Wrong
    }
}

/// Compares two codes of equal length without an early exit (no timing hint per digit).
fn same_digits(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `otpauth://` URI authenticator apps read from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let label = encode(&format!("{issuer}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        encode(issuer)
    )
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A secret being set up: what the staff member types or scans into their app. `Debug` leaves
/// the secret out.
#[derive(Clone)]
pub struct TotpSetup {
    /// Base32, as apps take it when typed.
    pub secret: String,
    pub uri: String,
}

impl fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSetup").finish_non_exhaustive()
    }
}

/// The second factor of the signed-in staff member.
#[derive(Debug, Clone)]
pub enum TotpState {
    Off,
    /// Set up, waiting for the first code.
    Pending(TotpSetup),
    On,
}

fn invalid_code(reason: &str) -> AppError {
    AppError::Invalid {
        field: "code".into(),
        reason: reason.into(),
    }
}

impl App {
    fn totp_setup(&self, staff: &Staff, secret: String) -> TotpSetup {
        let uri = otpauth_uri("Lotse", &staff.email, &secret);
        TotpSetup { secret, uri }
    }

    /// The state of the signed-in member's second factor.
    pub async fn totp_state(&self, staff: &Staff) -> Result<TotpState, AppError> {
        let user = self.db().user(&staff.tenant, &staff.email).await?;
        Ok(match (user.totp_secret, user.totp_pending) {
            (Some(_), _) => TotpState::On,
            (None, Some(secret)) => TotpState::Pending(self.totp_setup(staff, secret)),
            (None, None) => TotpState::Off,
        })
    }

    /// Starts setting up the second factor with a fresh secret (replacing one that was never
    /// confirmed). `Conflict` when it is on already.
    pub async fn totp_begin(&self, staff: &Staff) -> Result<TotpSetup, AppError> {
        let user = self.db().user(&staff.tenant, &staff.email).await?;
        if user.totp_enabled() {
            return Err(AppError::Conflict("the second factor is on already".into()));
        }
        let mut key = [0u8; SECRET_BYTES];
        getrandom::fill(&mut key).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        let secret = base32_encode(&key);
        self.db()
            .set_totp_pending(&staff.tenant, &staff.email, Some(&secret))
            .await?;
        Ok(self.totp_setup(staff, secret))
    }

    /// Drops a set-up that was not confirmed.
    pub async fn totp_cancel(&self, staff: &Staff) -> Result<(), AppError> {
        Ok(self
            .db()
            .set_totp_pending(&staff.tenant, &staff.email, None)
            .await?)
    }

    /// Confirms the set-up with a first code from the app; from now on sign-in asks for a code.
    /// `Invalid { field: "code" }` for a wrong code, `NotFound` without a set-up.
    pub async fn totp_confirm(&self, staff: &Staff, code: &str, now: i64) -> Result<(), AppError> {
        let user = self.db().user(&staff.tenant, &staff.email).await?;
        let Some(secret) = user.totp_pending else {
            return Err(AppError::NotFound {
                what: "second factor set-up".into(),
            });
        };
        let CodeCheck::Valid(step) = check_code(&secret, code, now, 0) else {
            return Err(invalid_code("the code does not match the new secret"));
        };
        self.db()
            .activate_totp(&staff.tenant, &staff.email, &secret, step)
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "totp.enable",
            &staff.email,
            Some(json!({ "totp": false })),
            Some(json!({ "totp": true })),
        )
        .await
    }

    /// Switches the member's own second factor off; needs the password and a current code.
    pub async fn totp_disable(
        &self,
        staff: &Staff,
        password: &str,
        code: &str,
        now: i64,
    ) -> Result<(), AppError> {
        let db = self.db();
        let user = db.user(&staff.tenant, &staff.email).await?;
        let (pw, hash) = (password.to_owned(), user.password_hash.clone());
        if !blocking(move || verify_password(&pw, &hash)).await? {
            return Err(AppError::Invalid {
                field: "current_password".into(),
                reason: "the password is wrong".into(),
            });
        }
        let Some(secret) = user.totp_secret else {
            return Err(AppError::NotFound {
                what: "second factor".into(),
            });
        };
        match check_code(&secret, code, now, user.totp_last_step) {
            CodeCheck::Valid(step)
                if db.use_totp_step(&staff.tenant, &staff.email, step).await? => {}
            CodeCheck::Reused | CodeCheck::Valid(_) => {
                return Err(invalid_code("this code was used already"));
            }
            CodeCheck::Wrong => return Err(invalid_code("the code is wrong")),
        }
        db.clear_totp(&staff.tenant, &staff.email).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "totp.disable",
            &staff.email,
            Some(json!({ "totp": true })),
            Some(json!({ "totp": false })),
        )
        .await
    }

    /// An admin switches someone's second factor off (a lost phone); they sign in with their
    /// password alone and can set it up again.
    pub async fn reset_user_totp(&self, staff: &Staff, email: &str) -> Result<(), AppError> {
        require_admin(staff)?;
        let email = normalize_email(email);
        let user = self.db().user(&staff.tenant, &email).await?;
        self.db().clear_totp(&staff.tenant, &user.email).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "user.totp_reset",
            &user.email,
            Some(json!({ "totp": user.totp_enabled() })),
            Some(json!({ "totp": false })),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column (8 digits there; the last 6 are ours).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (secs, code) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                code_at(&secret, secs * 1000).as_deref(),
                Some(&code[2..]),
                "{secs}"
            );
        }
    }

    #[test]
    fn base32_round_trips_and_rejects_junk() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base32_decode(&base32_encode(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("mzxw 6ytb oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZX1"), None);
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_once() {
        let secret = base32_encode(b"12345678901234567890");
        let now = 1_234_567_890_000;
        let step = step_at(now);
        let at = |ms: i64| code_at(&secret, ms).expect("code");
        assert_eq!(
            check_code(&secret, &at(now), now, 0),
            CodeCheck::Valid(step)
        );
        assert_eq!(
            check_code(&secret, &at(now - 30_000), now, 0),
            CodeCheck::Valid(step - 1)
        );
        assert_eq!(
            check_code(&secret, &at(now + 30_000), now, 0),
            CodeCheck::Valid(step + 1)
        );
        assert_eq!(
            check_code(&secret, &at(now - 60_000), now, 0),
            CodeCheck::Wrong
        );
        assert_eq!(check_code(&secret, &at(now), now, step), CodeCheck::Reused);
        let spaced = format!("{} {}", &at(now)[..3], &at(now)[3..]);
        assert_eq!(check_code(&secret, &spaced, now, 0), CodeCheck::Valid(step));
        for junk in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(
                check_code(&secret, junk, now, 0),
                CodeCheck::Wrong,
                "{junk}"
            );
        }
    }

    #[test]
    fn the_uri_names_issuer_account_and_parameters() {
        assert_eq!(
            otpauth_uri("Lotse", "anna@jc.example", "ABC"),
            "otpauth://totp/Lotse%3Aanna%40jc.example?secret=ABC&issuer=Lotse&algorithm=SHA1&digits=6&period=30"
        );
    }
}
