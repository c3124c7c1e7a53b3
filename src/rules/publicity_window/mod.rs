//! PUB001 公示不规范: the rule's declaration and the order of its steps.
//! What needs a publicity record is a [`refs::Ref`], one per family of
//! refs: `subsidies` (batches), `hiring` (batches), `contracts`,
//! `decisions` (their events from the contracts and ledger lines citing
//! them, `citations`). The publicity records are indexed and measured in
//! `records`; each ref is judged and its finding made in `assess`.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::PlHashSet;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::common::views::{
    ContractsView, DecisionsView, HiresView, LandCompensationView, LeasesView, PublicityView,
    SubsidiesView,
};
use super::{Rule, RuleMeta, params_of, parse_params};
use crate::dataset::normalize::{clean_code, clean_name};
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};

mod assess;
mod citations;
mod contracts;
mod decisions;
mod hiring;
mod new_tables;
mod records;
mod refs;
mod subsidies;
#[cfg(test)]
mod tests;

use assess::{Context, assess};
use contracts::contract_refs;
use decisions::decision_refs;
use hiring::hiring_batches;
use new_tables::{compensation_refs, lease_refs};
use records::{Index, Record, loose_key};
use refs::{Family, Ref};
use subsidies::subsidy_batches;

const DOC: &str = "\
## What it flags
Every subsidy batch (`subsidies.batch_no`), hiring batch (`hires.batch_no`),
contract at or above `contract-threshold`, 四议两公开 decision, lease of
collective assets whose rent over its term is at or above
`contract-threshold` (`leases.contract_no`: its result, before signing) and
land-compensation batch (`land_compensation.batch_no`: its distribution
list, before the first payment) whose 公示
is missing, shorter than required, or not over before the event it must
precede. Publicity records are found by `publicity.ref_no` in the same
village (spacing, case and punctuation differences tolerated; one record
may name several refs separated by `、`, `;` or `,`); `kind` is not relied
on. One finding per batch, contract or decision; its evidence says
which problems (`missing`, `short`, `late`) and shows the required days, the
window, the event and its date, and how many days short or late.

- Days are calendar days, both ends inclusive: 03-01 to 03-07 is 7 days.
- The window must end before the event: ending the day before is on time,
  ending on the day of the event is late.
- Events: approval is the batch's earliest 审批日期 (or its first payment if
  that comes earlier, or if the roll has no 审批日期; see
  `approval-max-lead-days`); payment is the batch's
  first 发放日期; a hiring batch's earliest 上岗日期; a contract's 签订日期;
  a decision's earliest signing of a contract citing it or first ledger
  支出 citing it (a decision nothing cites is checked for existence and
  length only).
- Several records for one ref: the one that best satisfies the requirement
  counts (fewest problems, then fewest days short or late).
- 急难型 临时救助 may be published after payment: its timing is not checked
  (existence and length still are).
- Amount: what the batch paid; a hiring batch's monthly wages; the
  contract's amount; the decision's amount, else its contracts' total.

## Why it matters
公示 is the villagers' own check on power: a 低保 list posted seven days
before approval (民发〔2021〕57号, 《特困人员认定办法》), a hiring list before
anyone starts work, a tender result before signing (《招标投标法实施条例》
第五十四条), a resolution before the money moves. A window that is missing,
short or after the fact takes that check away.

## Parameters
- `subsidies`: an array of `{ programs, days, before }` tables, first match
  wins. `programs` are fragments of the program name (`低保` matches 城乡低保
  and 农村低保); an empty list matches every program (put it last).
  `before` is `approval-else-payment`, `approval`, `payment` or `none`.
  Defaults: 低保/特困 7 days before approval; 残疾人两项补贴, 耕地地力保护补贴
  7 days before payment; 临时救助 3 days before payment. A program no entry
  matches (尊老金, 农机购置补贴 …: no common window is set for them) is not
  checked; add `{ programs = [], days = 3, before = \"payment\" }` last to
  require a publicity record for every batch.
- `hires`: the same with `posts` (fragments of the post); `before` is
  `start` or `none`. Default: every post, 5 days before the start date.
- `contracts` (`{ days = 3, before = \"signing\" }`): 中标结果 publicity;
  `before` is `signing` or `none`.
- `decisions` (`{ days = 5, before = \"signing-or-payment\" }`): 决议公开;
  `before` is `signing-or-payment`, `signing`, `payment` or `none`.
- `leases` (`{ days = 3, before = \"signing\" }`): the result of letting a
  lease (租赁结果公示); `before` is `signing` or `none`.
- `compensation` (`{ days = 7, before = \"payment\" }`): a compensation
  batch's distribution list (分配公示); `before` is `payment` or `none`. The
  plan's own 30-day publication, dated in the compensation table, is
  LND003's.
- `contract-threshold` (50000.0): yuan; contracts at or above it (the
  四议两公开 line) need a 中标结果 publicity.
