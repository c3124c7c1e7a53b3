use std::collections::{BTreeMap, BTreeSet, HashSet};

use polars::prelude::*;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::keyed;
use crate::rules::common::people::{
    self, month_ranges, month_string, net_of_reversals, program_is,
};
use crate::rules::common::util::Text;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
One id number paid more than once for the same program and the same period
(发放期间), in one village or across villages: the join runs over the whole
dataset, so a person on two villages' rolls is found. Reversals (a negative
amount of the same size) cancel the payment they take back. For programs
where one person may legitimately be paid several times in a month (per head,
per machine, per event: `multi-row-programs`), only payments identical in
amount and quantity count as duplicates. Land-acquisition compensation is
judged per batch (`land_compensation.batch_no`) and crop-insurance claims
per crop and year: one id paid twice there is a duplicate too. One finding per person and program,
listing every payment row of the duplicated periods; the amount is what was
paid beyond one payment per period (the earliest paid is taken as the due
one).

Id numbers that fail the GB 11643 check or were mangled by Excel never match;
15-digit numbers are upgraded by the loader and match their 18-digit form.

## Why it matters
重复享受 is the commonest finding of every 大数据监督 platform: the same
person entered twice in one batch, carried into a second batch, or kept on
the roll of the village they left. Each extra payment is to be recovered
(追缴).

## Parameters
- `multi-row-programs` ([\"病死猪无害化处理补贴\", \"农机购置补贴\", \"临时救助\"]): programs paid per event, head or machine; only identical payments count.
- `annual-programs` ([\"耕地地力保护补贴\"]): programs paid once a year: their period is the year, so two villages paying one person in different months are found.
- `min-payments` (2): payments in one period that make a duplicate.

## Known false positives
A 补发 batch that pays arrears or a raised standard for a period already paid
(the amounts then usually differ: check the batch's 审批 papers). Two land
plots entered as two rows of 耕地地力保护补贴, or a yearly program paid in two
installments (remove it from `annual-programs`).
";

/// 重复享受: one id number paid twice for one program and period.
pub struct DuplicatePayment;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub multi_row_programs: Vec<String>,
    pub annual_programs: Vec<String>,
    pub min_payments: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            multi_row_programs: ["病死猪无害化处理补贴", "农机购置补贴", "临时救助"]
                .map(String::from)
                .to_vec(),
            annual_programs: ["耕地地力保护补贴"].map(String::from).to_vec(),
            min_payments: 2,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "DUP001",
    name: "duplicate_payment",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "one id paid twice for one program and period (street-wide)",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 28, 29, 31],
};

impl Rule for DuplicatePayment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let min_payments = p.min_payments.max(2);
        let mut other = super::other_tables::repeated(ds, &META, min_payments)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(other);
        };
        let SubsidiesView {
            df,
            program,
            period,
            ..
        } = roll;
        let (program_codes, due, annual) = due_periods(&p, program, period);
        // Candidates: rows whose (id, program, period) occurs more than once.
        // A number that is not 17 digits and a check character is never
        // valid (the loop below skips it): only numbers as integers are keyed.
        let ids: Vec<Option<u64>> = roll
            .id
            .iter()
            .map(|id| id.and_then(id_as_integer))
            .collect();
        let key = |i: usize| {
            let period = (u64::from(program_codes[i]?) << 32) | u64::from(due[i]? as u32);
            Some((ids[i]?, period))
        };
        let wanted = keyed::rows_of_groups(ids.len(), key, |_| true);
        let mut keyed = df.clone();
        keyed
            .with_column(Column::new("__due".into(), due))
            .map_err(Error::in_a_rule)?;
        let cand = keyed
            .take(&IdxCa::from_vec("__i".into(), wanted))
            .map_err(Error::in_a_rule)?;
        let r = SubsidiesView::of(&cand)?;
        let due = cand
            .column("__due")
            .and_then(|c| c.i32())
            .map_err(Error::in_a_rule)?;

        // (id, program) -> period -> rows
        type Key<'s> = (&'s str, &'s str);
        let mut groups: BTreeMap<Key, BTreeMap<i32, Vec<usize>>> = BTreeMap::new();
        for i in 0..r.height() {
            let id = r.str(r.id, i);
            let Some(m) = due.get(i) else { continue };
            if !people::valid_id(id) {
                continue;
            }
            groups
                .entry((id, r.program.get(i).unwrap_or_default()))
                .or_default()
                .entry(m)
                .or_default()
                .push(i);
        }

        let mut out = Vec::new();
        for ((id, program), periods) in groups {
            let multi = p.multi_row_programs.iter().any(|c| program_is(c, program));
            let yearly = annual.contains(program);
            let mut months = BTreeSet::new();
            let mut case = Case::default();
            let mut identical = true;
            for (m, mut idx) in periods {
                // Earliest paid first: that one is taken as the due payment.
                idx.sort_by_key(|&i| (r.paid.get(i), r.str(r.village, i), r.row.get(i)));
                let standing = net_of_reversals(&idx, |i| r.amount(i));
                let sets: Vec<Vec<usize>> = if multi {
                    identical_payments(&standing, &r)
                } else {
                    vec![standing]
                };
                let sets: Vec<Vec<usize>> = sets
                    .into_iter()
                    .filter(|s| s.len() >= min_payments)
                    .collect();
                if sets.is_empty() {
                    continue;
                }
                months.insert(m);
                for dups in &sets {
                    let first = r.amount(dups[0]);
                    identical &= dups.iter().all(|&i| r.amount(i) == first);
                    for &i in &dups[1..] {
                        case.recover(&r, i);
                    }
                }
                for &i in &idx {
                    case.list(&r, i);
                }
            }
            if months.is_empty() {
                continue;
            }
            out.push(case_finding(
                &r,
                (id, program),
                yearly,
                &months,
                case,
                identical,
            ));
        }
        out.append(&mut other);
        Ok(out)
    }
}

