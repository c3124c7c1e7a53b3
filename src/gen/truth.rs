//! The baseline of one village: families and households, cadres and the
//! relatives they declare, companies, and a year of clean records (rolls,
//! hires, contracts, decisions, publicity, the ledger). The baseline holds
//! no case of any category by construction; `plant` adds them.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::model::*;
use super::names;
use crate::dataset::id_number::{credit_check_char, make_id};

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
    let w = [3u32, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(w)
        .map(|(c, w)| {
            let v = if c.is_ascii_digit() {
                c as u32 - '0' as u32
            } else {
                c as u32 - 'A' as u32 + 10
            };
            v * w
        })
        .sum();
    let c9 = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
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

/// Everything a village generator carries while it works.
pub struct Builder {
    pub v: Village,
    pub rng: ChaCha8Rng,
    pub ids: IdAlloc,
    pub outsider_ids: IdAlloc,
    pub next_phone: u32,
    pub next_account: u32,
    pub next_uid: u32,
    pub next_company: u32,
    pub next_contract: u32,
    pub next_decision: u32,
    /// Persons a plant has already used (so that two plants never share one).
    pub used: Vec<bool>,
    /// Close relatives and household members of the village's cadres.
    pub kin: Vec<bool>,
    /// Hires, vendors: kept off the other payee roles.
    pub busy: Vec<bool>,
    pub hamlets: Vec<String>,
}

pub fn rand_date(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    add_days(from, rng.random_range(0..=span))
}

impl Builder {
    pub fn new(index: u32, rng: ChaCha8Rng) -> Builder {
        let v = Village {
            index,
            code: village_code(index),
            ..Default::default()
        };
        Builder {
            v,
            rng,
            ids: IdAlloc::villager(index),
            outsider_ids: IdAlloc::outsider(index),
            next_phone: 0,
            next_account: 0,
            next_uid: 0,
            next_company: 0,
            next_contract: 0,
            next_decision: 0,
            used: vec![],
            kin: vec![],
            busy: vec![],
            hamlets: vec![],
        }
    }

    pub fn vnum(&self) -> u32 {
        self.v.index + 1
    }

    pub fn phone(&mut self) -> String {
        self.next_phone += 1;
        phone_for(self.v.index, self.next_phone)
    }
    pub fn account(&mut self) -> String {
        self.next_account += 1;
        account_for(self.v.index, self.next_account)
    }

    pub fn add_person(&mut self, name: String, male: bool, birth: NaiveDate) -> u32 {
        let (id, birth) = self.ids.alloc(birth, male);
        let age = age_on(birth, ymd(YEAR, 1, 1));
        let phone = if age >= 18 && (age < 80 || self.rng.random_bool(0.3)) {
            self.phone()
        } else {
            String::new()
        };
        let account = if age >= 16 && (age < 80 || self.rng.random_bool(0.5)) {
            self.account()
        } else {
            String::new()
        };
        let legacy15 = birth.year() < 1958 && birth.year() >= 1900 && self.rng.random_bool(0.25);
        self.v.persons.push(Person {
            id,
            name,
            male,
            birth,
            household: None,
            father: None,
            mother: None,
            spouse: None,
            phone,
            account,
            death: None,
            legacy15,
        });
        self.used.push(false);
        self.kin.push(false);
        self.busy.push(false);
        (self.v.persons.len() - 1) as u32
    }

    fn random_birth(&mut self, year_from: i32, year_to: i32) -> NaiveDate {
        rand_date(&mut self.rng, ymd(year_from, 1, 1), ymd(year_to, 12, 28))
    }

    fn new_name(&mut self, surname: &str, male: bool) -> String {
        format!("{surname}{}", names::given_name(&mut self.rng, male))
    }

    fn add_household(&mut self, address: String) -> u32 {
        let n = self.v.households.len() as u32;
        let hid = format!("{}{:04}", self.v.code, n + 1);
        let mu = if self.rng.random_bool(0.9) {
            (self.rng.random_range(15..95) as f64) / 10.0
        } else {
            0.0
        };
        self.v.households.push(Household {
            hid,
            address,
            members: vec![],
            mu,
        });
        n
    }

    fn join(&mut self, h: u32, p: u32, rel: &'static str) {
        self.v.households[h as usize].members.push((p, rel));
        self.v.persons[p as usize].household = Some(h);
    }

    fn address(&mut self, n: usize) -> String {
        let hamlet = self.hamlets[n % self.hamlets.len()].clone();
        format!("{}{}{}号", self.v.name, hamlet, n + 1)
    }

    /// A married couple's children, born 22–36 years after the mother.
    fn children(&mut self, father: u32, mother: Option<u32>, surname: &str, n: usize) -> Vec<u32> {
        let base = match mother {
            Some(m) => self.v.persons[m as usize].birth,
            None => add_days(self.v.persons[father as usize].birth, 365 * 2),
        };
        let mut out = vec![];
        let mut y = base.year() + self.rng.random_range(22..27);
        for _ in 0..n {
            if y > YEAR - 1 {
                break;
            }
            let male = self.rng.random_bool(0.52);
            let name = self.new_name(surname, male);
            let b = self.random_birth(y, y);
            let c = self.add_person(name, male, b);
            self.v.persons[c as usize].father = Some(father);
            self.v.persons[c as usize].mother = mother;
            out.push(c);
            y += self.rng.random_range(2..6);
        }
        out
    }

    fn marry(&mut self, husband: u32) -> u32 {
        let hb = self.v.persons[husband as usize].birth.year();
        let surname = names::pick_surname(&mut self.rng);
        let name = self.new_name(surname, false);
        let b = self.random_birth(hb - 1, hb + 4);
        let w = self.add_person(name, false, b);
        self.v.persons[w as usize].spouse = Some(husband);
        self.v.persons[husband as usize].spouse = Some(w);
        w
    }

    /// One family: a couple of the older generation (if alive), their sons'
    /// households, their grandchildren. Sons of one family live in separate
    /// households at separate addresses; old parents either live with the
    /// eldest son or in their own household at his address (分户).
    fn family(&mut self) {
        let surname: &str = match self.v.clan {
            Some(c) if self.rng.random_bool(0.7) => c,
            _ => names::pick_surname(&mut self.rng),
        };
        let surname = surname.to_string();
        let father_year = self.rng.random_range(1925..1972);
        let fname = self.new_name(&surname, true);
        let fb = self.random_birth(father_year, father_year);
        let father = self.add_person(fname, true, fb);
        let mother = self.marry(father);
        let n_children = self.rng.random_range(1..5);
        let kids = self.children(father, Some(mother), &surname, n_children);
        let age_f = YEAR - father_year;
        let p_alive = if age_f < 70 {
            0.95
        } else if age_f < 80 {
            0.75
        } else if age_f < 90 {
            0.5
        } else {
            0.15
        };
        let father_alive = self.rng.random_bool(p_alive);
        let mother_alive = self.rng.random_bool((p_alive + 0.1).min(0.97));
        // Sons aged 26+ head their own households; daughters married out.
        let mut heads = vec![];
        let mut stay_home = vec![];
        for &k in &kids {
            let p = &self.v.persons[k as usize];
            let age = YEAR - p.birth.year();
            if p.male && age >= 26 {
                heads.push(k);
            } else if age < 26 || self.rng.random_bool(0.1) {
                stay_home.push(k);
            }
            // otherwise: a daughter who married out of the village.
        }
        // The eldest son's household.
        let mut first_addr: Option<String> = None;
        let mut eldest_h: Option<u32> = None;
        for (i, &s) in heads.iter().enumerate() {
            let n = self.v.households.len();
            let addr = self.address(n);
            let h = self.add_household(addr.clone());
            self.join(h, s, "户主");
            let sb = self.v.persons[s as usize].birth.year();
            if YEAR - sb >= 24 && self.rng.random_bool(0.93) {
                let w = self.marry(s);
                self.join(h, w, "配偶");
                let nk = self.rng.random_range(0..4);
                let gk = self.children(s, Some(w), &surname, nk);
                for g in gk {
                    let (male, gb) = {
                        let p = &self.v.persons[g as usize];
                        (p.male, p.birth.year())
                    };
                    self.join(h, g, if male { "子" } else { "女" });
                    // A married grandson still living at home.
                    if male && YEAR - gb >= 25 && self.rng.random_bool(0.4) {
                        let dil = self.marry(g);
                        self.join(h, dil, "儿媳");
                        let ggs = self.children(g, Some(dil), &surname, 1);
                        for gg in ggs {
                            let m = self.v.persons[gg as usize].male;
                            self.join(h, gg, if m { "孙子" } else { "孙女" });
                        }
                    }
                }
            }
            if i == 0 {
                first_addr = Some(addr);
                eldest_h = Some(h);
            }
        }
        let alive: Vec<u32> = [(father, father_alive), (mother, mother_alive)]
            .into_iter()
            .filter(|x| x.1)
            .map(|x| x.0)
            .collect();
        if alive.is_empty() && stay_home.is_empty() {
            return;
        }
        let with_son = eldest_h.is_some() && stay_home.is_empty() && self.rng.random_bool(0.45);
        if with_son {
            let h = eldest_h.unwrap_or(0);
            for &p in &alive {
                let rel = if self.v.persons[p as usize].male {
                    "父亲"
                } else {
                    "母亲"
                };
                self.join(h, p, rel);
            }
        } else {
            let addr = match &first_addr {
                Some(a) => a.clone(),
                None => {
                    let n = self.v.households.len();
                    self.address(n)
                }
            };
            let h = self.add_household(addr);
            let mut members: Vec<u32> = alive.clone();
            members.extend(stay_home.iter().copied());
            // Head: the father if alive, else the mother, else the eldest child at home.
            for (i, &p) in members.iter().enumerate() {
                let rel = if i == 0 {
                    "户主"
                } else if alive.contains(&p) {
                    "配偶"
                } else if self.v.persons[p as usize].male {
                    "子"
                } else {
                    "女"
                };
                let rel = if i > 0 && !alive.contains(&members[0]) && !alive.contains(&p) {
                    if self.v.persons[p as usize].male {
                        "兄弟"
                    } else {
                        "姐妹"
                    }
                } else {
                    rel
                };
                self.join(h, p, rel);
            }
        }
        // Parents who died before the register was exported are not listed.
        for (p, a) in [(father, father_alive), (mother, mother_alive)] {
            if !a {
                self.v.persons[p as usize].death = None;
            }
        }
    }
}

/// Build the baseline of village `v`.
pub fn baseline(index: u32, rng: ChaCha8Rng) -> Builder {
    let mut b = Builder::new(index, rng);
    b.v.clan = if b.rng.random_bool(0.4) {
        Some(["王", "张", "李", "刘", "孙"][b.rng.random_range(0..5)])
    } else {
        None
    };
    b.v.name = names::village_name(&mut b.rng, b.v.clan);
    b.hamlets = ["一组", "二组", "三组", "四组", "五组"]
        .iter()
        .take(b.rng.random_range(3..6))
        .map(|s| s.to_string())
        .collect();
    let target = b.rng.random_range(270..330);
    while b.v.households.len() < target {
        b.family();
    }
    cadres(&mut b);
    compute_kin(&mut b);
    common_names(&mut b);
    fix_name_conflicts(&mut b);
    deaths(&mut b);
    companies(&mut b);
    subsidies(&mut b);
    hires(&mut b);
    contracts(&mut b);
    other_ledger(&mut b);
    b
}

const ROLES: [&str; 7] = [
    "书记",
    "主任",
    "委员",
    "委员",
    "监委会主任",
    "报账员",
    "小组长",
];

fn in_register(b: &Builder, p: u32) -> bool {
    b.v.persons[p as usize].household.is_some()
}

fn cadres(b: &mut Builder) {
    // Heads (and wives for 委员) of working age, one per household.
    let mut cands: Vec<u32> = vec![];
    for h in &b.v.households {
        if let Some(&(head, _)) = h.members.first() {
            let age = YEAR - b.v.persons[head as usize].birth.year();
            if (32..=60).contains(&age) && b.v.persons[head as usize].male {
                cands.push(head);
            }
        }
    }
    let mut chosen: Vec<u32> = vec![];
    let mut households_used = HashSet::new();
    for (i, role) in ROLES.iter().enumerate() {
        for _ in 0..200 {
            let Some(&p) = cands.choose(&mut b.rng) else {
                break;
            };
            let h = b.v.persons[p as usize].household;
            if households_used.contains(&h) {
                continue;
            }
            // One 委员 is often a woman (妇女主任): the head's wife.
            let p = if i == 3 {
                b.v.persons[p as usize].spouse.unwrap_or(p)
            } else {
                p
            };
            if b.v.persons[p as usize].household != h {
                continue;
            }
            households_used.insert(h);
            chosen.push(p);
            let start = if b.rng.random_bool(0.8) {
                ymd(2021, 1, b.rng.random_range(5..25))
            } else {
                ymd(2024, b.rng.random_range(3..10), b.rng.random_range(1..28))
            };
            b.v.cadres.push(Cadre {
                person: p,
                role,
                term_start: start,
            });
            break;
        }
    }
    // Every cadre has a phone and an account.
    for c in chosen {
        if b.v.persons[c as usize].phone.is_empty() {
            b.v.persons[c as usize].phone = b.phone();
        }
        if b.v.persons[c as usize].account.is_empty() {
            b.v.persons[c as usize].account = b.account();
        }
    }
    // Declarations.
    let n_cadres = b.v.cadres.len();
    for ci in 0..n_cadres {
        let c = b.v.cadres[ci].person;
        for (r, rel) in close_relatives(&b.v, c) {
            if !in_register(b, r) {
                continue;
            }
            let p_decl = match rel {
                "配偶" => 0.95,
                "儿子" | "女儿" => 0.75,
                "父亲" | "母亲" => 0.65,
                "兄弟" | "姐妹" => 0.45,
                "儿媳" | "女婿" => 0.4,
                _ => 0.3,
            };
            if !b.rng.random_bool(p_decl) {
                continue;
            }
            let with_id = b.rng.random_bool(0.6);
            let with_phone = !b.v.persons[r as usize].phone.is_empty() && b.rng.random_bool(0.3);
            let with_account =
                !b.v.persons[r as usize].account.is_empty() && b.rng.random_bool(0.2);
            b.v.declared.push(Declared {
                cadre: ci as u32,
                person: r,
                relation: rel,
                with_id,
                with_phone,
                with_account,
            });
        }
    }
}

/// Close relatives of a person (民法典第1045条, plus children's spouses)
/// with the relation as the person would declare it.
pub fn close_relatives(v: &Village, c: u32) -> Vec<(u32, &'static str)> {
    let ps = &v.persons;
    let me = &ps[c as usize];
    let mut out: Vec<(u32, &'static str)> = vec![];
    if let Some(s) = me.spouse {
        out.push((s, "配偶"));
    }
    if let Some(f) = me.father {
        out.push((f, "父亲"));
    }
    if let Some(m) = me.mother {
        out.push((m, "母亲"));
    }
    for (i, p) in ps.iter().enumerate() {
        let i = i as u32;
        if i == c {
            continue;
        }
        let is_child = p.father == Some(c) || p.mother == Some(c);
        if is_child {
            out.push((i, if p.male { "儿子" } else { "女儿" }));
            if let Some(s) = p.spouse {
                out.push((s, if p.male { "儿媳" } else { "女婿" }));
            }
            continue;
        }
        let sibling = (me.father.is_some() && p.father == me.father)
            || (me.mother.is_some() && p.mother == me.mother);
        if sibling {
            out.push((i, if p.male { "兄弟" } else { "姐妹" }));
            continue;
        }
        let parent_of_parent = [me.father, me.mother]
            .into_iter()
            .flatten()
            .any(|par| ps[par as usize].father == Some(i) || ps[par as usize].mother == Some(i));
        if parent_of_parent {
            out.push((i, if p.male { "祖父" } else { "祖母" }));
            continue;
        }
        let grandchild = [p.father, p.mother]
            .into_iter()
            .flatten()
            .any(|par| ps[par as usize].father == Some(c) || ps[par as usize].mother == Some(c));
        if grandchild {
            out.push((i, if p.male { "孙子" } else { "孙女" }));
        }
    }
    out
}

/// Kin of the village's cadres: the cadres, their close relatives, their
/// household members and whoever they declared.
pub fn compute_kin(b: &mut Builder) {
    let mut kin = vec![false; b.v.persons.len()];
    for c in &b.v.cadres {
        kin[c.person as usize] = true;
        for (r, _) in close_relatives(&b.v, c.person) {
            kin[r as usize] = true;
        }
        if let Some(h) = b.v.persons[c.person as usize].household {
            for (m, _) in &b.v.households[h as usize].members {
                kin[*m as usize] = true;
            }
        }
    }
    for d in &b.v.declared {
        kin[d.person as usize] = true;
    }
    b.kin = kin;
}

/// A few villagers carry the common full names (张伟, 王芳 …) so that
/// they recur across villages; one declared relative per few villages too.
fn common_names(b: &mut Builder) {
    let n = names::COMMON_FULL_NAMES.len();
    for j in 0..2usize {
        let (name, male) = names::COMMON_FULL_NAMES[(b.v.index as usize * 2 + j) % n];
        let surname = surname_of(name);
        // A non-kin household head of that surname and sex, aged 30–75.
        let cands: Vec<u32> =
            b.v.households
                .iter()
                .filter_map(|h| h.members.first().map(|m| m.0))
                .filter(|&p| {
                    let q = &b.v.persons[p as usize];
                    !b.kin[p as usize]
                        && q.male == male
                        && q.surname() == surname
                        && (30..=75).contains(&(YEAR - q.birth.year()))
                })
                .collect();
        if let Some(&p) = cands.choose(&mut b.rng) {
            b.v.persons[p as usize].name = name.to_string();
        }
    }
    // A declared relative without id number given a common name (other
    // villages' recipients of that name are hard negatives).
    let (name, male) = names::COMMON_FULL_NAMES[(b.v.index as usize * 2 + 3) % n];
    let surname = surname_of(name);
    let idx: Vec<usize> = (0..b.v.declared.len())
        .filter(|&i| {
            let d = &b.v.declared[i];
            let q = &b.v.persons[d.person as usize];
            !d.with_id && q.male == male && q.surname() == surname
        })
        .collect();
    if let Some(&i) = idx.choose(&mut b.rng) {
        let p = b.v.declared[i].person;
        b.v.persons[p as usize].name = name.to_string();
    }
}

/// No villager outside the cadres' kin may share a declared relative's
/// name or its pinyin (a homophone): such a match is only ever planted.
pub fn fix_name_conflicts(b: &mut Builder) {
    let declared: HashSet<u32> = b.v.declared.iter().map(|d| d.person).collect();
    let mut names_taken: HashSet<String> = HashSet::new();
    let mut py_taken: HashSet<String> = HashSet::new();
    for &p in &declared {
        let n = &b.v.persons[p as usize].name;
        names_taken.insert(n.clone());
        py_taken.insert(names::pinyin_key(n));
    }
    for i in 0..b.v.persons.len() {
        if b.kin[i] {
            continue;
        }
        let mut tries = 0;
        while {
            let n = &b.v.persons[i].name;
            names_taken.contains(n) || py_taken.contains(&names::pinyin_key(n))
        } && tries < 50
        {
            let s = b.v.persons[i].surname().to_string();
            let male = b.v.persons[i].male;
            b.v.persons[i].name = b.new_name(&s, male);
            tries += 1;
        }
    }
}

/// Deaths: a few of the old die during the year (their rolls stop after the
/// month of death), and the register lists some who died the year before.
fn deaths(b: &mut Builder) {
    let old: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            q.household.is_some() && YEAR - q.birth.year() >= 72
        })
        .collect();
    let n = (old.len() / 25).max(1);
    for _ in 0..n {
        if let Some(&p) = old.choose(&mut b.rng) {
            if b.kin[p as usize] {
                continue;
            }
            let d = rand_date(&mut b.rng, ymd(YEAR, 1, 5), ymd(YEAR, 11, 20));
            b.v.persons[p as usize].death = Some(d);
        }
    }
    // Died in 2024: listed in the death register, gone from the rolls.
    for _ in 0..b.rng.random_range(1..4) {
        let male = b.rng.random_bool(0.5);
        let s = names::pick_surname(&mut b.rng).to_string();
        let name = b.new_name(&s, male);
        let birth = b.random_birth(1928, 1950);
        let p = b.add_person(name, male, birth);
        let d = rand_date(&mut b.rng, ymd(YEAR - 1, 1, 1), ymd(YEAR - 1, 12, 31));
        b.v.persons[p as usize].death = Some(d);
        b.v.persons[p as usize].phone.clear();
        b.v.persons[p as usize].account.clear();
    }
}

