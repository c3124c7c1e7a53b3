use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::views::{CadresView, ContractsView, RelativesView};
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::id_number::{credit_check_char, credit_code_valid};
use crate::dataset::{Dataset, IssueKind, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::text::clean_code;

const DOC: &str = "\
## What it flags
Id numbers that cannot be a real person's: 18-character numbers failing the
GB 11643 check character (ISO 7064 MOD 11-2), numbers whose birth date does
not exist, numbers of the wrong length, and numbers Excel turned into
`3.70102E+17` (the digits are lost). One finding per village and number as
written, with the count of its occurrences and the table, row and column of
each (up to `max-rows-in-evidence`).

A party column (ledger `counterparty_id`, contracts `vendor_id_number` and
`vendor_legal_rep_id`) names a person **or** an organisation: a valid
统一社会信用代码 there is the party's key, not an invalid id; a credit code
failing the GB 32100 check (there or in `vendor_credit_code`) is reported
at low severity. A passport, a 港澳台 permit or a legacy 9-character
组织机构代码 (GB 11714) in any id column is no id number to check: the
loader keeps it out of matching and counts it in run.json, and no finding
is made.

Data quality ranks below every lead: an id scores 30, lost digits 25, a
credit code 15, under the floor of every case rule (40).

15-digit legacy numbers are upgraded to 18 digits by the loader, not flagged.

## Why it matters
An id number that fails its check cannot be matched against the death
register, the other rolls or the cadres' relatives: every rule that joins on
id numbers is blind to that person. A made-up number on a 低保 roll is also
how a 冒名顶替 payment hides.

## Parameters
- `check-credit-codes` (true): also report 统一社会信用代码 failing GB 32100 (contracts' `vendor_credit_code`, credit codes in party columns).
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

/// Where a bad number was seen, and how it was written there.
struct Occurrence {
    /// The table's Chinese name.
    table: &'static str,
    row: usize,
    column: String,
    written: String,
    reason: String,
    kind: IssueKind,
}

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

        // (village, number cleaned: case, spaces and full width folded) ->
        // occurrences: `…136a` and `…136A` are one number.
        let mut groups: BTreeMap<(String, String), Vec<Occurrence>> = BTreeMap::new();
        for issue in ds.issues.iter().filter(|i| {
            matches!(
                i.kind,
                IssueKind::InvalidId | IssueKind::ExcelMangledId | IssueKind::InvalidCreditCode
            )
        }) {
            if issue.kind == IssueKind::InvalidCreditCode && !p.check_credit_codes {
                continue;
            }
            let village = match (&issue.village_code, issue.table) {
                (Some(v), _) => v.clone(),
                (None, TableKind::Relatives) => relative_village(issue.row).unwrap_or_default(),
                (None, _) => String::new(),
            };
            groups
                .entry((village, clean_code(&issue.value)))
                .or_default()
                .push(Occurrence {
                    table: issue.table.label_zh(),
                    row: issue.row,
                    column: issue.column.clone(),
                    written: issue.value.trim().to_string(),
                    reason: issue.reason.clone(),
                    kind: issue.kind,
                });
        }
        if p.check_credit_codes {
            contract_credit_codes(ds, &mut groups)?;
        }
        let mut out = Vec::new();
        for ((village, number), mut occ) in groups {
            occ.sort_by(|a, b| (a.table, a.row).cmp(&(b.table, b.row)));
            out.push(one_number(&p, village, number, &occ));
        }
        Ok(out)
    }
}

/// The finding of one bad number in one village: every occurrence
/// counted, the first `max-rows-in-evidence` rows listed. Scores stay
/// under every case rule's floor (40), so that data quality ranks below
/// every lead: an id 30, digits lost 25, a credit code 15 (low).
fn one_number(p: &Params, village: String, number: String, occ: &[Occurrence]) -> Finding {
    let mangled = occ.iter().any(|o| o.kind == IssueKind::ExcelMangledId);
    let credit = occ.iter().all(|o| o.kind == IssueKind::InvalidCreditCode);
    // The subject is the number as first written (file order); the cleaned
    // form is among the related ids.
    let written = occ[0].written.clone();
    let reason = occ[0].reason.clone();
    let rows: Vec<_> = occ
        .iter()
        .take(p.max_rows_in_evidence)
        .map(|o| {
            json!({"table": o.table, "row": o.row, "column": o.column, "written": o.written, "problem": o.reason})
        })
        .collect();
    let mut tables: Vec<&str> = occ.iter().map(|o| o.table).collect();
    tables.sort();
    tables.dedup();
    let (tables, n) = (tables.join("、"), occ.len());
    let (message, score) = if credit {
        (
            format!(
                "统一社会信用代码“{written}”未通过GB 32100校验（见{tables}，共{n}处），请在国家企业信用信息公示系统核实主体"
            ),
            15.0,
        )
    } else if mangled {
        (
            format!(
                "身份证号“{written}”被Excel转为科学计数法，数字已丢失（见{tables}，共{n}处），请调取原始登记信息补正后重新比对"
            ),
            25.0,
        )
    } else {
        (
            format!(
                "身份证号“{written}”不合规（{}，见{tables}，共{n}处），请与户籍系统核对，排查冒名、虚报",
                reason_zh(&reason)
            ),
            30.0,
        )
    };
    let f = META
        .finding(&village, &written)
        .score(score)
        .related([number]);
    let f = if credit { f.severity(Severity::Low) } else { f };
    let key = if credit {
        "credit_code"
    } else {
        "id_as_written"
    };
    f.message(message).evidence(json!({
        key: written, "problem": reason, "occurrences": n, "rows": rows
    }))
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

/// Contracts' `vendor_credit_code` failing GB 32100 (a `Code` column: the
/// loader keeps it as written), as occurrences beside the loader's.
fn contract_credit_codes(
    ds: &Dataset,
    groups: &mut BTreeMap<(String, String), Vec<Occurrence>>,
) -> Result<()> {
    let Some(contracts) = ContractsView::load(ds)? else {
        return Ok(());
    };
    let ContractsView {
        vendor_credit_code: cc,
        village: vs,
        row: rows,
        ..
    } = contracts;
    for i in 0..contracts.height() {
        let (Some(c), Some(v)) = (cc.get(i), vs.get(i)) else {
            continue;
        };
        if c.is_empty() || credit_code_valid(c) {
            continue;
        }
        let why = match c.get(..17).and_then(credit_check_char) {
            Some(e) if c.len() == 18 => {
                format!("credit code check character should be {e} (GB 32100)")
            }
            _ => "not an 18-character credit code (GB 32100)".to_string(),
        };
        groups
            .entry((v.to_string(), clean_code(c)))
            .or_default()
            .push(Occurrence {
                table: TableKind::Contracts.label_zh(),
                row: rows.get(i).unwrap_or_default() as usize,
                column: "vendor_credit_code".into(),
                written: c.to_string(),
                reason: why,
                kind: IssueKind::InvalidCreditCode,
            });
    }
    Ok(())
}
