use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Datelike;
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::keywords::contains_any;
use super::common::util;
use super::{Rule, RuleMeta, parse_params};
use crate::dataset::normalize::{
    clean_code, clean_name, fen_to_yuan_display, fen_to_yuan_string, from_epoch_days,
};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
Every subsidy batch (`subsidies.batch_no`), hiring batch (`hires.batch_no`),
contract at or above `contract-threshold` and 四议两公开 decision whose 公示
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
        }
    }
}

impl Params {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    SubsidyBatch,
    HiringBatch,
    Contract,
    Decision,
}

impl Family {
    fn as_str(self) -> &'static str {
        match self {
            Family::SubsidyBatch => "subsidy_batch",
            Family::HiringBatch => "hiring_batch",
            Family::Contract => "contract",
            Family::Decision => "decision",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MomentKind {
    Approval,
    Payment,
    Start,
    Signing,
    DecisionSigning,
    DecisionPayment,
}

/// The event a window must end before.
#[derive(Debug, Clone)]
struct Moment {
    kind: MomentKind,
    day: i32,
    table: TableKind,
    row: Option<u32>,
    /// The contract or voucher that fixes a decision's event.
    key: Option<String>,
}

impl Moment {
    /// `首次发放日期`, `合同HT-1签订日期` … for messages.
    fn label(&self) -> String {
        let key = self.key.as_deref().unwrap_or("");
        match self.kind {
            MomentKind::Approval => "审批日期".into(),
            MomentKind::Payment => "首次发放日期".into(),
            MomentKind::Start => "首次上岗日期".into(),
            MomentKind::Signing => "合同签订日期".into(),
            MomentKind::DecisionSigning => format!("合同{key}签订日期"),
            MomentKind::DecisionPayment => format!("凭证{key}付款日期"),
        }
    }
    /// The act that came too early, for messages.
    fn act(&self) -> &'static str {
        match self.kind {
            MomentKind::Approval => "审批",
            MomentKind::Payment => "发放",
            MomentKind::Start => "上岗",
            MomentKind::Signing | MomentKind::DecisionSigning => "签订合同",
            MomentKind::DecisionPayment => "付款",
        }
    }
    fn kind_str(&self) -> &'static str {
        match self.kind {
            MomentKind::Approval => "approval",
            MomentKind::Payment => "payment",
            MomentKind::Start => "start",
            MomentKind::Signing => "signing",
            MomentKind::DecisionSigning => "contract_signing",
            MomentKind::DecisionPayment => "ledger_payment",
        }
    }
}

fn earliest(a: Option<Moment>, b: Option<Moment>) -> Option<Moment> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.day < a.day { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A batch, contract or decision that needs a publicity record.
struct Ref {
    family: Family,
    village: String,
    ref_no: String,
    /// Program, post, project or decision subject, for the message.
    what: String,
    amount: i64,
    required_days: i64,
    before: Before,
    event: Option<Moment>,
    /// 急难型 by program or batch number: may be published after payment.
    after_payment_ok: bool,
    /// Evidence detail, made into JSON only for a ref that becomes a finding.
    detail: Detail,
}

/// What a ref's evidence `detail` shows.
enum Detail {
    Subsidy {
        programs: Vec<String>,
        payment_rows: u64,
        period: (Option<i32>, Option<i32>),
        first_paid: Option<i32>,
        first_approved: Option<i32>,
        admissions: u64,
    },
    Hiring {
        posts: Vec<String>,
        hires: u64,
        first_start: Option<i32>,
    },
    Json(serde_json::Value),
}

impl Detail {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Detail::Subsidy {
                programs,
                payment_rows,
                period,
                first_paid,
                first_approved,
                admissions,
            } => {
                let month = |d: Option<i32>| d.map(|d| day(d)[..7].to_string());
                json!({
                    "programs": programs,
                    "payment_rows": payment_rows,
                    "period_from": month(period.0),
                    "period_to": month(period.1),
                    "first_paid_date": first_paid.map(day),
                    "first_approved_date": first_approved.map(day),
                    "approvals_read_as_admission": admissions,
                })
            }
            Detail::Hiring {
                posts,
                hires,
                first_start,
            } => json!({
                "posts": posts,
                "hires": hires,
                "first_start_date": first_start.map(day),
            }),
            Detail::Json(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone)]
struct Record<'d> {
    row: u32,
    /// The ref this record was found under (one of a cell's refs).
    ref_no: &'d str,
    /// The `ref_no` cell as the export wrote it (cleaned).
    cell: &'d str,
    start: Option<i32>,
    end: Option<i32>,
    kind: &'d str,
    channel: &'d str,
}

/// How one record measures against a requirement.
#[derive(Debug, Clone)]
struct Verdict<'a> {
    record: &'a Record<'a>,
    start: i32,
    end: i32,
    days: i64,
    short: i64,
    late: i64,
    swapped: bool,
}

impl Verdict<'_> {
    fn rank(&self) -> (u8, i64, u32) {
        (
            (self.short > 0) as u8 + (self.late > 0) as u8,
            self.short + self.late,
            self.record.row,
        )
    }
}

/// `YYYY-MM-DD` without chrono's format parser: evidence formats many dates.
fn day(days: i32) -> String {
    match from_epoch_days(days) {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        None => String::new(),
    }
}

