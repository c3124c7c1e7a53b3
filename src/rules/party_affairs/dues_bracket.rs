use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{DuesKeys, in_row_order, month_index, month_string, subject_of};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string, yuan_to_fen};
use crate::rules::common::views::PartyDuesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A member whose dues for a month (the month's rows summed: 补交 and split
rows count together) are below what the bracket for the member's type and
base income asks, by more than `tolerance`:
- members with a salary (`在职` and any type not listed below) with a
  `base_income`: the rate of the first of `brackets` whose upper bound
  (yuan, inclusive) the income does not exceed, else `top-rate`;
- retirees (a type containing one of `retiree-types`): `retiree-brackets`,
  else `retiree-top-rate`;
- farmers, students, the unemployed and those on 低保 or relief (a type
  containing one of `flat-types`): at least `flat-minimum` yuan.
The amount due is the base times the rate, rounded half up to the fen. A
row of no amount is an unpaid month (PTY005), not a low one. A salaried
member with no base income is not judged.

## Why it matters
《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号) sets the
brackets; dues below them, month after month, are a branch not collecting
what the rules ask, or dues pocketed in part.

## Parameters
- `brackets` ([[3000.0, 0.005], [5000.0, 0.01], [10000.0, 0.015]]): (upper
  bound of monthly base income in yuan, rate).
- `top-rate` (0.02): above the last bound.
- `retiree-brackets` ([[5000.0, 0.005]]) and `retiree-top-rate` (0.01).
- `flat-minimum` (0.2): yuan a month for the flat types (0.2–1 yuan).
- `tolerance` (0.1): yuan below the amount due that is still accepted (a
  branch that rounds to the 角).
