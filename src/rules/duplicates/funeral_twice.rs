use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::people::{net_of_reversals, valid_id};
use crate::rules::common::programs::{FUNERAL, Programs};
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A 惠民殡葬补贴 paid more than once for one deceased person (the roll's id
number), in any periods and villages: a funeral is paid once. Reversals
cancel the payment they take back. One finding per deceased person; the
first paid is taken as due, the others are to recover. (Two payments in
one period are also DUP001's.)

## Why it matters
The subsidy is one-off: paid once to the family after the death. Paid
twice, to two relatives (two 领取人) or by two villages (the place of
registration and the place of residence), it is 重复领取 and is recovered.

## Parameters
- `programs` ([\"惠民殡葬\", \"殡葬补贴\", \"殡葬惠民\", \"基本殡葬\"]): program names (a roll program containing one of them).

## Known false positives
A payment split in two installments by a locality that pays the basic
funeral services and a 生态安葬 reward separately under one program name
(give the reward its own program name).
";

/// 同一逝者惠民殡葬补贴重复领取.
pub struct FuneralTwice;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: FUNERAL.map(String::from).to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "DUP006",
    name: "funeral_twice",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "惠民殡葬补贴 paid twice for one deceased person",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[30],
};

impl Rule for FuneralTwice {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut programs = Programs::new(&p.programs);
        let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for i in 0..roll.height() {
            let Some(id) = roll.id.get(i) else { continue };
            if programs.has(roll.program.get(i)) && valid_id(id) {
                by_id.entry(id).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for (id, mut rows) in by_id {
            rows.sort_by_key(|&i| (roll.paid.get(i), roll.row.get(i)));
            let standing = net_of_reversals(&rows, |i| roll.amount(i));
            if standing.len() < 2 {
                continue;
            }
            let case = Case::one_due(&roll, &standing);
            let village = case.village().unwrap_or_default();
            let others = case.other_villages(&village);
            let payees: Vec<&str> = standing.iter().filter_map(|&i| roll.payee.get(i)).collect();
            let who = case.name(&roll);
            let message = format!(
                "{who}（身份证号{id}）的惠民殡葬补贴发放{}次{}，多发{}笔共{}{}，请核实并追缴",
                standing.len(),
                if payees.is_empty() {
                    String::new()
                } else {
                    format!("（领取人{}）", payees.join("、"))
                },
                case.extra,
                fen_to_yuan_display(case.recoverable),
                if others.is_empty() {
                    String::new()
                } else {
                    format!("，另见{}村居花名册", others.join("、"))
                },
            );
            out.push(
                META.finding(&village, id)
                    .score(75.0)
                    .amount(case.recoverable)
                    .related(others.iter().cloned())
                    .message(message)
                    .evidence(json!({
                        "reason": "funeral_subsidy_twice",
                        "name": who,
                        "villages": case.villages,
                        "extra_payments": case.extra,
                        "recoverable": fen_to_yuan_string(case.recoverable),
                        "payments": case.payments,
                    })),
            );
        }
        Ok(out)
    }
}
