use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::keyed;
use crate::rules::common::people::{self, ProgramMatch, month_ranges, month_string};
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
One id number paid in the same period (发放期间) by two programs that exclude
each other: by default 城乡低保 with 特困供养, and 残疾人两项补贴 生活补贴 with
特困供养. The join runs over the whole dataset: the two programs may be paid
by two villages. One finding per person and exclusion, listing every payment
row of the overlapping periods; the amount is what the `yields` program paid
in those periods (the program the person must leave).

A roll that names only `残疾人两项补贴` without saying 生活补贴 or 护理补贴
may be either: it is reported at medium severity and the message asks which.

## Why it matters
特困供养 covers basic living: a person moves from 低保 to 特困, never holds
both (《特困人员认定办法》; 民发〔2021〕57号). 特困人员 receive 护理补贴 but not
the 困难残疾人生活补贴. Holding both is 重复享受 and is recovered (追缴).

## Parameters
- `exclusions` (城乡低保 and 特困供养; 残疾人两项补贴(生活补贴) and 特困供养): a
  list of tables, each with `yields` (program names that must stop; their
  payments are the amount at stake) and `to` (program names they yield to).
  A name matches a roll program that starts with it; `名称(子项)` requires the
  roll to mention the sub-item.

## Known false positives
The month a person moves from 低保 to 特困 when the street pays the new
program from the approval month and stops the old one the month after: a
single shared month where one program ends and the other begins is reported
at medium severity and the message says so.
";

/// 互斥项目重复享受: one id number in two mutually exclusive programs.
pub struct ExclusivePrograms;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exclusion {
    pub yields: Vec<String>,
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub exclusions: Vec<Exclusion>,
}

impl Default for Params {
    fn default() -> Self {
        let tekun = ["特困供养", "特困人员救助供养", "特困人员供养"];
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Params {
            exclusions: vec![
                Exclusion {
                    yields: names(&["城乡低保", "农村低保", "城市低保", "最低生活保障"]),
                    to: names(&tekun),
                },
                Exclusion {
                    yields: names(&[
                        "残疾人两项补贴(生活补贴)",
                        "困难残疾人生活补贴",
                        "残疾人生活补贴",
                    ]),
                    to: names(&tekun),
                },
            ],
        }
    }
}

/// Which side of an exclusion a roll program is on.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Side {
    yields: bool,
    certain: bool,
}

const META: RuleMeta = RuleMeta {
    code: "DUP002",
    name: "exclusive_programs",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "one id in mutually exclusive programs in one period (低保/特困, 残疾人生活补贴/特困)",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[13, 14, 15],
};

impl Rule for ExclusivePrograms {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let SubsidiesView {
            df,
            program,
            id: ids,
            period,
            ..
        } = roll;
        // Programs come in runs: each run inserted once.
        let mut distinct: BTreeSet<&str> = BTreeSet::new();
        let mut last: Option<&str> = None;
        for pg in program.iter().flatten() {
            if last != Some(pg) {
                distinct.insert(pg);
                last = Some(pg);
            }
        }
        let mut out = Vec::new();
        for ex in &p.exclusions {
            let mut sides: HashMap<&str, Side> = HashMap::new();
            for &pg in &distinct {
                let a = people::program_match_any(&ex.yields, pg);
                let b = people::program_match_any(&ex.to, pg);
                // A program on both sides is a configuration mistake: leave it out.
                match (a, b) {
                    (ProgramMatch::No, ProgramMatch::No) => {}
                    (m, ProgramMatch::No) => {
                        sides.insert(
                            pg,
                            Side {
                                yields: true,
                                certain: m == ProgramMatch::Yes,
                            },
                        );
                    }
                    (ProgramMatch::No, m) => {
                        sides.insert(
                            pg,
                            Side {
                                yields: false,
                                certain: m == ProgramMatch::Yes,
                            },
                        );
                    }
                    _ => {}
                }
            }
            if !sides.values().any(|s| s.yields) || !sides.values().any(|s| !s.yields) {
                continue;
            }
            // Each row's side (0: neither), programs coming in runs.
            let mut last: Option<(&str, u8)> = None;
            let side: Vec<u8> = program
                .iter()
                .map(|pg| {
                    let Some(pg) = pg else { return 0 };
                    if let Some((l, s)) = last
                        && l == pg
                    {
                        return s;
                    }
                    let s = sides.get(pg).map_or(0, |s| if s.yields { 1 } else { 2 });
                    last = Some((pg, s));
                    s
                })
                .collect();
            // People paid on both sides in one period; then every row of
            // theirs on either side: the months around the overlap tell a
            // transition from one program to the other.
            let both = keyed::rows_of_groups(
                df.height(),
                |i| {
                    (side[i] != 0)
                        .then(|| Some((ids.get(i)?, period.get(i))))
                        .flatten()
                },
                |g| {
                    g.iter().any(|&i| side[i as usize] == 1)
                        && g.iter().any(|&i| side[i as usize] == 2)
                },
            );
            let people: PlHashSet<&str> =
                both.iter().filter_map(|&i| ids.get(i as usize)).collect();
            if people.is_empty() {
                continue;
            }
            let wanted: Vec<IdxSize> = (0..df.height())
                .filter(|&i| side[i] != 0 && ids.get(i).is_some_and(|id| people.contains(id)))
                .map(|i| i as IdxSize)
                .collect();
            let cand = df
                .take(&IdxCa::from_vec("__i".into(), wanted))
                .map_err(Error::in_a_rule)?;
            out.extend(judge(&cand, &sides)?);
        }
        Ok(out)
    }
}