- `retiree-types` ([\"离休\", \"退休\"]), `flat-types` ([\"农民\", \"农村\", \"学生\",
  \"下岗\", \"失业\", \"低保\", \"救济\", \"抚恤\"]): words of `member_type`.

## Known false positives
A base income entered wrong or for another month; a member the branch
allowed to pay less (困难党员 with the 上级党委's approval).
";

/// 党费低于标准.
pub struct DuesBracket;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub brackets: Vec<(f64, f64)>,
    pub top_rate: f64,
    pub retiree_brackets: Vec<(f64, f64)>,
    pub retiree_top_rate: f64,
    pub flat_minimum: f64,
    pub tolerance: f64,
    pub retiree_types: Vec<String>,
    pub flat_types: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            brackets: vec![(3000.0, 0.005), (5000.0, 0.01), (10000.0, 0.015)],
            top_rate: 0.02,
            retiree_brackets: vec![(5000.0, 0.005)],
            retiree_top_rate: 0.01,
            flat_minimum: 0.2,
            tolerance: 0.1,
            retiree_types: ["离休", "退休"].map(String::from).to_vec(),
            flat_types: [
                "农民", "农村", "学生", "下岗", "失业", "低保", "救济", "抚恤",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY004",
    name: "dues_bracket",
    category: Category::PartyAffairs,
    severity: Severity::Medium,
    summary: "party dues below the bracket for the member's type and base income",
    doc: DOC,
    needs: &[TableKind::PartyDues],
    processes: &[25],
};

/// The amount due in fen, the rule that set it (for the message), and
/// whether it is a rate of the income (else the flat minimum).
fn due(p: &Params, member_type: &str, base: Option<i64>) -> Option<(i64, String, bool)> {
    let has = |words: &[String]| words.iter().any(|w| member_type.contains(w.as_str()));
    let rated = |brackets: &[(f64, f64)], top: f64, base: i64| {
        let rate = brackets
            .iter()
            .find(|(bound, _)| base <= yuan_to_fen(*bound))
            .map_or(top, |b| b.1);
        // Half up to the fen; the epsilon absorbs the binary rate.
        let fen = (base as f64 * rate + 0.5 + 1e-7).floor() as i64;
        (
            fen,
            format!("基数{}×{}%", fen_to_yuan_display(base), rate * 100.0),
            true,
        )
    };
    if has(&p.retiree_types) {
        return base.map(|b| rated(&p.retiree_brackets, p.retiree_top_rate, b));
    }
    if has(&p.flat_types) {
        return Some((
            yuan_to_fen(p.flat_minimum),
            "每月最低标准".to_string(),
            false,
        ));
    }
    base.filter(|b| *b > 0)
        .map(|b| rated(&p.brackets, p.top_rate, b))
}

impl Rule for DuesBracket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(d) = PartyDuesView::load(ds)? else {
            return Ok(vec![]);
        };
        let tolerance = yuan_to_fen(p.tolerance);
        let keys = DuesKeys::new(&d);
        // (village, member, month) → (sum, max base, type, rows, name).
        type Month<'a> = (i64, Option<i64>, &'a str, Vec<u32>, &'a str);
        let mut months: BTreeMap<(&str, String, i32), Month> = BTreeMap::new();
        for i in in_row_order(d.row) {
            let (Some(v), Some(period)) = (d.village.get(i), d.period.get(i)) else {
                continue;
            };
            let Some(key) = keys.key(v, d.id.get(i), d.name.get(i)) else {
                continue;
            };
            let e = months.entry((v, key, month_index(period))).or_insert((
                0,
                None,
                "",
                vec![],
                d.name.get(i).unwrap_or_default(),
            ));
            e.0 += d.amount.get(i).unwrap_or(0);
            if let Some(b) = d.base_income.get(i) {
                e.1 = Some(e.1.map_or(b, |x: i64| x.max(b)));
            }
            if let Some(t) = d.member_type.get(i).filter(|t| !t.is_empty()) {
                e.2 = t;
            }
            e.3.push(d.row.get(i).unwrap_or_default());
        }
        // One finding per member: the months below the bracket.
        let mut per_member: BTreeMap<(&str, String), Vec<(i32, i64, i64, String, Month)>> =
            BTreeMap::new();
        for ((v, key, m), month) in months {
            if month.0 <= 0 {
                continue;
            }
            let Some((fen, how, rated)) = due(&p, month.2, month.1) else {
                continue;
            };
            // The tolerance absorbs rounding a percentage; a flat minimum is exact.
            let slack = if rated { tolerance } else { 0 };
            if month.0 < fen - slack {
                per_member
                    .entry((v, key))
                    .or_default()
                    .push((m, month.0, fen, how, month));
            }
        }
        let mut out = Vec::new();
        for ((v, key), low) in per_member {
            let short: i64 = low.iter().map(|x| x.2 - x.1).sum();
            let first = &low[0];
            let name = first.4.4;
            let months: Vec<String> = low.iter().map(|x| month_string(x.0)).collect();
            out.push(
                META.finding(v, subject_of(&key))
                    .amount(short)
                    .score(45.0 + (low.len() as f64).min(12.0) * 2.0)
                    .message(format!(
                        "党员“{name}”（{}）{}个月党费低于标准，如{}交纳{}，应交不少于{}（{}），合计少交{}，请核实交纳基数和标准",
                        if first.4.2.is_empty() { "人员类别未填" } else { first.4.2 },
                        low.len(),
                        month_string(first.0),
                        fen_to_yuan_display(first.1),
                        fen_to_yuan_display(first.2),
                        first.3,
                        fen_to_yuan_display(short)
                    ))
                    .evidence(json!({
                        "name": name,
                        "member_type": first.4.2,
                        "months": months,
                        "rows": low.iter().map(|x| json!({
                            "period": month_string(x.0),
                            "rows": x.4.3.iter().map(|r| json!({"row": r})).collect::<Vec<_>>(),
                            "base_income": x.4.1.map(fen_to_yuan_string),
                            "paid": fen_to_yuan_string(x.1),
                            "due": fen_to_yuan_string(x.2),
                            "rule": x.3,
                        })).collect::<Vec<_>>(),
                        "short_total": fen_to_yuan_string(short),
                    })),
            );
        }
        Ok(out)
    }
}
