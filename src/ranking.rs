//! Weak signals in the queue (rules.md "Weak signals"): they are not cases
//! alone, so they rank below every case, and each raises the score of the
//! cases it bears on. The engine applies this once all rules have run,
//! after the findings are sealed (a score is not a fact: ids do not move).
//!
//! - A weak signal scores at most [`WEAK_MAX`]; a case at least
//!   `WEAK_MAX + 1`: ordering by score (findings.csv, the case store's
//!   queue, report.html) puts every weak signal below every case.
//! - A weak signal bears on a case of its village when its subject is the
//!   case's subject or one of its related ids (a voucher, a contract), or
//!   one of its own related ids is the case's subject (the recipients of a
//!   shared phone, the vouchers just under a line), or when it is about
//!   the whole village (its subject is the village code).
//!   Each one adds [`RAISE_SUBJECT`] or [`RAISE_VILLAGE`] points to the
//!   case, at most [`RAISE_MAX`] in all; the case's evidence lists them
//!   (`weak_signals`), so the officer sees why it ranks higher.

use std::collections::BTreeMap;

use serde_json::json;

use crate::finding::{Category, Finding};

/// The highest score a weak signal keeps.
pub const WEAK_MAX: u8 = 9;
/// Points a weak signal on the case's own subject adds.
pub const RAISE_SUBJECT: u8 = 5;
/// Points a weak signal about the case's whole village adds.
pub const RAISE_VILLAGE: u8 = 2;
/// The most weak signals add to one case.
pub const RAISE_MAX: u8 = 10;

pub fn is_weak(f: &Finding) -> bool {
    f.category == Category::WeakSignal
}

/// Clamp weak signals below cases and raise the cases they bear on.
pub fn apply(findings: &mut [Finding]) {
    // village → its weak signals (subject, rule, finding id, related ids).
    type Signal = (String, String, String, Vec<String>);
    let mut weak: BTreeMap<String, Vec<Signal>> = BTreeMap::new();
    for f in findings.iter_mut() {
        if is_weak(f) {
            f.score = f.score.min(WEAK_MAX);
            weak.entry(f.village_code.clone()).or_default().push((
                f.subject_id.clone(),
                f.rule.clone(),
                f.finding_id.clone(),
                f.related_ids.clone(),
            ));
        } else {
            f.score = f.score.max(WEAK_MAX + 1);
        }
    }
    for f in findings.iter_mut().filter(|f| !is_weak(f)) {
        let Some(signals) = weak.get(&f.village_code) else {
            continue;
        };
        let mut raise = 0u8;
        let mut cited = Vec::new();
        for (subject, rule, id, related) in signals {
            let on_subject = *subject == f.subject_id
                || f.related_ids.contains(subject)
                || related.contains(&f.subject_id);
            let on_village = *subject == f.village_code;
            if !(on_subject || on_village) {
                continue;
            }
            raise = raise.saturating_add(if on_subject {
                RAISE_SUBJECT
            } else {
                RAISE_VILLAGE
            });
            cited.push(json!({"rule": rule, "subject_id": subject, "finding_id": id}));
        }
        if cited.is_empty() {
            continue;
        }
        f.score = f.score.saturating_add(raise.min(RAISE_MAX)).min(100);
        if let Some(obj) = f.evidence.as_object_mut() {
            obj.insert("weak_signals".into(), json!(cited));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, sort_findings};

    fn f(rule: &str, cat: Category, village: &str, subject: &str, score: f64) -> Finding {
        let mut f = Finding::new(rule, cat, Severity::Low, village, subject)
            .score(score)
            .evidence(json!({}));
        f.seal();
        f
    }

    #[test]
    fn weak_signals_rank_below_every_case_and_raise_theirs() {
        let mut v = vec![
            f("WEAK001", Category::WeakSignal, "V1", "PZ-1", 100.0),
            f("WEAK002", Category::WeakSignal, "V1", "V1", 50.0),
            f("CSH001", Category::CashPayment, "V1", "PZ-1", 40.0),
            f("ID001", Category::InvalidId, "V2", "X", 0.0),
            f("CSH001", Category::CashPayment, "V2", "PZ-1", 40.0),
        ];
        apply(&mut v);
        sort_findings(&mut v);
        let weak_at: Vec<bool> = v.iter().map(is_weak).collect();
        assert_eq!(weak_at, [false, false, false, true, true]);
        assert!(v.iter().filter(|f| is_weak(f)).all(|f| f.score <= WEAK_MAX));
        // The V1 voucher case: 40 + 5 (its voucher) + 2 (its village).
        assert_eq!((v[0].village_code.as_str(), v[0].score), ("V1", 47));
        assert_eq!(
            v[0].evidence["weak_signals"].as_array().map(Vec::len),
            Some(2)
        );
        // The V2 case has no signal; the invalid id is lifted above signals.
        assert_eq!(v[1].score, 40);
        assert_eq!(v[2].score, WEAK_MAX + 1);
    }
}