/// One month's rows of one person: the yielding side's and the other's.
type Sides = (Vec<usize>, Vec<usize>);

/// One person's months on both sides of an exclusion.
struct Overlap {
    /// The months both sides stand.
    overlap: BTreeSet<i32>,
    /// The yielding side's payments in them are to recover.
    case: Case,
    yield_programs: BTreeSet<String>,
    to_programs: BTreeSet<String>,
    /// Every program involved named its sub-program.
    certain: bool,
    /// The months each side stands at all.
    months_a: BTreeSet<i32>,
    months_b: BTreeSet<i32>,
}

fn overlap_of(
    r: &SubsidiesView,
    sides: &HashMap<&str, Side>,
    months: BTreeMap<i32, Sides>,
) -> Overlap {
    let mut overlap = BTreeSet::new();
    let mut case = Case::default();
    let mut yield_programs = BTreeSet::new();
    let mut to_programs = BTreeSet::new();
    let mut certain = true;
    let (mut months_a, mut months_b) = (BTreeSet::new(), BTreeSet::new());
    for (m, (mut a, mut b)) in months {
        let a = r.standing(&mut a);
        let b = r.standing(&mut b);
        if !a.is_empty() {
            months_a.insert(m);
        }
        if !b.is_empty() {
            months_b.insert(m);
        }
        if a.is_empty() || b.is_empty() {
            continue;
        }
        overlap.insert(m);
        for &i in &a {
            case.recover(r, i);
            yield_programs.insert(r.program.get(i).unwrap_or_default().to_string());
            certain &= sides
                .get(r.program.get(i).unwrap_or_default())
                .is_some_and(|s| s.certain);
        }
        for &i in &b {
            to_programs.insert(r.program.get(i).unwrap_or_default().to_string());
            certain &= sides
                .get(r.program.get(i).unwrap_or_default())
                .is_some_and(|s| s.certain);
        }
        for &i in a.iter().chain(&b) {
            case.list(r, i);
        }
    }
    Overlap {
        overlap,
        case,
        yield_programs,
        to_programs,
        certain,
        months_a,
        months_b,
    }
}

/// Per person: the periods where both sides stand after reversals.
fn judge(cand: &DataFrame, sides: &HashMap<&str, Side>) -> Result<Vec<Finding>> {
    let r = SubsidiesView::of(cand)?;
    // id -> month -> (yields rows, to rows)
    let mut by: BTreeMap<String, BTreeMap<i32, Sides>> = BTreeMap::new();
    for i in 0..r.height() {
        let id = r.str(r.id, i);
        let (Some(m), Some(side)) = (r.month(i), sides.get(r.program.get(i).unwrap_or_default()))
        else {
            continue;
        };
        if !people::valid_id(id) {
            continue;
        }
        let e = by.entry(id.to_string()).or_default().entry(m).or_default();
        if side.yields {
            e.0.push(i)
        } else {
            e.1.push(i)
        }
    }
    let mut out = Vec::new();
    for (id, months) in by {
        let Overlap {
            overlap,
            case,
            yield_programs,
            to_programs,
            certain,
            months_a,
            months_b,
        } = overlap_of(&r, sides, months);
        if overlap.is_empty() {
            continue;
        }
        let village = case.village().unwrap_or_default();
        let others = case.other_villages(&village);
        let who = case.name(&r);
        let recover = case.recoverable;
        let ya = yield_programs
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("、");
        let tb = to_programs.iter().cloned().collect::<Vec<_>>().join("、");
        let n = overlap.len();
        // One shared month where one program, paid before it, ends and the
        // other, paid after it, begins: the changeover month, often paid by
        // both by the book-keeping calendar. A one-month export shows none.
        let changeover = n == 1
            && overlap.iter().next().is_some_and(|&m| {
                let ends = |s: &BTreeSet<i32>| s.last() == Some(&m) && s.len() > 1;
                let starts = |s: &BTreeSet<i32>| s.first() == Some(&m) && s.len() > 1;
                (ends(&months_a) && starts(&months_b)) || (ends(&months_b) && starts(&months_a))
            });
        let ask = if !certain {
            "（花名册未注明是否为生活补贴，请先核实）".to_string()
        } else if changeover {
            "（仅项目转换当月重叠，请核实停发手续）".to_string()
        } else {
            String::new()
        };
        let message = format!(
            "{who}（身份证号{id}）在{}共{n}个月同时领取{ya}和{tb}，两者不得兼得{ask}，请核实并追缴{ya}{}",
            month_ranges(&overlap),
            fen_to_yuan_display(recover)
        );
        let (severity, score) = if certain && changeover {
            (Severity::Medium, 50.0)
        } else if certain {
            (
                Severity::High,
                65.0 + 5.0 * (n.min(6) as f64 - 1.0).min(4.0),
            )
        } else {
            (Severity::Medium, 45.0)
        };
        out.push(
            META.finding(&village, &id)
                .severity(severity)
                .score(score)
                .amount(recover)
                .related(others.iter().cloned())
                .related(case.batches.iter().cloned())
                .message(message)
                .evidence(json!({
                    "reason": "mutually_exclusive_programs",
                    "id_number": id,
                    "name": who,
                    "yields": yield_programs,
                    "to": to_programs,
                    "sub_program_stated": certain,
                    "changeover_month_only": changeover,
                    "periods": overlap.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
                    "villages": case.villages,
                    "recoverable": fen_to_yuan_string(recover),
                    "payments": case.payments,
                })),
        );
    }
    Ok(out)
}
