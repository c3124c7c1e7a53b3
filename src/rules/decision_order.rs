//! DEC002: 四议两公开 steps out of order, or resolved after the fact.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::decisions::decision_key;
use super::common::util;
use super::common::views::{ContractsView, DecisionsView, LedgerView};
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
A 四议两公开 decision whose record cannot be true as written:
- steps out of order: 提议 ≤ 商议 ≤ 审议 ≤ 决议 ≤ 决议公开 must hold (steps
  on the same day are in order; 决议公开 is checked only when given);
- a step left blank (提议, 商议, 审议 or 决议) when `flag-missing-steps` is on;
- resolved after the fact: the 决议 date is later than the signing of a
  contract citing the decision, or than a ledger 支出 citing it (directly,
  or through a contract that cites it), by more than `grace-days`.
One finding per decision, naming every problem. Its subject is the first
contract signed under the decision, else the first payment voucher, else
(nothing done under it yet) the decision number; the decision number and
every contract and voucher under it are related ids. Decision numbers are
compared with their bracket styles and a trailing `号` unified.

## Why it matters
Minutes written after the contract was signed or the money paid are a
paper procedure, not a decision: the villagers never had their say. Steps
out of order are the usual trace of minutes drafted afterwards.

## Parameters
- `flag-missing-steps` (true): a blank 提议/商议/审议/决议 date is a problem.
- `grace-days` (0): days a resolution may follow the signing or payment
  (0: the resolution must be on or before that day).
- `check-payments` (true): compare with ledger payments, not only contracts.

## Known false positives
A date typed wrongly in the export (a year off); an advance payment
approved by the street before the village meeting.
";

/// 四议两公开 steps out of order or after the fact.
pub struct DecisionOrder;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub flag_missing_steps: bool,
    pub grace_days: i64,
    pub check_payments: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            flag_missing_steps: true,
            grace_days: 0,
            check_payments: true,
        }
    }
}

/// The steps in the order their dates must keep: the column (as evidence
/// names it) and the step's name.
const STEPS: [(&str, &str); 5] = [
    ("proposed_date", "提议"),
    ("consulted_date", "商议"),
    ("reviewed_date", "审议"),
    ("resolved_date", "决议"),
    ("resolution_published_date", "决议公开"),
];

/// Something done under a decision: a contract or a payment.
#[derive(Debug, Clone)]
struct Act {
    kind: &'static str,
    key: String,
    date: i32,
    amount: i64,
    row: u32,
    /// For a payment made under a contract: that contract.
    via_contract: String,
}

const META: RuleMeta = RuleMeta {
    code: "DEC002",
    name: "decision_order",
    category: Category::MissingDecision,
    severity: Severity::High,
    summary: "decision steps out of order, or resolved after signing / payment",
    doc: DOC,
    needs: &[TableKind::Decisions],
    processes: &[1],
};

/// Contracts and payments by the decision they rest on.
type ActsByDecision<'a> = HashMap<(&'a str, Cow<'a, str>), Vec<Act>>;

