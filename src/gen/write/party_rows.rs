//! The rows of the party and seal tables (data contract §2a), as typed
//! cells, with the headers real exports print (bracketed notes included:
//! `有效期（天）`, `接收预备党员日期（支部大会）`).

use super::tables::Cell;
use crate::r#gen::model::*;

pub(super) const PARTY_MEMBERS: &[(&str, &str)] = &[
    ("village_code", "村居代码"),
    ("branch", "党支部"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("applied_date", "递交入党申请书日期"),
    ("activist_date", "确定入党积极分子日期"),
    ("candidate_date", "确定发展对象日期"),
    ("vetted_date", "政治审查日期"),
    ("admitted_date", "接收预备党员日期（支部大会）"),
    ("approved_date", "上级党委审批日期"),
    ("full_date", "预备党员转正日期"),
    ("sponsor_ids", "入党介绍人身份证号"),
];

pub(super) const PARTY_TRANSFERS: &[(&str, &str)] = &[
    ("village_code", "村居代码"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("direction", "转接方向"),
    ("letter_date", "介绍信开具日期"),
    ("valid_days", "有效期（天）"),
    ("received_date", "回执日期"),
];

pub(super) const PARTY_DUES: &[(&str, &str)] = &[
    ("village_code", "村居代码"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("period", "所属月份"),
    ("member_type", "人员类别"),
    // The amount before the base income: an office form's 小计 planted
    // wrong goes into its first money column, and a column with blanks (a
    // farmer has no base income) is one the loader cannot check.
    ("amount", "交纳金额"),
    ("base_income", "计算基数（月收入）"),
    ("paid_date", "交纳日期"),
];

pub(super) const SEAL_LOG: &[(&str, &str)] = &[
    ("village_code", "村居代码"),
    ("entry_no", "登记编号"),
    ("date", "用印日期"),
    ("seal", "印章名称"),
    ("purpose", "用印事由"),
    ("ref_no", "关联编号"),
    ("applicant", "经办人"),
    ("approver", "审批人"),
    ("copies", "份数"),
];

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn village(v: &Village) -> Cell {
    Cell::Village(v.code.clone())
}

pub(super) fn party_members(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for a in &v.party.admissions {
        let p = v.person(a.person);
        let sponsors: Vec<String> = a
            .sponsors
            .iter()
            .map(|s| v.person(*s).written_id())
            .collect();
        let mut row = vec![
            village(v),
            t(&v.party.branch),
            Cell::Name(p.name.clone()),
            Cell::Id(p.written_id()),
        ];
        row.extend(a.steps.iter().map(|d| Cell::OptDate(*d)));
        row.push(t(sponsors.join(";")));
        out.push(row);
    }
    out
}

pub(super) fn party_transfers(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for x in &v.party.transfers {
        let p = v.person(x.person);
        out.push(vec![
            village(v),
            Cell::Name(p.name.clone()),
            Cell::Id(p.written_id()),
            t(if x.out { "转出" } else { "转入" }),
            Cell::Date(x.letter),
            Cell::Number(x.valid_days.map(|d| d as f64)),
            Cell::OptDate(x.received),
        ]);
    }
    out
}

pub(super) fn party_dues(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for d in &v.party.dues {
        let p = v.person(d.person);
        out.push(vec![
            village(v),
            Cell::Name(p.name.clone()),
            Cell::Id(if d.with_id {
                p.written_id()
            } else {
                String::new()
            }),
            Cell::Period(d.month),
            t(d.kind.label()),
            Cell::Amount(d.amount),
            match d.base {
                Some(b) => Cell::Amount(b),
                None => t(""),
            },
            Cell::OptDate(d.paid),
        ]);
    }
    out
}

pub(super) fn seal_log(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for s in &v.seals {
        out.push(vec![
            village(v),
            Cell::Code(s.entry_no.clone()),
            Cell::Date(s.date),
            t(s.seal),
            t(&s.purpose),
            Cell::Code(s.ref_no.clone()),
            Cell::Name(s.applicant.clone()),
            Cell::Name(s.approver.clone()),
            Cell::Number(Some(f64::from(s.copies))),
        ]);
    }
    out
}
