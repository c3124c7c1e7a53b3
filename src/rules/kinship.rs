use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use polars::prelude::{DataFrame, PlHashMap, PlHashSet, StringChunked};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::common::keywords::contains_any;
use super::common::util;
use super::{Rule, RuleMeta, parse_params, rule_params};
use crate::dataset::normalize::{fen_to_yuan_display, fen_to_yuan_string, from_epoch_days};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::matching::LastKey;
use crate::matching::kin::{
    AgeGaps, Channel, KinGraph, KinOptions, Link, Query, Rel, Source, birth_year,
    register_households, same_street, usable_id,
};
use crate::matching::names::{NameFrequency, is_person_name, loose_key, pinyin_key, simplify};

const DOC: &str = "\
## What it flags
优亲厚友: a subsidy or relief recipient, a hire, a ledger payee or a contract
vendor (or its legal representative) who is a cadre or a cadre's close
relative. Persons of interest are the cadres (`cadres`), the relatives they
declared (`relatives`, in the cadre's village), the members of their
household (`households`), and the people the household register places at a
cadre's address with the cadre's surname and a fitting age gap.

Evidence channels, each with its own weight (0–100):
- same id number as the cadre or a declared relative (`weight-same-id`);
- same household as a cadre: in the household register, or the roll's 户号
  (`weight-household`);
- same bank account (`weight-account`) or phone (`weight-phone`) as the
  cadre or a declared relative;
- same normalised name (spaces, full-width, traditional characters folded) as
  a person of interest of the same village, when at most one of the two has
  an id number, or a recipient id that the household register gives to the
  exact name of a relative declared without id (the roll misspelt it)
  (`weight-same-name`);
- same address and surname as the cadre and a birth-year gap that fits a
  sibling (`sibling-max-gap-years`) or a parent/child
  (`parent-child-gap-years`) (`weight-address`), read from the household
  register; an address of more than `max-address-households` households is
  no evidence, and one of k households carries 2/k of the weight; a cadre
  who married into the household (配偶, 儿媳 in the register) has no blood
  kin by surname at that address and gets no such link;
- same pinyin as a declared relative's name in the same village
  (`weight-homophone`).

Name channels are worth what the name is rare: the weight is divided by the
number of persons in the village who carry the name (or its pinyin; for a
relative declared without id, only those whose age fits the relation and
who are not the cadre), and
multiplied by `common-name-factor` when the name is common nationwide
(张伟, 王芳 …) or in this export (carried by at least `common-name-rate`
persons per other village). A name match to a relative whose relation the
recipient's age contradicts (a 儿子 older than the cadre) is no match.
Strong channels also link across villages of one street, at
`other-village-factor`. Surname alone is never evidence.

A cadre's channels combine as independent evidence,
`100 × (1 − Π(1 − weight/100))`; a recipient's score is that of the cadre
linked most strongly. One finding per recipient and village at or above
`min-score`: severity high from 80, medium below. The subject is the
recipient's id number (a company: its credit code; a ledger payee without
id: the id of the linked recipient of that name in the village, else of the
person of interest the name matched; else the cleaned name). The amount is
what the rolls, the ledger and the contracts paid (a ledger line paying a
listed contract is not counted twice); a hire with nothing else counts its
monthly wage.

## Why it matters
Relief, jobs and works going to cadres' kin is the most common 小微权力
complaint. A cadre's close relative (《民法典》第1045条) may receive 低保,
but the case must have been 单独登记备案 (《最低生活保障审核确认办法》,
民发〔2021〕57号) and the cadre must have stood aside; the message asks the
officer to check both.

## Parameters
- `min-score` (60.0): report a recipient whose score reaches it.
- `weight-same-id` (95.0): the recipient's id is the cadre's or a declared relative's.
- `weight-household` (90.0): the recipient is in a cadre's household.
- `weight-account` (85.0): same bank account as the cadre or a declared relative.
- `weight-phone` (70.0): same phone as the cadre or a declared relative.
- `weight-same-name` (75.0): same normalised name, same village, ids cannot disagree.
- `weight-address` (65.0): same address and surname, fitting birth-year gap, when only the cadre's household and the recipient's are registered there; an address of k households carries 2/k of it.
- `weight-homophone` (45.0): same pinyin as a declared relative's name.
- `common-name-factor` (0.8): multiplies a name channel's weight for a common name.
- `common-name-rate` (0.2): persons per other village from which a name counts as common in the export.
- `other-village-factor` (0.85): multiplies a strong channel linking to a cadre of another village of the street.
- `max-contact-sharers` (3): an account or phone shared by more recipients than this is a contact, not kinship.
- `max-household-recipients` (12): a cadre's 户号 on the rolls of more recipients than this is a placeholder, not a household.
- `max-address-households` (3): an address of more households than this is too coarse to link anyone.
- `sibling-max-gap-years` (15): siblings (and spouses) are at most this many years apart.
- `parent-child-gap-years` ([18, 50]): a parent is this many years older than a child.
- `cadre-exempt-summaries` ([\"工资\", \"误工\", \"务工补贴\", \"报酬\", \"绩效\", \"岗位补贴\", \"干部补贴\", \"通讯补贴\", \"交通补贴\", \"报销\", \"差旅\", \"垫付\"]): ledger 摘要 words that make a line to the cadre him/herself routine.
- `cadre-exempt-categories` ([\"应付工资\", \"干部报酬\", \"干部补贴\"]): ledger 科目 words that do the same.
- `exempt-programs` ([]): subsidy programs not reported (universal entitlements a locality chooses to leave out).
- `after-term-days` (365): payments later than this after a cadre's `term_end` do not link to that cadre.
- `max-rows-in-evidence` (50): payment rows listed per finding; counts and totals always cover all.

## Known false positives
- A cadre's own wages, allowances and reimbursements are routine: ledger
  lines to the cadre him/herself whose 摘要 or 科目 contains a word of
  `cadre-exempt-summaries` / `cadre-exempt-categories` are left out. The
  same lines to a relative are not (a relative paid 误工补贴 is a lead),
  nor are they when the cadre is also another cadre's close relative (the
  finding then names that other cadre).
- Universal entitlements (耕地地力保护补贴 per 亩, 尊老金 by age) reach
  cadres' households like every other; they are reported, since inflated
  亩 or ages are how they are abused. A locality that does not want them
  lists them in `exempt-programs`.
- An account or phone of a declared sibling reaches the sibling's spouse
  and children through their household: when the register puts the
  recipient in that relative's household, the link is dropped (not close
  relatives, 《民法典》第1045条). Without a register the link stays.
- A cadre's phone registered as the contact of elderly villagers he looks
  after: one such villager is reported (the phone channel alone reaches
  the threshold); more than `max-contact-sharers` are not.
- A namesake of a relative declared without id number, when the real
  relative is absent from the data (the name channel cannot tell them apart;
  common names need corroboration).
- A legitimate case that was 单独登记备案: the finding is the prompt to check
  the filing, not a verdict.
";

/// 优亲厚友: recipients who are cadres or cadres' close relatives.
pub struct Kinship;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_score: f64,
    pub weight_same_id: f64,
    pub weight_household: f64,
    pub weight_account: f64,
    pub weight_phone: f64,
    pub weight_same_name: f64,
    pub weight_address: f64,
    pub weight_homophone: f64,
    pub common_name_factor: f64,
    pub common_name_rate: f64,
    pub other_village_factor: f64,
    pub max_contact_sharers: usize,
    pub max_household_recipients: usize,
    pub max_address_households: usize,
    pub sibling_max_gap_years: i32,
    pub parent_child_gap_years: [i32; 2],
    pub cadre_exempt_summaries: Vec<String>,
    pub cadre_exempt_categories: Vec<String>,
    pub exempt_programs: Vec<String>,
    pub after_term_days: i64,
    pub max_rows_in_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_score: 60.0,
            weight_same_id: 95.0,
            weight_household: 90.0,
            weight_account: 85.0,
            weight_phone: 70.0,
            weight_same_name: 75.0,
            weight_address: 65.0,
            weight_homophone: 45.0,
            common_name_factor: 0.8,
            common_name_rate: 0.2,
            other_village_factor: 0.85,
            max_contact_sharers: 3,
            max_household_recipients: 12,
            max_address_households: 3,
            sibling_max_gap_years: 15,
            parent_child_gap_years: [18, 50],
            cadre_exempt_summaries: [
                "工资",
                "误工",
                "务工补贴",
                "报酬",
                "绩效",
                "岗位补贴",
                "干部补贴",
                "通讯补贴",
                "交通补贴",
                "报销",
                "差旅",
                "垫付",
            ]
            .map(String::from)
            .to_vec(),
            cadre_exempt_categories: ["应付工资", "干部报酬", "干部补贴"]
                .map(String::from)
                .to_vec(),
            exempt_programs: vec![],
            after_term_days: 365,
            max_rows_in_evidence: 50,
        }
    }
}

