//! Who is asking: passwords (argon2id), sessions, the login rate limit and
//! the CSRF token.
//!
//! Sessions live in the server's memory, not in the store: a request never
//! writes to the store to prove who it is (a write would queue behind a
//! nightly scan's transaction), no session token ever reaches the disk,
//! and restarting the server signs everyone out. The cookie carries a
//! random token; the server keeps only its SHA-256. Each session has its
//! own CSRF token, which the page gets at login (or from `/api/me`) and
//! sends back in `X-CSRF-Token` on every write.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::triage::Role;

/// Hash a password for the store: argon2id with the crate's default cost
/// (19 MiB, 2 passes), a random 16-byte salt, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a stored hash. An unreadable hash matches
/// nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash no password matches, verified for unknown user names so that a
/// wrong name costs as long as a wrong password.
pub(super) fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("weiquan-decoy").unwrap_or_default())
}

/// Seconds since the epoch, plus an offset tests can move forward to
/// expire sessions and lockouts without waiting.
#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        real + self.offset.load(Ordering::Relaxed)
    }

    /// Move the clock forward (tests).
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(super) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Equal strings in time that does not depend on where they differ.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub user: String,
    pub role: Role,
    pub csrf: String,
    created: i64,
    last_seen: i64,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Signed out after this long without a request.
    pub idle_s: i64,
    /// Signed out this long after login, however active.
    pub max_s: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_s: 30 * 60,
            max_s: 12 * 3600,
        }
    }
}

#[derive(Default)]
pub(super) struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new session: the cookie's token and the session.
    pub fn create(
        &self,
        user: &str,
        role: Role,
        now: i64,
        limits: SessionLimits,
    ) -> (String, Session) {
        let token = random_hex(32);
        let s = Session {
            user: user.to_string(),
            role,
            csrf: random_hex(32),
            created: now,
            last_seen: now,
        };
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        // Sweep the expired while we hold the lock: logins are rare.
        map.retain(|_, x| alive(x, now, limits));
        map.insert(token_hash(&token), s.clone());
        (token, s)
    }

    /// The live session of a cookie token, its idle clock restarted.
    pub fn touch(&self, token: &str, now: i64, limits: SessionLimits) -> Option<Session> {
        let key = token_hash(token);
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&key) {
            Some(s) if alive(s, now, limits) => {
                s.last_seen = now;
                Some(s.clone())
            }
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, token: &str) {
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&token_hash(token));
    }

    /// Every session of a user (removed, or given another role).
    pub fn remove_user(&self, user: &str) {
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| s.user != user);
    }
}

fn alive(s: &Session, now: i64, limits: SessionLimits) -> bool {
    now - s.last_seen < limits.idle_s && now - s.created < limits.max_s
}

/// Failed logins, by user name and by client address: after
/// [`LoginLimiter::PER_NAME`] failures for one name (or
/// [`LoginLimiter::PER_ADDR`] from one address) within the window, further
/// attempts are refused (429) until the window of the first has passed.
/// A success clears the name's count.
#[derive(Default)]
pub(super) struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl LoginLimiter {
    pub const PER_NAME: usize = 5;
    pub const PER_ADDR: usize = 20;
    pub const WINDOW_S: i64 = 15 * 60;

    fn keys(name: &str, addr: IpAddr) -> [(String, usize); 2] {
        [
            (format!("n:{}", name.trim()), Self::PER_NAME),
            (format!("a:{addr}"), Self::PER_ADDR),
        ]
    }

    /// Seconds to wait before trying again, if locked out now.
    pub fn locked(&self, name: &str, addr: IpAddr, now: i64) -> Option<i64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        for (key, limit) in Self::keys(name, addr) {
            if let Some(v) = map.get_mut(&key) {
                v.retain(|t| now - t < Self::WINDOW_S);
                if v.len() >= limit {
                    let until = v[v.len() - limit] + Self::WINDOW_S;
                    wait = wait.max(Some((until - now).max(1)));
                }
            }
        }
        wait
    }

    pub fn failed(&self, name: &str, addr: IpAddr, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(name, addr) {
            map.entry(key).or_default().push(now);
        }
    }

    pub fn succeeded(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("n:{}", name.trim()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let h = hash_password("正确的密码").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码", &h));
        assert!(!verify_password("错误的密码", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("正确的密码").unwrap(), "salted");
    }

    #[test]
    fn sessions_expire_idle_and_at_their_maximum() {
        let limits = SessionLimits {
            idle_s: 10,
            max_s: 25,
        };
        let s = Sessions::default();
        let (t, _) = s.create("a", Role::Officer, 100, limits);
        assert!(s.touch(&t, 109, limits).is_some());
        assert!(s.touch(&t, 118, limits).is_some());
        assert!(s.touch(&t, 124, limits).is_some());
        assert!(s.touch(&t, 125, limits).is_none(), "past the maximum");
        let (t, _) = s.create("a", Role::Officer, 200, limits);
        assert!(s.touch(&t, 210, limits).is_none(), "idle too long");
    }

    #[test]
    fn logins_lock_after_the_limit_and_unlock_after_the_window() {
        let l = LoginLimiter::default();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for i in 0..LoginLimiter::PER_NAME as i64 {
            assert_eq!(l.locked("a", ip, 1000 + i), None);
            l.failed("a", ip, 1000 + i);
        }
        assert!(l.locked("a", ip, 1010).is_some());
        assert_eq!(l.locked("b", ip, 1010), None, "another name");
        assert_eq!(l.locked("a", ip, 1000 + LoginLimiter::WINDOW_S), None);
    }
}
