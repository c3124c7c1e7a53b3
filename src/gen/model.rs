//! The hidden truth: who the people are, how they are related, and every
//! record the villages' exports will hold, with the true person behind each
//! row. The writers render it; the labels and the self-check read it.

use chrono::{Datelike, NaiveDate};

use crate::finding::Category;

pub const YEAR: i32 = 2025;

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

pub fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1).pred_opt().unwrap_or(NaiveDate::MIN)
}

pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(chrono::Duration::days(n)).unwrap_or(d)
}

/// Months since year 0: compares periods.
pub fn month_key(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month() as i32 - 1
}

/// Full years of age on a date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

/// A person anywhere in the world: village index and person index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PRef {
    pub v: u32,
    pub p: u32,
}

#[derive(Debug, Clone)]
pub struct Person {
    /// The true 18-character id number.
    pub id: String,
    pub name: String,
    pub male: bool,
    pub birth: NaiveDate,
    pub household: Option<u32>,
    pub father: Option<u32>,
    pub mother: Option<u32>,
    pub spouse: Option<u32>,
    /// Empty for children and some of the very old.
    pub phone: String,
    pub account: String,
    pub death: Option<NaiveDate>,
    /// Registered with a 15-digit legacy number: every table writes that form.
    pub legacy15: bool,
}

impl Person {
    /// The id as the registers write it when nothing went wrong.
    pub fn written_id(&self) -> String {
        if self.legacy15 {
            format!("{}{}", &self.id[..6], &self.id[8..17])
        } else {
            self.id.clone()
        }
    }
    pub fn surname(&self) -> &str {
        surname_of(&self.name)
    }
}

pub fn surname_of(name: &str) -> &str {
    if name.starts_with("公孙") {
        return &name[..6];
    }
    name.char_indices()
        .nth(1)
        .map(|(i, _)| &name[..i])
        .unwrap_or(name)
}

