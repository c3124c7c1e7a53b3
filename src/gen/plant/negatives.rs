//! Hard negatives: records a naive rule would flag that are within the
//! rules (publicity of exactly the required days, cash of exactly 1,000,
//! pieces 91+ days apart, a namesake who is no relative …). Each is
//! recorded so that the evaluation can count the false positives.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::IndexedRandom;

use super::missing_decision::decision_contract;
use super::publicity_window::publicity_targets;
use super::{negative, text};
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

/// The hard negatives of one village, each a near miss of one rule.
pub(super) fn negatives(b: &mut Builder) {
    publicity_exact_days(b);
    if b.rng.random_bool(0.5) {
        same_day_decision_steps(b);
    }
    if b.rng.random_bool(0.5) {
        cash_exactly_1000(b);
    }
    if b.rng.random_bool(0.5) {
        pieces_over_90_days(b);
    }
    if b.rng.random_bool(0.5) {
        lone_99000_contract(b);
    }
    same_surname_non_relative(b);
    valid_15_digit_ids(b);
    super::kin_negatives::clan_neighbour(b);
    super::kin_negatives::homophone_stranger(b);
    credit_code_payee(b);
}

/// A company paid through the ledger with its valid 统一社会信用代码 in
/// 对方证件号码 (data contract §2): a vendor key, no invalid id.
fn credit_code_payee(b: &mut Builder) {
    let code =
        b.v.ledger
            .iter()
            .find(|l| matches!(l.payee, Payee::Company(_)) && !l.cp_id.is_empty())
            .map(|l| l.cp_id.clone());
    if let Some(code) = code {
        negative(
            b,
            "credit_code_payee",
            Subject::Text(code),
            "收支明细对方证件号码为公司统一社会信用代码（校验通过）".into(),
        );
    }
}

/// Publicity of exactly the required days, ending the day before the event.
fn publicity_exact_days(b: &mut Builder) {
    let which = b.rng.random_range(0..4);
    let targets = publicity_targets(b, which);
    if let Some((no, days, Some(event))) = targets.choose(&mut b.rng).cloned()
        && let Some(pi) = b.v.publicity.iter().position(|p| p.ref_no == no)
    {
        let end = add_days(event, -1);
        b.v.publicity[pi].end = end;
        b.v.publicity[pi].start = add_days(end, -(days - 1));
        negative(
            b,
            "publicity_exact_days",
            text(&no),
            format!("公示恰好{days}天，于事项前一日（{end}）结束"),
        );
    }
}

/// A decision whose steps all fall on one day.
fn same_day_decision_steps(b: &mut Builder) {
    let (co, amount, signed, project) = decision_contract(b);
    let ci = add_contract(
        b,
        ContractSpec {
            vendor: Vendor::Company(co),
            amount,
            signed,
            project,
            decision: DecisionSpec::Auto,
            with_vendor_id: false,
            vendor_name: None,
        },
    );
    let dno = b.v.contracts[ci].decision_no.clone();
    if let Some(d) = b.v.decisions.iter_mut().find(|d| d.no == dno) {
        d.consulted = d.proposed;
        d.reviewed = d.proposed;
        d.resolved = d.proposed;
        d.res_published = Some(d.proposed);
        let day = d.proposed;
        if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
            p.start = day;
            p.end = add_days(day, 6);
        }
    }
    let no = b.v.contracts[ci].no.clone();
    negative(
        b,
        "same_day_decision_steps",
        text(&no),
        "四议两公开各步骤同日完成，顺序不违规".into(),
    );
}

/// Cash of exactly 1,000: at the limit, not over it.
fn cash_exactly_1000(b: &mut Builder) {
    let d = crate::r#gen::workdays::in_month(rand_date(
        &mut b.rng,
        ymd(YEAR, 1, 10),
        ymd(YEAR, 12, 20),
    ));
    let shop = format!("{}{}", b.v.name.trim_end_matches('村'), names::SHOPS[0]);
    let i = ledger_line(
        b,
        d,
        false,
        100_000,
        "购春节慰问品".into(),
        "管理费用",
        shop,
        Payee::Other,
        "现金",
    );
    let uid = b.v.ledger[i].uid;
    negative(
        b,
        "cash_exactly_1000",
        Subject::Voucher(uid),
        "现金支付恰为1,000元，未超过结算起点".into(),
    );
}

/// A vendor's two pieces more than 90 days apart.
fn pieces_over_90_days(b: &mut Builder) {
    let co = new_company(b, None);
    let a1 = b.rng.random_range(300..480) * 10_000;
    let a2 = b.rng.random_range(300..480) * 10_000;
    let d1 = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 5, 31));
    let gap = b.rng.random_range(95..160);
    let d2 = add_days(d1, gap);
    for (a, d) in [(a1, d1), (a2, d2)] {
        let project = project_name(b);
        add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Company(co),
                amount: a,
                signed: d,
                project,
                decision: DecisionSpec::Auto,
                with_vendor_id: false,
                vendor_name: None,
            },
        );
    }
    let credit = b.v.companies[co as usize].credit.clone();
    negative(
        b,
        "pieces_over_90_days",
        Subject::Text(credit),
        format!("同一承包方两份合同相隔{gap}天，超出90天窗口"),
    );
}

/// A lone 99,000 contract, just under the tender threshold.
fn lone_99000_contract(b: &mut Builder) {
    let co = new_company(b, None);
    let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
    let project = project_name(b);
    add_contract(
        b,
        ContractSpec {
            vendor: Vendor::Company(co),
            amount: 9_900_000,
            signed: d,
            project,
            decision: DecisionSpec::Auto,
            with_vendor_id: false,
            vendor_name: None,
        },
    );
    let credit = b.v.companies[co as usize].credit.clone();
    negative(
        b,
        "lone_99000_contract",
        Subject::Text(credit),
        "单份99,000元合同，未拆分".into(),
    );
}

/// Same-surname recipients who are no relatives (clan villages).
fn same_surname_non_relative(b: &mut Builder) {
    let cadre_surnames: HashSet<String> =
        b.v.cadres
            .iter()
            .map(|c| b.v.persons[c.person as usize].surname().to_string())
            .collect();
    let mut seen = HashSet::new();
    let mut n = 0;
    for r in b.v.subsidies.clone() {
        if n >= 2 || r.person.v != b.v.index {
            continue;
        }
        let q = &b.v.persons[r.person.p as usize];
        if !b.kin[r.person.p as usize]
            && cadre_surnames.contains(q.surname())
            && !b.used[r.person.p as usize]
            && seen.insert(r.person.p)
        {
            let id = q.id.clone();
            let s = q.surname().to_string();
            negative(
                b,
                "same_surname_non_relative",
                Subject::Text(id),
                format!("与村干部同姓（{s}）但非亲属"),
            );
            n += 1;
        }
    }
}

/// Valid 15-digit ids of the old register.
fn valid_15_digit_ids(b: &mut Builder) {
    let mut n = 0;
    for p in 0..b.v.persons.len() {
        let q = &b.v.persons[p];
        if n < 2 && q.legacy15 && q.household.is_some() && !b.used[p] {
            let w = q.written_id();
            negative(
                b,
                "valid_15_digit_id",
                Subject::Text(w),
                "15位旧身份证号，升位后有效".into(),
            );
            n += 1;
        }
    }
}
