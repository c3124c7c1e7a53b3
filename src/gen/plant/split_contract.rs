//! Split contracts (化整为零): pieces each under the tender or decision
//! threshold that together cross it within 90 days, for one company, one
//! villager (with an id, or only a name written two ways), two companies
//! sharing a legal representative, or ledger payments without a contract.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, label, pick};
use crate::dataset::normalize::clean_name;
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

fn fresh_villager_vendor(b: &mut Builder) -> Option<u32> {
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            eligible(b, p)
                && free(b, p)
                && !b.busy[p as usize]
                && q.male
                && (30..=60).contains(&(YEAR - q.birth.year()))
                && !q.account.is_empty()
        })
        .collect();
    let p = pick(b, cands)?;
    b.busy[p as usize] = true;
    Some(p)
}

fn split_projects(b: &mut Builder, n: usize) -> Vec<String> {
    let base = project_name(b);
    let pairs: [[&str; 3]; 3] = [
        ["一期", "二期", "三期"],
        ["东段", "西段", "中段"],
        ["南段", "北段", "中段"],
    ];
    let set = pairs[b.rng.random_range(0..3)];
    (0..n)
        .map(|i| format!("{base}（{}）", set[i % 3]))
        .collect()
}

/// Pieces each under `t`, summing past it, signed within `span` days.
fn pieces(b: &mut Builder, t: i64) -> Vec<i64> {
    if t == THRESHOLD_TENDER {
        (0..2)
            .map(|_| b.rng.random_range(800..990) * 10_000)
            .collect()
    } else if b.rng.random_bool(0.5) {
        (0..2)
            .map(|_| b.rng.random_range(300..480) * 10_000)
            .collect()
    } else {
        (0..3)
            .map(|_| b.rng.random_range(260..330) * 10_000)
            .collect()
    }
}

fn dates_within(b: &mut Builder, n: usize, span: i64) -> Vec<NaiveDate> {
    let first = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 8, 31));
    let mut out = vec![first];
    let step = (span / n as i64).max(2);
    for i in 1..n {
        out.push(add_days(
            first,
            step * i as i64 - b.rng.random_range(0..step.min(5)),
        ));
    }
    out
}

pub(super) fn split(b: &mut Builder, variant: usize) -> bool {
    let t = if b.rng.random_bool(0.5) {
        THRESHOLD_TENDER
    } else {
        THRESHOLD_DECISION
    };
    let fmt_t = if t == THRESHOLD_TENDER {
        "100,000招标限额"
    } else {
        "50,000决策限额"
    };
    match variant {
        0 | 1 => one_company(b, variant),
        2 | 3 => one_villager(b, variant),
        4 => shared_representative(b, t, fmt_t),
        _ => ledger_only(b),
    }
}

/// One company's pieces under the tender (variant 0) or decision (1) threshold.
fn one_company(b: &mut Builder, variant: usize) -> bool {
    let t = if variant == 0 {
        THRESHOLD_TENDER
    } else {
        THRESHOLD_DECISION
    };
    let co = new_company(b, None);
    let amounts = pieces(b, t);
    let span = b.rng.random_range(10..80);
    let dates = dates_within(b, amounts.len(), span);
    let projects = split_projects(b, amounts.len());
    for i in 0..amounts.len() {
        add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Company(co),
                amount: amounts[i],
                signed: dates[i],
                project: projects[i].clone(),
                decision: DecisionSpec::Auto,
                with_vendor_id: false,
                vendor_name: None,
            },
        );
    }
    let credit = b.v.companies[co as usize].credit.clone();
    let sum: i64 = amounts.iter().sum();
    let lim = if variant == 0 {
        "100,000招标限额"
    } else {
        "50,000决策限额"
    };
    label(
        b,
        Category::SplitContract,
        Subject::Text(credit),
        format!(
            "same credit code: {}份合同{span}天内合计{}元，单份低于{lim}",
            amounts.len(),
            sum / 100
        ),
    );
    true
}

