use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::people::net_of_reversals;
use crate::rules::common::programs::Programs;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
One item (`item_id`: a machine's 出厂编号, a pig's 耳标号 or a 收集单号, a
facility's number) paid more than once by one program, whoever was paid and
in whichever village or period: the join runs over the whole dataset. A cell
listing several items (`耳标号` `A01;A02`) counts each. Item numbers compare
in upper case with spaces, dashes and other punctuation removed; numbers
shorter than `min-item-length`, without a digit (`暂无编号`), or mangled
by Excel (`3.70112E+14`) are ignored: they identify nothing. Reversals cancel the payment they take back. One finding per set
of payments sharing items; the first paid is taken as due, the others are
to recover.

## Why it matters
农机购置补贴 is paid once per machine (a serial claimed twice, or sold on
and claimed again, is 套取); 病死猪无害化处理补贴 once per carcass collected
(an ear tag on two claims is a carcass counted twice); 设施农业 奖补 once per
facility. Two farmers of two villages with one serial is the classic 套补.

## Parameters
- `programs` ([\"农机购置\", \"无害化处理\", \"设施农业\", \"高效农业\"]): program names
  (a roll program containing one of them) whose items are paid once
  (`无害化处理`: 病死猪 and 病死畜禽).
- `min-item-length` (4): characters an item number needs to identify an item.

## Known false positives
A machine returned and replaced under the same serial after a refund that
is not on the roll; a placeholder written in every row (`待补`, `0000`).
";

/// 同一机具/耳标/设施重复补贴.
pub struct SameItem;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
    pub min_item_length: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: ["农机购置", "无害化处理", "设施农业", "高效农业"]
                .map(String::from)
                .to_vec(),
            min_item_length: 4,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "DUP005",
    name: "same_item",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "one item (machine serial, ear tag, facility) paid twice, street-wide",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[8, 9, 31],
};

/// The items a cell names, each in its compared form. A token without a
/// digit (`暂无编号`, `待补`) or in Excel's scientific form (`3.70112E+14`:
/// the digits are lost) identifies nothing.
pub fn items(cell: &str, min_len: usize) -> Vec<String> {
    cell.split([';', '；', ',', '，', '、', '/', '\n'])
        .filter(|t| !excel_mangled(t.trim()))
        .map(|t| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect::<String>()
        })
        .filter(|t| t.chars().count() >= min_len.max(1) && t.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// `3.70112E+14`, `3.7E14`: a long number Excel turned into a float.
fn excel_mangled(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mantissa.contains('.')
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

impl Rule for SameItem {
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
        // (program, item) -> rows
        let mut by_item: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        for i in 0..roll.height() {
            let Some(cell) = roll.item_id.get(i) else {
                continue;
            };
            let pg = roll.program.get(i);
            if !programs.has(pg) {
                continue;
            }
            let Some(which) = pg.and_then(|pg| programs.which(pg)) else {
                continue;
            };
            for item in items(cell, p.min_item_length) {
                by_item.entry((which, item)).or_default().push(i);
            }
        }
        // Sets of payments sharing items: one finding each, naming them all.
        let mut sets: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
        for ((_, item), mut rows) in by_item {
            rows.sort_by_key(|&i| (roll.paid.get(i), roll.row.get(i)));
            rows.dedup();
            let standing = net_of_reversals(&rows, |i| roll.amount(i));
            if standing.len() >= 2 {
                sets.entry(standing).or_default().push(item);
            }
        }
        Ok(sets
            .into_iter()
            .map(|(rows, items)| finding(&roll, &rows, &items))
            .collect())
    }
}

fn finding(roll: &SubsidiesView, rows: &[usize], items: &[String]) -> Finding {
    let case = Case::one_due(roll, rows);
    let village = case.village().unwrap_or_default();
    let others = case.other_villages(&village);
    // The subject: the first recoverable payment's person; the others related.
    let subject = roll.id.get(rows[1]).unwrap_or_default().to_string();
    let ids: BTreeSet<&str> = rows.iter().filter_map(|&i| roll.id.get(i)).collect();
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|&i| roll.name.get(i))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let program = roll.program.get(rows[0]).unwrap_or_default();
    let where_ = if others.is_empty() {
        String::new()
    } else {
        format!("（另见{}村居花名册）", others.join("、"))
    };
    let message = format!(
        "{program}同一编号{}发放{}次（{}），多发{}笔共{}{where_}，请核实机具/耳标/设施是否重复申报并追缴",
        items.join("、"),
        rows.len(),
        names.join("、"),
        case.extra,
        fen_to_yuan_display(case.recoverable),
    );
    let score = if ids.len() > 1 || !others.is_empty() {
        80.0
    } else {
        70.0
    };
    META.finding(&village, &subject)
        .score(score)
        .amount(case.recoverable)
        .related(ids.iter().filter(|&&x| x != subject).map(|x| x.to_string()))
        .related(items.iter().cloned())
        .related(others.iter().cloned())
        .message(message)
        .evidence(json!({
            "reason": "same_item",
            "program": program,
            "items": items,
            "villages": case.villages,
            "extra_payments": case.extra,
            "recoverable": fen_to_yuan_string(case.recoverable),
            "payments": case.payments,
        }))
}

#[cfg(test)]
mod tests {
    use super::items;

    #[test]
    fn items_of_a_cell() {
        assert_eq!(items("LY1504-250312", 4), vec!["LY1504250312"]);
        assert_eq!(items("sj0001；SJ 0002、", 4), vec!["SJ0001", "SJ0002"]);
        assert!(items("暂无编号", 4).is_empty());
        assert!(items("3.70112E+14", 4).is_empty());
        assert!(items("无", 4).is_empty());
    }
}