pub fn alive_through(p: &Person, d: NaiveDate) -> bool {
    p.death.is_none_or(|x| x > d)
}

fn is_alive_all_year(p: &Person) -> bool {
    p.death.is_none()
}

/// Companies that work for the village, each with its own legal
/// representative from outside the village.
fn companies(b: &mut Builder) {
    let n = b.rng.random_range(5..9);
    for _ in 0..n {
        new_company(b, None);
    }
}

pub fn new_company(b: &mut Builder, rep: Option<u32>) -> u32 {
    let k = b.next_company;
    b.next_company += 1;
    let mut name;
    loop {
        let a = names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("鑫");
        let c = names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("达");
        let ind = names::INDUSTRIES
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("建筑工程有限公司");
        name = format!("济南{a}{c}{ind}");
        if a != c && !b.v.companies.iter().any(|x| x.name == name) {
            break;
        }
    }
    let credit = credit_code(&b.v.code[..6], b.v.index, k);
    let (rep_name, rep_id, rep_person) = match rep {
        Some(p) => {
            let q = &b.v.persons[p as usize];
            (q.name.clone(), q.id.clone(), Some(b.v.pref(p)))
        }
        None => {
            let male = b.rng.random_bool(0.8);
            let s = names::pick_surname(&mut b.rng).to_string();
            let nm = b.new_name(&s, male);
            let birth = b.random_birth(1960, 1990);
            let (id, _) = b.outsider_ids.alloc(birth, male);
            (nm, id, None)
        }
    };
    let account = b.account();
    b.v.companies.push(Company {
        name,
        credit,
        rep_name,
        rep_id,
        rep_person,
        account,
    });
    (b.v.companies.len() - 1) as u32
}

