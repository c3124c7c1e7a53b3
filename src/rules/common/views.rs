//! Typed views of the tables: each column of the data contract as a named,
//! typed field, looked up once. Rules read `ledger.amount.get(i)` instead of
//! asking for a column by its name and type; a column the schema does not
//! have, or has with another type, fails the `views_match_the_schema` test
//! rather than a scan.
//!
//! The loader guarantees every column of a table's schema in its frame
//! (absent optional columns as nulls), so a view over a loaded table always
//! builds. A view also builds over a frame a rule derived from a table
//! (rows taken, sorted) as long as it kept the columns.

use polars::prelude::*;

use super::util::Text;
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};

fn err(e: PolarsError) -> Error {
    Error::in_a_rule(e)
}

pub(crate) fn str_of<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    df.column(name).and_then(|c| c.str()).map_err(err)
}

pub(crate) fn text_of<'a>(df: &'a DataFrame, name: &str) -> Result<Text<'a>> {
    Text::of(df, name).map_err(err)
}

pub(crate) fn money_of<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Int64Chunked> {
    df.column(name).and_then(|c| c.i64()).map_err(err)
}

/// Days since 1970-01-01.
pub(crate) fn date_of<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Int32Chunked> {
    df.column(name)
        .and_then(|c| c.date())
        .map(|d| d.physical())
        .map_err(err)
}

pub(crate) fn number_of<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Float64Chunked> {
    df.column(name).and_then(|c| c.f64()).map_err(err)
}

pub(crate) fn row_of(df: &DataFrame) -> Result<&UInt32Chunked> {
    df.column(ROW).and_then(|c| c.u32()).map_err(err)
}

