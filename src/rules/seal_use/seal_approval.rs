use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::signer;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::matching::names::{normalize, pinyin_key};
use crate::rules::common::util::day_string;
use crate::rules::common::views::{CadresView, HouseholdsView, SealLogView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A use of a village seal with no approver (blank, or one of `no-approver`),
or approved by its own applicant: the two names equal once normalised
(spaces, widths, traditional characters, a bracketed note such as
`王建国（书记）` dropped), or homophones (张伟/张玮) when
the village's cadres and register do not hold both names as two people
(then they are taken for one person written two ways; medium).

## Why it matters
印章管理 in 小微权力清单 (process 26): every use is applied for by one
person and approved by another (the branch secretary or whom he names). A
use nobody approved, or one the applicant approved himself, is how a seal
ends up on a contract, a certificate or a receipt no one decided on.

## Parameters
- `no-approver` ([\"无\", \"/\", \"-\", \"—\", \"空\", \"未审批\"]): approver
  values that mean none.
- `homophones` (true): also flag an approver whose name is a homophone of
  the applicant's, unless both are known as two people.

## Known false positives
A branch secretary applying for a seal he may approve under the village's
own rules (a 授权 in writing); two people whose names are homophones and
one of whom is in neither the cadres' list nor the register.
";

/// 用印无审批或自批.
pub struct SealApproval;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub no_approver: Vec<String>,
    pub homophones: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            no_approver: ["无", "/", "-", "—", "空", "未审批"]
                .map(String::from)
                .to_vec(),
            homophones: true,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "SEA001",
    name: "seal_approval",
    category: Category::SealUse,
    severity: Severity::High,
    summary: "seal used with no approver, or approved by its own applicant",
    doc: DOC,
    needs: &[TableKind::SealLog],
    processes: &[26],
};

/// Names each village knows as distinct persons (cadres, register).
fn known_names(ds: &Dataset) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if let Some(c) = CadresView::load(ds)? {
        for i in 0..c.height() {
            if let (Some(v), Some(n)) = (c.village.get(i), c.name.get(i)) {
                known.entry(v.to_string()).or_default().insert(normalize(n));
            }
        }
    }
    if let Some(h) = HouseholdsView::load(ds)? {
        for i in 0..h.height() {
            if let (Some(v), Some(n)) = (h.village.get(i), h.name.get(i)) {
                known.entry(v.to_string()).or_default().insert(normalize(n));
            }
        }
    }
    Ok(known)
}

impl Rule for SealApproval {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(s) = SealLogView::load(ds)? else {
            return Ok(vec![]);
        };
        let known = if p.homophones {
            known_names(ds)?
        } else {
            BTreeMap::new()
        };
        let mut out = Vec::new();
        for i in 0..s.height() {
            let (Some(v), Some(entry)) = (s.village.get(i), s.entry.get(i)) else {
                continue;
            };
            let applicant = normalize(signer(s.applicant.get(i).unwrap_or_default()));
            let approver_raw = s.approver.get(i).unwrap_or_default();
            let approver = normalize(signer(approver_raw));
            let none = approver.is_empty()
                || p.no_approver
                    .iter()
                    .any(|x| x.trim() == approver_raw.trim());
            let (what, severity) = if none {
                ("无审批人".to_string(), Severity::High)
            } else if applicant.is_empty() {
                continue;
            } else if approver == applicant {
                (format!("审批人与经办人同为“{approver}”"), Severity::High)
            } else if p.homophones
                && pinyin_key(&approver) == pinyin_key(&applicant)
                && !known
                    .get(v)
                    .is_some_and(|k| k.contains(&approver) && k.contains(&applicant))
            {
                (
                    format!("审批人“{approver}”与经办人“{applicant}”姓名同音，疑为同一人"),
                    Severity::Medium,
                )
            } else {
                continue;
            };
            let ref_no = s.ref_no.get(i).unwrap_or_default();
            out.push(
                META.finding(v, entry)
                    .severity(severity)
                    .score(if severity == Severity::High { 60.0 } else { 45.0 })
                    .related([ref_no.to_string()])
                    .message(format!(
                        "印章使用登记{entry}（{}，{}）{what}，请核实用印是否经审批、审批人是否本人签字",
                        s.date.get(i).map(day_string).unwrap_or_default(),
                        s.purpose.get(i).unwrap_or_default()
                    ))
                    .evidence(json!({
                        "row": s.row.get(i).unwrap_or_default(),
                        "entry_no": entry,
                        "date": s.date.get(i).map(day_string),
                        "seal": s.seal.get(i).unwrap_or_default(),
                        "purpose": s.purpose.get(i).unwrap_or_default(),
                        "ref_no": ref_no,
                        "applicant": s.applicant.get(i).unwrap_or_default(),
                        "approver": approver_raw,
                    })),
            );
        }
        Ok(out)
    }
}
