//! Missing or broken 四议两公开 decisions: a contract with no decision or a
//! decision that does not exist, a ledger purchase with none, decision
//! steps out of order, a decision resolved after the payment.

use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::label;
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

/// A company's contract over the decision threshold: (company, amount,
/// signed, project).
pub(super) fn decision_contract(b: &mut Builder) -> (u32, i64, NaiveDate, String) {
    let co = new_company(b, None);
    let amount = b.rng.random_range(550..950) * 10_000;
    let signed = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
    let project = project_name(b);
    (co, amount, signed, project)
}

pub(super) fn missing_decision(b: &mut Builder, variant: usize) -> bool {
    match variant {
        0 | 1 => contract_without_decision(b, variant),
        2 => ledger_without_decision(b),
        3..=5 => steps_out_of_order(b, variant),
        _ => resolved_after_payment(b),
    }
}

/// A contract over the decision threshold with no decision number
/// (variant 0), or citing one that does not exist (1).
fn contract_without_decision(b: &mut Builder, variant: usize) -> bool {
    let (co, amount, signed, project) = decision_contract(b);
    let (decision, how) = if variant == 0 {
        (DecisionSpec::None, "no decision number")
    } else {
        (
            DecisionSpec::Cite(format!(
                "JY-{YEAR}-{:04}-9{}",
                b.vnum(),
                b.rng.random_range(1..10)
            )),
            "cites a decision that does not exist",
        )
    };
    let ci = add_contract(
        b,
        ContractSpec {
            vendor: Vendor::Company(co),
            amount,
            signed,
            project,
            decision,
            with_vendor_id: false,
            vendor_name: None,
        },
    );
    let no = b.v.contracts[ci].no.clone();
    label(
        b,
        Category::MissingDecision,
        Subject::Text(no),
        format!("{how}: 合同金额{}元", amount / 100),
    );
    true
}

/// A large purchase paid from the ledger with no contract and no decision.
fn ledger_without_decision(b: &mut Builder) -> bool {
    let d =
        crate::r#gen::workdays::in_month(rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 11, 30)));
    let amt = b.rng.random_range(520..950) * 10_000;
    let payee = format!(
        "济南{}{}农业机械有限公司",
        names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("鑫"),
        b.v.name.trim_end_matches('村')
    );
    let i = ledger_line(
        b,
        d,
        false,
        amt,
        "购置农机设备".into(),
        "固定资产",
        payee,
        Payee::Other,
        "转账",
    );
    let uid = b.v.ledger[i].uid;
    label(
        b,
        Category::MissingDecision,
        Subject::Voucher(uid),
        format!(
            "ledger without decision: 无合同支出{}元未经四议两公开",
            amt / 100
        ),
    );
    true
}

/// A contract whose decision took its steps out of order: 商议 before
/// 提议 (variant 3), resolved after signing (4), published before it was
/// resolved (5).
fn steps_out_of_order(b: &mut Builder, variant: usize) -> bool {
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
    let no = b.v.contracts[ci].no.clone();
    let dno = b.v.contracts[ci].decision_no.clone();
    let Some(di) = b.v.decisions.iter().position(|d| d.no == dno) else {
        return false;
    };
    let how = match variant {
        3 => {
            // 商议 before 提议.
            let d = &mut b.v.decisions[di];
            std::mem::swap(&mut d.proposed, &mut d.consulted);
            if d.proposed == d.consulted {
                d.consulted = add_days(d.proposed, -2);
            }
            "steps out of order: 商议早于提议"
        }
        4 => {
            // Minutes written after the contract was signed.
            let gap = b.rng.random_range(3..20);
            let resolved = add_days(signed, gap);
            let d = &mut b.v.decisions[di];
            d.resolved = resolved;
            d.reviewed = add_days(resolved, -1).max(d.consulted);
            let ps = add_days(resolved, 1);
            d.res_published = Some(ps);
            d.result_published = Some(add_days(resolved, 3));
            if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
                p.start = ps;
                p.end = add_days(ps, 6);
            }
            label(
                b,
                Category::PublicityWindow,
                Subject::Text(dno.clone()),
                "incidental: 决议公开在合同签订之后".into(),
            );
            "resolved after signing: 决议日期晚于合同签订"
        }
        _ => {
            let d = &mut b.v.decisions[di];
            d.res_published = Some(add_days(d.resolved, -2));
            if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
                p.start = add_days(d.resolved, -2);
            }
            "steps out of order: 决议公开早于决议"
        }
    };
    label(
        b,
        Category::MissingDecision,
        Subject::Text(no),
        format!("{how}（{dno}）"),
    );
    true
}

/// A ledger-only purchase whose decision was resolved after paying.
fn resolved_after_payment(b: &mut Builder) -> bool {
    let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
    let amt = b.rng.random_range(520..950) * 10_000;
    let no = valid_decision(b, "购置应急物资", amt, d);
    let di = b.v.decisions.len() - 1;
    let resolved = add_days(d, b.rng.random_range(3..15));
    {
        let dd = &mut b.v.decisions[di];
        dd.resolved = resolved;
        dd.reviewed = add_days(resolved, -1).max(dd.consulted);
        dd.res_published = Some(add_days(resolved, 1));
    }
    if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == no) {
        p.start = add_days(resolved, 1);
        p.end = add_days(resolved, 7);
    }
    let payee = format!("济南{}应急物资有限公司", b.v.name.trim_end_matches('村'));
    let i = ledger_line(
        b,
        d,
        false,
        amt,
        "购置应急物资".into(),
        "固定资产",
        payee,
        Payee::Other,
        "转账",
    );
    b.v.ledger[i].decision_no = no.clone();
    let uid = b.v.ledger[i].uid;
    label(
        b,
        Category::MissingDecision,
        Subject::Voucher(uid),
        format!("resolved after payment: {no}决议晚于付款"),
    );
    label(
        b,
        Category::PublicityWindow,
        Subject::Text(no),
        "incidental: 决议公开在付款之后".into(),
    );
    true
}