- `after-payment-programs` ([\"急难\"]): fragments of a program name whose
  batches may be published after payment (临时救助（急难型）).
- `after-payment-markers` ([\"急难\"]): fragments of a batch number or of a
  publicity record's `kind` that mark a batch as 急难型.
- `coverage-min-refs` (10): when a dataset has at least this many refs of
  one family (subsidy batches, hiring batches, contracts, decisions) and not
  one of them has any publicity record, the export evidently does not carry
  that family's publicity: its missing-publicity findings are not reported
  (short and late ones still are). 0 turns this off.
- `out-of-period-days` (365): a ref whose event is more than this many days
  before the earliest publicity record of the dataset (a 保洁员 hired in 2019
  in a 2025 export) had its 公示 before the export's period: it is not
  reported as missing. 0 turns this off.
- `approval-max-lead-days` (60): a 审批日期 more than this many days before
  the batch's first payment is read as the person's original admission to
  the program (rolls often carry it), not this batch's approval; the batch
  is then checked against its other approvals, else its payment. 0 turns
  this off.

## Known false positives
Publicity recorded under another number (the notice's own number instead of
the batch number): the evidence lists records with the same number in other
villages. 低保 batches paid monthly to people admitted long ago, where the
locality publishes only new admissions: set the program's `days` or
`before` accordingly. A publicity posted on a board but never entered into
the system.
";

/// 公示不规范: publicity missing, too short, or not over before the event.
pub struct PublicityWindow;

/// What a publicity window must end before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Before {
    /// The batch's earliest approval, or its first payment if earlier or if
    /// there is no approval date.
    ApprovalElsePayment,
    /// The earliest approval; no timing check when the roll has none.
    Approval,
    /// The first payment of the batch.
    Payment,
    /// The earliest start date of a hiring batch.
    Start,
    /// The signing of the contract.
    Signing,
    /// The earliest of the signing of a contract citing the decision and the
    /// first ledger payment citing it.
    SigningOrPayment,
    /// Existence and length only.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProgramRequirement {
    #[serde(default)]
    pub programs: Vec<String>,
    pub days: u32,
    pub before: Before,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PostRequirement {
    #[serde(default)]
    pub posts: Vec<String>,
    pub days: u32,
    pub before: Before,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Requirement {
    pub days: u32,
    pub before: Before,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub contract_threshold: f64,
    pub after_payment_programs: Vec<String>,
    pub after_payment_markers: Vec<String>,
    pub coverage_min_refs: usize,
    pub out_of_period_days: i64,
    pub approval_max_lead_days: i64,
    pub subsidies: Vec<ProgramRequirement>,
    pub hires: Vec<PostRequirement>,
    pub contracts: Requirement,
    pub decisions: Requirement,
    pub leases: Requirement,
    pub compensation: Requirement,
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Default for Params {
    fn default() -> Self {
        Params {
            contract_threshold: 50000.0,
            after_payment_programs: strings(&["急难"]),
            after_payment_markers: strings(&["急难"]),
            coverage_min_refs: 10,
            out_of_period_days: 365,
            approval_max_lead_days: 60,
            subsidies: vec![
                ProgramRequirement {
                    programs: strings(&["低保", "最低生活保障", "特困"]),
                    days: 7,
                    before: Before::ApprovalElsePayment,
                },
                ProgramRequirement {
                    programs: strings(&["残疾人", "耕地地力", "地力补贴"]),
                    days: 7,
                    before: Before::Payment,
                },
                ProgramRequirement {
                    programs: strings(&["临时救助"]),
                    days: 3,
                    before: Before::Payment,
                },
            ],
            hires: vec![PostRequirement {
                posts: vec![],
                days: 5,
                before: Before::Start,
            }],
            contracts: Requirement {
                days: 3,
                before: Before::Signing,
            },
            decisions: Requirement {
                days: 5,
                before: Before::SigningOrPayment,
            },
            leases: Requirement {
                days: 3,
                before: Before::Signing,
            },
            compensation: Requirement {
                days: 7,
                before: Before::Payment,
            },
        }
    }
}

impl Params {
    /// Fragments are compared with loader-cleaned values.
    fn clean_fragments(&mut self) {
        for r in &mut self.subsidies {
            r.programs = r.programs.iter().map(|s| clean_name(s)).collect();
        }
        for r in &mut self.hires {
            r.posts = r.posts.iter().map(|s| clean_name(s)).collect();
        }
        self.after_payment_programs = self
            .after_payment_programs
            .iter()
            .map(|s| clean_name(s))
            .collect();
        self.after_payment_markers = self
            .after_payment_markers
            .iter()
            .map(|s| clean_code(s))
            .collect();
    }

    /// Which `before` values make sense for which family: a subsidy batch has
    /// no signing, a contract no approval.
    fn check_events(&self) -> std::result::Result<(), String> {
        use Before::*;
        let bad = |table: &str, b: Before, ok: &[Before]| -> std::result::Result<(), String> {
            if ok.contains(&b) {
                Ok(())
            } else {
                let names: Vec<String> = ok.iter().map(|o| before_name(*o)).collect();
                Err(format!(
                    "{table}: before = \"{}\" is not allowed here; use one of {}",
                    before_name(b),
                    names.join(", ")
                ))
            }
        };
        for r in &self.subsidies {
            bad(
                "subsidies",
                r.before,
                &[ApprovalElsePayment, Approval, Payment, None],
            )?;
        }
        for r in &self.hires {
            bad("hires", r.before, &[Start, None])?;
        }
        bad("contracts", self.contracts.before, &[Signing, None])?;
        bad("leases", self.leases.before, &[Signing, None])?;
        bad("compensation", self.compensation.before, &[Payment, None])?;
        bad(
            "decisions",
            self.decisions.before,
            &[SigningOrPayment, Signing, Payment, None],
        )?;
        Ok(())
    }
}

fn before_name(b: Before) -> String {
    serde_json::to_value(b)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

const META: RuleMeta = RuleMeta {
    code: "PUB001",
    name: "publicity_window",
    category: Category::PublicityWindow,
    severity: Severity::Medium,
    summary: "公示 missing, too short, or not over before approval / payment / start / signing",
    doc: DOC,
    // Without the publicity table every batch would be "missing": that
    // says the export lacks the table, not that the villages skipped 公示.
    needs: &[TableKind::Publicity],
    processes: &[1, 2, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 17, 21],
};

impl Rule for PublicityWindow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn default_params(&self) -> toml::Table {
        super::params_table(&Params::default())
    }

    fn validate(&self, params: &toml::Table) -> std::result::Result<(), String> {
        parse_params::<Params>(params)?.check_events()
    }

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let mut p: Params = params_of(params)?;
        p.check_events().map_err(Error::in_a_rule)?;
        p.clean_fragments();
        let Some(publicity) = PublicityView::load(ds)? else {
            return Ok(vec![]);
        };
        let index = Index::build(&publicity);
        let refs = all_refs(ds, &p)?;

        let own: PlHashSet<(&str, &str)> = refs
            .iter()
            .map(|r| (r.village.as_str(), r.ref_no.as_str()))
            .collect();
        let matched: Vec<&[Record]> = refs
            .par_iter()
            .map(|r| index.lookup(&r.village, &r.ref_no, &own))
            .collect();

        let ctx = Context {
            index: &index,
            p: &p,
            uncovered: uncovered_families(&p, &refs, &matched),
            period_start: (p.out_of_period_days > 0)
                .then(|| index.first_start.map(|d| d - p.out_of_period_days as i32))
                .flatten(),
            own_loose: refs
                .iter()
                .map(|r| (r.village.as_str(), loose_key(&r.ref_no)))
                .collect(),
        };
        let out: Vec<Finding> = refs
            .par_iter()
            .zip(matched.par_iter())
            .filter_map(|(r, recs)| assess(r, recs, &ctx))
            .collect();

        Ok(out)
    }
}

/// Every subsidy batch, hiring batch, contract and decision of the dataset.
fn all_refs(ds: &Dataset, p: &Params) -> Result<Vec<Ref>> {
    // Subsidy batches are most of the refs: their vector is the one
    // kept, grown once by exactly the others (not copied, not doubled).
    let mut refs = match SubsidiesView::load(ds)? {
        Some(rolls) => subsidy_batches(&rolls, p),
        None => Vec::new(),
    };
    let mut rest = Vec::new();
    if let Some(hires) = HiresView::load(ds)? {
        rest.extend(hiring_batches(&hires, p)?);
    }
    if let Some(contracts) = ContractsView::load(ds)? {
        rest.extend(contract_refs(&contracts, p));
    }
    if let Some(decisions) = DecisionsView::load(ds)? {
        rest.extend(decision_refs(&decisions, ds, p)?);
    }
    if let Some(leases) = LeasesView::load(ds)? {
        rest.extend(lease_refs(&leases, p));
    }
    if let Some(paid) = LandCompensationView::load(ds)? {
        rest.extend(compensation_refs(&paid, p));
    }
    refs.reserve_exact(rest.len());
    refs.extend(rest);
    Ok(refs)
}

/// Families whose publicity the export evidently does not carry: at least
/// `coverage-min-refs` refs and not one with a record.
fn uncovered_families(p: &Params, refs: &[Ref], matched: &[&[Record]]) -> BTreeSet<Family> {
    let mut per_family: BTreeMap<Family, (usize, usize)> = BTreeMap::new();
    for (r, m) in refs.iter().zip(matched) {
        let e = per_family.entry(r.family).or_default();
        e.0 += 1;
        e.1 += usize::from(!m.is_empty());
    }
    per_family
        .iter()
        .filter(|(_, (n, hit))| p.coverage_min_refs > 0 && *n >= p.coverage_min_refs && *hit == 0)
        .map(|(f, _)| *f)
        .collect()
}
