//! Identifiers that real exports carry and rules match on: id numbers,
//! phones, bank accounts, credit codes, village codes. Each is a bijection
//! of (village, counter) so that no two villages can ever share one, with
//! no registry shared between the threads that build villages.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::dataset::id_number::{credit_check_char, make_id, org_check_char};
use crate::r#gen::model::*;

/// Id area codes of villagers (Jinan, 3701xx; then other Shandong cities for
/// very large runs). Village v uses area `v % 16` of its block of 16 and
/// sequence numbers `slot*8 .. slot*8+8` (slot = v / 16 within the block),
/// so no two villages can ever allocate the same id.
const VILLAGER_AREAS: [&str; 48] = [
    "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115", "370116",
    "370117", "370124", "370126", "370123", "370125", "370181", "370101", "370202", "370203",
    "370211", "370212", "370213", "370214", "370215", "370281", "370283", "370285", "370201",
    "370222", "370223", "370224", "370225", "370282", "370302", "370303", "370304", "370305",
    "370306", "370321", "370322", "370323", "370301", "370311", "370312", "370313", "370314",
    "370315", "370316", "370317",
];
/// Legal representatives of companies come from elsewhere (济宁, 泰安).
const OUTSIDER_AREAS: [&str; 16] = [
    "370802", "370811", "370812", "370826", "370827", "370828", "370829", "370830", "370902",
    "370911", "370921", "370923", "370982", "370983", "370831", "370881",
];

pub const MAX_VILLAGES: usize = 2000 * 3;

/// Allocates unique id numbers within a village's reserved block.
#[derive(Debug, Clone)]
pub struct IdAlloc {
    area: &'static str,
    slot: u16,
    used: HashSet<(NaiveDate, u8)>,
}

impl IdAlloc {
    pub fn villager(v: u32) -> IdAlloc {
        let block = v as usize / (16 * 125);
        let within = v as usize % (16 * 125);
        IdAlloc {
            area: VILLAGER_AREAS[(block * 16 + within % 16) % VILLAGER_AREAS.len()],
            slot: (within / 16) as u16,
            used: HashSet::new(),
        }
    }
    pub fn outsider(v: u32) -> IdAlloc {
        IdAlloc {
            area: OUTSIDER_AREAS[v as usize % 16],
            slot: ((v as usize / 16) % 125) as u16,
            used: HashSet::new(),
        }
    }
    /// A fresh id for a person of this sex born on or soon after `birth`;
    /// returns the id and the birth date actually used.
    pub fn alloc(&mut self, birth: NaiveDate, male: bool) -> (String, NaiveDate) {
        let mut b = birth;
        loop {
            for k in 0..8u8 {
                if (k % 2 == 1) != male || self.used.contains(&(b, k)) {
                    continue;
                }
                self.used.insert((b, k));
                return (
                    make_id(self.area, b, scramble_seq(self.slot * 8 + u16::from(k))),
                    b,
                );
            }
            b = add_days(b, 1);
        }
    }
    /// Whether a (birth, k) sequence is still free (for planted fake ids).
    pub fn take_specific(&mut self, birth: NaiveDate, k: u8) -> Option<String> {
        if k >= 8 || !self.used.insert((birth, k)) {
            return None;
        }
        Some(make_id(
            self.area,
            birth,
            scramble_seq(self.slot * 8 + u16::from(k)),
        ))
    }
    pub fn slot(&self) -> u16 {
        self.slot
    }
}

/// Spread a village's block of sequence numbers over 000–999 (a bijection
/// that keeps parity, so the sex digit stays right).
fn scramble_seq(seq: u16) -> u16 {
    ((u32::from(seq) * 379 + 100) % 1000) as u16
}

/// A bijection of a counter onto digit strings that look random:
/// unique phones and accounts without a global registry.
fn scramble(x: u128, modulus: u128, mult: u128, add: u128) -> u128 {
    (x.wrapping_mul(mult) + add) % modulus
}

pub fn phone_for(v: u32, k: u32) -> String {
    let x = u128::from(v) * 20_000 + u128::from(k);
    let prefixes = ["13", "15", "18", "17", "19"];
    let pfx = prefixes[(x % 5) as usize];
    format!(
        "{pfx}{:09}",
        scramble(x / 5, 1_000_000_000, 387_420_489, 12_345_678)
    )
}

pub fn account_for(v: u32, k: u32) -> String {
    let x = u128::from(v) * 40_000 + u128::from(k);
    let bins = ["6228", "6217", "6230", "6222", "6212"];
    let bin = bins[(x % 5) as usize];
    format!(
        "{bin}{:015}",
        scramble(
            x / 5,
            1_000_000_000_000_000,
            205_891_132_094_649,
            123_456_789
        )
    )
}

/// A unified social credit code (GB 32100) with a valid organisation code
/// (GB 11714) inside; unique per (village, company number).
pub fn credit_code(district6: &str, v: u32, k: u32) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut x = u64::from(v) * 64 + u64::from(k);
    x = (x.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995) % 887_503_681; // 31^6
    let mut body = String::from("MA");
    let mut digits = [0u8; 6];
    for d in digits.iter_mut().rev() {
        *d = CHARS[(x % 31) as usize];
        x /= 31;
    }
    body.push_str(std::str::from_utf8(&digits).unwrap_or("000000"));
    // GB 11714 check character of the 8-character organisation code.
    let c9 = org_check_char(&body).unwrap_or('0');
    let first17 = format!("91{district6}{body}{c9}");
    let check = credit_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

pub fn village_code(v: u32) -> String {
    const DISTRICTS: [&str; 6] = ["370112", "370114", "370113", "370115", "370124", "370126"];
    let d = DISTRICTS[(v as usize / 1000) % DISTRICTS.len()];
    let w = v % 1000;
    format!("{d}{:03}{:03}", w / 40 + 1, w % 40 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::id_number::{birth_date, credit_code_valid, id_problem, sex};

    #[test]
    fn ids_are_valid_consistent_and_never_shared_between_villages() {
        let birth = ymd(1970, 5, 5);
        let mut seen = HashSet::new();
        for v in (0..MAX_VILLAGES as u32).step_by(7) {
            let mut a = IdAlloc::villager(v);
            for male in [true, false, true, false, true] {
                let (id, b) = a.alloc(birth, male);
                assert!(id_problem(&id).is_none(), "{id}");
                assert_eq!(birth_date(&id), Some(b));
                assert_eq!(sex(&id), Some(if male { 1 } else { 2 }));
                assert!(
                    seen.insert(id.clone()),
                    "{id} allocated twice (village {v})"
                );
            }
        }
    }

    #[test]
    fn credit_codes_phones_and_accounts_are_valid_and_unique() {
        let mut codes = HashSet::new();
        let mut phones = HashSet::new();
        let mut accounts = HashSet::new();
        for v in [0u32, 1, 17, 999, 1999] {
            for k in 0..40 {
                let c = credit_code(&village_code(v)[..6], v, k);
                assert!(credit_code_valid(&c), "{c}");
                assert!(codes.insert(c));
                let p = phone_for(v, k);
                assert_eq!(p.len(), 11);
                assert!(phones.insert(p));
                let a = account_for(v, k);
                assert_eq!(a.len(), 19);
                assert!(accounts.insert(a));
            }
        }
    }

    #[test]
    fn village_codes_are_twelve_digits_and_distinct() {
        let codes: HashSet<String> = (0..3000).map(village_code).collect();
        assert_eq!(codes.len(), 3000);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
