//! Publicity windows that are missing, too short, or not over before the
//! event, on each kind of record that must be published (a subsidy batch,
//! a hiring round, a contract, a decision).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::label;
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::*;

/// Refs (batch, hire batch, contract, decision) with one publicity record
/// that no plant touched, with their required days and event.
pub(super) fn publicity_targets(
    b: &Builder,
    which: usize,
) -> Vec<(String, i64, Option<NaiveDate>)> {
    let mut out = vec![];
    let touched = |r: &str| {
        b.v.publicity.iter().filter(|p| p.ref_no == r).count() != 1
            || b.v
                .labels
                .iter()
                .any(|l| l.subject == Subject::Text(r.to_string()))
            || b.v
                .negatives
                .iter()
                .any(|n| n.subject == Subject::Text(r.to_string()))
    };
    match which {
        0 => {
            for (i, bt) in b.v.batches.iter().enumerate() {
                let Some((days, ev)) = bt.program.publicity() else {
                    continue;
                };
                let rows: Vec<&SubsidyRow> =
                    b.v.subsidies
                        .iter()
                        .filter(|r| r.batch == i as u32)
                        .collect();
                if rows.is_empty() || ev == PubEvent::None || touched(&bt.no) {
                    continue;
                }
                let paid = rows.iter().map(|r| r.paid).min();
                let approved = rows.iter().filter_map(|r| r.approved).min();
                let event = match ev {
                    PubEvent::ApprovalElsePayment => approved.or(paid),
                    _ => paid,
                };
                out.push((bt.no.clone(), days, event));
            }
        }
        1 => {
            let mut starts: BTreeMap<String, NaiveDate> = BTreeMap::new();
            for h in &b.v.hires {
                let e = starts.entry(h.batch_no.clone()).or_insert(h.start);
                *e = (*e).min(h.start);
            }
            for (no, s) in starts {
                if s.year() == YEAR && !touched(&no) {
                    out.push((no, 5, Some(s)));
                }
            }
        }
        2 => {
            for c in &b.v.contracts {
                if c.amount >= THRESHOLD_DECISION && !touched(&c.no) {
                    out.push((c.no.clone(), 3, Some(c.signed)));
                }
            }
        }
        _ => {
            for d in &b.v.decisions {
                let ev =
                    b.v.contracts
                        .iter()
                        .filter(|c| c.decision_no == d.no)
                        .map(|c| c.signed)
                        .chain(
                            b.v.ledger
                                .iter()
                                .filter(|l| !l.income && l.decision_no == d.no)
                                .map(|l| l.date),
                        )
                        .min();
                if ev.is_some() && !touched(&d.no) && d.resolved < ev.unwrap_or(d.resolved) {
                    out.push((d.no.clone(), 5, ev));
                }
            }
        }
    }
    out
}

pub(super) fn publicity(b: &mut Builder, variant: usize) -> bool {
    // variant: target kind (batch, hire, contract, decision) × problem.
    let which = [0, 0, 0, 1, 2, 3, 0, 3, 1][variant % 9];
    let problem = [0, 1, 2, 1, 2, 1, 0, 2, 0][variant % 9];
    let targets = publicity_targets(b, which);
    let Some((no, days, event)) = targets.choose(&mut b.rng).cloned() else {
        return false;
    };
    let Some(event) = event else { return false };
    let pi = b.v.publicity.iter().position(|p| p.ref_no == no);
    let how = match problem {
        0 => {
            b.v.publicity.retain(|p| p.ref_no != no);
            "missing: 无公示记录".to_string()
        }
        1 => {
            let Some(pi) = pi else { return false };
            let short = days - b.rng.random_range(1..days.min(3));
            let end = add_days(event, -b.rng.random_range(1..4));
            b.v.publicity[pi].end = end;
            b.v.publicity[pi].start = add_days(end, -(short - 1));
            format!("too short: 公示{short}天，少于{days}天")
        }
        _ => {
            let Some(pi) = pi else { return false };
            let end = add_days(event, b.rng.random_range(0..4));
            b.v.publicity[pi].end = end;
            b.v.publicity[pi].start = add_days(end, -(days + 1));
            format!("not over before the event: 公示至{end}，事项日期{event}")
        }
    };
    label(b, Category::PublicityWindow, Subject::Text(no), how);
    true
}
