//! Families and households of the register: couples, their sons'
//! households at separate addresses (in a clan village, two brothers often
//! at one), old parents living with the eldest son or in their own
//! household at his address (分户); then the deaths of the year and of the
//! year before.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::{Builder, rand_date};
use crate::r#gen::model::*;
use crate::r#gen::names;

impl Builder {
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
    pub(super) fn family(&mut self) {
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
        let (first_addr, eldest_h, shared) = self.sons_households(&heads, &surname);
        let alive: Vec<u32> = [(father, father_alive), (mother, mother_alive)]
            .into_iter()
            .filter(|x| x.1)
            .map(|x| x.0)
            .collect();
        if alive.is_empty() && stay_home.is_empty() {
            return;
        }
        if shared && let Some(h) = eldest_h {
            // Two households at the address already: the parents and the
            // children at home live with the eldest son.
            self.join_eldest(h, &alive, &stay_home);
        } else {
            self.parents_household(&alive, &stay_home, first_addr, eldest_h);
        }
        // Parents who died before the register was exported are not listed.
        for (p, a) in [(father, father_alive), (mother, mother_alive)] {
            if !a {
                self.v.persons[p as usize].death = None;
            }
        }
    }

    /// Each son heads a household with his wife, children and a married
    /// grandson's family, at an address of his own; in a clan village the
    /// second son often at his elder brother's (兄弟分户同址: one 宅基地,
    /// two households). Returns the eldest son's address and household,
    /// and whether a brother shares them.
    fn sons_households(
        &mut self,
        heads: &[u32],
        surname: &str,
    ) -> (Option<String>, Option<u32>, bool) {
        let mut first_addr: Option<String> = None;
        let mut eldest_h: Option<u32> = None;
        let mut shared = false;
        for (i, &s) in heads.iter().enumerate() {
            let n = self.v.households.len();
            let addr = match &first_addr {
                Some(a) if i == 1 && self.v.clan.is_some() && self.rng.random_bool(0.35) => {
                    shared = true;
                    a.clone()
                }
                _ => self.address(n),
            };
            let h = self.add_household(addr.clone());
            self.join(h, s, "户主");
            let sb = self.v.persons[s as usize].birth.year();
            if YEAR - sb >= 24 && self.rng.random_bool(0.93) {
                let w = self.marry(s);
                self.join(h, w, "配偶");
                let nk = self.rng.random_range(0..4);
                let gk = self.children(s, Some(w), surname, nk);
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
                        let ggs = self.children(g, Some(dil), surname, 1);
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
        (first_addr, eldest_h, shared)
    }

    /// The parents alive and the children at home join the eldest son's
    /// household.
    fn join_eldest(&mut self, h: u32, alive: &[u32], stay_home: &[u32]) {
        for &p in alive.iter().chain(stay_home) {
            let male = self.v.persons[p as usize].male;
            let rel = match (alive.contains(&p), male) {
                (true, true) => "父亲",
                (true, false) => "母亲",
                (false, true) => "兄弟",
                (false, false) => "姐妹",
            };
            self.join(h, p, rel);
        }
    }

    /// The parents still alive, and the children still at home, either join
    /// the eldest son's household or form their own at his address.
    fn parents_household(
        &mut self,
        alive: &[u32],
        stay_home: &[u32],
        first_addr: Option<String>,
        eldest_h: Option<u32>,
    ) {
        let with_son = eldest_h.is_some() && stay_home.is_empty() && self.rng.random_bool(0.45);
        if with_son {
            let h = eldest_h.unwrap_or(0);
            for &p in alive {
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
            let mut members: Vec<u32> = alive.to_vec();
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
    }
}

/// Deaths: a few of the old die during the year (their rolls stop after the
/// month of death), and the register lists some who died the year before.
pub(super) fn deaths(b: &mut Builder) {
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

pub(super) fn is_alive_all_year(p: &Person) -> bool {
    p.death.is_none()
}
