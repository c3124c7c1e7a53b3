//! The tables and columns of the data contract (§1–2), with the type each
//! column is normalised to. Aliases are data (`rules/aliases.toml`), not here.

use std::fmt;

/// How a column's raw text is normalised, and its polars dtype afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Trimmed text, full-width folded, inner whitespace collapsed. String.
    Text,
    /// Person or company name, every space removed. String.
    Name,
    /// Citizen id number, 18 characters; 15-digit upgraded; Excel-mangled → null
    /// plus a load issue. String.
    IdNumber,
    /// A party (counterparty, vendor, legal representative, lessee): a
    /// person's id number as `IdNumber`, or an organisation's 统一社会信用代码
    /// (GB 32100) kept as written; a passport, 港澳台 permit or legacy
    /// 组织机构代码 → null plus a notice. String.
    PartyId,
    /// Credit code, voucher/contract/batch/decision numbers. String.
    Code,
    /// Village code, always a string even when the export wrote a number.
    VillageCode,
    /// Bank account or phone: digits only. String.
    Digits,
    /// A calendar date. Date.
    Date,
    /// `YYYY-MM`: first day of the month. Date.
    Period,
    /// Money, as integer fen (1/100 yuan). Int64.
    Money,
    /// A plain quantity. Float64.
    Number,
    /// 收入 / 支出. String.
    Direction,
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    /// The column must be present in the file.
    pub required: bool,
    /// Every row must hold a value (only checked for required columns).
    pub non_empty: bool,
}

const fn req(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: true,
        non_empty: true,
    }
}
/// Required column whose cells may be blank (an id number not known).
const fn req_blank(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: true,
        non_empty: false,
    }
}
const fn opt(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required: false,
        non_empty: false,
    }
}

use Kind::*;

const CADRES: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    opt("village_name", Text),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req("role", Text),
    opt("phone", Digits),
    opt("bank_account", Digits),
    opt("household_id", Code),
    opt("address", Name),
    opt("term_start", Date),
    opt("term_end", Date),
];

const RELATIVES: &[ColumnSpec] = &[
    req("cadre_id_number", IdNumber),
    req("name", Name),
    opt("id_number", IdNumber),
    req("relation", Name),
    opt("phone", Digits),
    opt("bank_account", Digits),
];

const HOUSEHOLDS: &[ColumnSpec] = &[
    req("household_id", Code),
    req("village_code", VillageCode),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req("relation_to_head", Name),
    opt("address", Name),
    opt("moved_in_date", Date),
];

const LEDGER: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("voucher_no", Code),
    req("date", Date),
    req("direction", Direction),
    req("amount", Money),
    req_blank("summary", Text),
    opt("category", Text),
    req_blank("counterparty", Name),
    opt("counterparty_id", PartyId),
    opt("counterparty_account", Digits),
    opt("payment_method", Name),
    opt("contract_no", Code),
    opt("decision_no", Code),
];

const CONTRACTS: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("contract_no", Code),
    req_blank("project_name", Text),
    req("vendor", Name),
    opt("vendor_credit_code", Code),
    opt("vendor_id_number", PartyId),
    opt("vendor_legal_rep", Name),
    opt("vendor_legal_rep_id", PartyId),
    req("amount", Money),
    req("signed_date", Date),
    req_blank("procurement", Name),
    opt("decision_no", Code),
];

const SUBSIDIES: &[ColumnSpec] = &[
    req("program", Name),
    req("batch_no", Code),
    req("period", Period),
    req("village_code", VillageCode),
    req("name", Name),
    req_blank("id_number", IdNumber),
    opt("household_id", Code),
    opt("bank_account", Digits),
    opt("phone", Digits),
    req("amount", Money),
    opt("quantity", Number),
    opt("unit", Name),
    opt("approved_date", Date),
    req("paid_date", Date),
    opt("payee", Name),
    opt("item_id", Code),
];

const HIRES: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    opt("batch_no", Code),
    req("post", Name),
    req("name", Name),
    req_blank("id_number", IdNumber),
    opt("bank_account", Digits),
    opt("phone", Digits),
    req("start_date", Date),
    opt("end_date", Date),
    req("monthly_wage", Money),
    opt("hire_method", Name),
];

const PUBLICITY: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("ref_no", Code),
    req_blank("kind", Name),
    req("start_date", Date),
    req("end_date", Date),
    opt("channel", Text),
];

const DECISIONS: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("decision_no", Code),
    req_blank("subject", Text),
    opt("amount", Money),
    req_blank("proposed_date", Date),
    req_blank("consulted_date", Date),
    req_blank("reviewed_date", Date),
    req_blank("resolved_date", Date),
    opt("resolution_published_date", Date),
    opt("result_published_date", Date),
];

const DEATHS: &[ColumnSpec] = &[
    req("id_number", IdNumber),
    req_blank("name", Name),
    req("death_date", Date),
];

// §2a: the tables of the other processes of the annex.

const LEASES: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("contract_no", Code),
    opt("asset_id", Code),
    opt("asset_name", Text),
    req_blank("asset_type", Name),
    opt("area", Number),
    opt("unit", Name),
    req("lessee", Name),
    opt("lessee_id", PartyId),
    req("start_date", Date),
    req_blank("end_date", Date),
    req("annual_rent", Money),
    opt("payment_cycle", Name),
    opt("prepaid_years", Number),
    req_blank("procurement", Name),
    opt("decision_no", Code),
    opt("appraised_rent", Money),
    opt("signed_date", Date),
];

