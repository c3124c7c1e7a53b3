//! The self-check of leases, land compensation and claims: their cases
//! recomputed from the truth records by rules.md's definitions (the
//! instalments as paid, the peers' median over the street, the register as
//! the village holds it), never from what the planters wrote down.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Months, NaiveDate};

use super::labels::Case;
use super::model::*;
use super::truth::{CLAIM_PER_MU, LEASE_LINE, Lease, RENT_GRACE, gengdi_area};
use crate::finding::Category;

const BELOW_MEDIAN: f64 = 0.30;
const MIN_PEERS: usize = 5;
const MIN_MOVED_DAYS: i64 = 180;
const MIN_PLAN_DAYS: i64 = 30;

fn case(out: &mut BTreeSet<Case>, category: Category, village: &str, subject: &str) {
    out.insert(Case {
        category,
        village: village.to_string(),
        subject: subject.to_string(),
    });
}

/// Every case of the three tables in the world.
pub fn cases(w: &World, out: &mut BTreeSet<Case>) {
    let dates = w
        .villages
        .iter()
        .flat_map(|v| v.ledger.iter().map(|l| l.date));
    let (first, as_of) = (dates.clone().min(), dates.max());
    let all: Vec<&Lease> = w.villages.iter().flat_map(|v| v.leases.iter()).collect();
    for v in &w.villages {
        let decisions: BTreeSet<&str> = v.decisions.iter().map(|d| d.no.as_str()).collect();
        for l in &v.leases {
            if lease_case(l, &all, first, as_of, &decisions) {
                case(out, Category::AssetLease, &v.code, &l.contract);
            }
        }
        compensation(v, out);
        claims(v, out);
        kinship(w, v, out);
        publicity(v, out);
        paid_twice_or_dead(v, out);
    }
}

fn lease_case(
    l: &Lease,
    all: &[&Lease],
    first: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
    decisions: &BTreeSet<&str>,
) -> bool {
    let (Some(first), Some(as_of)) = (first, as_of) else {
        return false;
    };
    let missed = l.paid.iter().any(|(due, paid)| {
        *due >= first
            && add_days(*due, RENT_GRACE) <= as_of
            && paid.is_none_or(|p| p > add_days(*due, RENT_GRACE))
    });
    let limit = if l.kind().land { 30 } else { 20 };
    let over = l
        .start
        .checked_add_months(Months::new(limit * 12))
        .is_some_and(|d| l.end >= d);
    let peers: Vec<f64> = all
        .iter()
        .filter(|o| {
            o.contract != l.contract
                && o.kind == l.kind
                && o.start.year() <= l.signed.year()
                && o.end.year() >= l.signed.year()
        })
        .map(|o| o.per_unit())
        .collect();
    let below = peers.len() >= MIN_PEERS && {
        let mut p = peers;
        p.sort_by(f64::total_cmp);
        let n = p.len();
        let med = if n % 2 == 1 {
            p[n / 2]
        } else {
            (p[n / 2 - 1] + p[n / 2]) / 2.0
        };
        1.0 - l.per_unit() / med >= BELOW_MEDIAN - 1e-9
    };
    let appraisal = l.appraised.is_some_and(|a| l.rent < a);
    let open = matches!(l.procurement, "公开竞价" | "公开招标" | "拍卖");
    let decided = !l.decision_no.is_empty() && decisions.contains(l.decision_no.as_str());
    let unlet = l.term_value() >= LEASE_LINE && (!decided || !open);
    let prepaid = l.prepaid_years.is_some_and(|y| y > 3.0);
    missed || over || !l.after_end.is_empty() || below || appraisal || unlet || prepaid
}

fn compensation(v: &Village, out: &mut BTreeSet<Case>) {
    let registered: HashMap<&str, Option<NaiveDate>> = v
        .households
        .iter()
        .flat_map(|h| h.members.iter())
        .map(|(p, _)| {
            let moved = v.moved_in.iter().find(|m| m.0 == *p).map(|m| m.1);
            (v.persons[*p as usize].id.as_str(), moved)
        })
        .collect();
    let decisions: BTreeSet<&str> = v.decisions.iter().map(|d| d.no.as_str()).collect();
    for (i, b) in v.comp_batches.iter().enumerate() {
        let rows: Vec<_> = v
            .compensation
            .iter()
            .filter(|r| r.batch as usize == i)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let short = (b.objection_end - b.published).num_days() + 1 < MIN_PLAN_DAYS;
        let early = rows.iter().any(|r| r.paid <= b.objection_end);
        let undecided = b.decision_no.is_empty() || !decisions.contains(b.decision_no.as_str());
        if short || early || undecided {
            case(out, Category::LandCompensation, &v.code, &b.no);
        }
        for r in rows {
            let over = (r.amount - r.due()) as f64 > 0.01 * r.due() as f64;
            let id = r.person.p as usize;
            let true_id = if r.person.v == v.index {
                v.persons[id].id.as_str()
            } else {
                ""
            };
            let outsider = match registered.get(true_id) {
                None => true,
                Some(Some(m)) => (b.published - *m).num_days() < MIN_MOVED_DAYS,
                Some(None) => false,
            };
            if over || outsider {
                case(
                    out,
                    Category::LandCompensation,
                    &v.code,
                    &v.persons[r.person.p as usize].id,
                );
            }
        }
    }
}