impl Params {
    fn weight(&self, c: Channel) -> f64 {
        match c {
            Channel::SameId => self.weight_same_id,
            Channel::Household => self.weight_household,
            Channel::Account => self.weight_account,
            Channel::Phone => self.weight_phone,
            Channel::SameName => self.weight_same_name,
            Channel::Address => self.weight_address,
            Channel::Homophone => self.weight_homophone,
        }
    }
}

/// What was received on one row.
#[derive(Debug, Clone)]
enum Item {
    Subsidy { program: String, batch: String },
    Hire { post: String, wage: i64 },
    Ledger { voucher: String, summary: String },
    Contract { contract: String, project: String },
}

#[derive(Debug, Clone)]
struct Payment {
    table: TableKind,
    row: u32,
    item: Item,
    /// Paid, signed, started or booked (days since 1970-01-01).
    date: Option<i32>,
    /// Subsidy period (first day of the month).
    period: Option<i32>,
    amount: i64,
    /// Counted in the finding's amount (a ledger line paying a listed
    /// contract is the same money as the contract).
    counted: bool,
    /// A ledger line reached through its contract or vendor, not its payee.
    via_vendor: bool,
}

/// Which person on the row the link is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Via {
    Recipient,
    LegalRep,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Id(String),
    Name(String),
}

impl Key {
    fn as_str(&self) -> &str {
        match self {
            Key::Id(s) | Key::Name(s) => s,
        }
    }
}

struct Hit {
    village: String,
    key: Key,
    name: String,
    payment: Payment,
    links: Vec<(Link, Via)>,
    /// Other keys of the recipient for `related_ids` (vendor and legal
    /// representative id numbers, credit code).
    ids: Vec<String>,
    /// Normalised vendor name (contracts), to reach the vendor's ledger lines.
    vendor_name: Option<String>,
}

fn opt(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// A recipient's key on one row: id number, else name.
fn row_key(id: Option<&str>, name: &str) -> Key {
    match usable_id(id) {
        Some(id) => Key::Id(id.to_string()),
        None => Key::Name(name.to_string()),
    }
}

/// Rows `0..n` in blocks, in parallel; `f(start, len)` reads its block
/// sequentially (column iterators, the village looked up once a run). The
/// blocks' results are concatenated in row order.
fn in_blocks<T: Send>(n: usize, f: impl Fn(usize, usize) -> Vec<T> + Sync) -> Vec<T> {
    const BLOCK: usize = 1 << 15;
    let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
    let parts: Vec<Vec<T>> = starts
        .into_par_iter()
        .map(|s| f(s, BLOCK.min(n - s)))
        .collect();
    parts.into_iter().flatten().collect()
}

struct Scan<'a> {
    graph: &'a KinGraph,
    p: &'a Params,
}

