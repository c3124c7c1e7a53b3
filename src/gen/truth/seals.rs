//! The village's seal log (process 26): a record on a working day on or
//! before each contract's signing and each decision's publication, citing
//! its number; certificates and letters through the year; every use applied
//! for by a cadre and approved by the branch secretary (by the committee's
//! chair when the secretary applies). The baseline holds no case and no use
//! on a rest day; `plant::seal_use` adds them.
//!
//! Working days are the holiday data's (`rules/holidays.toml`), as the
//! generator reads them (`gen::workdays`): the generator imports no rule.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::party::random_day;
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::workdays;

#[derive(Debug, Clone)]
pub struct SealUse {
    pub entry_no: String,
    pub date: NaiveDate,
    pub seal: &'static str,
    pub purpose: String,
    /// The number cited in 关联编号 (blank when only the purpose names it).
    pub ref_no: String,
    pub applicant: String,
    pub approver: String,
    pub copies: u32,
    /// A planted case on this record (labelled once entries are numbered).
    pub label: Option<(Category, String)>,
    /// A hard negative on this record.
    pub negative: Option<(&'static str, String)>,
}

/// The names of the secretary and of the cadres who apply for seals.
pub fn signers(v: &Village) -> (String, String, Vec<String>) {
    let name = |role: &str| {
        v.cadres
            .iter()
            .find(|c| c.role == role)
            .or(v.cadres.first())
            .map(|c| v.person(c.person).name.clone())
            .unwrap_or_default()
    };
    let secretary = name("书记");
    let chair = name("主任");
    let applicants: Vec<String> = v
        .cadres
        .iter()
        .filter(|c| c.role != "书记")
        .map(|c| v.person(c.person).name.clone())
        .filter(|n| *n != secretary)
        .collect();
    (secretary, chair, applicants)
}

/// The published date of a decision as the seal rule reads it.
pub fn published(d: &Decision) -> Option<NaiveDate> {
    d.res_published.or(d.result_published)
}

/// Build the baseline seal log of a village.
pub fn seals(v: &mut Village, rng: &mut ChaCha8Rng) {
    let (secretary, _, applicants) = signers(v);
    let mut uses: Vec<SealUse> = Vec::new();
    let mut add = |rng: &mut ChaCha8Rng,
                   date: NaiveDate,
                   seal: &'static str,
                   purpose: String,
                   ref_no: String| {
        let applicant = applicants.choose(rng).cloned().unwrap_or_default();
        // Some logs print the approver's office beside the name.
        let approver = if rng.random_bool(0.1) {
            format!("{secretary}（书记）")
        } else {
            secretary.clone()
        };
        uses.push(SealUse {
            entry_no: String::new(),
            date,
            seal,
            purpose,
            ref_no,
            applicant,
            approver,
            copies: rng.random_range(1..5),
            label: None,
            negative: None,
        });
    };
    for c in &v.contracts {
        let date = workdays::working_on_or_before(add_days(c.signed, -rng.random_range(0..4)));
        let seal = ["村民委员会章", "村集体经济组织章"][rng.random_range(0..2)];
        if rng.random_bool(0.15) {
            add(rng, date, seal, format!("签订{}合同", c.no), String::new());
        } else if !c.decision_no.is_empty() && rng.random_bool(0.1) {
            // The record cites the decision behind the contract too.
            let refs = format!("{};{}", c.no, c.decision_no);
            add(rng, date, seal, format!("签订{}合同", c.project), refs);
        } else {
            add(
                rng,
                date,
                seal,
                format!("签订{}合同", c.project),
                c.no.clone(),
            );
        }
    }
    for d in &v.decisions {
        let Some(p) = published(d) else { continue };
        let date = workdays::working_on_or_before(add_days(p, -rng.random_range(0..3)));
        let seal = ["村民委员会章", "村党组织章"][rng.random_range(0..2)];
        add(
            rng,
            date,
            seal,
            format!("{}决议公开", d.subject),
            d.no.clone(),
        );
    }
    let certificates = rng.random_range(20..50);
    for _ in 0..certificates {
        let mut date = random_day(rng, YEAR..=YEAR, 1..=12);
        while workdays::is_rest(date) {
            date = add_days(date, 1);
        }
        let what = [
            "出具居住证明",
            "出具收入证明",
            "出具家庭关系证明",
            "开具介绍信",
            "出具无犯罪记录情况说明",
            "报送统计报表",
        ];
        let seal = ["村民委员会章", "村党组织章", "财务专用章"][rng.random_range(0..3)];
        let purpose = what.choose(rng).copied().unwrap_or("出具证明").to_string();
        add(rng, date, seal, purpose, String::new());
    }
    v.seals = uses;
}

/// Entry numbers in date order, after the plants moved records; then the
/// labels and negatives planted on records, by their numbers.
pub fn number_seals(v: &mut Village) {
    v.seals
        .sort_by(|a, b| (a.date, &a.ref_no, &a.purpose).cmp(&(b.date, &b.ref_no, &b.purpose)));
    let vnum = v.index + 1;
    let mut per_year: BTreeMap<i32, u32> = BTreeMap::new();
    for s in &mut v.seals {
        let k = per_year.entry(s.date.year()).or_default();
        *k += 1;
        s.entry_no = format!("YY-{}-{vnum:04}-{:03}", s.date.year(), k);
    }
    for s in &v.seals {
        if let Some((category, note)) = &s.label {
            v.labels.push(PlantedLabel {
                category: *category,
                villages: vec![v.index],
                subject: Subject::Text(s.entry_no.clone()),
                note: note.clone(),
            });
        }
        if let Some((kind, note)) = &s.negative {
            v.negatives.push(PlantedNegative {
                kind,
                village: v.index,
                subject: Subject::Text(s.entry_no.clone()),
                note: note.clone(),
            });
        }
    }
}
