//! Cash payments over the settlement limit: a shop paid in cash, or a
//! villager's labour fee paid in cash.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, label, pick};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

pub(super) fn cash(b: &mut Builder, variant: usize) -> bool {
    let d = crate::r#gen::workdays::in_month(rand_date(
        &mut b.rng,
        ymd(YEAR, 1, 10),
        ymd(YEAR, 12, 20),
    ));
    let (amt, uid, what) = if variant == 0 {
        let amt = b.rng.random_range(12..49) * 10_000;
        let shop = format!(
            "{}{}",
            b.v.name.trim_end_matches('村'),
            names::SHOPS
                .choose(&mut b.rng)
                .copied()
                .unwrap_or("便民超市")
        );
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            "购慰问物资".into(),
            "管理费用",
            shop,
            Payee::Other,
            "现金",
        );
        (amt, b.v.ledger[i].uid, "购物")
    } else {
        let pool: Vec<u32> = odd_job_pool(b)
            .into_iter()
            .filter(|&p| free(b, p))
            .collect();
        let Some(p) = pick(b, pool) else { return false };
        let amt = b.rng.random_range(15..32) * 10_000;
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            "清雪劳务费".into(),
            "管理费用",
            name,
            Payee::Person(pr),
            "现金",
        );
        (amt, b.v.ledger[i].uid, "劳务费")
    };
    label(
        b,
        Category::CashPayment,
        Subject::Voucher(uid),
        format!(
            "cash over the limit: 现金支付{what}{}元，超过1,000元结算起点",
            amt / 100
        ),
    );
    true
}