/// What was done under each decision, by (village, decision number): the
/// contracts citing it, and with `check_payments` the 支出 citing it or a
/// contract that does.
fn acts_of(ds: &Dataset, check_payments: bool) -> Result<ActsByDecision<'_>> {
    // Acts by (village, decision_no).
    let mut acts: ActsByDecision = HashMap::new();
    let mut decision_of_contract: HashMap<(&str, &str), &str> = HashMap::new();
    if let Some(contracts) = ContractsView::load(ds)? {
        let ContractsView {
            village,
            contract: no,
            decision,
            signed,
            amount,
            row: rows,
            ..
        } = contracts;
        for i in 0..contracts.height() {
            let (Some(v), Some(n), Some(d)) = (village.get(i), no.get(i), decision.get(i)) else {
                continue;
            };
            decision_of_contract.insert((v, n), d);
            let Some(date) = signed.get(i) else { continue };
            acts.entry((v, decision_key(d))).or_default().push(Act {
                kind: "contract",
                key: n.to_string(),
                date,
                amount: amount.get(i).unwrap_or_default(),
                row: rows.get(i).unwrap_or_default(),
                via_contract: String::new(),
            });
        }
    }
    let ledger = if check_payments {
        LedgerView::load(ds)?
    } else {
        None
    };
    if let Some(ledger) = ledger {
        let LedgerView {
            village,
            voucher,
            direction,
            contract,
            decision,
            date,
            amount,
            row: rows,
            ..
        } = ledger;
        for i in 0..ledger.height() {
            if direction.get(i) != Some("支出") {
                continue;
            }
            let (Some(v), Some(vo), Some(d)) = (village.get(i), voucher.get(i), date.get(i)) else {
                continue;
            };
            let c = contract.get(i).unwrap_or_default();
            let direct = decision.get(i).filter(|s| !s.is_empty());
            // The decision the payment rests on: its own, else its contract's.
            let Some(dn) = direct.or_else(|| {
                (!c.is_empty())
                    .then(|| decision_of_contract.get(&(v, c)).copied())
                    .flatten()
            }) else {
                continue;
            };
            acts.entry((v, decision_key(dn))).or_default().push(Act {
                kind: "payment",
                key: vo.to_string(),
                date: d,
                amount: amount.get(i).unwrap_or_default(),
                row: rows.get(i).unwrap_or_default(),
                via_contract: c.to_string(),
            });
        }
    }
    Ok(acts)
}

/// What the step dates of a decision show: steps missing (with
/// `flag_missing`) and steps out of order, as message parts and kinds.
fn step_problems(dates: &[Option<i32>], flag_missing: bool) -> (Vec<String>, Vec<&'static str>) {
    let mut problems: Vec<String> = Vec::new();
    let mut kinds: Vec<&'static str> = Vec::new();
    if flag_missing {
        let missing: Vec<&str> = (0..4)
            .filter(|&k| dates[k].is_none())
            .map(|k| STEPS[k].1)
            .collect();
        if !missing.is_empty() {
            problems.push(format!("缺少{}日期", missing.join("、")));
            kinds.push("missing_steps");
        }
    }
    // Each present step against the latest present step before it.
    let mut prev: Option<(usize, i32)> = None;
    let mut inversions: Vec<String> = Vec::new();
    for (k, d) in dates.iter().enumerate() {
        let Some(d) = *d else { continue };
        if let Some((pk, pd)) = prev
            && d < pd
        {
            inversions.push(format!(
                "{}（{}）早于{}（{}）",
                STEPS[k].1,
                util::day_string(d),
                STEPS[pk].1,
                util::day_string(pd)
            ));
            continue;
        }
        prev = Some((k, d));
    }
    if !inversions.is_empty() {
        problems.push(format!("步骤顺序颠倒：{}", inversions.join("；")));
        kinds.push("out_of_order");
    }
    (problems, kinds)
}

