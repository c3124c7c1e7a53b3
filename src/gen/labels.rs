//! `labels.csv` (data contract §4: `category, village_code, subject_id,
//! note`) and `negatives.csv` (`kind, village_code, subject_id, note`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use super::model::{Subject, World};
use crate::error::{Error, Result};
use crate::finding::Category;

/// A known case: what a finding must match.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Case {
    pub category: Category,
    /// One village code, or several joined by `;` (cross-village duplicates).
    pub village: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Label {
    pub case: Case,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Negative {
    pub kind: String,
    pub village: String,
    pub subject: String,
    pub note: String,
}

/// Every hard-negative kind the generator writes, with the category that
/// must not flag it.
pub const NEGATIVE_KINDS: [(&str, Category); 43] = [
    ("same_surname_non_relative", Category::Kinship),
    ("clan_neighbour_next_door", Category::Kinship),
    ("homophone_other_household", Category::Kinship),
    ("credit_code_payee", Category::InvalidId),
    ("common_name_other_village", Category::Kinship),
    ("homophone_other_village", Category::Kinship),
    ("common_name_two_villages", Category::DuplicateBeneficiary),
    ("household_shared_account", Category::DuplicateBeneficiary),
    ("pieces_over_90_days", Category::SplitContract),
    ("lone_99000_contract", Category::SplitContract),
    ("publicity_exact_days", Category::PublicityWindow),
    ("urgent_relief_after_payment", Category::PublicityWindow),
    ("paid_in_month_of_death", Category::DeceasedBeneficiary),
    ("valid_15_digit_id", Category::InvalidId),
    ("same_day_decision_steps", Category::MissingDecision),
    ("cash_exactly_1000", Category::CashPayment),
    ("periodic_day_15", Category::PublicityWindow),
    ("periodic_29_lines", Category::PublicityWindow),
    ("periodic_unnamed_ref", Category::PublicityWindow),
    ("lease_exactly_20_years", Category::AssetLease),
    ("lease_rent_25pct_under_median", Category::AssetLease),
    ("lease_rent_59_days_late", Category::AssetLease),
    ("lessee_cadre_namesake", Category::Kinship),
    ("compensation_within_1pct", Category::LandCompensation),
    (
        "compensation_moved_in_long_before",
        Category::LandCompensation,
    ),
    (
        "compensation_paid_day_after_objection",
        Category::LandCompensation,
    ),
    ("claim_area_at_the_limit", Category::Eligibility),
    ("training_exactly_365", Category::PartyAffairs),
    ("full_on_anniversary", Category::PartyAffairs),
    ("cadre_relative_admitted", Category::PartyAffairs),
    ("letter_received_last_day", Category::PartyAffairs),
    ("dues_exactly_at_bracket", Category::PartyAffairs),
    ("five_unpaid_months", Category::PartyAffairs),
    ("seal_same_day_as_signing", Category::SealUse),
    ("seal_on_make_up_workday", Category::WeakSignal),
    ("turned_60_in_paid_month", Category::Eligibility),
    ("funeral_paid_on_death_day", Category::Eligibility),
    ("funeral_after_death_month", Category::DeceasedBeneficiary),
    ("two_machines_one_farmer", Category::DuplicateBeneficiary),
    ("disability_in_dibao_household", Category::Eligibility),
    ("tekun_after_hire_ended", Category::Eligibility),
    ("dibao_wages_under_line", Category::Eligibility),
    ("pension_contribution_under_60", Category::Eligibility),
];

/// The category that must not flag a hard negative of this kind.
pub fn negative_category(kind: &str) -> Option<Category> {
    NEGATIVE_KINDS
        .iter()
        .find(|(k, _)| *k == kind.trim())
        .map(|(_, c)| *c)
}

fn resolve(w: &World, v: u32, s: &Subject) -> String {
    match s {
        Subject::Text(t) => t.clone(),
        Subject::Voucher(uid) => w.villages[v as usize]
            .ledger
            .iter()
            .find(|l| l.uid == *uid)
            .map(|l| l.voucher.clone())
            .unwrap_or_default(),
    }
}

/// The planted labels, one per case (notes of a case planted twice joined).
pub fn collect_labels(w: &World) -> Vec<Label> {
    let mut by_case: BTreeMap<Case, Vec<String>> = BTreeMap::new();
    for v in &w.villages {
        for l in &v.labels {
            let mut codes: Vec<String> = l
                .villages
                .iter()
                .map(|&i| w.villages[i as usize].code.clone())
                .collect();
            codes.sort();
            let case = Case {
                category: l.category,
                village: codes.join(";"),
                subject: resolve(w, l.villages[0], &l.subject),
            };
            by_case.entry(case).or_default().push(l.note.clone());
        }
    }
    by_case
        .into_iter()
        .map(|(case, notes)| Label {
            case,
            note: notes.join(" | "),
        })
        .collect()
}

/// Hard negatives, minus any subject that is also a case of the category
/// the negative is about (a person can be both a legitimate shared-account
/// holder and, elsewhere, a planted case).
pub fn collect_negatives(w: &World, cases: &BTreeSet<Case>) -> Vec<Negative> {
    let mut index: BTreeSet<(Category, &str, &str)> = BTreeSet::new();
    for c in cases {
        for v in c.village.split(';') {
            index.insert((c.category, v, c.subject.as_str()));
        }
    }
    let mut out = BTreeSet::new();
    for v in &w.villages {
        for n in &v.negatives {
            let village = v.code.clone();
            let subject = resolve(w, n.village, &n.subject);
            let clashes = negative_category(n.kind)
                .is_some_and(|cat| index.contains(&(cat, village.as_str(), subject.as_str())));
            if !clashes {
                out.insert(Negative {
                    kind: n.kind.to_string(),
                    village,
                    subject,
                    note: n.note.clone(),
                });
            }
        }
    }
    out.into_iter().collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn write_labels(path: &Path, labels: &[Label]) -> Result<()> {
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?);
    let mut s = String::from("category,village_code,subject_id,note\n");
    for l in labels {
        s.push_str(&format!(
            "{},{},{},{}\n",
            l.case.category.as_str(),
            csv_field(&l.case.village),
            csv_field(&l.case.subject),
            csv_field(&l.note)
        ));
    }
    w.write_all(s.as_bytes()).map_err(|e| Error::io(path, e))?;
    w.flush().map_err(|e| Error::io(path, e))
}

pub fn write_negatives(path: &Path, negs: &[Negative]) -> Result<()> {
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?);
    let mut s = String::from("kind,village_code,subject_id,note\n");
    for n in negs {
        s.push_str(&format!(
            "{},{},{},{}\n",
            n.kind,
            csv_field(&n.village),
            csv_field(&n.subject),
            csv_field(&n.note)
        ));
    }
    w.write_all(s.as_bytes()).map_err(|e| Error::io(path, e))?;
    w.flush().map_err(|e| Error::io(path, e))
}