pub fn new_batch(b: &mut Builder, program: Program, month: u32) -> u32 {
    let (approved, paid) = batch_dates(b, program, month);
    let n =
        b.v.batches
            .iter()
            .filter(|x| x.program == program && x.month == month)
            .count();
    let no = if n == 0 {
        format!("{}-{}{:02}-{:04}", program.code(), YEAR, month, b.vnum())
    } else {
        format!(
            "{}-{}{:02}-{:04}-{}",
            program.code(),
            YEAR,
            month,
            b.vnum(),
            n + 1
        )
    };
    b.v.batches.push(Batch {
        no,
        program,
        month,
        approved,
        paid,
    });
    (b.v.batches.len() - 1) as u32
}

pub fn find_batch(b: &Builder, program: Program, month: u32) -> Option<u32> {
    b.v.batches
        .iter()
        .position(|x| x.program == program && x.month == month)
        .map(|i| i as u32)
}

/// A publicity window that satisfies the requirement with a margin.
pub fn publicity_ok(b: &mut Builder, ref_no: &str, kind: &str, days: i64, event: NaiveDate) {
    let end = add_days(event, -b.rng.random_range(1..6));
    let start = add_days(end, -(days - 1 + b.rng.random_range(0..4)));
    let channel = ["村务公开栏", "村务公开栏", "微信群", "村务公开栏、微信群"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("村务公开栏");
    b.v.publicity.push(Publicity {
        ref_no: ref_no.to_string(),
        kind: kind.to_string(),
        start,
        end,
        channel,
    });
}

/// The approval and payment dates of one month's batch.
pub fn batch_dates(
    b: &mut Builder,
    program: Program,
    month: u32,
) -> (Option<NaiveDate>, NaiveDate) {
    match program {
        Program::Dibao | Program::Tekun => {
            let a = ymd(YEAR, month, b.rng.random_range(10..15));
            let p = add_days(a, b.rng.random_range(3..9));
            (Some(a), p)
        }
        _ => (None, ymd(YEAR, month, b.rng.random_range(12..22))),
    }
}

pub struct RowSpec {
    pub amount: i64,
    pub quantity: Option<f64>,
    pub account: Option<String>,
}

/// Add one roll row for a person, creating the month's batch (and its
/// publicity) when needed.
pub fn roll_row(
    b: &mut Builder,
    program: Program,
    month: u32,
    person: PRef,
    spec: RowSpec,
) -> usize {
    let bi = match find_batch(b, program, month) {
        Some(i) => i,
        None => {
            let i = new_batch(b, program, month);
            let (approved, paid) = (
                b.v.batches[i as usize].approved,
                b.v.batches[i as usize].paid,
            );
            let no = b.v.batches[i as usize].no.clone();
            match program.publicity() {
                Some((days, PubEvent::ApprovalElsePayment)) => {
                    publicity_ok(b, &no, program.name(), days, approved.unwrap_or(paid))
                }
                Some((days, PubEvent::Payment)) => publicity_ok(b, &no, program.name(), days, paid),
                Some((days, PubEvent::None)) => {
                    // 急难型: relief first, publicity afterwards.
                    let start = add_days(paid, b.rng.random_range(1..6));
                    let end = add_days(start, days - 1 + b.rng.random_range(0..3));
                    b.v.publicity.push(Publicity {
                        ref_no: no.clone(),
                        kind: program.name().to_string(),
                        start,
                        end,
                        channel: "村务公开栏",
                    });
                    b.v.negatives.push(PlantedNegative {
                        kind: "urgent_relief_after_payment",
                        village: b.v.index,
                        subject: Subject::Text(no.clone()),
                        note: format!("急难型临时救助事后公示（{start}起），允许"),
                    });
                }
                None => {
                    // No rule requires it; villages publish anyway.
                    publicity_ok(b, &no, program.name(), 5, paid)
                }
            }
            i
        }
    };
    let (approved, paid) = (
        b.v.batches[bi as usize].approved,
        b.v.batches[bi as usize].paid,
    );
    let (name, id, hid, account, phone) = if person.v != b.v.index {
        // Someone from another village: the caller fills the row in.
        Default::default()
    } else {
        let q = &b.v.persons[person.p as usize];
        let hid = q
            .household
            .map(|h| b.v.households[h as usize].hid.clone())
            .unwrap_or_default();
        // The old are often paid into the household head's account.
        let mut acct = q.account.clone();
        let mut phone = q.phone.clone();
        if let Some(h) = q.household {
            let head = b.v.households[h as usize].members[0].0;
            let hq = &b.v.persons[head as usize];
            if acct.is_empty() {
                acct = hq.account.clone();
            }
            if phone.is_empty() {
                phone = hq.phone.clone();
            }
        }
        (q.name.clone(), q.written_id(), hid, acct, phone)
    };
    let account = spec.account.unwrap_or(account);
    b.v.subsidies.push(SubsidyRow {
        batch: bi,
        person,
        name,
        id,
        household_id: hid,
        account,
        phone,
        amount: spec.amount,
        quantity: spec.quantity,
        approved,
        paid,
    });
    b.v.subsidies.len() - 1
}

/// Can this villager be a baseline recipient (not kin, in the register)?
pub fn eligible(b: &Builder, p: u32) -> bool {
    !b.kin[p as usize] && b.v.persons[p as usize].household.is_some()
}

fn zunlao_amount(age: i32) -> i64 {
    if age >= 100 {
        50_000
    } else if age >= 90 {
        20_000
    } else {
        10_000
    }
}

fn subsidies(b: &mut Builder) {
    let vr = |b: &Builder, p: u32| b.v.pref(p);
    // 城乡低保: a few percent of households, paid to the head.
    let hh: Vec<u32> = (0..b.v.households.len() as u32)
        .filter(|&h| {
            b.v.households[h as usize]
                .members
                .iter()
                .all(|(m, _)| !b.kin[*m as usize])
        })
        .collect();
    let n_db = (b.v.households.len() * 3 / 100).max(2);
    let mut dibao_heads = vec![];
    let mut tekun = vec![];
    for _ in 0..n_db {
        if let Some(&h) = hh.choose(&mut b.rng) {
            let head = b.v.households[h as usize].members[0].0;
            if dibao_heads.contains(&head) || !is_alive_all_year(&b.v.persons[head as usize]) {
                continue;
            }
            dibao_heads.push(head);
        }
    }
    for &head in &dibao_heads {
        let h = b.v.persons[head as usize].household.unwrap_or(0);
        let n = b.v.households[h as usize].members.len() as i64;
        let per = b.rng.random_range(30..70) * 1_000;
        for m in 1..=12 {
            roll_row(
                b,
                Program::Dibao,
                m,
                vr(b, head),
                RowSpec {
                    amount: per * n,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
    // 特困供养: old people living alone.
    let alone: Vec<u32> = (0..b.v.households.len())
        .filter(|&h| b.v.households[h].members.len() == 1)
        .map(|h| b.v.households[h].members[0].0)
        .filter(|&p| {
            eligible(b, p)
                && YEAR - b.v.persons[p as usize].birth.year() >= 60
                && !dibao_heads.contains(&p)
        })
        .collect();
    let n_tk = b.rng.random_range(2..5).min(alone.len());
    for &p in alone.iter().take(n_tk) {
        tekun.push(p);
        let death = b.v.persons[p as usize].death;
        for m in 1..=12 {
            if death.is_some_and(|d| d.month() < m) {
                break;
            }
            roll_row(
                b,
                Program::Tekun,
                m,
                vr(b, p),
                RowSpec {
                    amount: 115_000,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
    // 残疾人两项补贴 (生活补贴): about one person in a hundred.
    let n_cj = (b.v.persons.len() / 100).max(3);
    let mut canji = vec![];
    for _ in 0..n_cj * 3 {
        if canji.len() >= n_cj {
            break;
        }
        let p = b.rng.random_range(0..b.v.persons.len() as u32);
        if !eligible(b, p)
            || tekun.contains(&p)
            || canji.contains(&p)
            || b.v.persons[p as usize].death.is_some()
        {
            continue;
        }
        canji.push(p);
        for m in 1..=12 {
            roll_row(
                b,
                Program::Canji,
                m,
                vr(b, p),
                RowSpec {
                    amount: 12_000,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
    // 临时救助, and the urgent kind (急难型) paid before publicity.
    for _ in 0..b.rng.random_range(3..7) {
        let Some(&h) = hh.choose(&mut b.rng) else {
            break;
        };
        let head = b.v.households[h as usize].members[0].0;
        if !is_alive_all_year(&b.v.persons[head as usize]) {
            continue;
        }
        let urgent = b.rng.random_bool(0.25);
        let program = if urgent {
            Program::LinshiUrgent
        } else {
            Program::Linshi
        };
        let m = b.rng.random_range(1..12);
        if b.v
            .subsidies
            .iter()
            .any(|r| r.person.p == head && b.v.batches[r.batch as usize].month == m)
        {
            continue;
        }
        let amount = b.rng.random_range(10..60) * 10_000;
        roll_row(
            b,
            program,
            m,
            vr(b, head),
            RowSpec {
                amount,
                quantity: None,
                account: None,
            },
        );
    }
    // 耕地地力保护补贴: most households, by 亩, paid once in May.
    for h in hh.clone() {
        let mu = b.v.households[h as usize].mu;
        if mu <= 0.0 || !b.rng.random_bool(0.92) {
            continue;
        }
        let head = b.v.households[h as usize].members[0].0;
        if b.v.persons[head as usize]
            .death
            .is_some_and(|d| d.month() < 5)
        {
            continue;
        }
        let amount = (mu * 11_850.0).round() as i64;
        roll_row(
            b,
            Program::Gengdi,
            5,
            vr(b, head),
            RowSpec {
                amount,
                quantity: Some(mu),
                account: None,
            },
        );
    }
    // 尊老金: everyone 80 or older at the start of the month (a birthday
    // month is paid from the next month on), until the month of death.
    let old: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| eligible(b, p) && YEAR - b.v.persons[p as usize].birth.year() >= 80)
        .collect();
    for p in old {
        let q = b.v.persons[p as usize].clone();
        // A couple both on the roll are paid into one account (the husband's
        // or the head's): a household sharing an account, which is normal.
        let mut shared_with: Option<String> = None;
        if let Some(s) = q.spouse {
            let sq = &b.v.persons[s as usize];
            if sq.household == q.household
                && YEAR - sq.birth.year() >= 81
                && YEAR - q.birth.year() >= 81
                && eligible(b, s)
            {
                let acct = if q.male { &q.account } else { &sq.account };
                if !acct.is_empty() {
                    shared_with = Some(acct.clone());
                }
            }
        }
        let mut paid_any = false;
        for m in 1..=12 {
            let start = ymd(YEAR, m, 1);
            let age = age_on(q.birth, start);
            if age < 80 {
                continue;
            }
            if q.death.is_some_and(|d| d.month() < m) {
                break;
            }
            roll_row(
                b,
                Program::Zunlao,
                m,
                vr(b, p),
                RowSpec {
                    amount: zunlao_amount(age),
                    quantity: None,
                    account: shared_with.clone(),
                },
            );
            paid_any = true;
        }
        let shared_listed =
            b.v.negatives
                .iter()
                .filter(|n| n.kind == "household_shared_account")
                .count();
        if paid_any && shared_with.is_some() && shared_listed < 4 {
            b.v.negatives.push(PlantedNegative {
                kind: "household_shared_account",
                village: b.v.index,
                subject: Subject::Text(q.id.clone()),
                note: "同户老年夫妻尊老金发放至同一账户，属正常".into(),
            });
        }
        if let Some(d) = q.death
            && d.year() == YEAR
        {
            b.v.negatives.push(PlantedNegative {
                kind: "paid_in_month_of_death",
                village: b.v.index,
                subject: Subject::Text(q.id.clone()),
                note: format!("{}死亡，当月尊老金照发属正常", d),
            });
        }
    }
    // Tekun deaths are also month-of-death payments.
    for &p in &tekun {
        if let Some(d) = b.v.persons[p as usize].death {
            let id = b.v.persons[p as usize].id.clone();
            b.v.negatives.push(PlantedNegative {
                kind: "paid_in_month_of_death",
                village: b.v.index,
                subject: Subject::Text(id),
                note: format!("{}死亡，当月特困供养金照发属正常", d),
            });
        }
    }
    // 农机购置补贴: one or two machines.
    let hh2 = hh.clone();
    let mut bought = HashSet::new();
    for _ in 0..b.rng.random_range(1..3) {
        if let Some(&h) = hh2.choose(&mut b.rng) {
            if !bought.insert(h) {
                continue;
            }
            let head = b.v.households[h as usize].members[0].0;
            if b.v.persons[head as usize].death.is_some()
                || YEAR - b.v.persons[head as usize].birth.year() > 70
            {
                continue;
            }
            let amount = b.rng.random_range(30..250) * 10_000;
            roll_row(
                b,
                Program::Nongji,
                9,
                vr(b, head),
                RowSpec {
                    amount,
                    quantity: Some(1.0),
                    account: None,
                },
            );
        }
    }
}

pub const POSTS: [(&str, i64); 4] = [
    ("保洁员", 180_000),
    ("清运员", 220_000),
    ("网格员", 250_000),
    ("杂工", 150_000),
];

fn hire_candidate(b: &mut Builder) -> Option<u32> {
    for _ in 0..500 {
        let p = b.rng.random_range(0..b.v.persons.len() as u32);
        let q = &b.v.persons[p as usize];
        let age = YEAR - q.birth.year();
        if eligible(b, p)
            && (30..=63).contains(&age)
            && q.death.is_none()
            && !b.busy[p as usize]
            && !q.account.is_empty()
            && !b
                .v
                .subsidies
                .iter()
                .any(|r| r.person.p == p && r.person.v == b.v.index)
        {
            return Some(p);
        }
    }
    None
}

pub fn add_hire(
    b: &mut Builder,
    p: PRef,
    post: (&'static str, i64),
    batch_no: &str,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> usize {
    let q = b.v.persons[p.p as usize].clone();
    let method = ["公开招聘", "村委会聘用", "公益性岗位安置"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("公开招聘");
    b.v.hires.push(Hire {
        batch_no: batch_no.to_string(),
        post: post.0,
        person: p,
        name: q.name.clone(),
        id: q.written_id(),
        account: q.account.clone(),
        phone: q.phone.clone(),
        start,
        end,
        wage: post.1,
        method,
    });
    b.busy[p.p as usize] = true;
    b.v.hires.len() - 1
}

/// The wage line of one month, paid on the 25th (within the month it is for).
pub fn wage_line(b: &mut Builder, hire: usize, month: u32) {
    let h = b.v.hires[hire].clone();
    let date = ymd(YEAR, month, b.rng.random_range(24..29));
    let with_id = b.rng.random_bool(0.85);
    let uid = b.next_uid;
    b.next_uid += 1;
    b.v.ledger.push(LedgerLine {
        uid,
        voucher: String::new(),
        date,
        income: false,
        amount: h.wage,
        summary: format!("{YEAR}年{month}月{}工资", h.post),
        category: "公益性岗位工资",
        counterparty: h.name.clone(),
        cp_id: if with_id { h.id.clone() } else { String::new() },
        account: h.account.clone(),
        method: "转账",
        contract_no: String::new(),
        decision_no: String::new(),
        payee: Payee::Person(h.person),
    });
}

/// Months a hire is paid for in the year: those whose pay day (24–28th)
/// falls within the engagement.
pub fn paid_months(h: &Hire) -> Vec<u32> {
    (1..=12u32)
        .filter(|&m| {
            let first_pay = ymd(YEAR, m, 24);
            let last_pay = ymd(YEAR, m, 28);
            h.start <= first_pay && h.end.is_none_or(|e| e >= last_pay)
        })
        .collect()
}

fn hires(b: &mut Builder) {
    let n = b.rng.random_range(8..13);
    // Two hiring rounds: last year's (still employed) and this year's.
    let old_batch = format!(
        "ZP-{}{:02}-{:04}",
        YEAR - 1,
        b.rng.random_range(2..10),
        b.vnum()
    );
    let old_start = ymd(YEAR - 1, b.rng.random_range(3..11), 1);
    publicity_ok(b, &old_batch, "村级用工", 5, old_start);
    let new_month = b.rng.random_range(3..9);
    let new_batch = format!("ZP-{}{:02}-{:04}", YEAR, new_month, b.vnum());
    let new_start = ymd(YEAR, new_month, b.rng.random_range(1..11));
    let mut new_used = false;
    for i in 0..n {
        let Some(p) = hire_candidate(b) else { break };
        let post = match i {
            0..=4 => POSTS[0],
            5 | 6 => POSTS[1],
            7 | 8 => POSTS[2],
            _ => POSTS[3],
        };
        let fresh = b.rng.random_bool(0.3);
        let (batch, start) = if fresh {
            new_used = true;
            (new_batch.clone(), new_start)
        } else {
            (old_batch.clone(), old_start)
        };
        // Some leave during the year, at the end of a month.
        let end = if b.rng.random_bool(0.15) {
            let m = (start.month().max(if start.year() < YEAR {
                1
            } else {
                start.month()
            }) + 2)
                .max(b.rng.random_range(3..12));
            (m <= 11).then(|| month_end(YEAR, m))
        } else {
            None
        };
        let pr = b.v.pref(p);
        let h = add_hire(b, pr, post, &batch, start, end);
        for m in paid_months(&b.v.hires[h].clone()) {
            wage_line(b, h, m);
        }
    }
    if new_used {
        publicity_ok(b, &new_batch, "村级用工", 5, new_start);
    }
}

pub fn new_contract_no(b: &mut Builder) -> String {
    b.next_contract += 1;
    format!("HT-{YEAR}-{:04}-{:02}", b.vnum(), b.next_contract)
}
pub fn new_decision_no(b: &mut Builder) -> String {
    b.next_decision += 1;
    format!("JY-{YEAR}-{:04}-{:02}", b.vnum(), b.next_decision)
}

/// A valid 四议两公开 decision for an item signed or paid on `event`, with
/// its 决议公开 publicity (5+ days, over before the event).
pub fn valid_decision(b: &mut Builder, subject: &str, amount: i64, event: NaiveDate) -> String {
    let no = new_decision_no(b);
    let proposed = add_days(event, -b.rng.random_range(30..61));
    let consulted = add_days(proposed, b.rng.random_range(1..8));
    let reviewed = add_days(consulted, b.rng.random_range(1..8));
    let resolved = add_days(reviewed, b.rng.random_range(1..8));
    let pub_start = add_days(resolved, b.rng.random_range(1..3));
    let latest_end = add_days(event, -1);
    let end = add_days(pub_start, 4 + b.rng.random_range(0..4)).min(latest_end);
    b.v.decisions.push(Decision {
        no: no.clone(),
        subject: subject.to_string(),
        amount: Some(amount),
        proposed,
        consulted,
        reviewed,
        resolved,
        res_published: Some(pub_start),
        result_published: Some(add_days(event, b.rng.random_range(3..11))),
    });
    b.v.publicity.push(Publicity {
        ref_no: no.clone(),
        kind: "决议公开".into(),
        start: pub_start,
        end,
        channel: "村务公开栏",
    });
    no
}

pub const THRESHOLD_DECISION: i64 = 5_000_000;
pub const THRESHOLD_TENDER: i64 = 10_000_000;

/// Vendor key as the contract defines it: credit code, else id number,
/// else the normalised name.
pub fn vendor_key(b: &Village, c: &Contract) -> String {
    match c.vendor {
        Vendor::Company(i) if c.with_credit => b.companies[i as usize].credit.clone(),
        Vendor::Person(p) if c.with_vendor_id => b.persons[p.p as usize].id.clone(),
        _ => crate::dataset::normalize::clean_name(&c.vendor_name),
    }
}

/// Would adding a piece of `amount` on `date` for this vendor make a split
/// (pieces under a threshold summing past it within 90 days)?
pub fn would_split(b: &Village, key: &str, amount: i64, date: NaiveDate) -> bool {
    for t in [THRESHOLD_DECISION, THRESHOLD_TENDER] {
        if amount >= t {
            continue;
        }
        let near: i64 = b
            .contracts
            .iter()
            .filter(|c| {
                c.amount < t && vendor_key(b, c) == key && (c.signed - date).num_days().abs() <= 90
            })
            .map(|c| c.amount)
            .sum();
        if near > 0 {
            return true;
        }
    }
    false
}

/// A contract with its publicity, decision (when ≥ 50,000) and payments.
pub struct ContractSpec {
    pub vendor: Vendor,
    pub amount: i64,
    pub signed: NaiveDate,
    pub project: String,
    pub decision: DecisionSpec,
    pub with_vendor_id: bool,
    pub vendor_name: Option<String>,
}

pub enum DecisionSpec {
    /// A valid decision when the amount needs one.
    Auto,
    /// No decision number at all.
    None,
    /// Cite this number (that may not exist).
    Cite(String),
}

pub fn add_contract(b: &mut Builder, spec: ContractSpec) -> usize {
    let no = new_contract_no(b);
    let procurement = if spec.amount >= THRESHOLD_TENDER {
        "公开招标"
    } else if spec.amount >= THRESHOLD_DECISION {
        ["竞争性比选", "竞争性谈判", "邀请招标"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("竞争性比选")
    } else {
        ["直接发包", "竞争性比选", "直接发包"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("直接发包")
    };
    let decision_no = match spec.decision {
        DecisionSpec::Auto if spec.amount >= THRESHOLD_DECISION => {
            valid_decision(b, &spec.project, spec.amount, spec.signed)
        }
        DecisionSpec::Auto | DecisionSpec::None => String::new(),
        DecisionSpec::Cite(s) => s,
    };
    publicity_ok(b, &no, "中标结果", 3, spec.signed);
    let (vendor_name, with_credit) = match spec.vendor {
        Vendor::Company(i) => (b.v.companies[i as usize].name.clone(), true),
        Vendor::Person(p) => (b.v.persons[p.p as usize].name.clone(), false),
    };
    let vendor_name = spec.vendor_name.unwrap_or(vendor_name);
    b.v.contracts.push(Contract {
        no: no.clone(),
        project: spec.project.clone(),
        vendor: spec.vendor,
        vendor_name,
        with_credit,
        with_vendor_id: spec.with_vendor_id,
        amount: spec.amount,
        signed: spec.signed,
        procurement,
        decision_no: decision_no.clone(),
    });
    let ci = b.v.contracts.len() - 1;
    contract_payments(b, ci);
    ci
}

/// Installments after signing: each under 50,000 where the contract is.
fn contract_payments(b: &mut Builder, ci: usize) {
    let c = b.v.contracts[ci].clone();
    let n: i64 = if c.amount < THRESHOLD_DECISION {
        b.rng.random_range(1..3)
    } else {
        b.rng.random_range(2..4)
    };
    let mut left = c.amount;
    let mut date = add_days(c.signed, b.rng.random_range(5..31));
    let last_day = ymd(YEAR, 12, 28);
    for k in 0..n {
        let part = if k == n - 1 {
            left
        } else {
            (c.amount * b.rng.random_range(30..50) / 100 / 100) * 100
        };
        left -= part;
        let (cp, cp_id, account, payee) = match c.vendor {
            Vendor::Company(i) => {
                let co = &b.v.companies[i as usize];
                (
                    co.name.clone(),
                    String::new(),
                    co.account.clone(),
                    Payee::Company(i),
                )
            }
            Vendor::Person(p) => {
                let q = &b.v.persons[p.p as usize];
                (
                    c.vendor_name.clone(),
                    if c.with_vendor_id {
                        q.written_id()
                    } else {
                        String::new()
                    },
                    q.account.clone(),
                    Payee::Person(p),
                )
            }
        };
        let uid = b.next_uid;
        b.next_uid += 1;
        b.v.ledger.push(LedgerLine {
            uid,
            voucher: String::new(),
            date: date.min(last_day),
            income: false,
            amount: part,
            summary: format!("支付{}款（第{}期）", c.project, k + 1),
            category: "在建工程",
            counterparty: cp,
            cp_id,
            account,
            method: "转账",
            contract_no: c.no.clone(),
            decision_no: c.decision_no.clone(),
            payee,
        });
        date = add_days(date, b.rng.random_range(30..90));
    }
}

pub fn project_name(b: &mut Builder) -> String {
    let hamlet = b.hamlets.choose(&mut b.rng).cloned().unwrap_or_default();
    let p = names::PROJECTS
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("道路硬化工程");
    format!("{}{hamlet}{p}", b.v.name)
}

fn contracts(b: &mut Builder) {
    // Individual contractors (包工头) from the village.
    let mut people: Vec<u32> = vec![];
    for _ in 0..b.rng.random_range(2..4) {
        for _ in 0..300 {
            let p = b.rng.random_range(0..b.v.persons.len() as u32);
            let q = &b.v.persons[p as usize];
            if eligible(b, p)
                && q.male
                && (30..=60).contains(&(YEAR - q.birth.year()))
                && q.death.is_none()
                && !b.busy[p as usize]
                && !q.account.is_empty()
            {
                b.busy[p as usize] = true;
                people.push(p);
                break;
            }
        }
    }
    let n = b.rng.random_range(15..31);
    for _ in 0..n {
        let r = b.rng.random_range(0..100);
        let amount = if r < 60 {
            b.rng.random_range(30..440) * 10_000
        } else if r < 87 {
            b.rng.random_range(520..920) * 10_000
        } else {
            b.rng.random_range(105..600) * 100_000
        };
        let signed = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 11, 15));
        // A vendor whose pieces cannot add up to a split.
        let mut vendors: Vec<Vendor> = (0..b.v.companies.len() as u32)
            .map(Vendor::Company)
            .collect();
        if amount < THRESHOLD_DECISION {
            vendors.extend(people.iter().map(|&p| Vendor::Person(b.v.pref(p))));
        }
        let mut chosen = None;
        for _ in 0..12 {
            let Some(&vd) = vendors.choose(&mut b.rng) else {
                break;
            };
            let probe = Contract {
                no: String::new(),
                project: String::new(),
                vendor: vd,
                vendor_name: match vd {
                    Vendor::Company(i) => b.v.companies[i as usize].name.clone(),
                    Vendor::Person(p) => b.v.persons[p.p as usize].name.clone(),
                },
                with_credit: matches!(vd, Vendor::Company(_)),
                with_vendor_id: true,
                amount,
                signed,
                procurement: "",
                decision_no: String::new(),
            };
            let key = vendor_key(&b.v, &probe);
            if !would_split(&b.v, &key, amount, signed) {
                chosen = Some(vd);
                break;
            }
        }
        let vd = match chosen {
            Some(v) => v,
            None => Vendor::Company(new_company(b, None)),
        };
        let project = project_name(b);
        add_contract(
            b,
            ContractSpec {
                vendor: vd,
                amount,
                signed,
                project,
                decision: DecisionSpec::Auto,
                with_vendor_id: true,
                vendor_name: None,
            },
        );
    }
    // A decision on a matter without money (村规民约), published.
    let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 1));
    let no = new_decision_no(b);
    let proposed = d;
    let consulted = add_days(d, b.rng.random_range(1..5));
    let reviewed = add_days(consulted, b.rng.random_range(1..5));
    let resolved = add_days(reviewed, b.rng.random_range(1..5));
    let ps = add_days(resolved, 1);
    b.v.decisions.push(Decision {
        no: no.clone(),
        subject: "修订村规民约".into(),
        amount: None,
        proposed,
        consulted,
        reviewed,
        resolved,
        res_published: Some(ps),
        result_published: None,
    });
    b.v.publicity.push(Publicity {
        ref_no: no,
        kind: "决议公开".into(),
        start: ps,
        end: add_days(ps, 6),
        channel: "村务公开栏",
    });
}

pub fn ledger_line(
    b: &mut Builder,
    date: NaiveDate,
    income: bool,
    amount: i64,
    summary: String,
    category: &'static str,
    counterparty: String,
    payee: Payee,
    method: &'static str,
) -> usize {
    let (cp_id, account) = match payee {
        Payee::Person(p) => {
            let q = &b.v.persons[p.p as usize];
            (
                if b.rng.random_bool(0.8) {
                    q.written_id()
                } else {
                    String::new()
                },
                if method == "现金" {
                    String::new()
                } else {
                    q.account.clone()
                },
            )
        }
        Payee::Company(i) => (String::new(), b.v.companies[i as usize].account.clone()),
        Payee::Other => (String::new(), String::new()),
    };
    let uid = b.next_uid;
    b.next_uid += 1;
    b.v.ledger.push(LedgerLine {
        uid,
        voucher: String::new(),
        date,
        income,
        amount,
        summary,
        category,
        counterparty,
        cp_id,
        account,
        method,
        contract_no: String::new(),
        decision_no: String::new(),
        payee,
    });
    b.v.ledger.len() - 1
}

/// Villagers who may be paid for odd jobs: not kin, not hires or vendors,
/// of working age, alive all year.
pub fn odd_job_pool(b: &Builder) -> Vec<u32> {
    (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            let age = YEAR - q.birth.year();
            eligible(b, p)
                && (20..=68).contains(&age)
                && q.death.is_none()
                && !b.busy[p as usize]
                && !q.account.is_empty()
        })
        .collect()
}

fn other_ledger(b: &mut Builder) {
    let street = "街道办事处财政所".to_string();
    for m in 1..=12 {
        let d = ymd(YEAR, m, b.rng.random_range(3..9));
        let amt = b.rng.random_range(40..120) * 100_000;
        ledger_line(
            b,
            d,
            true,
            amt,
            format!("{m}月村级运转经费拨款"),
            "补助收入",
            street.clone(),
            Payee::Other,
            "转账",
        );
        let d = ymd(YEAR, m, b.rng.random_range(10..20));
        let amt = b.rng.random_range(30_000..250_000);
        ledger_line(
            b,
            d,
            false,
            amt,
            format!("{m}月电费"),
            "管理费用",
            "国网济南供电公司".into(),
            Payee::Other,
            "转账",
        );
    }
    // Land rent from households (收入), early in the year.
    let heads: Vec<u32> = b.v.households.iter().map(|h| h.members[0].0).collect();
    for p in heads {
        if !b.rng.random_bool(0.45) || b.v.persons[p as usize].death.is_some() {
            continue;
        }
        let d = rand_date(&mut b.rng, ymd(YEAR, 1, 5), ymd(YEAR, 3, 31));
        let amt = b.rng.random_range(5..60) * 10_000;
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        let i = ledger_line(
            b,
            d,
            true,
            amt,
            "收取土地承包费".into(),
            "发包及上交收入",
            name,
            Payee::Person(pr),
            "转账",
        );
        b.v.ledger[i].account.clear();
    }
    // Odd jobs (误工补贴、劳务费): small, a third in cash (never above 1,000).
    let pool = odd_job_pool(b);
    let n = b.rng.random_range(450..800);
    for _ in 0..n {
        let Some(&p) = pool.choose(&mut b.rng) else {
            break;
        };
        let d = rand_date(&mut b.rng, ymd(YEAR, 1, 3), ymd(YEAR, 12, 28));
        let cash = b.rng.random_bool(0.3);
        let amt = if cash {
            b.rng.random_range(10..99) * 1_000
        } else {
            b.rng.random_range(10..160) * 1_000
        };
        let what = [
            "村务误工补贴",
            "防汛值班劳务费",
            "植树劳务费",
            "环境整治劳务费",
            "秸秆禁烧值守补贴",
        ]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("村务误工补贴");
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        ledger_line(
            b,
            d,
            false,
            amt,
            format!("{}月{what}", d.month()),
            "管理费用",
            name,
            Payee::Person(pr),
            if cash { "现金" } else { "转账" },
        );
    }
    // Shops: small purchases; each shop's year stays far below any threshold.
    let shops: Vec<String> = names::SHOPS
        .iter()
        .map(|s| format!("{}{s}", b.v.name.trim_end_matches('村')))
        .collect();
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for _ in 0..b.rng.random_range(150..300) {
        let shop = shops.choose(&mut b.rng).cloned().unwrap_or_default();
        let cash = b.rng.random_bool(0.25);
        let amt = if cash {
            b.rng.random_range(20..100) * 1_000
        } else {
            b.rng.random_range(50..600) * 1_000
        };
        let t = totals.entry(shop.clone()).or_default();
        if *t + amt > 4_000_000 {
            continue;
        }
        *t += amt;
        let d = rand_date(&mut b.rng, ymd(YEAR, 1, 3), ymd(YEAR, 12, 28));
        let what = ["购办公用品", "购清洁用品", "维修费", "印刷费", "会议用餐"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("购办公用品");
        ledger_line(
            b,
            d,
            false,
            amt,
            what.to_string(),
            "管理费用",
            shop,
            Payee::Other,
            if cash { "现金" } else { "转账" },
        );
    }
    // A large purchase without a contract, with its decision (event: payment).
    if b.rng.random_bool(0.5) {
        let d = rand_date(&mut b.rng, ymd(YEAR, 4, 1), ymd(YEAR, 11, 30));
        let amt = b.rng.random_range(52..90) * 100_000;
        let what = ["购置垃圾清运车", "购置办公设备", "购置应急物资"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("购置办公设备");
        let no = valid_decision(b, what, amt, d);
        let seller = format!("济南{}商贸有限公司", b.v.name.trim_end_matches('村'));
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            what.to_string(),
            "固定资产",
            seller,
            Payee::Other,
            "转账",
        );
        b.v.ledger[i].decision_no = no;
    }
    // Interest.
    for q in [3u32, 6, 9, 12] {
        let d = month_end(YEAR, q);
        let amt = b.rng.random_range(500..8_000);
        ledger_line(
            b,
            d,
            true,
            amt,
            "银行存款利息".into(),
            "其他收入",
            "农村商业银行".into(),
            Payee::Other,
            "转账",
        );
    }
}

/// Give voucher numbers in date order, per month.
pub fn finalize_ledger(v: &mut Village) {
    v.ledger
        .sort_by(|a, b| a.date.cmp(&b.date).then(a.uid.cmp(&b.uid)));
    let mut month = 0;
    let mut seq = 0;
    for l in v.ledger.iter_mut() {
        if l.date.month() != month {
            month = l.date.month();
            seq = 0;
        }
        seq += 1;
        l.voucher = format!("PZ-{YEAR}-{:02}-{:03}", month, seq);
    }
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
