use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    DuesKeys, day, in_row_order, member_key, month_index, month_string, outs_of, subject_of,
    transfers_out,
};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::views::PartyDuesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
Dues paid here for a month after the member's transfer out: a dues row of
the village with an amount for a month that begins after the date of a
转出 letter of the same member (by id number; by name when the transfer
gives none), unless a later 转入 brought the member back first. The month
of the letter itself is not flagged.

## Why it matters
From the letter's date the member belongs to the receiving branch and pays
dues there (《党费收缴、使用和管理的规定》). Dues still booked here are a
transfer on paper only, a member paying twice, or dues entered for a
member who is gone (and pocketed, or used to make a roll look full).

## Parameters
- `min-months` (1): months paid after the transfer to flag.

## Known false positives
A transfer abandoned after its letter was written (the letter then expired
unreceived: PTY003 flags that too), or arrears of the months before the
letter entered under a later month.
";

/// 转出后仍在本村交纳党费.
pub struct DuesAfterTransfer;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_months: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { min_months: 1 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY006",
    name: "dues_after_transfer",
    category: Category::PartyAffairs,
    severity: Severity::Medium,
    summary: "a member transferred out who still pays dues here",
    doc: DOC,
    needs: &[TableKind::PartyDues, TableKind::PartyTransfers],
    processes: &[24, 25],
};

impl Rule for DuesAfterTransfer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(d) = PartyDuesView::load(ds)? else {
            return Ok(vec![]);
        };
        let outs = transfers_out(ds)?;
        if outs.is_empty() {
            return Ok(vec![]);
        }
        let keys = DuesKeys::new(&d);
        // (village, member) → (letter, letter row, [(month, amount, row)]).
        type After = (i32, u32, Vec<(i32, i64, u32)>, String);
        let mut after: BTreeMap<(&str, String), After> = BTreeMap::new();
        for i in in_row_order(d.row) {
            let (Some(v), Some(period)) = (d.village.get(i), d.period.get(i)) else {
                continue;
            };
            let amount = d.amount.get(i).unwrap_or(0);
            if amount <= 0 {
                continue;
            }
            let name = d.name.get(i);
            let id = keys.id(v, d.id.get(i), name);
            let hit = outs_of(&outs, v, id, name)
                .into_iter()
                .find(|o| period > o.letter && o.back_in.is_none_or(|b| period < b));
            let (Some(o), Some(key)) = (hit, member_key(id, name)) else {
                continue;
            };
            let e = after.entry((v, key)).or_insert((
                o.letter,
                o.row,
                vec![],
                name.unwrap_or_default().to_string(),
            ));
            e.2.push((
                month_index(period),
                amount,
                d.row.get(i).unwrap_or_default(),
            ));
        }
        let mut out = Vec::new();
        for ((v, key), (letter, letter_row, mut rows, name)) in after {
            rows.sort();
            let mut months: Vec<i32> = rows.iter().map(|r| r.0).collect();
            months.dedup();
            if months.len() < p.min_months.max(1) {
                continue;
            }
            let total: i64 = rows.iter().map(|r| r.1).sum();
            out.push(
                META.finding(v, subject_of(&key))
                    .amount(total)
                    .score(50.0)
                    .message(format!(
                        "党员“{name}”已于{}开具组织关系转出介绍信，此后仍在本村交纳党费{}个月（{}至{}，共{}），请核实转接是否完成、党费由谁交纳",
                        day(letter),
                        months.len(),
                        month_string(months[0]),
                        month_string(months[months.len() - 1]),
                        fen_to_yuan_display(total)
                    ))
                    .evidence(json!({
                        "name": name,
                        "letter_date": day(letter),
                        "transfer": json!({"row": letter_row}),
                        "dues": rows.iter().map(|r| json!({
                            "period": month_string(r.0), "amount": fen_to_yuan_string(r.1), "row": r.2,
                        })).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
