use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::views::{CadresView, ContractsView, RelativesView};
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::id_number::credit_code_valid;
use crate::dataset::{Dataset, IssueKind, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
Id numbers that cannot be a real person's: 18-character numbers failing the
GB 11643 check character (ISO 7064 MOD 11-2), numbers whose birth date does
not exist, numbers of the wrong length, and numbers Excel turned into
`3.70102E+17` (the digits are lost). One finding per village and id number as
written, listing every table, row and column where it appears. Credit codes
failing the GB 32100 check are reported at low severity.

15-digit legacy numbers are upgraded to 18 digits by the loader, not flagged.

## Why it matters
An id number that fails its check cannot be matched against the death
register, the other rolls or the cadres' relatives: every rule that joins on
id numbers is blind to that person. A made-up number on a 低保 roll is also
how a 冒名顶替 payment hides.

## Parameters
- `check-credit-codes` (true): also check contract vendors' 统一社会信用代码.
- `max-rows-in-evidence` (20): rows listed per finding; the count is always given.

## Known false positives
Early pilot credit codes issued before GB 32100 was fixed may fail the check
legitimately, hence low severity. A typo made when the roll was typed in is a
data-quality problem, not misconduct: the message asks the officer to
have the record corrected against the 户籍 system.
";

/// 身份证号异常: malformed or impossible id numbers and credit codes.
pub struct InvalidId;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub check_credit_codes: bool,
    pub max_rows_in_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            check_credit_codes: true,
            max_rows_in_evidence: 20,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ID001",
    name: "invalid_id",
    category: Category::InvalidId,
    severity: Severity::Medium,
    summary: "id numbers failing GB 11643, impossible dates, Excel-mangled; credit codes failing GB 32100 (low)",
    doc: DOC,
    needs: &[],
    processes: &[],
};

/// Where a bad number was seen: table (Chinese), row, column, problem, kind.
type Occurrence = (&'static str, usize, String, String, IssueKind);

impl Rule for InvalidId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        // Relatives carry no village: take the declaring cadre's.
        let cadre_village = cadre_villages(ds)?;
        let relatives = RelativesView::load(ds)?;
        let relative_village = |row: usize| -> Option<String> {
            let rel = relatives?;
            let idx = rel.row.iter().position(|r| r == Some(row as u32))?;
            rel.cadre_id
                .get(idx)
                .and_then(|c| cadre_village.get(c).cloned())
        };

        // (village, id as written) -> occurrences
        let mut groups: BTreeMap<(String, String), Vec<Occurrence>> = BTreeMap::new();
        for issue in ds
            .issues
            .iter()
            .filter(|i| matches!(i.kind, IssueKind::InvalidId | IssueKind::ExcelMangledId))
        {
            let village = match (&issue.village_code, issue.table) {
                (Some(v), _) => v.clone(),
                (None, TableKind::Relatives) => relative_village(issue.row).unwrap_or_default(),
                (None, _) => String::new(),
            };
            groups
                .entry((village, issue.value.trim().to_string()))
                .or_default()
                .push((
                    issue.table.label_zh(),
                    issue.row,
                    issue.column.clone(),
                    issue.reason.clone(),
                    issue.kind,
                ));
        }
        let mut out = Vec::new();
        for ((village, written), occ) in groups {
            let mangled = occ.iter().any(|o| o.4 == IssueKind::ExcelMangledId);
            let normalised = crate::dataset::normalize::clean_code(&written);
            let reason = occ[0].3.clone();
            let rows: Vec<_> = occ
                .iter()
                .take(p.max_rows_in_evidence)
                .map(|(t, r, c, why, _)| json!({"table": t, "row": r, "column": c, "problem": why}))
                .collect();
            let tables: Vec<&str> = {
                let mut t: Vec<&str> = occ.iter().map(|o| o.0).collect();
                t.sort();
                t.dedup();
                t
            };
            let message = if mangled {
                format!(
                    "身份证号“{written}”被Excel转为科学计数法，数字已丢失（见{}，共{}处），请调取原始登记信息补正后重新比对",
                    tables.join("、"),
                    occ.len()
                )
            } else {
                format!(
                    "身份证号“{written}”不合规（{}，见{}，共{}处），请与户籍系统核对，排查冒名、虚报",
                    reason_zh(&reason),
                    tables.join("、"),
                    occ.len()
                )
            };
            out.push(
                META.finding(&village, &written)
                    .score(if mangled { 35.0 } else { 45.0 })
                    .related([normalised])
                    .message(message)
                    .evidence(json!({"id_as_written": written, "problem": reason, "occurrences": occ.len(), "rows": rows})),
            );
        }
        if p.check_credit_codes {
            out.extend(credit_codes(ds)?);
        }
        Ok(out)
    }
}

fn reason_zh(reason: &str) -> &'static str {
    if reason.starts_with("check character") {
        "校验码错误"
    } else if reason.starts_with("impossible birth") {
        "出生日期不存在"
    } else {
        "位数或字符错误"
    }
}

fn cadre_villages(ds: &Dataset) -> Result<HashMap<String, String>> {
    let mut m = HashMap::new();
    if let Some(cadres) = CadresView::load(ds)? {
        for (id, v) in cadres.id.iter().zip(cadres.village.iter()) {
            if let (Some(id), Some(v)) = (id, v) {
                m.insert(id.to_string(), v.to_string());
            }
        }
    }
    Ok(m)
}

fn credit_codes(ds: &Dataset) -> Result<Vec<Finding>> {
    let Some(contracts) = ContractsView::load(ds)? else {
        return Ok(vec![]);
    };
    let ContractsView {
        vendor_credit_code: cc,
        village: vs,
        vendor,
        row: rows,
        ..
    } = contracts;
    let mut groups: BTreeMap<(String, String), (String, Vec<u32>)> = BTreeMap::new();
    for i in 0..contracts.height() {
        let (Some(c), Some(v)) = (cc.get(i), vs.get(i)) else {
            continue;
        };
        if c.is_empty() || credit_code_valid(c) {
            continue;
        }
        let e = groups.entry((v.to_string(), c.to_string())).or_default();
        e.0 = vendor.get(i).unwrap_or_default().to_string();
        e.1.push(rows.get(i).unwrap_or_default());
    }
    Ok(groups
        .into_iter()
        .map(|((village, c), (vendor, rows))| {
            META.finding(&village, &c).severity(Severity::Low)
                .score(15.0)
                .message(format!(
                    "承包方“{vendor}”的统一社会信用代码“{c}”未通过GB 32100校验（共{}份合同），请在国家企业信用信息公示系统核实主体",
                    rows.len()
                ))
                .evidence(json!({"vendor": vendor, "credit_code": c, "contract_rows": rows}))
        })
        .collect())
}
