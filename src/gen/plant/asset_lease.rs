//! Planted `asset_lease` cases, one variant each (rules.md "Leases of
//! collective assets and resources"), and the hard negatives at each edge:
//! a term of exactly 20 years, rent 25 % under the median, a tenant paying
//! 59 days late, a lessee who is a cadre's namesake from elsewhere.

use chrono::{Months, NaiveDate};
use rand::Rng;

use super::{label, negative, text};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::{
    Builder, KINDS, Lessee, RentPlan, book_rent, let_openly, new_decision_no, new_lease, outsider,
};

const PLOUGHLAND: usize = 3;
const SHOP: usize = 0;
const WORKSHOP: usize = 1;

/// Move a lease to start on `start` and run `years` years (to the day
/// before), and let it again by the rules for its new value.
fn reshape(b: &mut Builder, i: usize, start: NaiveDate, years: u32) {
    let l = &mut b.v.leases[i];
    l.start = start;
    l.end = start
        .checked_add_months(Months::new(years * 12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start);
    l.signed = add_days(start, -7);
    let_openly(b, i);
}

/// A lease with an instalment due between February and August of the year.
fn due_this_year(b: &mut Builder, kind: usize) -> Option<usize> {
    let i = new_lease(b, kind, None)?;
    b.v.leases[i].cycle = "按年";
    let m = b.rng.random_range(2..=8);
    let y = b.rng.random_range(YEAR - 4..=YEAR);
    let years = b.rng.random_range(6..=10);
    reshape(b, i, ymd(y, m, 1), years);
    Some(i)
}

fn note(b: &Builder, i: usize, what: &str) -> String {
    let l = &b.v.leases[i];
    format!("{what}: {} {} {}", l.contract, l.kind().name, l.lessee_name)
}

pub fn lease_case(b: &mut Builder, variant: usize) -> bool {
    let mut plan = RentPlan::default();
    let (i, what) = match variant {
        0 | 1 => {
            let Some(i) = due_this_year(b, PLOUGHLAND) else {
                return false;
            };
            if variant == 0 {
                plan.skip = Some(0);
                (i, "rent not collected")
            } else {
                plan.late = Some((0, b.rng.random_range(75..120)));
                (i, "rent booked long after the grace")
            }
        }
        2 => {
            let Some(i) = new_lease(b, WORKSHOP, None) else {
                return false;
            };
            let y = b.rng.random_range(YEAR - 5..=YEAR);
            let m = b.rng.random_range(1..=6);
            reshape(b, i, ymd(y, m, 1), 25);
            (i, "term over 20 years")
        }
        3 => {
            let Some(i) = new_lease(b, PLOUGHLAND, None) else {
                return false;
            };
            b.v.leases[i].cycle = "按年";
            let years = b.rng.random_range(5..=8);
            reshape(b, i, ymd(YEAR - years as i32, 4, 1), years);
            plan.after_end = b.rng.random_range(1..=3);
            (i, "rent booked past the lease's end")
        }
        4 => {
            let Some(i) = new_lease(b, PLOUGHLAND, None) else {
                return false;
            };
            let l = &mut b.v.leases[i];
            l.rent =
                ((KINDS[PLOUGHLAND].price as f64 * 0.5 * l.area / 1000.0).round() as i64) * 1000;
            l.appraised = None;
            let y = b.rng.random_range(YEAR - 1..=YEAR);
            let m = b.rng.random_range(1..=5);
            reshape(b, i, ymd(y, m, 1), 10);
            (i, "rent half its peers' median")
        }
        5 => {
            let Some(i) = new_lease(b, SHOP, None) else {
                return false;
            };
            let l = &mut b.v.leases[i];
            l.appraised = Some(l.rent / 1000 * 1250);
            (i, "rent below appraisal")
        }
        6 => {
            let Some(i) = new_lease(b, SHOP, None) else {
                return false;
            };
            let y = b.rng.random_range(YEAR - 3..=YEAR);
            let m = b.rng.random_range(1..=6);
            reshape(b, i, ymd(y, m, 1), 6);
            let cited = b.rng.random_bool(0.3).then(|| new_decision_no(b));
            let l = &mut b.v.leases[i];
            if l.term_value() < crate::r#gen::truth::LEASE_LINE {
                l.rent = crate::r#gen::truth::LEASE_LINE / 5;
            }
            l.procurement = "协商";
            l.decision_no = cited.unwrap_or_default();
            (i, "let by 协商 without a valid decision above the line")
        }
        _ => {
            let Some(i) = new_lease(b, SHOP, None) else {
                return false;
            };
            let m = b.rng.random_range(1..=6);
            reshape(b, i, ymd(YEAR, m, 1), 8);
            b.v.leases[i].prepaid_years = Some(5.0);
            (i, "five years of rent taken in advance")
        }
    };
    book_rent(b, i, &plan);
    let n = note(b, i, what);
    let c = b.v.leases[i].contract.clone();
    label(b, Category::AssetLease, text(&c), n);
    true
}