#[derive(Debug, Clone)]
pub struct Household {
    pub hid: String,
    pub address: String,
    /// (person, relation to head); the head first.
    pub members: Vec<(u32, &'static str)>,
    /// 亩 of contracted land (耕地地力保护补贴).
    pub mu: f64,
}

#[derive(Debug, Clone)]
pub struct Cadre {
    pub person: u32,
    pub role: &'static str,
    pub term_start: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Declared {
    /// Index into `Village::cadres`.
    pub cadre: u32,
    pub person: u32,
    pub relation: &'static str,
    pub with_id: bool,
    pub with_phone: bool,
    pub with_account: bool,
    /// The name as the 近亲属备案 writes it, when it is not the register's
    /// (a homophone the cadre wrote: 张萍 for 张屏).
    pub written_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Company {
    pub name: String,
    pub credit: String,
    pub rep_name: String,
    pub rep_id: String,
    /// A villager when the legal representative lives in a village.
    pub rep_person: Option<PRef>,
    pub account: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Program {
    Dibao,
    Tekun,
    Linshi,
    LinshiUrgent,
    Canji,
    Gengdi,
    Zunlao,
    Nongji,
    /// 城乡居民基本养老保险待遇, monthly from 60.
    Pension,
    /// 计划生育奖励扶助, yearly from 60.
    Jisheng,
    /// 惠民殡葬补贴: the row's id is the deceased's, `payee` a relative.
    Funeral,
    /// 病死猪无害化处理补贴, per collection (`item_id` the 收集单号).
    Pig,
    /// 设施农业奖补, per facility (`item_id` the facility's number).
    Facility,
    /// 困难残疾人生活补贴, for disabled members of 低保 households.
    Kunnan,
    /// 城乡居保 contributions the government pays for the disabled under 60
    /// (政府代缴): on the pension's roll, not a pension.
    PaidFor,
}

impl Program {
    pub fn name(self) -> &'static str {
        match self {
            Program::Dibao => "城乡低保",
            Program::Tekun => "特困供养",
            Program::Linshi => "临时救助",
            Program::LinshiUrgent => "临时救助（急难型）",
            Program::Canji => "残疾人两项补贴",
            Program::Gengdi => "耕地地力保护补贴",
            Program::Zunlao => "尊老金",
            Program::Nongji => "农机购置补贴",
            Program::Pension => "城乡居民基本养老保险待遇",
            Program::Jisheng => "计划生育奖励扶助",
            Program::Funeral => "惠民殡葬补贴",
            Program::Pig => "病死猪无害化处理补贴",
            Program::Facility => "高效农业、设施农业奖补",
            Program::Kunnan => "困难残疾人生活补贴",
            Program::PaidFor => "城乡居民基本养老保险政府代缴",
        }
    }
    /// The name as village `village`'s roll writes it: the remaining
    /// programs are worded two ways across a street, as rolls word them.
    pub fn written(self, village: u32) -> &'static str {
        if village % 2 == 0 {
            return self.name();
        }
        match self {
            Program::Pension => "城乡居民养老保险基础养老金",
            Program::Jisheng => "农村部分计划生育家庭奖励扶助",
            Program::Funeral => "殡葬惠民补贴",
            Program::Pig => "病死畜禽无害化处理补贴",
            Program::Facility => "设施农业奖补资金",
            Program::Kunnan => "残疾人两项补贴（困难残疾人生活补贴）",
            _ => self.name(),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Program::Dibao => "DB",
            Program::Tekun => "TK",
            Program::Linshi => "LS",
            Program::LinshiUrgent => "JN",
            Program::Canji => "CJ",
            Program::Gengdi => "GD",
            Program::Zunlao => "ZL",
            Program::Nongji => "NJ",
            Program::Pension => "YL",
            Program::Jisheng => "JS",
            Program::Funeral => "BZ",
            Program::Pig => "BS",
            Program::Facility => "SS",
            Program::Kunnan => "KC",
            Program::PaidFor => "DJ",
        }
    }
    /// Publicity rule of rules.md: required days, and whether the window
    /// must be over before approval (else payment) or payment.
    pub fn publicity(self) -> Option<(i64, PubEvent)> {
        match self {
            Program::Dibao | Program::Tekun => Some((7, PubEvent::ApprovalElsePayment)),
            Program::Canji | Program::Gengdi | Program::Kunnan => Some((7, PubEvent::Payment)),
            Program::Linshi => Some((3, PubEvent::Payment)),
            Program::LinshiUrgent => Some((3, PubEvent::None)),
            Program::Zunlao | Program::Nongji => None,
            Program::Pension
            | Program::Jisheng
            | Program::Funeral
            | Program::Pig
            | Program::Facility
            | Program::PaidFor => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubEvent {
    ApprovalElsePayment,
    Payment,
    /// May be published after the event (急难型).
    None,
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub no: String,
    pub program: Program,
    pub month: u32,
    /// Dates new rows of the batch get.
    pub approved: Option<NaiveDate>,
    pub paid: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct SubsidyRow {
    pub batch: u32,
    pub person: PRef,
    pub name: String,
    pub id: String,
    pub household_id: String,
    pub account: String,
    pub phone: String,
    pub amount: i64,
    pub quantity: Option<f64>,
    pub approved: Option<NaiveDate>,
    pub paid: NaiveDate,
    /// 领取人 when someone else received it (惠民殡葬: a relative).
    pub payee: String,
    /// 出厂编号, 收集单号, facility number: the item paid for.
    pub item_id: String,
}

#[derive(Debug, Clone)]
pub struct Hire {
    pub batch_no: String,
    pub post: &'static str,
    pub person: PRef,
    pub name: String,
    pub id: String,
    pub account: String,
    pub phone: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub wage: i64,
    pub method: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payee {
    Person(PRef),
    Company(u32),
    Other,
}

#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub uid: u32,
    pub voucher: String,
    pub date: NaiveDate,
    pub income: bool,
    pub amount: i64,
    pub summary: String,
    pub category: &'static str,
    pub counterparty: String,
    pub cp_id: String,
    pub account: String,
    pub method: &'static str,
    pub contract_no: String,
    pub decision_no: String,
    pub payee: Payee,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Company(u32),
    Person(PRef),
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub no: String,
    pub project: String,
    pub vendor: Vendor,
    /// The vendor's name as this row writes it.
    pub vendor_name: String,
    pub with_credit: bool,
    pub with_vendor_id: bool,
    pub amount: i64,
    pub signed: NaiveDate,
    pub procurement: &'static str,
    pub decision_no: String,
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub no: String,
    pub subject: String,
    pub amount: Option<i64>,
    pub proposed: NaiveDate,
    pub consulted: NaiveDate,
    pub reviewed: NaiveDate,
    pub resolved: NaiveDate,
    pub res_published: Option<NaiveDate>,
    pub result_published: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct Publicity {
    pub ref_no: String,
    pub kind: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub channel: &'static str,
}

/// A periodic 党务/村务/财务公开 as the truth knows it: the kinds and the
/// period it answers (its `ref_no` may not say), and when it starts.
#[derive(Debug, Clone)]
pub struct PeriodicRecord {
    pub kinds: Vec<&'static str>,
    /// `2025-03`, `2025Q1`.
    pub period: String,
    pub start: NaiveDate,
}

/// A label as planted: the subject may be a ledger line whose voucher
/// number is only given when the ledger is finalised.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Text(String),
    Voucher(u32),
}

#[derive(Debug, Clone)]
pub struct PlantedLabel {
    pub category: Category,
    /// Village indexes (several for a cross-village duplicate).
    pub villages: Vec<u32>,
    pub subject: Subject,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct PlantedNegative {
    pub kind: &'static str,
    pub village: u32,
    pub subject: Subject,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct Village {
    pub index: u32,
    pub code: String,
    pub name: String,
    pub clan: Option<&'static str>,
    pub persons: Vec<Person>,
    pub households: Vec<Household>,
    pub cadres: Vec<Cadre>,
    pub declared: Vec<Declared>,
    pub companies: Vec<Company>,
    pub batches: Vec<Batch>,
    pub subsidies: Vec<SubsidyRow>,
    pub hires: Vec<Hire>,
    pub ledger: Vec<LedgerLine>,
    pub contracts: Vec<Contract>,
    pub decisions: Vec<Decision>,
    pub publicity: Vec<Publicity>,
    /// Ids written in the households table when they differ from the
    /// person's written id (an invalid or mangled entry): (person, written).
    pub household_id_override: Vec<(u32, String)>,
    /// Persons who moved onto the register (`moved_in_date`), with the date.
    pub moved_in: Vec<(u32, NaiveDate)>,
    /// Leases of collective assets and resources, with their rent history.
    pub leases: Vec<crate::r#gen::truth::Lease>,
    pub comp_batches: Vec<crate::r#gen::truth::CompBatch>,
    pub compensation: Vec<crate::r#gen::truth::CompRow>,
    pub claims: Vec<crate::r#gen::truth::Claim>,
    pub labels: Vec<PlantedLabel>,
    pub negatives: Vec<PlantedNegative>,
    /// The periodic 公开 (also in `publicity`), with the period each answers.
    pub periodic: Vec<PeriodicRecord>,
    /// Weak signals planted (rule, note) and hard negatives for them.
    pub weak: Vec<(&'static str, String)>,
    pub weak_negatives: Vec<(&'static str, String)>,
    /// The party branch: admissions, transfers, dues (`truth::party`).
    pub party: crate::r#gen::truth::party::Party,
    /// The seal log (`truth::seals`).
    pub seals: Vec<crate::r#gen::truth::seals::SealUse>,
}

impl Village {
    pub fn person(&self, p: u32) -> &Person {
        &self.persons[p as usize]
    }
    pub fn pref(&self, p: u32) -> PRef {
        PRef { v: self.index, p }
    }
}

/// The whole street (or province) export.
pub struct World {
    pub villages: Vec<Village>,
}

impl World {
    pub fn person(&self, r: PRef) -> &Person {
        &self.villages[r.v as usize].persons[r.p as usize]
    }
    pub fn company(&self, v: u32, c: u32) -> &Company {
        &self.villages[v as usize].companies[c as usize]
    }
}
