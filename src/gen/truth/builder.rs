//! The state a village generator carries while it works: the village so
//! far, its random stream, its id and counter allocators, and which persons
//! plants have used.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ids::{IdAlloc, account_for, phone_for, village_code};
use crate::r#gen::model::*;
use crate::r#gen::names;

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
        self.push_person(Person {
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
        })
    }

    /// Add a person with no plant, kin or role yet; their index.
    pub fn push_person(&mut self, p: Person) -> u32 {
        self.v.persons.push(p);
        self.used.push(false);
        self.kin.push(false);
        self.busy.push(false);
        (self.v.persons.len() - 1) as u32
    }

    pub(super) fn random_birth(&mut self, year_from: i32, year_to: i32) -> NaiveDate {
        rand_date(&mut self.rng, ymd(year_from, 1, 1), ymd(year_to, 12, 28))
    }

    pub(super) fn new_name(&mut self, surname: &str, male: bool) -> String {
        format!("{surname}{}", names::given_name(&mut self.rng, male))
    }
}