/// Each row's program as a small number and the period it is due for: its
/// month, or its year for a program paid once a year (two villages may pay
/// it in different months); and the annual programs.
#[allow(clippy::type_complexity)]
fn due_periods<'a>(
    p: &Params,
    program: Text<'a>,
    period: &Int32Chunked,
) -> (Vec<Option<u32>>, Vec<Option<i32>>, HashSet<&'a str>) {
    // Each program as a small number (rows of one program come in runs:
    // the last one is remembered), judged annual once.
    let mut codes: PlHashMap<&str, u32> = PlHashMap::default();
    let mut distinct: Vec<&str> = Vec::new();
    let mut last: Option<(&str, u32)> = None;
    let program_codes: Vec<Option<u32>> = program
        .iter()
        .map(|pg| {
            let pg = pg?;
            if let Some((l, c)) = last
                && l == pg
            {
                return Some(c);
            }
            let c = *codes.entry(pg).or_insert_with(|| {
                distinct.push(pg);
                (distinct.len() - 1) as u32
            });
            last = Some((pg, c));
            Some(c)
        })
        .collect();
    let is_annual: Vec<bool> = distinct
        .iter()
        .map(|pg| p.annual_programs.iter().any(|c| program_is(c, pg)))
        .collect();
    let annual: HashSet<&str> = distinct
        .iter()
        .zip(&is_annual)
        .filter(|(_, a)| **a)
        .map(|(pg, _)| *pg)
        .collect();
    // Periods come in runs of equal dates: the last month is remembered.
    let mut last_month: Option<(i32, Option<i32>)> = None;
    let due: Vec<Option<i32>> = program_codes
        .iter()
        .zip(period.iter())
        .map(|(pg, per)| {
            let per = per?;
            let m = match last_month {
                Some((d, m)) if d == per => m,
                _ => {
                    let m = people::month_of(per);
                    last_month = Some((per, m));
                    m
                }
            }?;
            Some(if pg.is_some_and(|c| is_annual[c as usize]) {
                m - m.rem_euclid(12)
            } else {
                m
            })
        })
        .collect();
    (program_codes, due, annual)
}

