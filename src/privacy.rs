//! Pseudonyms for `--mask-pii`.
//!
//! `finding_id` and `case_id` are short SHA-256 hashes of facts that include
//! id numbers (data contract §4). An id number has little entropy (area code,
//! birth date, a 3-digit sequence, a computed check character: about 10^8
//! candidates per village), so an unkeyed hash next to a masked id
//! (`370102********123X`) gives the number back in seconds. Masked outputs
//! therefore show a keyed pseudonym instead: HMAC-SHA256 of the real id under
//! a secret kept in the case store (`secrets` table, created on first use,
//! never written to any output). The same store gives the same pseudonym on
//! every run, so officers can still follow a masked case; without the store
//! the pseudonym cannot be computed or reversed. A scan with `--no-db` uses a
//! fresh random key, so its masked ids are stable within the run only.
//! Unmasked outputs keep the contract's ids unchanged.

use sha2::{Digest, Sha256};

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    for i in 0..BLOCK {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The secret behind masked ids.
#[derive(Clone)]
pub struct PiiKey([u8; 32]);

impl std::fmt::Debug for PiiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiKey(..)")
    }
}

impl PiiKey {
    pub const LEN: usize = 32;

    /// A fresh key from the operating system's random source.
    pub fn random() -> PiiKey {
        let mut k = [0u8; 32];
        rand::fill(&mut k);
        PiiKey(k)
    }

    pub fn from_bytes(b: &[u8]) -> Option<PiiKey> {
        <[u8; 32]>::try_from(b).ok().map(PiiKey)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The masked form of a finding id, case id or fingerprint: 16 hex
    /// digits like the real one, not computable without the key.
    pub fn pseudonym(&self, id: &str) -> String {
        if id.is_empty() {
            return String::new();
        }
        let mut msg = b"weiquan-pseudonym-v1\x1f".to_vec();
        msg.extend_from_slice(id.as_bytes());
        hmac_sha256(&self.0, &msg)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1 and 2 of RFC 4231.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pseudonyms_depend_on_the_key() {
        let a = PiiKey::from_bytes(&[1; 32]).unwrap();
        let b = PiiKey::from_bytes(&[2; 32]).unwrap();
        let id = "0123456789abcdef";
        assert_eq!(a.pseudonym(id), a.pseudonym(id));
        assert_ne!(a.pseudonym(id), b.pseudonym(id));
        assert_ne!(a.pseudonym(id), id);
        assert_eq!(a.pseudonym(id).len(), 16);
        assert_eq!(a.pseudonym(""), "");
        assert_ne!(PiiKey::random().as_bytes(), PiiKey::random().as_bytes());
        assert!(PiiKey::from_bytes(&[0; 31]).is_none());
    }
}
