//! Collective assets and resources let out (三资, annex processes 4, 5):
//! shops, workshops, stores, ploughland, forest and ponds, each let to a
//! villager or a company, and the rent they pay as ledger 收入 lines. Rent
//! is paid on or after each instalment's due date, most within a month,
//! some up to 58 days late; a fifth is booked by the lessee's name without
//! the contract number, as village accountants do.
//!
//! Rents per unit sit within 5 % of their type's street price, so that a
//! lease planted 30 % or more below its peers is a case and one 25 % below
//! is not, at any street size. A lease whose rent over its term reaches the
//! decision line is let openly with a valid decision.

use chrono::{Datelike, Months, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::Builder;
use super::decisions::valid_decision;
use super::ledger::ledger_line;
use super::rolls::eligible;
use crate::r#gen::model::*;

/// The decision and 公开竞价 line on rent over the term (fen).
pub const LEASE_LINE: i64 = 5_000_000;
/// Days after its due date within which an instalment's rent is on time.
pub const RENT_GRACE: i64 = 60;

/// Who rents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lessee {
    Person(u32),
    Company(u32),
}

/// One asset type: name, unit, street price per unit and year (fen),
/// area range, term range in years.
pub struct AssetKind {
    pub name: &'static str,
    pub unit: &'static str,
    pub price: i64,
    pub area: (u32, u32),
    pub years: (u32, u32),
    pub land: bool,
}

pub const KINDS: [AssetKind; 6] = [
    AssetKind {
        name: "门面",
        unit: "平方米",
        price: 30_000,
        area: (30, 120),
        years: (3, 8),
        land: false,
    },
    AssetKind {
        name: "厂房",
        unit: "平方米",
        price: 12_000,
        area: (300, 1500),
        years: (5, 12),
        land: false,
    },
    AssetKind {
        name: "仓库",
        unit: "平方米",
        price: 8_000,
        area: (100, 600),
        years: (3, 8),
        land: false,
    },
    AssetKind {
        name: "耕地",
        unit: "亩",
        price: 80_000,
        area: (5, 60),
        years: (5, 15),
        land: true,
    },
    AssetKind {
        name: "林地",
        unit: "亩",
        price: 15_000,
        area: (50, 300),
        years: (10, 20),
        land: true,
    },
    AssetKind {
        name: "水面",
        unit: "亩",
        price: 60_000,
        area: (10, 50),
        years: (5, 10),
        land: true,
    },
];

#[derive(Debug, Clone)]
pub struct Lease {
    pub contract: String,
    pub asset_id: String,
    pub asset_name: String,
    pub kind: usize,
    pub area: f64,
    pub lessee: Lessee,
    pub lessee_name: String,
    /// As the lease row writes it (blank for some villagers).
    pub lessee_id: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Yuan fen a year.
    pub rent: i64,
    pub cycle: &'static str,
    pub prepaid_years: Option<f64>,
    pub procurement: &'static str,
    pub decision_no: String,
    pub appraised: Option<i64>,
    pub signed: NaiveDate,
    /// Each instalment the ledger year judges: due date, when it was paid.
    pub paid: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// Rent booked after `end` (超期占用).
    pub after_end: Vec<NaiveDate>,
    /// Days its result is published before signing (0: not published),
    /// when its rent over the term reaches the line.
    pub result_days: i64,
}

impl Lease {
    pub fn kind(&self) -> &'static AssetKind {
        &KINDS[self.kind]
    }
    /// Whole months from start to end inclusive.
    pub fn term_months(&self) -> i64 {
        let e = self.end.succ_opt().unwrap_or(self.end);
        let m = (e.year() - self.start.year()) * 12 + e.month() as i32 - self.start.month() as i32;
        i64::from(m)
    }
    pub fn term_value(&self) -> i64 {
        self.rent * self.term_months() / 12
    }
    pub fn per_unit(&self) -> f64 {
        self.rent as f64 / self.area
    }
    pub fn cycle_months(&self) -> u32 {
        match self.cycle {
            "按季" => 3,
            "按半年" => 6,
            _ => 12,
        }
    }
    /// Due dates from the start, the first covering the prepaid years.
    pub fn dues(&self) -> Vec<(NaiveDate, i64)> {
        let step = self.cycle_months();
        let first = self
            .prepaid_years
            .map(|y| (y * 12.0).round() as u32)
            .unwrap_or(step)
            .max(step);
        let mut out = vec![];
        let mut months = 0;
        let mut due = self.start;
        while due <= self.end && out.len() < 400 {
            let span = if out.is_empty() { first } else { step };
            out.push((due, self.rent * i64::from(span) / 12));
            months += span;
            due = self
                .start
                .checked_add_months(Months::new(months))
                .unwrap_or(NaiveDate::MAX);
        }
        out
    }
}