/// One villager's pieces, by id number (variant 2) or by a name written
/// two ways and no id (3).
fn one_villager(b: &mut Builder, variant: usize) -> bool {
    let t = THRESHOLD_DECISION;
    let Some(p) = fresh_villager_vendor(b) else {
        return false;
    };
    let amounts = pieces(b, t);
    let span = b.rng.random_range(10..80);
    let dates = dates_within(b, amounts.len(), span);
    let projects = split_projects(b, amounts.len());
    let name = b.v.persons[p as usize].name.clone();
    let pr = b.v.pref(p);
    for i in 0..amounts.len() {
        // Written two ways: padded to line up on one of the rows.
        let written = if variant == 3 && i % 2 == 1 {
            pad_name(&name)
        } else {
            name.clone()
        };
        add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Person(pr),
                amount: amounts[i],
                signed: dates[i],
                project: projects[i].clone(),
                decision: DecisionSpec::Auto,
                with_vendor_id: variant == 2,
                vendor_name: Some(written),
            },
        );
    }
    let sum: i64 = amounts.iter().sum();
    if variant == 2 {
        let id = b.v.persons[p as usize].id.clone();
        label(
            b,
            Category::SplitContract,
            Subject::Text(id),
            format!(
                "same id number: 个人承包{}份{span}天内合计{}元，单份低于50,000决策限额",
                amounts.len(),
                sum / 100
            ),
        );
    } else {
        label(
            b,
            Category::SplitContract,
            Subject::Text(clean_name(&name)),
            format!(
                "same name, no id: 承包人{name}（两种写法）{}份{span}天内合计{}元",
                amounts.len(),
                sum / 100
            ),
        );
    }
    true
}

/// Two companies with one legal representative, pieces alternating.
fn shared_representative(b: &mut Builder, t: i64, fmt_t: &str) -> bool {
    let a = new_company(b, None);
    let c2 = new_company(b, None);
    let (rn, rid) = (
        b.v.companies[a as usize].rep_name.clone(),
        b.v.companies[a as usize].rep_id.clone(),
    );
    b.v.companies[c2 as usize].rep_name = rn.clone();
    b.v.companies[c2 as usize].rep_id = rid;
    let amounts = pieces(b, t);
    let span = b.rng.random_range(10..80);
    let dates = dates_within(b, amounts.len(), span);
    let projects = split_projects(b, amounts.len());
    for i in 0..amounts.len() {
        let co = if i % 2 == 0 { a } else { c2 };
        add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Company(co),
                amount: amounts[i],
                signed: dates[i],
                project: projects[i].clone(),
                decision: DecisionSpec::Auto,
                with_vendor_id: false,
                vendor_name: None,
            },
        );
    }
    let k1 = b.v.companies[a as usize].credit.clone();
    let k2 = b.v.companies[c2 as usize].credit.clone();
    let sum: i64 = amounts.iter().sum();
    label(
        b,
        Category::SplitContract,
        Subject::Text(k1.clone().min(k2.clone())),
        format!(
            "shared legal representative {rn}: 两公司{}份合同{span}天内合计{}元，单份低于{fmt_t}",
            amounts.len(),
            sum / 100
        ),
    );
    true
}

/// Payments to one seller with no contract at all.
fn ledger_only(b: &mut Builder) -> bool {
    let payee = format!(
        "济南{}{}苗木花卉有限公司",
        names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("鑫"),
        b.v.name.trim_end_matches('村')
    );
    let amounts = pieces(b, THRESHOLD_DECISION);
    let span = b.rng.random_range(10..80);
    let dates = dates_within(b, amounts.len(), span);
    for i in 0..amounts.len() {
        ledger_line(
            b,
            dates[i],
            false,
            amounts[i],
            format!("购绿化苗木（第{}批）", i + 1),
            "管理费用",
            payee.clone(),
            Payee::Other,
            "转账",
        );
    }
    let sum: i64 = amounts.iter().sum();
    label(
        b,
        Category::SplitContract,
        Subject::Text(clean_name(&payee)),
        format!(
            "ledger only: 无合同支付{}笔{span}天内合计{}元，单笔低于50,000决策限额",
            amounts.len(),
            sum / 100
        ),
    );
    true
}

pub fn pad_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() == 2 {
        format!("{}\u{3000}{}", chars[0], chars[1])
    } else {
        format!(" {name} ")
    }
}