/// Spacing and case are already cleaned by the loader; this also drops
/// punctuation (`DB-2025-03` and `DB2025/03`), for a fallback match only.
fn loose_key(s: &str) -> Cow<'_, str> {
    if s.chars().all(char::is_alphanumeric) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| c.is_alphanumeric()).collect())
    }
}

/// A small sorted set of borrowed strings that holds one member without an
/// allocation: almost every loose key names one ref in one village, and a
/// `BTreeSet` spent a 200-byte node on each (≈ 75 MB at 2,000 villages).
#[derive(Default)]
enum Few<'d> {
    #[default]
    Empty,
    One(&'d str),
    More(Vec<&'d str>),
}

impl<'d> Few<'d> {
    fn insert(&mut self, s: &'d str) {
        match self {
            Few::Empty => *self = Few::One(s),
            Few::One(a) if *a == s => {}
            Few::One(a) => {
                let a = *a;
                *self = Few::More(if a < s { vec![a, s] } else { vec![s, a] });
            }
            Few::More(v) => {
                if let Err(i) = v.binary_search(&s) {
                    v.insert(i, s);
                }
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Few::Empty => 0,
            Few::One(_) => 1,
            Few::More(v) => v.len(),
        }
    }

    /// The members in ascending order, as a `BTreeSet` iterates.
    fn iter(&self) -> std::slice::Iter<'_, &'d str> {
        match self {
            Few::Empty => [].iter(),
            Few::One(a) => std::slice::from_ref(a).iter(),
            Few::More(v) => v.iter(),
        }
    }
}

/// Publicity records of one dataset, by village and ref (borrowed from the
/// publicity frame).
struct Index<'d> {
    /// village → ref → records.
    exact: PlHashMap<&'d str, PlHashMap<&'d str, Vec<Record<'d>>>>,
    /// village → loose key → exact refs of publicity records.
    loose: PlHashMap<&'d str, PlHashMap<Cow<'d, str>, Few<'d>>>,
    /// loose key → villages holding a record with it.
    villages_of: PlHashMap<Cow<'d, str>, Few<'d>>,
    /// The earliest window start of the export.
    first_start: Option<i32>,
}

impl<'d> Index<'d> {
    fn build(code: &str, df: &'d DataFrame) -> Result<Index<'d>> {
        let village = util::str_col(code, df, "village_code")?;
        let ref_no = util::str_col(code, df, "ref_no")?;
        let kind = util::str_col(code, df, "kind")?;
        let channel = util::str_col(code, df, "channel")?;
        let start = util::date_col(code, df, "start_date")?;
        let end = util::date_col(code, df, "end_date")?;
        let rows = util::u32_col(code, df, ROW)?;
        let mut exact: PlHashMap<&str, PlHashMap<&str, Vec<Record>>> = PlHashMap::default();
        let mut loose: PlHashMap<&str, PlHashMap<Cow<str>, Few>> = PlHashMap::default();
        let mut villages_of: PlHashMap<Cow<str>, Few> = PlHashMap::default();
        let cells = village.iter().zip(ref_no.iter()).zip(kind.iter());
        let cells = cells
            .zip(channel.iter())
            .zip(start.iter())
            .zip(end.iter())
            .zip(rows.iter());
        for ((((((v, r), k), ch), st), en), row) in cells {
            let (Some(v), Some(r)) = (v, r) else {
                continue;
            };
            if r.is_empty() {
                continue;
            }
            // One notice may cover several batches: `DB-03、DB-04`.
            let pieces: Vec<&str> = r
                .split(['、', ';', ','])
                .filter(|s| !s.is_empty())
                .collect();
            let mut keys = vec![r];
            if pieces.len() > 1 {
                keys.extend(pieces);
            }
            for key in keys {
                let lk = loose_key(key);
                loose
                    .entry(v)
                    .or_default()
                    .entry(lk.clone())
                    .or_default()
                    .insert(key);
                villages_of.entry(lk).or_default().insert(v);
                // Most refs have one record: no room for four (Vec's first
                // growth) in each.
                exact
                    .entry(v)
                    .or_default()
                    .entry(key)
                    .or_insert_with(|| Vec::with_capacity(1))
                    .push(Record {
                        row: row.unwrap_or_default(),
                        ref_no: key,
                        cell: r,
                        start: st,
                        end: en,
                        kind: k.unwrap_or_default(),
                        channel: ch.unwrap_or_default(),
                    });
            }
        }
        Ok(Index {
            exact,
            loose,
            villages_of,
            first_start: start.min(),
        })
    }

    /// Records for one ref: the exact ref first; else a record whose ref
    /// differs only in punctuation, when that is unambiguous and not the
    /// exact ref of another batch, contract or decision of the village.
    fn lookup(&self, village: &str, ref_no: &str, own: &PlHashSet<(&str, &str)>) -> &[Record<'d>] {
        let exact = self.exact.get(village);
        if let Some(r) = exact.and_then(|m| m.get(ref_no)) {
            return r;
        }
        let Some(cands) = self
            .loose
            .get(village)
            .and_then(|m| m.get(&loose_key(ref_no)))
        else {
            return &[];
        };
        if cands.len() != 1 {
            return &[];
        }
        let Some(cand) = cands.iter().next() else {
            return &[];
        };
        if own.contains(&(village, *cand)) {
            return &[];
        }
        exact
            .and_then(|m| m.get(cand))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// How a record measures against a ref's requirement.
fn measure<'a>(r: &Ref, rec: &'a Record<'a>, timing: bool) -> Option<Verdict<'a>> {
    let (Some(s), Some(e)) = (rec.start, rec.end) else {
        return None;
    };
    // A window typed end-first is read as the window it plainly means.
    let (start, end, swapped) = if e < s { (e, s, true) } else { (s, e, false) };
    let days = (end - start) as i64 + 1;
    let short = (r.required_days - days).max(0);
    let late = match (&r.event, timing) {
        (Some(m), true) => (end as i64 - m.day as i64 + 1).max(0),
        _ => 0,
    };
    Some(Verdict {
        record: rec,
        start,
        end,
        days,
        short,
        late,
        swapped,
    })
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
    processes: &[1, 2, 7, 8, 10, 12, 13, 14, 15, 17, 21],
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
        let code = self.code();
        let mut p: Params = parse_params(params).map_err(|e| Error::rule(code, e))?;
        p.check_events().map_err(|e| Error::rule(code, e))?;
        // Fragments are compared with loader-cleaned values.
        for r in &mut p.subsidies {
            r.programs = r.programs.iter().map(|s| clean_name(s)).collect();
        }
        for r in &mut p.hires {
            r.posts = r.posts.iter().map(|s| clean_name(s)).collect();
        }
        p.after_payment_programs = p
            .after_payment_programs
            .iter()
            .map(|s| clean_name(s))
            .collect();
        p.after_payment_markers = p
            .after_payment_markers
            .iter()
            .map(|s| clean_code(s))
            .collect();

        let Some(pub_df) = ds.frame(TableKind::Publicity) else {
            return Ok(vec![]);
        };
        let index = Index::build(code, pub_df)?;

        // Subsidy batches are most of the refs: their vector is the one
        // kept, grown once by exactly the others (not copied, not doubled).
        let mut refs = match ds.frame(TableKind::Subsidies) {
            Some(df) => subsidy_batches(code, df, &p)?,
            None => Vec::new(),
        };
        let mut rest = Vec::new();
        if let Some(df) = ds.frame(TableKind::Hires) {
            rest.extend(hiring_batches(code, df, &p)?);
        }
        if let Some(df) = ds.frame(TableKind::Contracts) {
            rest.extend(contracts(code, df, &p)?);
        }
        if let Some(df) = ds.frame(TableKind::Decisions) {
            rest.extend(decisions(code, df, ds, &p)?);
        }
        refs.reserve_exact(rest.len());
        refs.extend(rest);

        let own: PlHashSet<(&str, &str)> = refs
            .iter()
            .map(|r| (r.village.as_str(), r.ref_no.as_str()))
            .collect();
        let matched: Vec<&[Record]> = refs
            .par_iter()
            .map(|r| index.lookup(&r.village, &r.ref_no, &own))
            .collect();

        // Families whose publicity the export evidently does not carry.
        let mut per_family: BTreeMap<Family, (usize, usize)> = BTreeMap::new();
        for (r, m) in refs.iter().zip(&matched) {
            let e = per_family.entry(r.family).or_default();
            e.0 += 1;
            e.1 += usize::from(!m.is_empty());
        }
        let uncovered: BTreeSet<Family> = per_family
            .iter()
            .filter(|(_, (n, hit))| {
                p.coverage_min_refs > 0 && *n >= p.coverage_min_refs && *hit == 0
            })
            .map(|(f, _)| *f)
            .collect();
        let ctx = Context {
            index: &index,
            p: &p,
            uncovered,
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

/// What every assessment shares.
struct Context<'a> {
    index: &'a Index<'a>,
    p: &'a Params,
    /// Families whose publicity the export does not carry.
    uncovered: BTreeSet<Family>,
    /// (village, loose ref) of every batch, contract and decision.
    own_loose: PlHashSet<(&'a str, Cow<'a, str>)>,
    /// Events before this day fall before the publicity export's period.
    period_start: Option<i32>,
}

/// Measure one ref against its records; a finding when even the best record
/// falls short.
fn assess(r: &Ref, recs: &[Record], ctx: &Context) -> Option<Finding> {
    let p = ctx.p;
    // A roll may say 急难型 only in the publicity record's kind.
    let after_payment_ok = r.after_payment_ok
        || (r.family == Family::SubsidyBatch
            && recs
                .iter()
                .any(|rec| contains_any(&clean_code(rec.kind), &p.after_payment_markers)));
    let timing = r.before != Before::None && !after_payment_ok;
    let best = recs
        .iter()
        .filter_map(|rec| measure(r, rec, timing))
        .min_by_key(|v| v.rank());
    if best.as_ref().is_some_and(|b| b.short == 0 && b.late == 0) {
        return None;
    }
    if best.is_none() && ctx.uncovered.contains(&r.family) {
        return None;
    }
    if best.is_none()
        && let (Some(first), Some(m)) = (ctx.period_start, &r.event)
        && m.day < first
    {
        return None;
    }
    let amount_txt = fen_to_yuan_display(r.amount);
    let who = match r.family {
        Family::SubsidyBatch => format!("{}发放批次{}（{}）", r.what, r.ref_no, amount_txt),
        Family::HiringBatch => {
            format!("{}招聘批次{}（月工资合计{}）", r.what, r.ref_no, amount_txt)
        }
        Family::Contract => format!("合同{}（{}，{}）", r.ref_no, r.what, amount_txt),
        Family::Decision => {
            if r.what.is_empty() {
                format!("决议{}", r.ref_no)
            } else {
                format!("决议{}（{}）", r.ref_no, r.what)
            }
        }
    };
    let event_json = r.event.as_ref().map(|m| {
        json!({
            "kind": m.kind_str(),
            "date": day(m.day),
            "table": m.table.canonical(),
            "row": m.row,
            "ref": m.key,
        })
    });
    let records_json: Vec<_> = recs
        .iter()
        .take(10)
        .map(|rec| {
            json!({
                "row": rec.row,
                "ref_no": rec.cell,
                "kind": rec.kind,
                "channel": rec.channel,
                "start": rec.start.map(day),
                "end": rec.end.map(day),
            })
        })
        .collect();
    let amount_bonus = (r.amount as f64 / 100.0 / 10_000.0).max(1.0).log10() * 5.0;
    let mut related: Vec<String> = Vec::new();
    let (problems, message, score, window, short, late) = match &best {
        None => {
            let elsewhere: Vec<String> = ctx
                .index
                .villages_of
                .get(&loose_key(&r.ref_no))
                .map(|vs| {
                    // A village with its own batch of that number (street-wide
                    // numbering) is no hint; an orphan record is.
                    vs.iter()
                        .filter(|v| {
                            **v != r.village
                                && !ctx.own_loose.contains(&(**v, loose_key(&r.ref_no)))
                        })
                        .map(|v| v.to_string())
                        .collect()
                })
                .unwrap_or_default();
            let rule = match (&r.event, timing) {
                (Some(m), true) => format!(
                    "应在{}{}前公示满{}天",
                    m.label(),
                    day(m.day),
                    r.required_days
                ),
                _ => format!("应公示满{}天", r.required_days),
            };
            let unreadable = if recs.is_empty() {
                String::new()
            } else {
                format!("（{}条公示记录日期无法识别）", recs.len())
            };
            let hint = if elsewhere.is_empty() {
                String::new()
            } else {
                format!("，同编号公示登记在村居{}", elsewhere.join("、"))
            };
            let message = format!(
                "{who}未找到有效公示记录{unreadable}，{rule}{hint}，请核实是否履行公示程序"
            );
            let mut problems = vec!["missing"];
            if !elsewhere.is_empty() {
                problems.push("recorded_in_other_village");
            }
            let score = if elsewhere.is_empty() { 60.0 } else { 45.0 };
            (problems, message, score, json!(null), 0, 0)
        }
        Some(b) => {
            if b.record.ref_no != r.ref_no {
                related.push(b.record.ref_no.to_string());
            }
            let window = format!("{}至{}", day(b.start), day(b.end));
            let mut parts = Vec::new();
            let mut problems = Vec::new();
            let mut score: f64 = 0.0;
            if b.short > 0 {
                problems.push("short");
                parts.push(format!(
                    "仅{}天，少于规定的{}天（差{}天）",
                    b.days, r.required_days, b.short
                ));
                score = score.max(40.0 + 20.0 * b.short as f64 / r.required_days.max(1) as f64);
            }
            if b.late > 0
                && let Some(m) = &r.event
            {
                problems.push("late");
                let when = if b.start > m.day {
                    format!("{}后才开始公示", m.act())
                } else if b.start == m.day {
                    format!("{}当日才开始公示", m.act())
                } else {
                    format!("公示未结束即已{}", m.act())
                };
                let lead = if b.short > 0 { "，且" } else { "，而" };
                parts.push(format!("{lead}{}为{}，{when}", m.label(), day(m.day)));
                score = score.max(55.0 + (b.late as f64).min(30.0) / 3.0);
            }
            if problems.len() == 2 {
                score += 5.0;
            }
            let advice = if b.late > 0 {
                r.event
                    .as_ref()
                    .map(|m| format!("请核实是否先{}后公示", m.act()))
                    .unwrap_or_default()
            } else {
                "请核实公示是否完整、异议期是否足够".into()
            };
            if b.short == 0 {
                parts.insert(0, format!("（{}天）", b.days));
            }
            let message = format!("{who}公示期{window}{}，{advice}", parts.concat());
            let window = json!({
                "start": day(b.start),
                "end": day(b.end),
                "days": b.days,
                "row": b.record.row,
                "ref_no": b.record.ref_no,
                "kind": b.record.kind,
                "dates_swapped": b.swapped,
            });
            (problems, message, score, window, b.short, b.late)
        }
    };
    let severity = Severity::Medium;
    Some(
        META.finding(&r.village, &r.ref_no)
            .severity(severity)
            .score((score + amount_bonus).min(90.0))
            .amount(r.amount)
            .related(related)
            .message(message)
            .evidence(json!({
                "ref_type": r.family.as_str(),
                "ref_no": r.ref_no,
                "problems": problems,
                "required_days": r.required_days,
                "must_end_before": before_name(r.before),
                "after_payment_allowed": after_payment_ok,
                "event": event_json,
                "window": window,
                "days_short": short,
                "days_late": late,
                "amount": fen_to_yuan_string(r.amount),
                "records": records_json,
                "records_total": recs.len(),
                "detail": r.detail.to_json(),
            })),
    )
}

/// The first requirement whose fragments match; an empty list matches all.
fn requirement_for<'a, T>(
    list: &'a [T],
    text: &str,
    fragments: impl Fn(&T) -> &[String],
) -> Option<(usize, &'a T)> {
    list.iter()
        .enumerate()
        .find(|(_, r)| fragments(r).is_empty() || contains_any(text, fragments(r)))
}

/// One (village, batch, program) group of subsidy rows.
#[derive(Default)]
struct SubsidyGroup {
    /// Earliest payment and the row (`__row`) it is on.
    paid: Option<(i32, Option<u32>)>,
    approved: Option<(i32, Option<u32>)>,
    amount: i64,
    period: (Option<i32>, Option<i32>),
    n: u64,
    /// Admission approvals set aside (see [`admission_approvals`]):
    /// the batch's own earliest approval, and how many were set aside.
    recent: Option<Option<(i32, Option<u32>)>>,
    admissions: u64,
}

/// The earlier of two (day, row) marks: on equal days the first row of the
/// file, whatever the order of the frame.
fn keep_min(slot: &mut Option<(i32, Option<u32>)>, day: Option<i32>, row: Option<u32>) {
    if let Some(d) = day
        && slot.is_none_or(|(m, r)| (d, row) < (m, r))
    {
        *slot = Some((d, row));
    }
}

/// Subsidy rows grouped by village, batch and program in one pass (rows
/// without batch or village are left out). A group whose earliest approval
/// is more than `approval-max-lead-days` before its first payment reads
/// those old approvals as admissions: its approval is the earliest one
/// within the lead, and the others are counted. A group without program
/// keeps its approvals as they are.
fn subsidy_groups<'d>(
    code: &str,
    df: &'d DataFrame,
    p: &Params,
) -> Result<Vec<((&'d str, &'d str, Option<&'d str>), SubsidyGroup)>> {
    let village = util::str_col(code, df, "village_code")?;
    let batch = util::text_col(code, df, "batch_no")?;
    let program = util::text_col(code, df, "program")?;
    let paid = util::date_col(code, df, "paid_date")?;
    let approved = util::date_col(code, df, "approved_date")?;
    let amount = util::i64_col(code, df, "amount")?;
    let period = util::date_col(code, df, "period")?;
    let rows = util::u32_col(code, df, ROW)?;
    type Key<'d> = (&'d str, &'d str, Option<&'d str>);
    let mut index: PlHashMap<Key, u32> = PlHashMap::default();
    let mut groups: Vec<(Key, SubsidyGroup)> = Vec::new();
    // The group of every row, for the second look at admission approvals.
    let mut group_of: Vec<u32> = Vec::with_capacity(df.height());
    let cells = village.iter().zip(batch.iter()).zip(program.iter());
    let cells = cells
        .zip(paid.iter())
        .zip(approved.iter())
        .zip(amount.iter())
        .zip(period.iter())
        .zip(rows.iter());
    for (((((((v, b), prog), pd), ap), amt), per), row) in cells {
        let (Some(v), Some(b)) = (v, b) else {
            group_of.push(u32::MAX);
            continue;
        };
        let key = (v, b, prog);
        let k = *index.entry(key).or_insert_with(|| {
            groups.push((key, SubsidyGroup::default()));
            groups.len() as u32 - 1
        });
        group_of.push(k);
        let g = &mut groups[k as usize].1;
        keep_min(&mut g.paid, pd, row);
        keep_min(&mut g.approved, ap, row);
        g.amount += amt.unwrap_or_default();
        if let Some(d) = per {
            g.period.0 = Some(g.period.0.map_or(d, |m| m.min(d)));
            g.period.1 = Some(g.period.1.map_or(d, |m| m.max(d)));
        }
        g.n += 1;
    }
    if p.approval_max_lead_days <= 0 {
        return Ok(groups);
    }
    let lead = p.approval_max_lead_days as i32;
    // The day from which an approval is this batch's own, for old groups.
    let since: Vec<Option<i32>> = groups
        .iter()
        .map(|((_, _, prog), g)| match (prog, g.approved, g.paid) {
            (Some(_), Some((a, _)), Some((pd, _))) if a < pd - lead => Some(pd - lead),
            _ => None,
        })
        .collect();
    if since.iter().all(Option::is_none) {
        return Ok(groups);
    }
    for (k, s) in since.iter().enumerate() {
        if s.is_some() {
            groups[k].1.recent = Some(None);
        }
    }
    for ((k, ap), row) in group_of.iter().zip(approved.iter()).zip(rows.iter()) {
        let Some(&Some(from)) = since.get(*k as usize) else {
            continue;
        };
        let Some(a) = ap else { continue };
        let g = &mut groups[*k as usize].1;
        if a >= from {
            if let Some(slot) = g.recent.as_mut() {
                keep_min(slot, Some(a), row);
            }
        } else {
            g.admissions += 1;
        }
    }
    Ok(groups)
}

fn subsidy_batches(code: &str, df: &DataFrame, p: &Params) -> Result<Vec<Ref>> {
    let groups = subsidy_groups(code, df, p)?;

    struct Part<'d> {
        program: &'d str,
        req: Option<(usize, ProgramRequirement)>,
        paid: Option<i32>,
        paid_row: Option<u32>,
        approved: Option<i32>,
        approved_row: Option<u32>,
        amount: i64,
        n: u64,
        admissions: u64,
        period: (Option<i32>, Option<i32>),
    }
    // (village, batch, part), borrowed from the frame; sorted below by
    // village and batch (a batch's parts stay in the order first seen).
    let mut all: Vec<(&str, &str, Part)> = Vec::with_capacity(groups.len());
    for ((v, b, prog), g) in groups {
        if b.is_empty() {
            continue;
        }
        let prog = prog.unwrap_or_default();
        let req = requirement_for(&p.subsidies, prog, |r| &r.programs).map(|(k, r)| (k, r.clone()));
        // Admission approvals set aside: the batch's own, if any.
        let (approved_day, approved_at, admitted) = match g.recent {
            Some(r) => (r.map(|x| x.0), r.and_then(|x| x.1), g.admissions),
            None => (g.approved.map(|x| x.0), g.approved.and_then(|x| x.1), 0),
        };
        all.push((
            v,
            b,
            Part {
                program: prog,
                req,
                paid: g.paid.map(|x| x.0),
                paid_row: g.paid.and_then(|x| x.1),
                approved: approved_day,
                approved_row: approved_day.and(approved_at),
                amount: g.amount,
                n: g.n,
                admissions: admitted,
                period: g.period,
            },
        ));
    }
    all.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    let same_batch = |x: &(&str, &str, Part), y: &(&str, &str, Part)| x.0 == y.0 && x.1 == y.1;
    let batches = all.chunk_by(same_batch);

    let mut out = Vec::with_capacity(all.chunk_by(same_batch).count());
    for run in batches {
        let (v, b) = (run[0].0, run[0].1);
        let parts: Vec<&Part> = run.iter().map(|x| &x.2).collect();
        // A batch mixing programs answers to the strictest of them.
        let Some((_, req)) = parts
            .iter()
            .filter_map(|pt| pt.req.as_ref())
            .min_by_key(|(k, r)| (std::cmp::Reverse(r.days), *k))
        else {
            continue;
        };
        let Some(lead) = parts
            .iter()
            .filter(|pt| pt.req.as_ref().is_some_and(|(_, r)| r == req))
            .max_by_key(|pt| (pt.n, std::cmp::Reverse(pt.program)))
        else {
            continue;
        };
        let first_paid = parts
            .iter()
            .filter_map(|pt| pt.paid.map(|d| (d, pt.paid_row)))
            .min();
        let first_approved = parts
            .iter()
            .filter_map(|pt| pt.approved.map(|d| (d, pt.approved_row)))
            .min();
        let payment = first_paid.map(|(d, row)| Moment {
            kind: MomentKind::Payment,
            day: d,
            table: TableKind::Subsidies,
            row,
            key: None,
        });
        let approval = first_approved.map(|(d, row)| Moment {
            kind: MomentKind::Approval,
            day: d,
            table: TableKind::Subsidies,
            row,
            key: None,
        });
        let event = match req.before {
            Before::ApprovalElsePayment => earliest(approval, payment),
            Before::Approval => approval,
            Before::Payment => payment,
            _ => None,
        };
        let after_payment_ok = parts
            .iter()
            .all(|pt| contains_any(pt.program, &p.after_payment_programs))
            || contains_any(b, &p.after_payment_markers);
        let programs: BTreeSet<&str> = parts.iter().map(|pt| pt.program).collect();
        let rows: u64 = parts.iter().map(|pt| pt.n).sum();
        let pmin = parts.iter().filter_map(|pt| pt.period.0).min();
        let pmax = parts.iter().filter_map(|pt| pt.period.1).max();
        out.push(Ref {
            family: Family::SubsidyBatch,
            village: v.to_string(),
            ref_no: b.to_string(),
            what: lead.program.to_string(),
            amount: parts.iter().map(|pt| pt.amount).sum(),
            required_days: req.days as i64,
            before: req.before,
            event,
            after_payment_ok,
            detail: Detail::Subsidy {
                programs: programs.into_iter().map(str::to_string).collect(),
                payment_rows: rows,
                period: (pmin, pmax),
                first_paid: first_paid.map(|(d, _)| d),
                first_approved: first_approved.map(|(d, _)| d),
                admissions: parts.iter().map(|pt| pt.admissions).sum::<u64>(),
            },
        });
    }
    Ok(out)
}

fn hiring_batches(code: &str, df: &DataFrame, p: &Params) -> Result<Vec<Ref>> {
    let g = df
        .clone()
        .lazy()
        .filter(
            col("batch_no")
                .is_not_null()
                .and(col("village_code").is_not_null()),
        )
        .group_by([col("village_code"), col("batch_no"), col("post")])
        .agg([
            col("start_date").min().alias("start_min"),
            col(ROW)
                .get(col("start_date").arg_min(), true)
                .alias("start_row"),
            col("monthly_wage").sum().alias("wage_sum"),
            len().alias("n"),
        ])
        .collect()
        .map_err(util::polars_err(code))?;
    let village = util::str_col(code, &g, "village_code")?;
    let batch = util::text_col(code, &g, "batch_no")?;
    let post = util::str_col(code, &g, "post")?;
    let start = util::date_col(code, &g, "start_min")?;
    let start_row = util::u32_col(code, &g, "start_row")?;
    let wage = util::i64_col(code, &g, "wage_sum")?;
    let n = g
        .column("n")
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(util::polars_err(code))?;
    let n = n.u64().map_err(util::polars_err(code))?;

    struct Part {
        post: String,
        req: Option<(usize, PostRequirement)>,
        start: Option<i32>,
        row: Option<u32>,
        wage: i64,
        n: u64,
    }
    let mut batches: BTreeMap<(String, String), Vec<Part>> = BTreeMap::new();
    for i in 0..g.height() {
        let (Some(v), Some(b)) = (village.get(i), batch.get(i)) else {
            continue;
        };
        if b.is_empty() {
            continue;
        }
        let ps = post.get(i).unwrap_or_default().to_string();
        let req = requirement_for(&p.hires, &ps, |r| &r.posts).map(|(k, r)| (k, r.clone()));
        batches
            .entry((v.to_string(), b.to_string()))
            .or_default()
            .push(Part {
                post: ps,
                req,
                start: start.get(i),
                row: start_row.get(i),
                wage: wage.get(i).unwrap_or_default(),
                n: n.get(i).unwrap_or_default(),
            });
    }
    let mut out = Vec::new();
    for ((v, b), parts) in batches {
        let Some((_, req)) = parts
            .iter()
            .filter_map(|pt| pt.req.as_ref())
            .min_by_key(|(k, r)| (std::cmp::Reverse(r.days), *k))
        else {
            continue;
        };
        let first = parts
            .iter()
            .filter_map(|pt| pt.start.map(|d| (d, pt.row)))
            .min();
        let event = match req.before {
            Before::Start => first.map(|(d, row)| Moment {
                kind: MomentKind::Start,
                day: d,
                table: TableKind::Hires,
                row,
                key: None,
            }),
            _ => None,
        };
        let posts: BTreeSet<&str> = parts.iter().map(|pt| pt.post.as_str()).collect();
        let what = posts.iter().copied().collect::<Vec<_>>().join("、");
        out.push(Ref {
            family: Family::HiringBatch,
            village: v,
            ref_no: b,
            what,
            amount: parts.iter().map(|pt| pt.wage).sum(),
            required_days: req.days as i64,
            before: req.before,
            event,
            after_payment_ok: false,
            detail: Detail::Hiring {
                posts: posts.iter().map(|s| s.to_string()).collect(),
                hires: parts.iter().map(|pt| pt.n).sum::<u64>(),
                first_start: first.map(|(d, _)| d),
            },
        });
    }
    Ok(out)
}

fn contracts(code: &str, df: &DataFrame, p: &Params) -> Result<Vec<Ref>> {
    let threshold = util::yuan_to_fen(p.contract_threshold);
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "contract_no")?;
    let project = util::str_col(code, df, "project_name")?;
    let vendor = util::str_col(code, df, "vendor")?;
    let procurement = util::str_col(code, df, "procurement")?;
    let decision = util::text_col(code, df, "decision_no")?;
    let amount = util::i64_col(code, df, "amount")?;
    let signed = util::date_col(code, df, "signed_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    // A contract listed on several rows is one contract: its largest amount
    // and its earliest signing.
    let mut by_no: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(v), Some(c), Some(a)) = (village.get(i), no.get(i), amount.get(i)) else {
            continue;
        };
        if c.is_empty() || a < threshold {
            continue;
        }
        by_no
            .entry((v.to_string(), c.to_string()))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((v, c), idx) in by_no {
        let amt = idx
            .iter()
            .filter_map(|&i| amount.get(i))
            .max()
            .unwrap_or_default();
        let first = idx
            .iter()
            .filter_map(|&i| signed.get(i).map(|d| (d, i)))
            .min();
        let lead = first.map(|(_, i)| i).unwrap_or(idx[0]);
        let event = match p.contracts.before {
            Before::Signing => first.map(|(d, i)| Moment {
                kind: MomentKind::Signing,
                day: d,
                table: TableKind::Contracts,
                row: rows.get(i),
                key: None,
            }),
            _ => None,
        };
        let proj = project.get(lead).unwrap_or_default();
        out.push(Ref {
            family: Family::Contract,
            village: v,
            ref_no: c,
            what: if proj.is_empty() {
                vendor.get(lead).unwrap_or_default().to_string()
            } else {
                proj.to_string()
            },
            amount: amt,
            required_days: p.contracts.days as i64,
            before: p.contracts.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "project_name": proj,
                "vendor": vendor.get(lead),
                "procurement": procurement.get(lead),
                "decision_no": decision.get(lead),
                "signed_date": first.map(|(d, _)| day(d)),
                "threshold": fen_to_yuan_string(threshold),
                "rows": idx.iter().filter_map(|&i| rows.get(i)).collect::<Vec<_>>(),
            })),
        });
    }
    Ok(out)
}