macro_rules! view_field_type {
    (str) => { &'a StringChunked };
    (text) => { Text<'a> };
    (money) => { &'a Int64Chunked };
    (date) => { &'a Int32Chunked };
    (number) => { &'a Float64Chunked };
}

macro_rules! view_field_get {
    (str, $df:expr, $c:expr) => {
        str_of($df, $c)
    };
    (text, $df:expr, $c:expr) => {
        text_of($df, $c)
    };
    (money, $df:expr, $c:expr) => {
        money_of($df, $c)
    };
    (date, $df:expr, $c:expr) => {
        date_of($df, $c)
    };
    (number, $df:expr, $c:expr) => {
        number_of($df, $c)
    };
}

macro_rules! view {
    ($(#[$doc:meta])* $view:ident = $kind:ident { $($field:ident: $ty:ident = $col:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $view<'a> {
            pub df: &'a DataFrame,
            /// The row's number in its file (header = 1): what evidence cites.
            pub row: &'a UInt32Chunked,
            $(pub $field: view_field_type!($ty),)*
        }

        impl<'a> $view<'a> {
            pub const TABLE: TableKind = TableKind::$kind;
            /// The canonical column names with their view type, for the schema test.
            pub const COLUMNS: &'static [(&'static str, &'static str)] = &[$(($col, stringify!($ty)),)*];

            /// A view of `df`: the table itself or a frame derived from it.
            pub fn of(df: &'a DataFrame) -> Result<Self> {
                Ok($view {
                    df,
                    row: row_of(df)?,
                    $($field: view_field_get!($ty, df, $col)?,)*
                })
            }

            /// The dataset's table, when it was loaded.
            pub fn load(ds: &'a Dataset) -> Result<Option<Self>> {
                ds.frame(TableKind::$kind).map(Self::of).transpose()
            }

            pub fn height(&self) -> usize {
                self.df.height()
            }
        }
    };
}

view! {
    /// 村干部名册.
    CadresView = Cadres {
        village: str = "village_code",
        village_name: str = "village_name",
        name: str = "name",
        id: str = "id_number",
        role: str = "role",
        phone: str = "phone",
        account: str = "bank_account",
        household: str = "household_id",
        address: str = "address",
        term_start: date = "term_start",
        term_end: date = "term_end",
    }
}

view! {
    /// 近亲属备案.
    RelativesView = Relatives {
        cadre_id: str = "cadre_id_number",
        name: str = "name",
        id: str = "id_number",
        relation: str = "relation",
        phone: str = "phone",
        account: str = "bank_account",
    }
}

view! {
    /// 户籍人口.
    HouseholdsView = Households {
        household: str = "household_id",
        village: str = "village_code",
        name: str = "name",
        id: str = "id_number",
        relation: text = "relation_to_head",
        address: text = "address",
        moved_in: date = "moved_in_date",
    }
}

view! {
    /// 集体资金收支明细.
    LedgerView = Ledger {
        village: str = "village_code",
        voucher: text = "voucher_no",
        date: date = "date",
        direction: text = "direction",
        amount: money = "amount",
        summary: text = "summary",
        category: text = "category",
        payee: str = "counterparty",
        payee_id: str = "counterparty_id",
        payee_account: str = "counterparty_account",
        method: text = "payment_method",
        contract: text = "contract_no",
        decision: text = "decision_no",
    }
}

view! {
    /// 工程项目合同.
    ContractsView = Contracts {
        village: str = "village_code",
        contract: str = "contract_no",
        project: str = "project_name",
        vendor: str = "vendor",
        vendor_credit_code: str = "vendor_credit_code",
        vendor_id: str = "vendor_id_number",
        legal_rep: str = "vendor_legal_rep",
        legal_rep_id: str = "vendor_legal_rep_id",
        amount: money = "amount",
        signed: date = "signed_date",
        procurement: str = "procurement",
        decision: str = "decision_no",
    }
}

view! {
    /// 补贴救助发放花名册.
    SubsidiesView = Subsidies {
        program: text = "program",
        batch: text = "batch_no",
        period: date = "period",
        village: str = "village_code",
        name: str = "name",
        id: str = "id_number",
        household: str = "household_id",
        account: str = "bank_account",
        phone: str = "phone",
        amount: money = "amount",
        quantity: number = "quantity",
        unit: text = "unit",
        approved: date = "approved_date",
        paid: date = "paid_date",
        payee: str = "payee",
        item_id: str = "item_id",
    }
}

view! {
    /// 村级用工.
    HiresView = Hires {
        village: str = "village_code",
        batch: str = "batch_no",
        post: str = "post",
        name: str = "name",
        id: str = "id_number",
        account: str = "bank_account",
        phone: str = "phone",
        start: date = "start_date",
        end: date = "end_date",
        wage: money = "monthly_wage",
        method: str = "hire_method",
    }
}

view! {
    /// 公示记录.
    PublicityView = Publicity {
        village: str = "village_code",
        ref_no: str = "ref_no",
        kind: str = "kind",
        start: date = "start_date",
        end: date = "end_date",
        channel: str = "channel",
    }
}

view! {
    /// 四议两公开决策记录.
    DecisionsView = Decisions {
        village: str = "village_code",
        decision: str = "decision_no",
        subject: str = "subject",
        amount: money = "amount",
        proposed: date = "proposed_date",
        consulted: date = "consulted_date",
        reviewed: date = "reviewed_date",
        resolved: date = "resolved_date",
        resolution_published: date = "resolution_published_date",
        result_published: date = "result_published_date",
    }
}

view! {
    /// 死亡人员信息.
    DeathsView = Deaths {
        id: str = "id_number",
        name: str = "name",
        died: date = "death_date",
    }
}

view! {
    /// 集体资产资源承包租赁合同.
    LeasesView = Leases {
        village: str = "village_code",
        contract: str = "contract_no",
        asset_id: str = "asset_id",
        asset_name: str = "asset_name",
        asset_type: str = "asset_type",
        area: number = "area",
        unit: str = "unit",
        lessee: str = "lessee",
        lessee_id: str = "lessee_id",
        start: date = "start_date",
        end: date = "end_date",
        annual_rent: money = "annual_rent",
        cycle: str = "payment_cycle",
        prepaid_years: number = "prepaid_years",
        procurement: str = "procurement",
        decision: str = "decision_no",
        appraised_rent: money = "appraised_rent",
        signed: date = "signed_date",
    }
}

view! {
    /// 征地补偿款发放.
    LandCompensationView = LandCompensation {
        village: str = "village_code",
        batch: str = "batch_no",
        plan_published: date = "plan_published_date",
        objection_end: date = "plan_objection_end",
        household: str = "household_id",
        name: str = "name",
        id: str = "id_number",
        area: number = "area",
        rate: money = "rate",
        attachments: money = "attachments",
        amount: money = "amount",
        paid: date = "paid_date",
        account: str = "bank_account",
        decision: str = "decision_no",
    }
}

view! {
    /// 农业保险理赔清单.
    ClaimsView = Claims {
        village: str = "village_code",
        policy: str = "policy_no",
        name: str = "name",
        id: str = "id_number",
        crop: str = "crop",
        insured_area: number = "insured_area",
        loss_area: number = "loss_area",
        amount: money = "amount",
        paid: date = "paid_date",
        account: str = "bank_account",
    }
}

view! {
    /// 党员发展纪实.
    PartyMembersView = PartyMembers {
        village: str = "village_code",
        branch: str = "branch",
        name: str = "name",
        id: str = "id_number",
        applied: date = "applied_date",
        activist: date = "activist_date",
        candidate: date = "candidate_date",
        vetted: date = "vetted_date",
        admitted: date = "admitted_date",
        approved: date = "approved_date",
        full: date = "full_date",
        sponsors: str = "sponsor_ids",
    }
}

view! {
    /// 党组织关系转接.
    PartyTransfersView = PartyTransfers {
        village: str = "village_code",
        name: str = "name",
        id: str = "id_number",
        direction: str = "direction",
        letter: date = "letter_date",
        valid_days: number = "valid_days",
        received: date = "received_date",
    }
}

view! {
    /// 党费收缴.
    PartyDuesView = PartyDues {
        village: str = "village_code",
        name: str = "name",
        id: str = "id_number",
        period: date = "period",
        member_type: str = "member_type",
        base_income: money = "base_income",
        amount: money = "amount",
        paid: date = "paid_date",
    }
}

view! {
    /// 印章使用登记.
    SealLogView = SealLog {
        village: str = "village_code",
        entry: str = "entry_no",
        date: date = "date",
        seal: str = "seal",
        purpose: str = "purpose",
        ref_no: str = "ref_no",
        applicant: str = "applicant",
        approver: str = "approver",
        copies: number = "copies",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::dictionary::is_encoded;
    use crate::dataset::schema::Kind;

    fn check(table: TableKind, columns: &[(&str, &str)]) {
        let schema = table.columns();
        assert_eq!(
            columns.len(),
            schema.len(),
            "{table}: the view and the schema list different columns"
        );
        for (name, ty) in columns {
            let spec = table
                .column(name)
                .unwrap_or_else(|| panic!("{table} has no column {name}"));
            let want = match spec.kind {
                Kind::Money => "money",
                Kind::Date | Kind::Period => "date",
                Kind::Number => "number",
                _ if is_encoded(table, name) => "text",
                _ => "str",
            };
            assert_eq!(*ty, want, "{table}.{name}");
        }
    }

    #[test]
    fn views_match_the_schema() {
        let views = [
            (CadresView::TABLE, CadresView::COLUMNS),
            (RelativesView::TABLE, RelativesView::COLUMNS),
            (HouseholdsView::TABLE, HouseholdsView::COLUMNS),
            (LedgerView::TABLE, LedgerView::COLUMNS),
            (ContractsView::TABLE, ContractsView::COLUMNS),
            (SubsidiesView::TABLE, SubsidiesView::COLUMNS),
            (HiresView::TABLE, HiresView::COLUMNS),
            (PublicityView::TABLE, PublicityView::COLUMNS),
            (DecisionsView::TABLE, DecisionsView::COLUMNS),
            (DeathsView::TABLE, DeathsView::COLUMNS),
            (LeasesView::TABLE, LeasesView::COLUMNS),
            (LandCompensationView::TABLE, LandCompensationView::COLUMNS),
            (ClaimsView::TABLE, ClaimsView::COLUMNS),
            (PartyMembersView::TABLE, PartyMembersView::COLUMNS),
            (PartyTransfersView::TABLE, PartyTransfersView::COLUMNS),
            (PartyDuesView::TABLE, PartyDuesView::COLUMNS),
            (SealLogView::TABLE, SealLogView::COLUMNS),
        ];
        for (table, columns) in views {
            check(table, columns);
        }
        // Every table of the contract has its view (a new table needs one).
        let mut covered: Vec<TableKind> = views.iter().map(|(t, _)| *t).collect();
        covered.sort();
        let mut all = TableKind::ALL.to_vec();
        all.sort();
        assert_eq!(covered, all);
    }
}
