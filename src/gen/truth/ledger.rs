//! The rest of the ledger: operating grants, utilities, land rent, odd
//! jobs, shop purchases, a decided large purchase, interest; and voucher
//! numbers given once every plant has added its lines.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::{Builder, rand_date};
use super::decisions::valid_decision;
use super::rolls::eligible;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::workdays;

/// An amount in fen of `[base, 10 × base)` yuan, whole yuan, log-uniform
/// (its first digits follow Benford's law, as genuine payments do), drawn
/// from a hash of the draw it replaces and the line's uid: the village's
/// random stream is drawn as before.
fn benford_amount(b: &Builder, drawn: i64, base: f64) -> i64 {
    let h = crate::r#gen::mix(u64::from(b.v.index), u64::from(b.next_uid), drawn as u64);
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    ((base * 10f64.powf(u)).floor() as i64).min((base * 10.0) as i64 - 1) * 100
}

pub fn ledger_line(
    b: &mut Builder,
    date: NaiveDate,
    income: bool,
    amount: i64,
    summary: String,
    category: &'static str,
    counterparty: String,
    payee: Payee,
    method: &'static str,
) -> usize {
    let (cp_id, account) = match payee {
        Payee::Person(p) => {
            let q = &b.v.persons[p.p as usize];
            (
                if b.rng.random_bool(0.8) {
                    q.written_id()
                } else {
                    String::new()
                },
                if method == "现金" {
                    String::new()
                } else {
                    q.account.clone()
                },
            )
        }
        // 对方证件号码 of a company payee is its 统一社会信用代码 (contract §2).
        Payee::Company(i) => {
            let co = &b.v.companies[i as usize];
            (co.credit.clone(), co.account.clone())
        }
        Payee::Other => (String::new(), String::new()),
    };
    let uid = b.next_uid;
    b.next_uid += 1;
    b.v.ledger.push(LedgerLine {
        uid,
        voucher: String::new(),
        date,
        income,
        amount,
        summary,
        category,
        counterparty,
        cp_id,
        account,
        method,
        contract_no: String::new(),
        decision_no: String::new(),
        payee,
    });
    b.v.ledger.len() - 1
}

/// Villagers who may be paid for odd jobs: not kin, not hires or vendors,
/// of working age, alive all year.
pub fn odd_job_pool(b: &Builder) -> Vec<u32> {
    (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            let age = YEAR - q.birth.year();
            eligible(b, p)
                && (20..=68).contains(&age)
                && q.death.is_none()
                && !b.busy[p as usize]
                && !q.account.is_empty()
        })
        .collect()
}

/// The ledger lines that are neither rolls, wages nor contract payments.
pub(super) fn other_ledger(b: &mut Builder) {
    monthly_lines(b);
    land_rent(b);
    odd_jobs(b);
    shop_purchases(b);
    if b.rng.random_bool(0.5) {
        large_purchase(b);
    }
    interest(b);
}

/// The power company's 统一社会信用代码 (valid, GB 32100), in 对方证件号码
/// of every electricity bill of the street.
pub const POWER_COMPANY_CREDIT: &str = "91370100706084496U";

/// Each month's operating grant from the street (收入) and electricity bill.
fn monthly_lines(b: &mut Builder) {
    let street = "街道办事处财政所".to_string();
    for m in 1..=12 {
        let d = ymd(YEAR, m, b.rng.random_range(3..9));
        let amt = b.rng.random_range(40..120) * 100_000;
        ledger_line(
            b,
            d,
            true,
            amt,
            format!("{m}月村级运转经费拨款"),
            "补助收入",
            street.clone(),
            Payee::Other,
            "转账",
        );
        let d = ymd(YEAR, m, b.rng.random_range(10..20));
        let d = workdays::within(d, ymd(YEAR, m, 10), ymd(YEAR, m, 19));
        let amt = b.rng.random_range(30_000..250_000);
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            format!("{m}月电费"),
            "管理费用",
            "国网济南供电公司".into(),
            Payee::Other,
            "转账",
        );
        b.v.ledger[i].cp_id = POWER_COMPANY_CREDIT.to_string();
    }
}

/// Land rent from households (收入), early in the year.
fn land_rent(b: &mut Builder) {
    let heads: Vec<u32> = b.v.households.iter().map(|h| h.members[0].0).collect();
    for p in heads {
        if !b.rng.random_bool(0.45) || b.v.persons[p as usize].death.is_some() {
            continue;
        }
        let d = rand_date(&mut b.rng, ymd(YEAR, 1, 5), ymd(YEAR, 3, 31));
        let amt = b.rng.random_range(5..60) * 10_000;
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        let i = ledger_line(
            b,
            d,
            true,
            amt,
            "收取土地承包费".into(),
            "发包及上交收入",
            name,
            Payee::Person(pr),
            "转账",
        );
        b.v.ledger[i].account.clear();
    }
}