/// The finding of decision `i` (village `v`, number `n`) with its acts
/// (`mine`, in date order) and the problems found.
#[allow(clippy::too_many_arguments)]
fn decision_finding(
    dec: &DecisionsView,
    i: usize,
    v: &str,
    n: &str,
    mine: &[Act],
    dates: &[Option<i32>],
    (problems, kinds): (Vec<String>, Vec<&'static str>),
    grace: i32,
) -> Finding {
    let resolved = dates[3];
    // Subject per contract §4: a contract under the decision, else a
    // payment voucher, else (nothing done under it yet) the decision.
    let first_contract = mine.iter().find(|a| a.kind == "contract");
    let first_payment = mine.iter().find(|a| a.kind == "payment");
    let subj = first_contract
        .or(first_payment)
        .map(|a| a.key.clone())
        .unwrap_or_else(|| n.to_string());
    let mut related: Vec<String> = vec![n.to_string()];
    for a in mine {
        related.push(a.key.clone());
        related.push(a.via_contract.clone());
    }
    let contract_total: i64 = mine
        .iter()
        .filter(|a| a.kind == "contract")
        .map(|a| a.amount)
        .sum();
    let amount = dec
        .amount
        .get(i)
        .filter(|a| *a > 0)
        .unwrap_or(if contract_total > 0 {
            contract_total
        } else {
            mine.iter().map(|a| a.amount).sum()
        });
    let after = kinds.contains(&"after_the_fact");
    let score = 50.0
        + if after { 20.0 } else { 0.0 }
        + if kinds.contains(&"out_of_order") {
            10.0
        } else {
            0.0
        }
        + if kinds.contains(&"missing_steps") {
            5.0
        } else {
            0.0
        };
    let severity = if after || kinds.contains(&"out_of_order") {
        Severity::High
    } else {
        Severity::Medium
    };
    let subject_text = dec.subject.get(i).unwrap_or_default();
    META.finding(v, &subj)
        .severity(severity)
        .score(score)
        .amount(amount)
        .related(related)
        .message(format!(
            "决议{}（{}{}）{}，请核实四议两公开是否真实履行、会议记录是否事后补写",
            n,
            subject_text,
            if amount > 0 {
                format!("，{}", fen_to_yuan_display(amount))
            } else {
                String::new()
            },
            problems.join("；")
        ))
        .evidence(json!({
            "problems": kinds,
            "decision": {
                "row": dec.row.get(i).unwrap_or_default(),
                "decision_no": n,
                "subject": subject_text,
                "amount": dec.amount.get(i).map(fen_to_yuan_string),
                "steps": STEPS.iter().zip(dates).map(|((c, zh), d)| json!({
                    "step": zh,
                    "column": c,
                    "date": d.map(util::day_string),
                })).collect::<Vec<_>>(),
            },
            "grace_days": grace,
            "acts": mine.iter().map(|a| json!({
                "kind": a.kind,
                "key": a.key,
                "date": util::day_string(a.date),
                "amount": fen_to_yuan_string(a.amount),
                "row": a.row,
                "via_contract": a.via_contract,
                "before_resolution": resolved.is_some_and(|r| r > a.date + grace),
            })).collect::<Vec<_>>(),
        }))
}

impl Rule for DecisionOrder {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let grace = p.grace_days.clamp(0, i32::MAX as i64) as i32;
        let Some(dec) = DecisionsView::load(ds)? else {
            return Ok(vec![]);
        };

        let acts = acts_of(ds, p.check_payments)?;

        let DecisionsView {
            village,
            decision: no,
            ..
        } = dec;
        let steps = [
            dec.proposed,
            dec.consulted,
            dec.reviewed,
            dec.resolved,
            dec.resolution_published,
        ];

        let mut out = Vec::new();
        for i in 0..dec.height() {
            let (Some(v), Some(n)) = (village.get(i), no.get(i)) else {
                continue;
            };
            let dates: Vec<Option<i32>> = steps.iter().map(|s| s.get(i)).collect();
            let (mut problems, mut kinds) = step_problems(&dates, p.flag_missing_steps);
            let mut mine = acts.get(&(v, decision_key(n))).cloned().unwrap_or_default();
            mine.sort_by(|a, b| (a.date, a.kind, &a.key).cmp(&(b.date, b.kind, &b.key)));
            let resolved = dates[3];
            let late: Vec<&Act> = match resolved {
                Some(r) => mine.iter().filter(|a| r > a.date + grace).collect(),
                None => vec![],
            };
            if let (Some(r), Some(first)) = (resolved, late.first()) {
                let what = if first.kind == "contract" {
                    format!("合同{}签订（{}）", first.key, util::day_string(first.date))
                } else {
                    format!("凭证{}付款（{}）", first.key, util::day_string(first.date))
                };
                problems.push(format!(
                    "决议日期{}晚于{}{}天",
                    util::day_string(r),
                    what,
                    r - first.date
                ));
                kinds.push("after_the_fact");
            }
            if problems.is_empty() {
                continue;
            }
            out.push(decision_finding(
                &dec,
                i,
                v,
                n,
                &mine,
                &dates,
                (problems, kinds),
                grace,
            ));
        }
        Ok(out)
    }
}