fn claims(v: &Village, out: &mut BTreeSet<Case>) {
    let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, c) in v.claims.iter().enumerate() {
        by_account.entry(c.account.as_str()).or_default().push(k);
        let roll = gengdi_area(v, c.person);
        let too_much = c.loss > c.insured + 0.01 || roll.is_some_and(|a| c.insured > a + 0.01);
        if too_much {
            case(
                out,
                Category::Eligibility,
                &v.code,
                &v.persons[c.person.p as usize].id,
            );
        }
        debug_assert_eq!(c.amount, (c.loss * CLAIM_PER_MU as f64).round() as i64);
    }
    // A claim paid into the account of another household's claimant.
    for ks in by_account.values().filter(|ks| ks.len() > 1) {
        let owner = |k: usize| v.persons[v.claims[k].person.p as usize].household;
        let holder = ks
            .iter()
            .copied()
            .find(|&k| v.persons[v.claims[k].person.p as usize].account == v.claims[k].account);
        let Some(h) = holder else { continue };
        for &k in ks {
            if owner(k) != owner(h) {
                case(
                    out,
                    Category::DuplicateBeneficiary,
                    &v.code,
                    &v.persons[v.claims[k].person.p as usize].id,
                );
            }
        }
    }
}

/// Lessees, compensation payees and claimants who are cadres' kin, and
/// claims paid into a cadre's or a declared relative's account.
fn kinship(w: &World, v: &Village, out: &mut BTreeSet<Case>) {
    let kin = super::selfcheck::kin_set(v);
    let is_kin = |r: PRef| r.v == v.index && kin.contains(&r.p);
    let mut hit = |r: PRef| case(out, Category::Kinship, &v.code, &w.person(r).id);
    for l in &v.leases {
        if let super::truth::Lessee::Person(p) = l.lessee
            && is_kin(v.pref(p))
        {
            hit(v.pref(p));
        }
    }
    for r in v.compensation.iter().filter(|r| is_kin(r.person)) {
        hit(r.person);
    }
    let accounts: BTreeSet<&str> = v
        .cadres
        .iter()
        .map(|c| v.persons[c.person as usize].account.as_str())
        .chain(
            v.declared
                .iter()
                .filter(|d| d.with_account)
                .map(|d| v.persons[d.person as usize].account.as_str()),
        )
        .filter(|a| !a.is_empty())
        .collect();
    for c in &v.claims {
        if is_kin(c.person) || accounts.contains(c.account.as_str()) {
            hit(c.person);
        }
    }
}

/// Leases at or above the line need their result published (3 days, over
/// before signing); compensation batches their list (7 days, over before
/// the first payment).
fn publicity(v: &Village, out: &mut BTreeSet<Case>) {
    let ok = |no: &str, days: i64, event: NaiveDate| {
        v.publicity
            .iter()
            .any(|p| p.ref_no == no && (p.end - p.start).num_days() + 1 >= days && p.end < event)
    };
    for l in v.leases.iter().filter(|l| l.term_value() >= LEASE_LINE) {
        if !ok(&l.contract, 3, l.signed) {
            case(out, Category::PublicityWindow, &v.code, &l.contract);
        }
    }
    for (i, b) in v.comp_batches.iter().enumerate() {
        let first = v
            .compensation
            .iter()
            .filter(|r| r.batch as usize == i)
            .map(|r| r.paid)
            .min();
        if let Some(first) = first
            && !ok(&b.no, 7, first)
        {
            case(out, Category::PublicityWindow, &v.code, &b.no);
        }
    }
}

/// One person paid twice in a compensation batch or for one crop's claims;
/// compensation or a claim paid after the month of death.
fn paid_twice_or_dead(v: &Village, out: &mut BTreeSet<Case>) {
    let mut seen: HashMap<(String, u32), usize> = HashMap::new();
    let mut dead: Vec<(PRef, NaiveDate)> = vec![];
    for r in &v.compensation {
        *seen
            .entry((format!("batch{}", r.batch), r.person.p))
            .or_default() += 1;
        dead.push((r.person, r.paid));
    }
    for c in &v.claims {
        *seen
            .entry((format!("{}{}", c.crop, c.paid.year()), c.person.p))
            .or_default() += 1;
        dead.push((c.person, c.paid));
    }
    for ((_, p), n) in seen {
        if n > 1 {
            case(
                out,
                Category::DuplicateBeneficiary,
                &v.code,
                &v.persons[p as usize].id,
            );
        }
    }
    for (r, paid) in dead {
        let q = &v.persons[r.p as usize];
        if r.v == v.index && q.death.is_some_and(|d| month_key(paid) > month_key(d)) {
            case(out, Category::DeceasedBeneficiary, &v.code, &q.id);
        }
    }
}