impl Scan<'_> {
    /// Keep the links a payment on `date` in `village` can carry.
    fn keep_links(
        &self,
        village: &str,
        date: Option<i32>,
        links: Vec<Link>,
        via: Via,
    ) -> Vec<(Link, Via)> {
        links
            .into_iter()
            .filter(|l| {
                let cadre = &self.graph.cadres[self.graph.persons[l.person].cadre];
                if !same_street(&cadre.village, village) {
                    return false;
                }
                match (cadre.term_end, date) {
                    (Some(end), Some(d)) => i64::from(d) <= i64::from(end) + self.p.after_term_days,
                    _ => true,
                }
            })
            .map(|l| (l, via))
            .collect()
    }

    fn subsidies(&self, df: &DataFrame) -> Result<Vec<Hit>> {
        let code = "KIN001";
        let program = util::text_col(code, df, "program")?;
        let batch = util::text_col(code, df, "batch_no")?;
        let period = util::date_col(code, df, "period")?;
        let village = util::str_col(code, df, "village_code")?;
        let name = util::str_col(code, df, "name")?;
        let id = util::str_col(code, df, "id_number")?;
        let household = util::str_col(code, df, "household_id")?;
        let account = util::str_col(code, df, "bank_account")?;
        let phone = util::str_col(code, df, "phone")?;
        let amount = util::i64_col(code, df, "amount")?;
        let paid = util::date_col(code, df, "paid_date")?;
        let rows = util::u32_col(code, df, ROW)?;
        let hits = in_blocks(df.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is) = (cut(village), cut(name), cut(id));
            let (hs, acs, phs) = (cut(household), cut(account), cut(phone));
            let mut villages = LastKey::default();
            // A person's months on the roll follow each other: their
            // links are looked up once a run.
            let mut last_links = LastKey::default();
            let mut out = Vec::new();
            let ps = program.range(start, len);
            let cells = vs.iter().zip(ps).zip(ns.iter()).zip(is.iter());
            let cells = cells.zip(hs.iter()).zip(acs.iter()).zip(phs.iter());
            for (k, ((((((v, prog), raw), idn), hh), acc), ph)) in cells.enumerate() {
                let i = start + k;
                let Some(v) = opt(v) else { continue };
                let prog = prog.unwrap_or_default();
                if contains_any(prog, &self.p.exempt_programs) {
                    continue;
                }
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(idn),
                    account: opt(acc),
                    phone: opt(ph),
                    household: opt(hh),
                    person_only: false,
                };
                let links = last_links.get(q, |q| {
                    self.graph
                        .links_in(villages.get(v, |v| self.graph.village(v)), &q)
                });
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                let date = paid.get(i).or(period.get(i));
                let links = self.keep_links(v, date, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(idn, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Subsidies,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Subsidy {
                            program: prog.to_string(),
                            batch: batch.get(i).unwrap_or_default().to_string(),
                        },
                        date,
                        period: period.get(i),
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids: vec![],
                    vendor_name: None,
                });
            }
            out
        });
        Ok(hits)
    }

    fn hires(&self, df: &DataFrame) -> Result<Vec<Hit>> {
        let code = "KIN001";
        let village = util::str_col(code, df, "village_code")?;
        let post = util::str_col(code, df, "post")?;
        let name = util::str_col(code, df, "name")?;
        let id = util::str_col(code, df, "id_number")?;
        let account = util::str_col(code, df, "bank_account")?;
        let phone = util::str_col(code, df, "phone")?;
        let start_date = util::date_col(code, df, "start_date")?;
        let wage = util::i64_col(code, df, "monthly_wage")?;
        let rows = util::u32_col(code, df, ROW)?;
        let hits = in_blocks(df.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is, acs, phs) =
                (cut(village), cut(name), cut(id), cut(account), cut(phone));
            let mut villages = LastKey::default();
            let mut out = Vec::new();
            let cells = vs.iter().zip(ns.iter()).zip(is.iter());
            let cells = cells.zip(acs.iter()).zip(phs.iter());
            for (k, ((((v, raw), idn), acc), ph)) in cells.enumerate() {
                let i = start + k;
                let Some(v) = opt(v) else { continue };
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(idn),
                    account: opt(acc),
                    phone: opt(ph),
                    household: None,
                    person_only: false,
                };
                let links = self
                    .graph
                    .links_in(villages.get(v, |v| self.graph.village(v)), &q);
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                let date = start_date.get(i);
                let links = self.keep_links(v, date, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                let w = wage.get(i).unwrap_or_default();
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(idn, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Hires,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Hire {
                            post: post.get(i).unwrap_or_default().to_string(),
                            wage: w,
                        },
                        date,
                        period: None,
                        amount: w,
                        // The roll gives a monthly wage, not what was paid.
                        counted: false,
                        via_vendor: false,
                    },
                    links,
                    ids: vec![],
                    vendor_name: None,
                });
            }
            out
        });
        Ok(hits)
    }

    /// Ledger 支出 lines whose payee links.
    fn ledger(&self, df: &DataFrame) -> Result<Vec<Hit>> {
        let code = "KIN001";
        let village = util::str_col(code, df, "village_code")?;
        let voucher = util::text_col(code, df, "voucher_no")?;
        let date = util::date_col(code, df, "date")?;
        let direction = util::text_col(code, df, "direction")?;
        let amount = util::i64_col(code, df, "amount")?;
        let summary = util::text_col(code, df, "summary")?;
        let category = util::text_col(code, df, "category")?;
        let payee = util::str_col(code, df, "counterparty")?;
        let payee_id = util::str_col(code, df, "counterparty_id")?;
        let account = util::str_col(code, df, "counterparty_account")?;
        let contract = util::text_col(code, df, "contract_no")?;
        let rows = util::u32_col(code, df, ROW)?;
        let hits = in_blocks(df.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is, acs) = (cut(village), cut(payee), cut(payee_id), cut(account));
            let mut villages = LastKey::default();
            let mut out = Vec::new();
            let cells = direction.range(start, len).zip(vs.iter()).zip(ns.iter());
            let cells = cells.zip(is.iter()).zip(acs.iter());
            for (k, ((((dir, v), raw), pid), acc)) in cells.enumerate() {
                let i = start + k;
                if dir != Some("支出") {
                    continue;
                }
                let Some(v) = opt(v) else { continue };
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(pid),
                    account: opt(acc),
                    phone: None,
                    household: None,
                    // A payee may be an organisation.
                    person_only: true,
                };
                let links = self
                    .graph
                    .links_in(villages.get(v, |v| self.graph.village(v)), &q);
                if links.is_empty() {
                    continue;
                }
                let s = summary.get(i).unwrap_or_default();
                let exempt = contains_any(s, &self.p.cadre_exempt_summaries)
                    || contains_any(
                        category.get(i).unwrap_or_default(),
                        &self.p.cadre_exempt_categories,
                    );
                // The cadre's own wage or reimbursement is routine: the line
                // keeps only its links to other cadres (a cadre who is also
                // another cadre's relative is paid on that relative's watch).
                let links = if exempt {
                    let own: BTreeSet<usize> = links
                        .iter()
                        .filter(|l| {
                            self.graph.persons[l.person].source == Source::Cadre
                                && matches!(l.channel, Channel::SameId | Channel::SameName)
                        })
                        .map(|l| self.graph.persons[l.person].cadre)
                        .collect();
                    if own.is_empty() {
                        links
                    } else {
                        links
                            .into_iter()
                            .filter(|l| !own.contains(&self.graph.persons[l.person].cadre))
                            .collect()
                    }
                } else {
                    links
                };
                if links.is_empty() {
                    continue;
                }
                let d = date.get(i);
                let links = self.keep_links(v, d, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(pid, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Ledger,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Ledger {
                            voucher: voucher.get(i).unwrap_or_default().to_string(),
                            summary: s.to_string(),
                        },
                        date: d,
                        period: None,
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids: opt(contract.get(i))
                        .map(str::to_string)
                        .into_iter()
                        .collect(),
                    vendor_name: None,
                });
            }
            out
        });
        Ok(hits)
    }

    fn contracts(&self, df: &DataFrame) -> Result<Vec<Hit>> {
        let code = "KIN001";
        let village = util::str_col(code, df, "village_code")?;
        let contract = util::text_col(code, df, "contract_no")?;
        let project = util::str_col(code, df, "project_name")?;
        let vendor = util::str_col(code, df, "vendor")?;
        let credit = util::str_col(code, df, "vendor_credit_code")?;
        let vendor_id = util::str_col(code, df, "vendor_id_number")?;
        let rep = util::str_col(code, df, "vendor_legal_rep")?;
        let rep_id = util::str_col(code, df, "vendor_legal_rep_id")?;
        let amount = util::i64_col(code, df, "amount")?;
        let signed = util::date_col(code, df, "signed_date")?;
        let rows = util::u32_col(code, df, ROW)?;
        let hits = (0..df.height())
            .into_par_iter()
            .filter_map(|i| {
                let v = opt(village.get(i))?;
                let n = simplify(vendor.get(i).unwrap_or_default()).into_owned();
                let r = simplify(rep.get(i).unwrap_or_default());
                let q = Query {
                    village: v,
                    name: is_person_name(&n).then_some(n.as_str()),
                    id: opt(vendor_id.get(i)),
                    ..Query::default()
                };
                let q_rep = Query {
                    village: v,
                    name: (is_person_name(&r) && *r != *n).then_some(&*r),
                    id: opt(rep_id.get(i)).filter(|x| Some(*x) != opt(vendor_id.get(i))),
                    ..Query::default()
                };
                let d = signed.get(i);
                let mut links = self.keep_links(v, d, self.graph.links(&q), Via::Recipient);
                links.extend(self.keep_links(v, d, self.graph.links(&q_rep), Via::LegalRep));
                if links.is_empty() {
                    return None;
                }
                let key = match (opt(credit.get(i)), opt(vendor_id.get(i))) {
                    (Some(c), _) => Key::Id(c.to_string()),
                    (None, Some(id)) => Key::Id(id.to_string()),
                    (None, None) => Key::Name(n.clone()),
                };
                let ids = [
                    credit.get(i),
                    vendor_id.get(i),
                    rep_id.get(i),
                    contract.get(i),
                ]
                .into_iter()
                .filter_map(opt)
                .map(str::to_string)
                .collect();
                Some(Hit {
                    village: v.to_string(),
                    key,
                    name: n.clone(),
                    payment: Payment {
                        table: TableKind::Contracts,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Contract {
                            contract: contract.get(i).unwrap_or_default().to_string(),
                            project: project.get(i).unwrap_or_default().to_string(),
                        },
                        date: d,
                        period: None,
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids,
                    vendor_name: Some(n),
                })
            })
            .collect();
        Ok(hits)
    }

    /// Ledger lines paying a kin-linked vendor (by contract number or by
    /// the vendor's name) whose payee did not link by itself: they belong in
    /// the vendor's finding as payments, not as evidence.
    fn vendor_ledger(
        &self,
        df: &DataFrame,
        vendors: &[&Hit],
        hit_rows: &PlHashSet<u32>,
    ) -> Result<Vec<Hit>> {
        let code = "KIN001";
        let mut by_contract: HashMap<(&str, &str), usize> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), usize> = HashMap::new();
        for (k, h) in vendors.iter().enumerate() {
            if let Item::Contract { contract, .. } = &h.payment.item
                && !contract.is_empty()
            {
                by_contract.insert((h.village.as_str(), contract.as_str()), k);
            }
            if let Some(n) = h.vendor_name.as_deref().filter(|n| !n.is_empty()) {
                by_name.entry((h.village.as_str(), n)).or_insert(k);
            }
        }
        if by_contract.is_empty() && by_name.is_empty() {
            return Ok(vec![]);
        }
        let village = util::str_col(code, df, "village_code")?;
        let voucher = util::text_col(code, df, "voucher_no")?;
        let date = util::date_col(code, df, "date")?;
        let direction = util::text_col(code, df, "direction")?;
        let amount = util::i64_col(code, df, "amount")?;
        let summary = util::text_col(code, df, "summary")?;
        let payee = util::str_col(code, df, "counterparty")?;
        let contract = util::text_col(code, df, "contract_no")?;
        let rows = util::u32_col(code, df, ROW)?;
        // Only the villages of linked vendors have lines to look at.
        let villages: PlHashSet<&str> = by_contract
            .keys()
            .chain(by_name.keys())
            .map(|(v, _)| *v)
            .collect();
        let mut out = Vec::new();
        let mut last = LastKey::default();
        let cells = village.iter().zip(direction.iter()).zip(contract.iter());
        for (i, (((v, dir), c), n)) in cells.zip(payee.iter()).enumerate() {
            if dir != Some("支出") {
                continue;
            }
            let Some(v) = opt(v) else {
                continue;
            };
            let here = last.get(v, |v| villages.contains(v));
            if !here {
                continue;
            }
            let c = opt(c);
            let by_c = c.and_then(|c| by_contract.get(&(v, c)));
            let k = match by_c {
                Some(k) => *k,
                None => {
                    let n = simplify(n.unwrap_or_default());
                    match by_name.get(&(v, &*n)) {
                        Some(k) => *k,
                        None => continue,
                    }
                }
            };
            let row = rows.get(i).unwrap_or_default();
            if hit_rows.contains(&row) {
                continue;
            }
            let h = vendors[k];
            out.push(Hit {
                village: h.village.clone(),
                key: h.key.clone(),
                name: h.name.clone(),
                payment: Payment {
                    table: TableKind::Ledger,
                    row,
                    item: Item::Ledger {
                        voucher: voucher.get(i).unwrap_or_default().to_string(),
                        summary: summary.get(i).unwrap_or_default().to_string(),
                    },
                    date: date.get(i),
                    period: None,
                    amount: amount.get(i).unwrap_or_default(),
                    // Paying a contract of the finding: the contract already counts it.
                    counted: by_c.is_none(),
                    via_vendor: true,
                },
                links: vec![],
                ids: c.map(str::to_string).into_iter().collect(),
                vendor_name: None,
            });
        }
        Ok(out)
    }
}

