use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{lease_evidence, lease_label, leases, term_value};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string, yuan_to_fen};
use crate::rules::common::decisions::DecisionIndex;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A lease whose rent over the whole term (`annual_rent` × the term in months
/ 12) is at or above `threshold` and that has no valid 四议两公开 decision
(no `decision_no`, or one the decisions table does not hold), or that was
not let by one of `open-methods` (公开竞价, 公开招标, 拍卖). One finding per
lease, with both reasons when both hold. A lease without a valid decision
is reported here, not also by DEC001.

## Why it matters
Letting collective assets and resources is a 重大事项: above the line it
goes through 四议两公开 and is let in the open (《农村集体经济组织财务制度》;
local 三资 rules). A lease let by 协商 to the secretary's brother-in-law is
the classic case.

## Parameters
- `threshold` (50000.0): yuan of rent over the term from which the lease needs a decision and open letting.
- `open-methods` ([\"公开竞价\", \"公开招标\", \"拍卖\", \"公开竞拍\", \"竞价\"]): 发包方式 values that are open letting.

## Known false positives
Leases let before the village adopted 四议两公开, renewals to the sitting
tenant approved by a decision recorded under another number, and land let
by 协商 to members of the collective where the law allows it.
";

/// 未经决策或未公开竞价发包.
pub struct NoOpenLetting;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub threshold: f64,
    pub open_methods: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold: 50000.0,
            open_methods: ["公开竞价", "公开招标", "拍卖", "公开竞拍", "竞价"]
                .map(String::from)
                .to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LSE004",
    name: "lease_not_openly_let",
    category: Category::AssetLease,
    severity: Severity::High,
    summary: "lease with rent × term ≥ 50,000 without a valid 四议两公开 decision or not let by 公开竞价/招标/拍卖",
    doc: DOC,
    needs: &[TableKind::Leases],
    processes: &[4, 5],
};

impl Rule for NoOpenLetting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let line = yuan_to_fen(p.threshold);
        let Some(leases) = leases(ds)? else {
            return Ok(vec![]);
        };
        let decisions = DecisionIndex::shared(ds)?;
        let mut out = Vec::new();
        for lease in &leases {
            let Some(value) = term_value(lease).filter(|v| *v >= line) else {
                continue;
            };
            let mut reasons = Vec::new();
            let decided = decisions.covers(&lease.village, &lease.decision);
            if !decided {
                reasons.push(if lease.decision.is_empty() {
                    "无四议两公开决议".to_string()
                } else {
                    format!("所引决议{}不存在", lease.decision)
                });
            }
            let open = p.open_methods.iter().any(|m| *m == lease.procurement);
            if !open {
                let how = if lease.procurement.is_empty() {
                    "未填写"
                } else {
                    lease.procurement.as_str()
                };
                reasons.push(format!("发包方式为“{how}”，未公开竞价"));
            }
            if reasons.is_empty() {
                continue;
            }
            out.push(
                META.finding(&lease.village, &lease.contract)
                    .score(if decided || open { 65.0 } else { 80.0 })
                    .amount(value)
                    .related([lease.lessee_id.clone()])
                    .message(format!(
                        "{}租期内租金合计{}，达到{}限额但{}，请核实是否经四议两公开并公开竞价发包",
                        lease_label(lease),
                        fen_to_yuan_display(value),
                        fen_to_yuan_display(line),
                        reasons.join("、")
                    ))
                    .evidence(json!({
                        "lease": lease_evidence(lease),
                        "term_value": fen_to_yuan_string(value),
                        "threshold": fen_to_yuan_string(line),
                        "decision_valid": decided,
                        "open_letting": open,
                    })),
            );
        }
        Ok(out)
    }
}
