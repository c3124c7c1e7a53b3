//! Planted crop-insurance claim cases: a loss above the insured area, an
//! insured area above the 耕地地力 roll (`eligibility`), a claim paid into
//! another household's account (`duplicate_beneficiary`); and the hard
//! negative at the edge: loss equal to the insured area, insured equal to
//! the roll's.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::{label, negative, text};
use crate::finding::Category;
use crate::r#gen::model::Subject;
use crate::r#gen::truth::{Builder, claimants, new_claim};

pub fn claim_case(b: &mut Builder, variant: usize) -> bool {
    if b.v.claims.is_empty() {
        return false;
    }
    let pool = claimants(b);
    let Some(&(p, area)) = pool.choose(&mut b.rng) else {
        return false;
    };
    let (k, category, what) = match variant {
        0 => (
            new_claim(b, p, area, area + 1.5),
            Category::Eligibility,
            "loss above the insured area",
        ),
        1 => (
            new_claim(b, p, area + 3.0, area + 1.0),
            Category::Eligibility,
            "insured above the 耕地地力 area",
        ),
        _ => {
            // Into the account of a claimant of another household.
            let holder = b.v.claims[0].clone();
            let q = &b.v.persons[p as usize];
            let hp = &b.v.persons[holder.person.p as usize];
            if q.household == hp.household || holder.person.v != b.v.index {
                return false;
            }
            // The holder is named by the finding: not someone a hard
            // negative says must not be flagged (a couple sharing one
            // account for their 尊老金).
            let holder_id = Subject::Text(hp.id.clone());
            if b.v.negatives.iter().any(|n| n.subject == holder_id) {
                return false;
            }
            let k = new_claim(b, p, area, (area * 0.5 * 10.0).round() / 10.0);
            b.v.claims[k].account = holder.account.clone();
            (
                k,
                Category::DuplicateBeneficiary,
                "paid into another household's account",
            )
        }
    };
    let c = &b.v.claims[k];
    let (id, n) = (
        b.v.persons[c.person.p as usize].id.clone(),
        format!("{what}: {} {}", c.name, c.policy),
    );
    label(b, category, text(&id), n);
    true
}

pub fn claim_negatives(b: &mut Builder) {
    if b.v.claims.is_empty() || !b.rng.random_bool(0.8) {
        return;
    }
    let pool = claimants(b);
    let Some(&(p, area)) = pool.choose(&mut b.rng) else {
        return;
    };
    let k = new_claim(b, p, area, area);
    let c = &b.v.claims[k];
    let (id, n) = (
        b.v.persons[c.person.p as usize].id.clone(),
        format!("loss = insured = roll area {area}: {}", c.name),
    );
    negative(b, "claim_area_at_the_limit", text(&id), n);
}

/// A farmer's claim paid into a cadre's account: `kinship` (the account
/// channel), and no shared account among claimants.
pub fn cadre_account_claim(b: &mut Builder) -> bool {
    if b.v.claims.is_empty() {
        return false;
    }
    let Some(c) = b.v.cadres.first().map(|c| c.person) else {
        return false;
    };
    let account = b.v.persons[c as usize].account.clone();
    if account.is_empty() {
        return false;
    }
    let pool = claimants(b);
    let Some(&(p, area)) = pool.choose(&mut b.rng) else {
        return false;
    };
    let k = new_claim(b, p, area, (area * 0.6 * 10.0).round() / 10.0);
    b.v.claims[k].account = account;
    let c = &b.v.claims[k];
    let (id, n) = (
        b.v.persons[c.person.p as usize].id.clone(),
        format!("claim paid into a cadre's account: {}", c.name),
    );
    label(b, Category::Kinship, text(&id), n);
    true
}

/// One farmer's claim entered twice (`duplicate_beneficiary`), or a claim
/// paid after the farmer died (`deceased_beneficiary`).
pub fn repeat_or_dead_claim(b: &mut Builder, dead: bool) -> bool {
    if b.v.claims.is_empty() {
        return false;
    }
    if !dead {
        let pool = claimants(b);
        let Some(&(p, area)) = pool.choose(&mut b.rng) else {
            return false;
        };
        let loss = (area * 0.5 * 10.0).round() / 10.0;
        let k = new_claim(b, p, area, loss);
        let mut twin = b.v.claims[k].clone();
        twin.policy = format!("{}-2", twin.policy);
        b.v.claims.push(twin);
        let id = b.v.persons[p as usize].id.clone();
        label(
            b,
            Category::DuplicateBeneficiary,
            text(&id),
            format!("claim paid twice: {}", b.v.persons[p as usize].name),
        );
        return true;
    }
    // A farmer on the 耕地地力 roll who died in May to July.
    let dead: Vec<(u32, f64)> =
        b.v.subsidies
            .iter()
            .filter(|r| {
                r.person.v == b.v.index
                    && b.v.batches[r.batch as usize].program == crate::r#gen::model::Program::Gengdi
            })
            .filter_map(|r| {
                let q = &b.v.persons[r.person.p as usize];
                let d = q.death?;
                let ok = (5..=7).contains(&chrono::Datelike::month(&d))
                    && !b.used[r.person.p as usize]
                    && !q.account.is_empty();
                ok.then_some((r.person.p, r.quantity?))
            })
            .collect();
    let Some(&(p, area)) = dead.choose(&mut b.rng) else {
        return false;
    };
    let k = new_claim(b, p, area, (area * 0.5 * 10.0).round() / 10.0);
    let id = b.v.persons[p as usize].id.clone();
    let n = format!(
        "claim paid {} after death: {}",
        b.v.claims[k].paid, b.v.persons[p as usize].name
    );
    label(b, Category::DeceasedBeneficiary, text(&id), n);
    true
}