/// One recipient in one village.
struct Group {
    village: String,
    key: Key,
    name: String,
    payments: Vec<Payment>,
    links: Vec<(Link, Via)>,
    ids: BTreeSet<String>,
}

/// Collect name frequencies for the names and pinyin keys the links use.
fn name_frequency(
    ds: &Dataset,
    names: &HashSet<(String, String)>,
    pinyin: &HashSet<(String, String)>,
) -> Result<NameFrequency> {
    let code = "KIN001";
    let mut f = NameFrequency::new();
    if names.is_empty() && pinyin.is_empty() {
        return Ok(f);
    }
    let name_set: PlHashSet<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    let name_villages: PlHashSet<&str> = names.iter().map(|(v, _)| v.as_str()).collect();
    // Homophones share the loose key of the person of interest's name, which
    // `names` holds for every pinyin key in play.
    let loose: PlHashSet<(usize, &'static str)> =
        names.iter().filter_map(|(_, n)| loose_key(n)).collect();
    // Per village where homophones are in play: the lengths (syllables) of
    // their pinyin keys, the keys, and the (length, last syllable) pairs,
    // which let most names skip computing their pinyin.
    let mut keys_of: PlHashMap<&str, Homophones> = PlHashMap::default();
    for (v, k) in pinyin {
        let slot = keys_of.entry(v.as_str()).or_default();
        let syllables = k.split(' ').count();
        slot.lens.insert(syllables);
        slot.keys.insert(k.as_str());
        slot.last
            .insert((syllables, k.rsplit(' ').next().unwrap_or_default()));
    }
    for (t, name_col, id_col) in PERSON_COLUMNS {
        let Some(df) = ds.frame(t) else { continue };
        let village = util::str_col(code, df, "village_code")?;
        let name = util::str_col(code, df, name_col)?;
        let id = util::str_col(code, df, id_col)?;
        let mut last = LastKey::default();
        // A person listed on consecutive rows (a roll's months) counts once.
        let mut prev: Option<(&str, &str, Option<&str>)> = None;
        for ((v, raw), idn) in village.iter().zip(name.iter()).zip(id.iter()) {
            let (Some(v), Some(raw)) = (v, raw) else {
                continue;
            };
            let idn = opt(idn);
            // (The name first: it is what differs from one row to the next.)
            if prev.is_some_and(|(pv, pr, pi)| pr == raw && pi == idn && pv == v) {
                continue;
            }
            prev = Some((v, raw, idn));
            let (named_here, homophones) =
                last.get(v, |v| (name_villages.contains(v), keys_of.get(v)));
            if !named_here && homophones.is_none() {
                // Other villages only feed the export-wide count of a name,
                // compared as the loader cleaned it (no conversion per row).
                // (A name of the set always passes the loose filter below.)
                if name_set.contains(raw) {
                    f.add(v, raw, idn);
                }
                continue;
            }
            // A name of another length or last reading is neither a
            // candidate nor a homophone of one.
            let lk = loose_key(raw);
            if lk.is_some_and(|k| !loose.contains(&k)) {
                continue;
            }
            let n = simplify(raw);
            if name_set.contains(&*n) {
                f.add(v, &n, idn);
            }
            // Pinyin only where a homophone is in play, for names of its
            // length and last syllable (the last character of a name of two
            // or more is never read as a surname).
            if let Some(h) = homophones {
                let chars = n.chars().count();
                if !h.lens.contains(&chars) {
                    continue;
                }
                let lk = if matches!(n, std::borrow::Cow::Borrowed(_)) {
                    lk
                } else {
                    loose_key(&n)
                };
                if chars >= 2
                    && let Some(k) = lk
                    && !h.last.contains(&k)
                {
                    continue;
                }
                let key = pinyin_key(&n);
                if h.keys.contains(key.as_str()) {
                    f.add_pinyin_key(v, &key, idn);
                }
            }
        }
    }
    Ok(f)
}

/// The homophones in play in one village (see [`name_frequency`]).
#[derive(Default)]
struct Homophones<'a> {
    lens: PlHashSet<usize>,
    keys: PlHashSet<&'a str>,
    last: PlHashSet<(usize, &'a str)>,
}

/// The tables and columns that name persons (and their id numbers).
const PERSON_COLUMNS: [(TableKind, &str, &str); 7] = [
    (TableKind::Households, "name", "id_number"),
    (TableKind::Cadres, "name", "id_number"),
    (TableKind::Subsidies, "name", "id_number"),
    (TableKind::Hires, "name", "id_number"),
    (TableKind::Ledger, "counterparty", "counterparty_id"),
    (TableKind::Contracts, "vendor", "vendor_id_number"),
    (
        TableKind::Contracts,
        "vendor_legal_rep",
        "vendor_legal_rep_id",
    ),
];

fn distinct_villages(ds: &Dataset) -> usize {
    let mut set: PlHashSet<&str> = PlHashSet::default();
    for t in [
        TableKind::Cadres,
        TableKind::Households,
        TableKind::Subsidies,
        TableKind::Hires,
        TableKind::Ledger,
        TableKind::Contracts,
    ] {
        if let Some(df) = ds.frame(t)
            && let Ok(v) = util::Text::of(df, "village_code")
        {
            // Rows come in runs of one village: insert each run once.
            let mut last = None;
            for x in v.iter().flatten() {
                if last != Some(x) {
                    set.insert(x);
                    last = Some(x);
                }
            }
        }
    }
    set.len()
}

/// The weight one link carries.
struct Weighed {
    link: usize,
    weight: f64,
    factors: Vec<(&'static str, f64)>,
}

const META: RuleMeta = RuleMeta {
    code: "KIN001",
    name: "kinship",
    category: Category::Kinship,
    severity: Severity::High,
    summary: "优亲厚友: a recipient, hire, payee or vendor who is a cadre, a declared relative or household member, by id, household, account/phone, name, address+age, homophone",
    doc: DOC,
    needs: &[TableKind::Cadres],
    processes: &[2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 31],
};

impl Rule for Kinship {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let code = self.code();
        let p: Params = parse_params(params).map_err(|e| Error::rule(code, e))?;
        let opts = KinOptions {
            gaps: AgeGaps {
                sibling_max: p.sibling_max_gap_years,
                parent_child: (p.parent_child_gap_years[0], p.parent_child_gap_years[1]),
            },
            max_address_households: p.max_address_households,
        };
        let graph = KinGraph::build(ds, &opts).map_err(util::polars_err(code))?;
        if graph.is_empty() {
            return Ok(vec![]);
        }
        let scan = Scan {
            graph: &graph,
            p: &p,
        };

        let mut hits = Vec::new();
        if let Some(df) = ds.frame(TableKind::Subsidies) {
            hits.extend(scan.subsidies(df)?);
        }
        if let Some(df) = ds.frame(TableKind::Hires) {
            hits.extend(scan.hires(df)?);
        }
        let mut ledger_rows = PlHashSet::default();
        if let Some(df) = ds.frame(TableKind::Ledger) {
            let h = scan.ledger(df)?;
            ledger_rows.extend(h.iter().map(|h| h.payment.row));
            hits.extend(h);
        }
        if let Some(df) = ds.frame(TableKind::Contracts) {
            let h = scan.contracts(df)?;
            if let Some(ledger) = ds.frame(TableKind::Ledger) {
                let vendors: Vec<&Hit> = h.iter().collect();
                let extra = scan.vendor_ledger(ledger, &vendors, &ledger_rows)?;
                hits.extend(h);
                hits.extend(extra);
            } else {
                hits.extend(h);
            }
        }
        if hits.is_empty() {
            return Ok(vec![]);
        }

        let groups = group_hits(&graph, hits);
        let groups =
            drop_shared_contacts(groups, p.max_contact_sharers, p.max_household_recipients);
        let groups = drop_household_accounts(ds, &graph, groups).map_err(util::polars_err(code))?;

        // Name frequencies, only for the names and pinyin keys in play.
        let mut names = HashSet::new();
        let mut pinyin = HashSet::new();
        for g in &groups {
            for (l, _) in &g.links {
                match l.channel {
                    Channel::SameName => {
                        names.insert((g.village.clone(), l.value.clone()));
                    }
                    Channel::Homophone => {
                        pinyin.insert((g.village.clone(), l.value.clone()));
                        names.insert((g.village.clone(), graph.persons[l.person].name.clone()));
                    }
                    _ => {}
                }
            }
        }
        let freq = name_frequency(ds, &names, &pinyin)?;
        let villages = distinct_villages(ds);

        let out: Vec<Finding> = groups
            .into_par_iter()
            .filter_map(|g| finding(&graph, &p, &freq, villages, g))
            .collect();
        Ok(out)
    }
}

/// Hits to one group per recipient and village. A name-keyed recipient
/// (a ledger payee without id) takes the id of the only linked recipient of
/// that name in the village (the same person on a roll or another voucher);
/// failing that, the id of the person of interest its name matched, when
/// every person of interest of that name has that one id.
fn group_hits(graph: &KinGraph, hits: Vec<Hit>) -> Vec<Group> {
    let mut ids_by_name: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for h in &hits {
        if let Key::Id(id) = &h.key {
            ids_by_name
                .entry((h.village.clone(), h.name.clone()))
                .or_default()
                .insert(id.clone());
        }
    }
    let mut groups: BTreeMap<(String, Key), Group> = BTreeMap::new();
    for h in hits {
        let key = match &h.key {
            Key::Id(_) => h.key.clone(),
            Key::Name(n) => match ids_by_name.get(&(h.village.clone(), n.clone())) {
                Some(ids) if ids.len() == 1 => {
                    Key::Id(ids.iter().next().cloned().unwrap_or_default())
                }
                _ => {
                    let named: BTreeSet<Option<&str>> = h
                        .links
                        .iter()
                        .filter(|(l, v)| l.channel == Channel::SameName && *v == Via::Recipient)
                        .map(|(l, _)| graph.persons[l.person].id.as_deref())
                        .collect();
                    match named.iter().next() {
                        Some(Some(id)) if named.len() == 1 => Key::Id(id.to_string()),
                        _ => h.key.clone(),
                    }
                }
            },
        };
        let g = groups
            .entry((h.village.clone(), key.clone()))
            .or_insert_with(|| Group {
                village: h.village.clone(),
                key,
                name: h.name.clone(),
                payments: vec![],
                links: vec![],
                ids: BTreeSet::new(),
            });
        g.payments.push(h.payment);
        g.links.extend(h.links);
        g.ids.extend(h.ids);
    }
    groups
        .into_values()
        .map(|mut g| {
            g.payments.sort_by_key(|a| (a.table, a.row));
            g.links.sort_by(|a, b| {
                (a.0.channel, a.0.person, a.1, &a.0.value).cmp(&(
                    b.0.channel,
                    b.0.person,
                    b.1,
                    &b.0.value,
                ))
            });
            g.links
                .dedup_by(|a, b| a.0.channel == b.0.channel && a.0.person == b.0.person);
            g
        })
        .collect()
}

/// An account or phone shared by many recipients is a contact (a cadre
/// registering his number for the elderly he looks after), not kinship; a
/// cadre's 户号 on the rolls of more recipients than a household holds is a
/// placeholder, not a household.
fn drop_shared_contacts(
    mut groups: Vec<Group>,
    max_contact: usize,
    max_household: usize,
) -> Vec<Group> {
    let shared = |l: &Link| match l.channel {
        Channel::Account | Channel::Phone => Some(max_contact),
        // Register links carry the member's own id; roll links the 户号.
        Channel::Household if l.value.len() != 18 => Some(max_household),
        _ => None,
    };
    let mut sharers: HashMap<(Channel, &str), BTreeSet<(String, Key)>> = HashMap::new();
    for g in &groups {
        for (l, _) in &g.links {
            if shared(l).is_some() {
                sharers
                    .entry((l.channel, l.value.as_str()))
                    .or_default()
                    .insert((g.village.clone(), g.key.clone()));
            }
        }
    }
    let mut crowded: HashSet<(Channel, String)> = HashSet::new();
    for g in &groups {
        for (l, _) in &g.links {
            if let (Some(max), Some(s)) = (shared(l), sharers.get(&(l.channel, l.value.as_str())))
                && s.len() > max
            {
                crowded.insert((l.channel, l.value.clone()));
            }
        }
    }
    if crowded.is_empty() {
        return groups;
    }
    for g in &mut groups {
        g.links
            .retain(|(l, _)| !crowded.contains(&(l.channel, l.value.clone())));
    }
    groups
}

/// An account or phone a declared sibling (or more distant relative)
/// shares with the members of their own household reaches the sibling's
/// spouse and children: not close relatives of the cadre (《民法典》第1045条).
/// Such links are dropped when the register puts the recipient in that
/// relative's household.
fn drop_household_accounts(
    ds: &Dataset,
    graph: &KinGraph,
    mut groups: Vec<Group>,
) -> polars::prelude::PolarsResult<Vec<Group>> {
    let distant = |l: &Link| {
        let p = &graph.persons[l.person];
        matches!(l.channel, Channel::Account | Channel::Phone)
            && p.source == Source::Declared
            && matches!(p.rel, Rel::Sibling | Rel::Other)
            && graph.known_id(l.person).is_some()
    };
    let mut ids: HashSet<String> = HashSet::new();
    for g in &groups {
        if let Key::Id(rid) = &g.key {
            for (l, _) in g.links.iter().filter(|(l, _)| distant(l)) {
                ids.insert(rid.clone());
                ids.extend(graph.known_id(l.person).map(str::to_string));
            }
        }
    }
    if ids.is_empty() {
        return Ok(groups);
    }
    let hh = register_households(ds, &ids)?;
    for g in &mut groups {
        let Key::Id(rid) = &g.key else { continue };
        let Some(mine) = hh.get(rid) else { continue };
        g.links.retain(|(l, _)| {
            if !distant(l) {
                return true;
            }
            let pid = graph.known_id(l.person).unwrap_or_default();
            pid == rid || hh.get(pid) != Some(mine)
        });
    }
    Ok(groups)
}

fn noisy_or(weights: impl IntoIterator<Item = f64>) -> f64 {
    let miss: f64 = weights
        .into_iter()
        .map(|w| 1.0 - (w / 100.0).clamp(0.0, 1.0))
        .product();
    100.0 * (1.0 - miss)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Score a group and build its finding, if it reaches the threshold.
fn finding(
    graph: &KinGraph,
    p: &Params,
    freq: &NameFrequency,
    villages: usize,
    g: Group,
) -> Option<Finding> {
    let gaps = AgeGaps {
        sibling_max: p.sibling_max_gap_years,
        parent_child: (p.parent_child_gap_years[0], p.parent_child_gap_years[1]),
    };
    // Weigh every link.
    let weighed: Vec<Weighed> = g
        .links
        .iter()
        .enumerate()
        .map(|(k, (l, _))| {
            let person = &graph.persons[l.person];
            let mut factors = Vec::new();
            // For a relative declared without id, namesakes count only if
            // they could stand in the declared relation; for a person of
            // interest with an id, any namesake could be the id-less recipient.
            let cadre_year = graph.cadres[person.cadre].birth_year;
            let unknown = person.id.is_none();
            let cadre_id = graph.cadres[person.cadre].id.as_deref();
            let fits = |id: &str| {
                if !unknown {
                    return true;
                }
                // The cadre is not his own relative.
                if cadre_id == Some(id) {
                    return false;
                }
                match (cadre_year, birth_year(id)) {
                    (Some(cy), Some(y)) => gaps.plausible(person.rel, cy, y),
                    _ => true,
                }
            };
            match l.channel {
                Channel::SameName => factors.push((
                    "name_rarity",
                    freq.rarity(
                        &g.village,
                        &l.value,
                        p.common_name_factor,
                        p.common_name_rate,
                        villages,
                        fits,
                    ),
                )),
                Channel::Homophone => {
                    let k = freq.pinyin_persons_where(&g.village, &l.value, fits).max(1) as f64;
                    let common =
                        freq.is_common(&g.village, &person.name, p.common_name_rate, villages);
                    let c = if common { p.common_name_factor } else { 1.0 };
                    factors.push(("pinyin_rarity", (c / k).clamp(0.0, 1.0)));
                }
                _ => {}
            }
            if l.channel == Channel::Address && person.address_households > 2 {
                factors.push((
                    "address_specificity",
                    2.0 / person.address_households as f64,
                ));
            }
            if graph.village_of(l.person) != g.village {
                factors.push(("other_village", p.other_village_factor));
            }
            let weight = factors.iter().fold(p.weight(l.channel), |w, (_, f)| w * f);
            Weighed {
                link: k,
                weight,
                factors,
            }
        })
        .collect();

    // Per cadre: best weight per channel, combined.
    let mut per_cadre: BTreeMap<usize, BTreeMap<Channel, &Weighed>> = BTreeMap::new();
    for w in &weighed {
        let (l, _) = &g.links[w.link];
        let c = graph.persons[l.person].cadre;
        let slot = per_cadre.entry(c).or_default();
        match slot.get(&l.channel) {
            Some(best) if best.weight >= w.weight => {}
            _ => {
                slot.insert(l.channel, w);
            }
        }
    }
    let mut cadre_scores: Vec<(usize, f64)> = per_cadre
        .iter()
        .map(|(c, chans)| (*c, noisy_or(chans.values().map(|w| w.weight))))
        .collect();
    // Highest score first; ties to the cadre listed first.
    cadre_scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let &(best_cadre, score) = cadre_scores.first()?;
    // Products of weights and factors carry float noise (75 × 0.8).
    if score + 1e-9 < p.min_score {
        return None;
    }

    // The person through whom the best cadre is reached most strongly.
    let best_chans = &per_cadre[&best_cadre];
    // Ties go to the most direct source (the cadre, then a declared relative).
    let source_of = |w: &Weighed| graph.persons[g.links[w.link].0.person].source;
    let best_link = best_chans
        .values()
        .max_by(|a, b| {
            a.weight
                .total_cmp(&b.weight)
                .then(source_of(b).cmp(&source_of(a)))
                .then(b.link.cmp(&a.link))
        })
        .map(|w| w.link)?;
    let (bl, bvia) = &g.links[best_link];
    let person = &graph.persons[bl.person];
    let cadre = &graph.cadres[best_cadre];

    // Subject and related keys.
    let subject = g.key.as_str().to_string();
    let mut related: BTreeSet<String> = g.ids.clone();
    for (c, _) in &cadre_scores {
        if let Some(id) = &graph.cadres[*c].id {
            related.insert(id.clone());
        }
    }
    for (l, _) in &g.links {
        if let Some(id) = &graph.persons[l.person].id {
            related.insert(id.clone());
        }
    }
    for pay in &g.payments {
        match &pay.item {
            Item::Ledger { voucher, .. } if !voucher.is_empty() => {
                related.insert(voucher.clone());
            }
            Item::Contract { contract, .. } if !contract.is_empty() => {
                related.insert(contract.clone());
            }
            _ => {}
        }
    }

    // Money.
    let counted: i64 = g
        .payments
        .iter()
        .filter(|x| x.counted)
        .map(|x| x.amount)
        .sum();
    let wages: i64 = g
        .payments
        .iter()
        .filter(|x| matches!(x.item, Item::Hire { .. }))
        .map(|x| x.amount)
        .sum();
    let total = if counted == 0 { wages } else { counted };

    // Message.
    let is_self = person.source == Source::Cadre
        && (best_chans.contains_key(&Channel::SameId)
            || best_chans.contains_key(&Channel::SameName));
    let chan_labels: Vec<&str> = best_chans
        .keys()
        // The cadre's own household says nothing more about the cadre.
        .filter(|c| !(is_self && **c == Channel::Household))
        .map(|c| c.label_zh())
        .collect();
    let subject_name = if g.name.is_empty() {
        subject.clone()
    } else {
        g.name.clone()
    };
    let (via, seen_as) = if *bvia == Via::LegalRep {
        (format!("法定代表人{}系", person.name), person.name.as_str())
    } else {
        (String::new(), g.name.as_str())
    };
    let who = describe(
        graph, best_cadre, person, bl.channel, is_self, &g.village, seen_as,
    );
    let message = format!(
        "{subject_name}（{via}{who}；{}）{}，请核实是否单独登记备案（民发〔2021〕57号）及审批时是否回避",
        chan_labels.join("、"),
        what_received(&g.payments)
    );

    // Evidence.
    let links_json: Vec<Value> = cadre_scores
        .iter()
        .map(|(c, s)| {
            let cd = &graph.cadres[*c];
            let chans: Vec<Value> = weighed
                .iter()
                .filter(|w| graph.persons[g.links[w.link].0.person].cadre == *c)
                .map(|w| {
                    let (l, via) = &g.links[w.link];
                    let ps = &graph.persons[l.person];
                    json!({
                        "channel": l.channel.as_str(),
                        "strength": if l.channel.is_strong() { "strong" } else if l.channel == Channel::SameName { "medium" } else { "weak" },
                        "weight": round1(w.weight),
                        "base_weight": p.weight(l.channel),
                        "factors": w.factors.iter().map(|(k, f)| json!({ "factor": k, "value": round1(*f * 1000.0) / 1000.0 })).collect::<Vec<_>>(),
                        "value": l.value,
                        "via": if *via == Via::LegalRep { "legal_representative" } else { "recipient" },
                        "person": {
                            "name": ps.name,
                            "id_number": ps.id,
                            "relation": ps.relation,
                            "source": ps.source.as_str(),
                            "table": ps.table.canonical(),
                            "row": ps.row,
                        },
                    })
                })
                .collect();
            json!({
                "cadre": {
                    "name": cd.name,
                    "id_number": cd.id,
                    "role": cd.role,
                    "village_code": cd.village,
                    "row": cd.row,
                },
                "score": round1(*s),
                "channels": chans,
            })
        })
        .collect();
    let payments: Vec<Value> = g
        .payments
        .iter()
        .take(p.max_rows_in_evidence)
        .map(payment_json)
        .collect();
    let severity = if score >= 80.0 {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(
        META.finding(&g.village, &subject)
            .severity(severity)
            .score(score)
            .amount(total)
            .related(related)
            .message(message)
            .evidence(json!({
                "recipient": { "name": g.name, "key": subject },
                "score": round1(score),
                "min_score": p.min_score,
                "cadre": cadre.name,
                "role": cadre.role,
                "relation": person.relation,
                "links": links_json,
                "payments": payments,
                "payment_rows": g.payments.len(),
                "total": fen_to_yuan_string(total),
            })),
    )
}

/// `村委会主任李强之妻子` / `村委会主任本人` / `村委会主任李强同户家庭成员`.
/// `seen_as` is the name on the row; the person's own name is added when
/// it differs (a homophone, or a shared account).
fn describe(
    graph: &KinGraph,
    cadre_idx: usize,
    person: &crate::matching::kin::Person,
    channel: Channel,
    is_self: bool,
    village: &str,
    seen_as: &str,
) -> String {
    let cadre = &graph.cadres[cadre_idx];
    let place = if cadre.village != village {
        match &cadre.village_name {
            Some(n) => format!("外村{n}"),
            None => format!("外村（{}）", cadre.village),
        }
    } else {
        String::new()
    };
    let role = format!("{place}{}", cadre.role);
    match person.source {
        Source::Cadre if is_self => format!("{role}本人"),
        Source::Cadre if channel == Channel::Household => {
            format!("{role}{}同户家庭成员", cadre.name)
        }
        Source::Cadre => format!("与{role}{}关联", cadre.name),
        _ => {
            let named = if person.name != seen_as {
                person.name.as_str()
            } else {
                ""
            };
            format!("{role}{}之{}{named}", cadre.name, person.relation)
        }
    }
}

/// `领取城乡低保12笔共7,200元，受聘保洁员（月工资1,500元）`.
fn what_received(payments: &[Payment]) -> String {
    let mut programs: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    let mut posts: BTreeMap<&str, i64> = BTreeMap::new();
    let (mut ledger_n, mut ledger_sum) = (0usize, 0i64);
    let (mut contract_n, mut contract_sum) = (0usize, 0i64);
    let (mut paid_n, mut paid_sum) = (0usize, 0i64);
    let mut first_project: Option<&str> = None;
    for pay in payments {
        match &pay.item {
            Item::Subsidy { program, .. } => {
                let e = programs.entry(program.as_str()).or_default();
                e.0 += 1;
                e.1 += pay.amount;
            }
            Item::Hire { post, wage } => {
                posts.entry(post.as_str()).or_insert(*wage);
            }
            Item::Ledger { .. } if !pay.counted => {
                paid_n += 1;
                paid_sum += pay.amount;
            }
            Item::Ledger { .. } => {
                ledger_n += 1;
                ledger_sum += pay.amount;
            }
            Item::Contract { project, .. } => {
                contract_n += 1;
                contract_sum += pay.amount;
                first_project.get_or_insert(project.as_str());
            }
        }
    }
    let mut parts = Vec::new();
    for (prog, (n, sum)) in programs {
        parts.push(format!("领取{prog}{n}笔共{}", fen_to_yuan_display(sum)));
    }
    for (post, wage) in posts {
        parts.push(format!("受聘{post}（月工资{}）", fen_to_yuan_display(wage)));
    }
    if contract_n > 0 {
        let proj = first_project
            .filter(|p| !p.is_empty())
            .map(|p| {
                if contract_n > 1 {
                    format!("“{p}”等")
                } else {
                    format!("“{p}”")
                }
            })
            .unwrap_or_default();
        let paid = if paid_n > 0 {
            format!("，已付款{paid_n}笔共{}", fen_to_yuan_display(paid_sum))
        } else {
            String::new()
        };
        parts.push(format!(
            "承包{proj}合同{contract_n}份共{}{paid}",
            fen_to_yuan_display(contract_sum)
        ));
    }
    if ledger_n > 0 {
        parts.push(format!(
            "收取村集体支出{ledger_n}笔共{}",
            fen_to_yuan_display(ledger_sum)
        ));
    }
    parts.join("，")
}

fn payment_json(pay: &Payment) -> Value {
    let mut o = json!({
        "table": pay.table.canonical(),
        "row": pay.row,
        "amount": fen_to_yuan_string(pay.amount),
        "date": pay.date.map(util::day_string),
    });
    let m = o.as_object_mut().expect("object literal");
    match &pay.item {
        Item::Subsidy { program, batch } => {
            m.insert("program".into(), json!(program));
            m.insert("batch_no".into(), json!(batch));
            m.insert(
                "period".into(),
                json!(
                    pay.period
                        .and_then(from_epoch_days)
                        .map(|d| d.format("%Y-%m").to_string())
                ),
            );
        }
        Item::Hire { post, .. } => {
            m.insert("post".into(), json!(post));
            m.insert("amount_is".into(), json!("monthly_wage"));
        }
        Item::Ledger { voucher, summary } => {
            m.insert("voucher_no".into(), json!(voucher));
            m.insert("summary".into(), json!(summary));
            if pay.via_vendor {
                m.insert("reached_via".into(), json!("vendor"));
            }
            if !pay.counted {
                m.insert("counted".into(), json!(false));
            }
        }
        Item::Contract { contract, project } => {
            m.insert("contract_no".into(), json!(contract));
            m.insert("project_name".into(), json!(project));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_evidence() {
        assert_eq!(noisy_or([]), 0.0);
        assert!((noisy_or([45.0, 45.0]) - 69.75).abs() < 1e-9);
        assert!((noisy_or([95.0]) - 95.0).abs() < 1e-9);
        let p = Params::default();
        // A homophone alone needs corroboration; with a specific address it has it.
        assert!(noisy_or([p.weight_homophone]) < p.min_score);
        assert!(noisy_or([p.weight_address * 2.0 / 3.0]) < p.min_score);
        assert!(noisy_or([p.weight_address * 2.0 / 3.0, p.weight_homophone]) >= p.min_score);
        // The 分户 pattern (two households at one address) stands alone.
        assert!(p.weight_address >= p.min_score);
        // A common name unique in its village reaches the line; shared by two, not.
        assert!(p.weight_same_name * p.common_name_factor + 1e-9 >= p.min_score);
        assert!(p.weight_same_name * p.common_name_factor / 2.0 < p.min_score);
        assert!(p.weight_same_name / 2.0 < p.min_score);
    }
}