const LAND_COMPENSATION: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("batch_no", Code),
    opt("plan_published_date", Date),
    opt("plan_objection_end", Date),
    opt("household_id", Code),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req("area", Number),
    req("rate", Money),
    opt("attachments", Money),
    req("amount", Money),
    req("paid_date", Date),
    opt("bank_account", Digits),
    opt("decision_no", Code),
];

const CLAIMS: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("policy_no", Code),
    req("name", Name),
    req_blank("id_number", IdNumber),
    opt("crop", Name),
    req("insured_area", Number),
    req("loss_area", Number),
    req("amount", Money),
    req("paid_date", Date),
    opt("bank_account", Digits),
];

const PARTY_MEMBERS: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    opt("branch", Name),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req_blank("applied_date", Date),
    opt("activist_date", Date),
    opt("candidate_date", Date),
    opt("vetted_date", Date),
    opt("admitted_date", Date),
    opt("approved_date", Date),
    opt("full_date", Date),
    opt("sponsor_ids", Text),
];

const PARTY_TRANSFERS: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req("direction", Name),
    req("letter_date", Date),
    opt("valid_days", Number),
    opt("received_date", Date),
];

const PARTY_DUES: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("name", Name),
    req_blank("id_number", IdNumber),
    req("period", Period),
    opt("member_type", Name),
    opt("base_income", Money),
    req("amount", Money),
    opt("paid_date", Date),
];

const SEAL_LOG: &[ColumnSpec] = &[
    req("village_code", VillageCode),
    req("entry_no", Code),
    req("date", Date),
    req_blank("seal", Name),
    req_blank("purpose", Text),
    opt("ref_no", Code),
    req_blank("applicant", Name),
    opt("approver", Name),
    opt("copies", Number),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    Cadres,
    Relatives,
    Households,
    Ledger,
    Contracts,
    Subsidies,
    Hires,
    Publicity,
    Decisions,
    Deaths,
    Leases,
    LandCompensation,
    Claims,
    PartyMembers,
    PartyTransfers,
    PartyDues,
    SealLog,
}

impl TableKind {
    pub const ALL: [TableKind; 17] = [
        TableKind::Cadres,
        TableKind::Relatives,
        TableKind::Households,
        TableKind::Ledger,
        TableKind::Contracts,
        TableKind::Subsidies,
        TableKind::Hires,
        TableKind::Publicity,
        TableKind::Decisions,
        TableKind::Deaths,
        TableKind::Leases,
        TableKind::LandCompensation,
        TableKind::Claims,
        TableKind::PartyMembers,
        TableKind::PartyTransfers,
        TableKind::PartyDues,
        TableKind::SealLog,
    ];

    pub fn canonical(self) -> &'static str {
        match self {
            TableKind::Cadres => "cadres",
            TableKind::Relatives => "relatives",
            TableKind::Households => "households",
            TableKind::Ledger => "ledger",
            TableKind::Contracts => "contracts",
            TableKind::Subsidies => "subsidies",
            TableKind::Hires => "hires",
            TableKind::Publicity => "publicity",
            TableKind::Decisions => "decisions",
            TableKind::Deaths => "deaths",
            TableKind::Leases => "leases",
            TableKind::LandCompensation => "land_compensation",
            TableKind::Claims => "claims",
            TableKind::PartyMembers => "party_members",
            TableKind::PartyTransfers => "party_transfers",
            TableKind::PartyDues => "party_dues",
            TableKind::SealLog => "seal_log",
        }
    }

    /// The Chinese file name of the contract, for officers' messages.
    pub fn label_zh(self) -> &'static str {
        match self {
            TableKind::Cadres => "村干部名册",
            TableKind::Relatives => "近亲属备案",
            TableKind::Households => "户籍人口",
            TableKind::Ledger => "集体资金收支明细",
            TableKind::Contracts => "工程项目合同",
            TableKind::Subsidies => "补贴救助发放花名册",
            TableKind::Hires => "村级用工",
            TableKind::Publicity => "公示记录",
            TableKind::Decisions => "四议两公开决策记录",
            TableKind::Deaths => "死亡人员信息",
            TableKind::Leases => "集体资产资源承包租赁合同",
            TableKind::LandCompensation => "征地补偿款发放",
            TableKind::Claims => "农业保险理赔清单",
            TableKind::PartyMembers => "党员发展纪实",
            TableKind::PartyTransfers => "党组织关系转接",
            TableKind::PartyDues => "党费收缴",
            TableKind::SealLog => "印章使用登记",
        }
    }

    pub fn from_canonical(s: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|t| t.canonical() == s)
    }

    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            TableKind::Cadres => CADRES,
            TableKind::Relatives => RELATIVES,
            TableKind::Households => HOUSEHOLDS,
            TableKind::Ledger => LEDGER,
            TableKind::Contracts => CONTRACTS,
            TableKind::Subsidies => SUBSIDIES,
            TableKind::Hires => HIRES,
            TableKind::Publicity => PUBLICITY,
            TableKind::Decisions => DECISIONS,
            TableKind::Deaths => DEATHS,
            TableKind::Leases => LEASES,
            TableKind::LandCompensation => LAND_COMPENSATION,
            TableKind::Claims => CLAIMS,
            TableKind::PartyMembers => PARTY_MEMBERS,
            TableKind::PartyTransfers => PARTY_TRANSFERS,
            TableKind::PartyDues => PARTY_DUES,
            TableKind::SealLog => SEAL_LOG,
        }
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.canonical())
    }
}

/// Name of the column every loaded frame carries: the row's number in its
/// file, header = row 1, as a spreadsheet shows it. Evidence cites it.
pub const ROW: &str = "__row";
