//! KIN001 优亲厚友: the rule's declaration and the order of its steps. The
//! persons and payments read from each table are in `scan`; grouping a
//! recipient's hits and dropping links that are contacts, not kinship, in
//! `groups`; name frequencies and homophones in `names`; weighing links and
//! combining a cadre's channels in `score`; the finding's message and
//! evidence in `finding`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::matching::kin::{AgeGaps, Channel, KinGraph, KinOptions};

mod finding;
mod groups;
mod names;
mod new_tables;
mod scan;
mod score;
#[cfg(test)]
mod tests;

use finding::finding;
use groups::{drop_household_accounts, drop_shared_contacts, group_hits};
use names::{distinct_villages, name_frequency, names_in_play};
use scan::Scan;
use score::Names;

const DOC: &str = "\
## What it flags
优亲厚友: a subsidy or relief recipient, a hire, a ledger payee, a contract
vendor (or its legal representative), a lessee of collective assets or
resources, a payee of land-acquisition compensation or of a crop-insurance
claim, who is a cadre or a cadre's close relative. Persons of interest are the cadres (`cadres`), the relatives they
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
  kin by surname at that address and gets no such link. What decides: the
  same address string to the house number (`3组12号` is not `3组13号`: a
  clan neighbour of the same surname next door is no link), the surname,
  the gap, and the other household's structure: its head is judged by the
  gap (a brother, a parent, a son who split off), its other members
  through the head (a head's child is a sibling when the head fits as a
  parent, a nephew or niece, no link, when the head fits as a brother; a
  brother's wife of the same surname is an in-law);
- same toneless pinyin and the same surname as a declared relative's name
  in the same village (`weight-homophone`): alone no case; it needs one
  more fact: a household, address, account or phone channel of its own,
  or, for a relative declared without id, a recipient whose birth year
  fits the declared relation (then the link weighs
  `weight-homophone-age`).

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
- `weight-homophone` (45.0): same pinyin and surname as a declared relative's name.
- `weight-homophone-age` (75.0): the same, for a relative declared without id, when the recipient's birth year fits the declared relation (not for a relation such as 侄 that says nothing of age).
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
    pub weight_homophone_age: f64,
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
            weight_homophone_age: 75.0,
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
    /// The birth-year gaps that fit a sibling or a parent and child.
    fn age_gaps(&self) -> AgeGaps {
        AgeGaps {
            sibling_max: self.sibling_max_gap_years,
            parent_child: (
                self.parent_child_gap_years[0],
                self.parent_child_gap_years[1],
            ),
        }
    }

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

const META: RuleMeta = RuleMeta {
    code: "KIN001",
    name: "kinship",
    category: Category::Kinship,
    severity: Severity::High,
    summary: "优亲厚友: a recipient, hire, payee, vendor or lessee who is a cadre, a declared relative or household member, by id, household, account/phone, name, address+age, homophone",
    doc: DOC,
    needs: &[TableKind::Cadres],
    processes: &[2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 31],
};

impl Rule for Kinship {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let opts = KinOptions {
            gaps: p.age_gaps(),
            max_address_households: p.max_address_households,
        };
        let graph = KinGraph::build(ds, &opts).map_err(Error::in_a_rule)?;
        if graph.is_empty() {
            return Ok(vec![]);
        }
        let scan = Scan {
            graph: &graph,
            p: &p,
        };
        let hits = scan.tables(ds)?;
        if hits.is_empty() {
            return Ok(vec![]);
        }

        let groups = group_hits(&graph, hits);
        let groups =
            drop_shared_contacts(groups, p.max_contact_sharers, p.max_household_recipients);
        let groups = drop_household_accounts(ds, &graph, groups).map_err(Error::in_a_rule)?;

        // Name frequencies, only for the names and pinyin keys in play.
        let (in_play, pinyin) = names_in_play(&graph, &groups);
        let freq = name_frequency(ds, &in_play, &pinyin)?;
        let names = Names {
            freq: &freq,
            villages: distinct_villages(ds)?,
        };

        let out: Vec<Finding> = groups
            .into_par_iter()
            .filter_map(|g| finding(&graph, &p, &names, g))
            .collect();
        Ok(out)
    }
}