pub fn lease_negatives(b: &mut Builder) {
    if b.rng.random_bool(0.5)
        && let Some(i) = new_lease(b, WORKSHOP, None)
    {
        let y = b.rng.random_range(YEAR - 3..=YEAR);
        reshape(b, i, ymd(y, 7, 1), 20);
        book_rent(b, i, &RentPlan::default());
        let n = note(b, i, "a term of exactly 20 years");
        let c = b.v.leases[i].contract.clone();
        negative(b, "lease_exactly_20_years", text(&c), n);
    }
    if b.rng.random_bool(0.5)
        && let Some(i) = new_lease(b, PLOUGHLAND, None)
    {
        let l = &mut b.v.leases[i];
        l.rent = ((KINDS[PLOUGHLAND].price as f64 * 0.75 * l.area / 1000.0).round() as i64) * 1000;
        l.appraised = None;
        let_openly(b, i);
        book_rent(b, i, &RentPlan::default());
        let n = note(b, i, "rent 25 % under the street's median");
        let c = b.v.leases[i].contract.clone();
        negative(b, "lease_rent_25pct_under_median", text(&c), n);
    }
    if b.rng.random_bool(0.5)
        && let Some(i) = due_this_year(b, PLOUGHLAND)
    {
        book_rent(
            b,
            i,
            &RentPlan {
                late: Some((0, 59)),
                ..Default::default()
            },
        );
        let n = note(b, i, "rent paid 59 days after its due date");
        let c = b.v.leases[i].contract.clone();
        negative(b, "lease_rent_59_days_late", text(&c), n);
    }
    if b.rng.random_bool(0.5) {
        namesake_lessee(b);
    }
}

/// A shop let to someone from elsewhere who shares a cadre's name, with
/// an id number that is not the cadre's.
fn namesake_lessee(b: &mut Builder) {
    // A cadre whose name no relative declared without id carries (that
    // name alone would be a lead, not a namesake).
    let v = &b.v;
    let unshared = |c: u32| {
        let name = &v.persons[c as usize].name;
        !v.declared.iter().any(|d| {
            !d.with_id
                && (&v.persons[d.person as usize].name == name
                    || d.written_name.as_ref() == Some(name))
        })
    };
    let Some(c) = v.cadres.iter().map(|c| c.person).find(|&c| unshared(c)) else {
        return;
    };
    let name = b.v.persons[c as usize].name.clone();
    let p = outsider(b);
    b.v.persons[p as usize].name = name;
    let Some(i) = new_lease(b, SHOP, Some(Lessee::Person(p))) else {
        return;
    };
    let id = b.v.persons[p as usize].id.clone();
    b.v.leases[i].lessee_id = id.clone();
    book_rent(b, i, &RentPlan::default());
    let n = note(b, i, "lessee shares a cadre's name, another id");
    negative(b, "lessee_cadre_namesake", text(&id), n);
}

/// A cadre's declared relative (with id) rents a shop or a plot: `kinship`.
pub fn kin_lease(b: &mut Builder) -> bool {
    let cands: Vec<u32> =
        b.v.declared
            .iter()
            .filter(|d| d.with_id && b.v.persons[d.person as usize].death.is_none())
            .map(|d| d.person)
            .collect();
    let Some(&p) = cands.get(b.rng.random_range(0..cands.len().max(1))) else {
        return false;
    };
    let kind = if b.rng.random_bool(0.5) {
        SHOP
    } else {
        PLOUGHLAND
    };
    let Some(i) = new_lease(b, kind, Some(Lessee::Person(p))) else {
        return false;
    };
    b.v.leases[i].lessee_id = b.v.persons[p as usize].written_id();
    book_rent(b, i, &RentPlan::default());
    let n = note(b, i, "lessee is a cadre's declared relative");
    let true_id = b.v.persons[p as usize].id.clone();
    label(b, Category::Kinship, text(&true_id), n);
    true
}

/// A lease above the line whose result was never published, or for two
/// days only: `publicity_window`.
pub fn unpublished_lease(b: &mut Builder) -> bool {
    let Some(i) = new_lease(b, SHOP, None) else {
        return false;
    };
    let y = b.rng.random_range(YEAR - 1..=YEAR);
    let m = b.rng.random_range(1..=6);
    reshape(b, i, ymd(y, m, 1), 6);
    let l = &mut b.v.leases[i];
    if l.term_value() < crate::r#gen::truth::LEASE_LINE {
        l.rent = crate::r#gen::truth::LEASE_LINE / 5;
    }
    let_openly(b, i);
    let short = b.rng.random_bool(0.5);
    b.v.leases[i].result_days = if short { 2 } else { 0 };
    book_rent(b, i, &RentPlan::default());
    let what = if short {
        "lease result published 2 days"
    } else {
        "lease result never published"
    };
    let n = note(b, i, what);
    let c = b.v.leases[i].contract.clone();
    label(b, Category::PublicityWindow, text(&c), n);
    true
}

/// The village's compensation batch with no distribution 公示 (returns the
/// days to publish: 0): `publicity_window`.
pub fn unpublished_batch(b: &mut Builder) -> i64 {
    let Some(no) = b.v.comp_batches.first().map(|x| x.no.clone()) else {
        return 7;
    };
    label(
        b,
        Category::PublicityWindow,
        text(&no),
        format!("distribution list never published: {no}"),
    );
    0
}