/// Odd jobs (误工补贴、劳务费): small, a third in cash (never above 1,000).
fn odd_jobs(b: &mut Builder) {
    let pool = odd_job_pool(b);
    let n = b.rng.random_range(450..800);
    for _ in 0..n {
        let Some(&p) = pool.choose(&mut b.rng) else {
            break;
        };
        let d = workdays::in_month(rand_date(&mut b.rng, ymd(YEAR, 1, 3), ymd(YEAR, 12, 28)));
        let cash = b.rng.random_bool(0.3);
        let amt = if cash {
            b.rng.random_range(10..99) * 1_000
        } else {
            b.rng.random_range(10..160) * 1_000
        };
        let amt = benford_amount(b, amt, 100.0);
        let what = [
            "村务误工补贴",
            "防汛值班劳务费",
            "植树劳务费",
            "环境整治劳务费",
            "秸秆禁烧值守补贴",
        ]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("村务误工补贴");
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        ledger_line(
            b,
            d,
            false,
            amt,
            format!("{}月{what}", d.month()),
            "管理费用",
            name,
            Payee::Person(pr),
            if cash { "现金" } else { "转账" },
        );
    }
}

/// Shops: small purchases; each shop's year stays far below any threshold.
fn shop_purchases(b: &mut Builder) {
    let shops: Vec<String> = names::SHOPS
        .iter()
        .map(|s| format!("{}{s}", b.v.name.trim_end_matches('村')))
        .collect();
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for _ in 0..b.rng.random_range(150..300) {
        let shop = shops.choose(&mut b.rng).cloned().unwrap_or_default();
        let cash = b.rng.random_bool(0.25);
        let amt = if cash {
            b.rng.random_range(20..100) * 1_000
        } else {
            b.rng.random_range(50..600) * 1_000
        };
        // The cap is judged on the draw, so the stream draws as it did.
        let t = totals.entry(shop.clone()).or_default();
        if *t + amt > 4_000_000 {
            continue;
        }
        let amt = benford_amount(b, amt, if cash { 100.0 } else { 400.0 });
        let t = totals.entry(shop.clone()).or_default();
        *t += amt;
        let d = workdays::in_month(rand_date(&mut b.rng, ymd(YEAR, 1, 3), ymd(YEAR, 12, 28)));
        let what = ["购办公用品", "购清洁用品", "维修费", "印刷费", "会议用餐"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("购办公用品");
        ledger_line(
            b,
            d,
            false,
            amt,
            what.to_string(),
            "管理费用",
            shop,
            Payee::Other,
            if cash { "现金" } else { "转账" },
        );
    }
}

/// A large purchase without a contract, with its decision (event: payment).
fn large_purchase(b: &mut Builder) {
    let d = workdays::in_month(rand_date(&mut b.rng, ymd(YEAR, 4, 1), ymd(YEAR, 11, 30)));
    let amt = b.rng.random_range(52..90) * 100_000;
    let what = ["购置垃圾清运车", "购置办公设备", "购置应急物资"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("购置办公设备");
    let no = valid_decision(b, what, amt, d);
    let seller = format!("济南{}商贸有限公司", b.v.name.trim_end_matches('村'));
    let i = ledger_line(
        b,
        d,
        false,
        amt,
        what.to_string(),
        "固定资产",
        seller,
        Payee::Other,
        "转账",
    );
    b.v.ledger[i].decision_no = no;
    b.v.ledger[i].cp_id = super::ids::credit_code(&b.v.code[..6], b.v.index, 62);
}

/// Interest, quarterly.
fn interest(b: &mut Builder) {
    for q in [3u32, 6, 9, 12] {
        let d = month_end(YEAR, q);
        let amt = b.rng.random_range(500..8_000);
        ledger_line(
            b,
            d,
            true,
            amt,
            "银行存款利息".into(),
            "其他收入",
            "农村商业银行".into(),
            Payee::Other,
            "转账",
        );
    }
}

/// Give voucher numbers in date order, per month.
pub fn finalize_ledger(v: &mut Village) {
    v.ledger
        .sort_by(|a, b| a.date.cmp(&b.date).then(a.uid.cmp(&b.uid)));
    let mut month = 0;
    let mut seq = 0;
    for l in v.ledger.iter_mut() {
        if l.date.month() != month {
            month = l.date.month();
            seq = 0;
        }
        seq += 1;
        l.voucher = format!("PZ-{YEAR}-{:02}-{:03}", month, seq);
    }
}