/// The earliest event citing each decision, by village and loose decision key.
type Citations = HashMap<(String, String), Moment>;
/// Money by village and loose decision key.
type Amounts = HashMap<(String, String), i64>;

fn note_citation(map: &mut Citations, village: &str, decision: &str, m: Moment) {
    let key = (village.to_string(), loose_key(decision).into_owned());
    match map.get(&key) {
        Some(old) if (old.day, old.row) <= (m.day, m.row) => {}
        _ => {
            map.insert(key, m);
        }
    }
}

/// Contracts citing each decision: the earliest signing, and the sum of
/// their amounts (the money of a decision that states none).
fn contract_citations(code: &str, ds: &Dataset) -> Result<(Citations, Amounts)> {
    let mut map = Citations::new();
    let mut sums = Amounts::new();
    let Some(df) = ds.frame(TableKind::Contracts) else {
        return Ok((map, sums));
    };
    let amount = util::i64_col(code, df, "amount")?;
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "contract_no")?;
    let decision = util::text_col(code, df, "decision_no")?;
    let signed = util::date_col(code, df, "signed_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    for i in 0..df.height() {
        let (Some(v), Some(d)) = (village.get(i), decision.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        *sums
            .entry((v.to_string(), loose_key(d).into_owned()))
            .or_default() += amount.get(i).unwrap_or_default();
        let Some(day) = signed.get(i) else {
            continue;
        };
        note_citation(
            &mut map,
            v,
            d,
            Moment {
                kind: MomentKind::DecisionSigning,
                day,
                table: TableKind::Contracts,
                row: rows.get(i),
                key: no.get(i).map(str::to_string),
            },
        );
    }
    Ok((map, sums))
}

