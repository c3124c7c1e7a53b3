//! The tables a street exports and their columns: the canonical header of
//! the data contract and the header real exports carry (messy style).

use chrono::NaiveDate;

/// One cell, typed so that each style can render it its own way.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// A voucher, contract, batch or decision number.
    Code(String),
    /// A bank account or phone number.
    Digits(String),
    Name(String),
    Id(String),
    Village(String),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Period(u32),
    Amount(i64),
    Number(Option<f64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
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
}

pub const TABLES: [Table; 10] = [
    Table::Cadres,
    Table::Relatives,
    Table::Households,
    Table::Ledger,
    Table::Contracts,
    Table::Subsidies,
    Table::Hires,
    Table::Publicity,
    Table::Decisions,
    Table::Deaths,
];

impl Table {
    pub fn canonical(self) -> &'static str {
        match self {
            Table::Cadres => "cadres",
            Table::Relatives => "relatives",
            Table::Households => "households",
            Table::Ledger => "ledger",
            Table::Contracts => "contracts",
            Table::Subsidies => "subsidies",
            Table::Hires => "hires",
            Table::Publicity => "publicity",
            Table::Decisions => "decisions",
            Table::Deaths => "deaths",
        }
    }
    pub fn chinese(self) -> &'static str {
        match self {
            Table::Cadres => "村干部名册",
            Table::Relatives => "近亲属备案",
            Table::Households => "户籍人口",
            Table::Ledger => "集体资金收支明细",
            Table::Contracts => "工程项目合同",
            Table::Subsidies => "补贴救助发放花名册",
            Table::Hires => "村级用工",
            Table::Publicity => "公示记录",
            Table::Decisions => "四议两公开决策记录",
            Table::Deaths => "死亡人员信息",
        }
    }
    /// (canonical header, messy header).
    pub(super) fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Table::Cadres => &[
                ("village_code", "村居代码"),
                ("village_name", "村居名称"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("role", "职务"),
                ("phone", "联系电话"),
                ("bank_account", "银行账号"),
                ("household_id", "户号"),
                ("address", "住址"),
                ("term_start", "任职开始日期"),
                ("term_end", "任职结束日期"),
            ],
            Table::Relatives => &[
                ("cadre_id_number", "干部身份证号"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("relation", "与干部关系"),
                ("phone", "联系电话"),
                ("bank_account", "银行账号"),
            ],
            Table::Households => &[
                ("household_id", "户号"),
                ("village_code", "村居代码"),
                ("name", "姓名"),
                ("id_number", "公民身份号码"),
                ("relation_to_head", "与户主关系"),
                ("address", "家庭住址"),
            ],
            Table::Ledger => &[
                ("village_code", "村代码"),
                ("voucher_no", "凭证号"),
                ("date", "记账日期"),
                ("direction", "收支方向"),
                ("amount", "金额"),
                ("summary", "摘要"),
                ("category", "科目"),
                ("counterparty", "对方户名"),
                ("counterparty_id", "对方证件号码"),
                ("counterparty_account", "收款账号"),
                ("payment_method", "结算方式"),
                ("contract_no", "合同编号"),
                ("decision_no", "决议编号"),
            ],
            Table::Contracts => &[
                ("village_code", "村居代码"),
                ("contract_no", "合同编号"),
                ("project_name", "项目名称"),
                ("vendor", "承包方"),
                ("vendor_credit_code", "统一社会信用代码"),
                ("vendor_id_number", "承包人身份证号"),
                ("vendor_legal_rep", "法定代表人"),
                ("vendor_legal_rep_id", "法定代表人身份证号"),
                ("amount", "合同金额"),
                ("signed_date", "签订日期"),
                ("procurement", "发包方式"),
                ("decision_no", "决议编号"),
            ],
            Table::Subsidies => &[
                ("program", "补贴项目"),
                ("batch_no", "发放批次"),
                ("period", "发放期间"),
                ("village_code", "村居代码"),
                ("name", "姓名"),
                ("id_number", "身份证号码"),
                ("household_id", "户号"),
                ("bank_account", "银行卡号"),
                ("phone", "联系电话"),
                ("amount", "发放金额"),
                ("quantity", "数量"),
                ("unit", "单位"),
                ("approved_date", "审批日期"),
                ("paid_date", "发放日期"),
                ("payee", "领取人"),
                ("item_id", "机具编号"),
            ],
            Table::Hires => &[
                ("village_code", "村居代码"),
                ("batch_no", "招聘批次"),
                ("post", "岗位"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("bank_account", "银行账号"),
                ("phone", "手机号"),
                ("start_date", "上岗日期"),
                ("end_date", "离岗日期"),
                ("monthly_wage", "月工资"),
                ("hire_method", "聘用方式"),
            ],
            Table::Publicity => &[
                ("village_code", "村居代码"),
                ("ref_no", "公示事项编号"),
                ("kind", "公示类型"),
                ("start_date", "公示开始日期"),
                ("end_date", "公示结束日期"),
                ("channel", "公示方式"),
            ],
            Table::Decisions => &[
                ("village_code", "村居代码"),
                ("decision_no", "决议编号"),
                ("subject", "事项"),
                ("amount", "金额"),
                ("proposed_date", "提议日期"),
                ("consulted_date", "商议日期"),
                ("reviewed_date", "审议日期"),
                ("resolved_date", "决议日期"),
                ("resolution_published_date", "决议公开日期"),
                ("result_published_date", "结果公开日期"),
            ],
            Table::Deaths => &[
                ("id_number", "身份证号"),
                ("name", "姓名"),
                ("death_date", "死亡日期"),
            ],
        }
    }
}