/// How a lease's rent is paid in the ledger year.
#[derive(Debug, Clone, Default)]
pub struct RentPlan {
    /// Instalment (index among this year's) left unpaid.
    pub skip: Option<usize>,
    /// Days late for that instalment instead (paid, late or not).
    pub late: Option<(usize, i64)>,
    /// Rent booked after the end, monthly from the day after, this many times.
    pub after_end: usize,
}

/// Villagers who may rent: not kin, not hires or vendors, of working age,
/// alive all year, paying the village nothing else.
pub fn lessee_pool(b: &Builder) -> Vec<u32> {
    let payers: std::collections::HashSet<u32> =
        b.v.ledger
            .iter()
            .filter_map(|l| match l.payee {
                Payee::Person(r) if r.v == b.v.index => Some(r.p),
                _ => None,
            })
            .collect();
    (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            let age = YEAR - q.birth.year();
            eligible(b, p)
                && !b.used[p as usize]
                && !b.busy[p as usize]
                && q.death.is_none()
                && (25..=68).contains(&age)
                && !q.account.is_empty()
                && !payers.contains(&p)
        })
        .collect()
}

/// A lease of an asset of `kind`, clean unless the caller changes it
/// before booking its rent; `lessee` None: a free villager or a company.
pub fn new_lease(b: &mut Builder, kind: usize, lessee: Option<Lessee>) -> Option<usize> {
    let k = &KINDS[kind];
    let lessee = match lessee {
        Some(l) => l,
        None if !k.land && b.rng.random_bool(0.5) && !b.v.companies.is_empty() => {
            Lessee::Company(b.rng.random_range(0..b.v.companies.len()) as u32)
        }
        None => {
            let pool = lessee_pool(b);
            let p = *pool.choose(&mut b.rng)?;
            b.used[p as usize] = true;
            Lessee::Person(p)
        }
    };
    let (lessee_name, lessee_id) = match lessee {
        Lessee::Person(p) => {
            let q = &b.v.persons[p as usize];
            let id = if b.rng.random_bool(0.8) {
                q.written_id()
            } else {
                String::new()
            };
            (q.name.clone(), id)
        }
        Lessee::Company(c) => {
            let co = &b.v.companies[c as usize];
            (co.name.clone(), co.credit.clone())
        }
    };
    let area = if k.land {
        f64::from(b.rng.random_range(k.area.0 * 2..=k.area.1 * 2)) / 2.0
    } else {
        f64::from(b.rng.random_range(k.area.0..=k.area.1))
    };
    let per = k.price as f64 * b.rng.random_range(0.96..1.04);
    let rent = ((per * area / 1000.0).round() as i64).max(1) * 1000;
    let years = b.rng.random_range(k.years.0..=k.years.1);
    let start = ymd(
        b.rng.random_range(YEAR - 10..=YEAR),
        b.rng.random_range(1..=12),
        1,
    );
    let start = start.min(ymd(YEAR, 6, 1));
    let end = start
        .checked_add_months(Months::new(years * 12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start);
    let cycle = if k.land {
        *["按年", "按年", "按年", "按半年"]
            .choose(&mut b.rng)
            .unwrap_or(&"按年")
    } else {
        *["按年", "按半年", "按季", "按季"]
            .choose(&mut b.rng)
            .unwrap_or(&"按年")
    };
    let n = b.v.leases.len() + 1;
    let asset_id = format!("ZC-{:04}-{:03}", b.vnum(), n);
    let hamlet = b.hamlets.choose(&mut b.rng).cloned().unwrap_or_default();
    let asset_name = format!("{}{}{}号{}", b.v.name, hamlet, n, k.name);
    let signed = add_days(start, -b.rng.random_range(3..20));
    let mut l = Lease {
        contract: format!("ZL-{}-{:04}-{:03}", start.year(), b.vnum(), n),
        asset_id,
        asset_name,
        kind,
        area,
        lessee,
        lessee_name,
        lessee_id,
        start,
        end,
        rent,
        cycle,
        prepaid_years: None,
        procurement: "协商",
        decision_no: String::new(),
        appraised: None,
        signed,
        paid: vec![],
        after_end: vec![],
        result_days: 3 + b.rng.random_range(0..4),
    };
    if b.rng.random_bool(0.3) {
        l.appraised = Some(rent / 1000 * b.rng.random_range(900..=1000));
    }
    b.v.leases.push(l);
    let i = b.v.leases.len() - 1;
    let_openly(b, i);
    Some(i)
}

/// Let it as the rules want: above the line, openly and with a decision.
pub fn let_openly(b: &mut Builder, i: usize) {
    let l = &b.v.leases[i];
    if l.term_value() >= LEASE_LINE {
        let (value, signed, subject) = (l.term_value(), l.signed, format!("出租{}", l.asset_name));
        let how = *["公开竞价", "公开竞价", "公开招标", "拍卖"]
            .choose(&mut b.rng)
            .unwrap_or(&"公开竞价");
        let no = valid_decision(b, &subject, value, signed);
        let l = &mut b.v.leases[i];
        l.procurement = how;
        l.decision_no = no;
    } else {
        let how = *["协商", "公开竞价", "直接发包"]
            .choose(&mut b.rng)
            .unwrap_or(&"协商");
        b.v.leases[i].procurement = how;
        b.v.leases[i].decision_no.clear();
    }
}

/// Book a lease's rent of the ledger year by `plan`.
pub fn book_rent(b: &mut Builder, i: usize, plan: &RentPlan) {
    let l = b.v.leases[i].clone();
    let (from, to) = (ymd(YEAR, 1, 1), ymd(YEAR, 12, 31));
    let dues: Vec<(NaiveDate, i64)> = l
        .dues()
        .into_iter()
        .filter(|(d, _)| *d >= from && *d <= to)
        .collect();
    let mut paid = vec![];
    for (k, (due, amount)) in dues.into_iter().enumerate() {
        if plan.skip == Some(k) {
            paid.push((due, None));
            continue;
        }
        let delay = match plan.late {
            Some((j, d)) if j == k => d,
            _ if b.rng.random_bool(0.1) => b.rng.random_range(31..=58),
            _ => b.rng.random_range(0..=30),
        };
        let date = add_days(due, delay);
        if date > to {
            paid.push((due, None));
            continue;
        }
        receipt(b, &l, date, amount);
        paid.push((due, Some(date)));
    }
    let mut after = vec![];
    for m in 0..plan.after_end {
        let d = add_days(l.end, 1 + 30 * m as i64 + b.rng.random_range(0..10));
        if d <= to {
            receipt(b, &l, d, l.rent * i64::from(l.cycle_months()) / 12);
            after.push(d);
        }
    }
    let lm = &mut b.v.leases[i];
    lm.paid = paid;
    lm.after_end = after;
    if l.term_value() >= LEASE_LINE && l.result_days > 0 {
        let end = add_days(l.signed, -b.rng.random_range(1..6));
        b.v.publicity.push(Publicity {
            ref_no: l.contract.clone(),
            kind: "租赁结果公示".into(),
            start: add_days(end, -(l.result_days - 1)),
            end,
            channel: "村务公开栏",
        });
    }
}

/// One rent line: by contract number, or a fifth by the lessee's name only.
fn receipt(b: &mut Builder, l: &Lease, date: NaiveDate, amount: i64) {
    let payee = match l.lessee {
        Lessee::Person(p) => Payee::Person(b.v.pref(p)),
        Lessee::Company(c) => Payee::Company(c),
    };
    let summary = format!("收{}{}租金", l.lessee_name, l.kind().name);
    let i = ledger_line(
        b,
        date,
        true,
        amount,
        summary,
        "租赁收入",
        l.lessee_name.clone(),
        payee,
        "转账",
    );
    if b.rng.random_bool(0.8) {
        b.v.ledger[i].contract_no = l.contract.clone();
    }
}

/// The village's clean leases: 6–9 plots of ploughland, a shop or two, and
/// now and then a workshop, a store, forest or a pond.
pub fn leases(b: &mut Builder) {
    let mut kinds: Vec<usize> = vec![3; b.rng.random_range(6..10)];
    kinds.extend(std::iter::repeat_n(0, b.rng.random_range(1..3)));
    for k in [1, 2, 4, 5] {
        if b.rng.random_bool(0.5) {
            kinds.push(k);
        }
    }
    for k in kinds {
        if let Some(i) = new_lease(b, k, None) {
            book_rent(b, i, &RentPlan::default());
        }
    }
}