fn ledger_citations(code: &str, ds: &Dataset) -> Result<Citations> {
    let mut map = Citations::new();
    let Some(df) = ds.frame(TableKind::Ledger) else {
        return Ok(map);
    };
    // The ledger is the big table: let polars keep only the lines citing a
    // decision before looping.
    let f = df
        .clone()
        .lazy()
        .filter(
            col("decision_no")
                .is_not_null()
                .and(col("direction").eq(lit("支出")))
                .and(col("date").is_not_null()),
        )
        .select([
            col("village_code"),
            col("decision_no"),
            col("voucher_no"),
            col("date"),
            col(ROW),
        ])
        .collect()
        .map_err(util::polars_err(code))?;
    let village = util::str_col(code, &f, "village_code")?;
    let decision = util::text_col(code, &f, "decision_no")?;
    let voucher = util::text_col(code, &f, "voucher_no")?;
    let date = util::date_col(code, &f, "date")?;
    let rows = util::u32_col(code, &f, ROW)?;
    for i in 0..f.height() {
        let (Some(v), Some(d), Some(day)) = (village.get(i), decision.get(i), date.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        note_citation(
            &mut map,
            v,
            d,
            Moment {
                kind: MomentKind::DecisionPayment,
                day,
                table: TableKind::Ledger,
                row: rows.get(i),
                key: voucher.get(i).map(str::to_string),
            },
        );
    }
    Ok(map)
}

fn decisions(code: &str, df: &DataFrame, ds: &Dataset, p: &Params) -> Result<Vec<Ref>> {
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "decision_no")?;
    let subject = util::str_col(code, df, "subject")?;
    let amount = util::i64_col(code, df, "amount")?;
    let resolved = util::date_col(code, df, "resolved_date")?;
    let published = util::date_col(code, df, "resolution_published_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    let need_signing = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Signing
    );
    let need_payment = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Payment
    );
    let (signing, contract_sums) = contract_citations(code, ds)?;
    let signing = if need_signing {
        signing
    } else {
        Citations::new()
    };
    let paying = if need_payment {
        ledger_citations(code, ds)?
    } else {
        Citations::new()
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(v), Some(d)) = (village.get(i), no.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        seen.entry((v.to_string(), d.to_string())).or_insert(i);
    }
    let mut out = Vec::new();
    for ((v, d), i) in seen {
        let key = (v.clone(), loose_key(&d).into_owned());
        let event = earliest(signing.get(&key).cloned(), paying.get(&key).cloned());
        out.push(Ref {
            family: Family::Decision,
            village: v,
            ref_no: d,
            what: subject.get(i).unwrap_or_default().to_string(),
            amount: amount
                .get(i)
                .or_else(|| contract_sums.get(&key).copied())
                .unwrap_or_default(),
            required_days: p.decisions.days as i64,
            before: p.decisions.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "row": rows.get(i),
                "subject": subject.get(i),
                "resolved_date": resolved.get(i).map(day),
                "resolution_published_date": published.get(i).map(day),
            })),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_is_a_sorted_set_like_btreeset() {
        // Every insertion sequence of up to 4 members drawn from 3 values.
        let values = ["DB-2", "DB-1", "DB-3"];
        for n in 0..=4u32 {
            for code in 0..3u32.pow(n) {
                let seq: Vec<&str> = (0..n)
                    .map(|k| values[(code / 3u32.pow(k) % 3) as usize])
                    .collect();
                let mut few = Few::default();
                let mut set = BTreeSet::new();
                for s in &seq {
                    few.insert(s);
                    set.insert(*s);
                }
                assert_eq!(few.len(), set.len(), "{seq:?}");
                assert!(few.iter().copied().eq(set.iter().copied()), "{seq:?}");
            }
        }
    }

    #[test]
    fn loose_key_drops_punctuation_only() {
        assert_eq!(loose_key("DB-2025/03"), "DB202503");
        assert_eq!(loose_key("2025年3月低保"), "2025年3月低保");
    }

    #[test]
    fn before_combinations_are_checked() {
        let mut p = Params::default();
        assert!(p.check_events().is_ok());
        p.contracts.before = Before::Approval;
        let e = p.check_events().unwrap_err();
        assert!(e.contains("contracts"), "{e}");
    }

    #[test]
    fn defaults_round_trip_through_toml() {
        let t = super::super::params_table(&Params::default());
        let p: Params = parse_params(&t).unwrap();
        assert_eq!(p.subsidies, Params::default().subsidies);
    }
}