/// The finding of one person's program paid more than once per period.
fn case_finding(
    r: &SubsidiesView,
    (id, program): (&str, &str),
    yearly: bool,
    months: &BTreeSet<i32>,
    case: Case,
    identical: bool,
) -> Finding {
    // The village holding most of the extra payments answers for them.
    let village = case.village().unwrap_or_default();
    let others = case.other_villages(&village);
    let who = case.name(r);
    let (extra_total, extra_count) = (case.recoverable, case.extra);
    let where_ = if others.is_empty() {
        String::new()
    } else {
        format!("，同期另列入{}村居花名册", others.join("、"))
    };
    let when = if yearly {
        months
            .iter()
            .map(|m| format!("{}年度", m.div_euclid(12)))
            .collect::<Vec<_>>()
            .join("、")
    } else {
        format!("在{}每期", month_ranges(months))
    };
    let message = format!(
        "{who}（身份证号{id}）{program}{when}应发1笔，实际多发{extra_count}笔共{}{where_}，请核实并追缴",
        fen_to_yuan_display(extra_total)
    );
    let mut score = 70.0 + 5.0 * (months.len().min(4) as f64 - 1.0);
    if !others.is_empty() {
        score += 5.0;
    }
    if !identical {
        score -= 15.0;
    }
    META.finding(&village, id)
        .score(score.min(95.0))
        .amount(extra_total)
        .related(others.iter().cloned())
        .related(case.batches.iter().cloned())
        .message(message)
        .evidence(json!({
            "reason": "same_program_same_period",
            "id_number": id,
            "name": who,
            "program": program,
            "periods": months.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
            "yearly_program": yearly,
            "villages": case.villages,
            "extra_payments": extra_count,
            "recoverable": fen_to_yuan_string(extra_total),
            "payments": case.payments,
        }))
}

/// An 18-character id number (17 digits and a check character) as one
/// integer, equal for equal numbers; `None` for anything else.
fn id_as_integer(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    if b.len() != 18 {
        return None;
    }
    let mut v = 0u64;
    for &c in &b[..17] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    let check = match b[17] {
        c @ b'0'..=b'9' => u64::from(c - b'0'),
        b'X' => 10,
        b'x' => 11,
        _ => return None,
    };
    Some(v * 12 + check)
}

/// Among one period's payments of a per-event program, the sets of payments
/// equal in amount and quantity: only these are duplicates. Each set keeps
/// paid-date order, so its first payment stays the due one.
fn identical_payments(standing: &[usize], r: &SubsidiesView) -> Vec<Vec<usize>> {
    let mut by: BTreeMap<(i64, Option<u64>), Vec<usize>> = BTreeMap::new();
    for &i in standing {
        by.entry((r.amount(i), r.quantity.get(i).map(f64::to_bits)))
            .or_default()
            .push(i);
    }
    by.into_values().filter(|v| v.len() > 1).collect()
}

#[cfg(test)]
mod tests {
    use super::id_as_integer;

    #[test]
    fn id_numbers_as_integers() {
        let a = id_as_integer("37010219570331479X");
        assert!(a.is_some());
        assert_eq!(a, id_as_integer("37010219570331479X"));
        assert_ne!(a, id_as_integer("370102195703314790"));
        assert_ne!(a, id_as_integer("37010219570331479x"));
        assert_ne!(
            id_as_integer("370102195703314791"),
            id_as_integer("370102195703314801")
        );
        assert_eq!(id_as_integer("3701021957033147"), None);
        assert_eq!(id_as_integer("3701021957O331479X"), None);
    }
}
