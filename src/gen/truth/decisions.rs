//! 四议两公开 decisions and publicity records: what every record that must
//! be published or decided on gets when it is clean.

use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::Builder;
use crate::r#gen::model::*;

/// A publicity window that satisfies the requirement with a margin.
pub fn publicity_ok(b: &mut Builder, ref_no: &str, kind: &str, days: i64, event: NaiveDate) {
    let end = add_days(event, -b.rng.random_range(1..6));
    let start = add_days(end, -(days - 1 + b.rng.random_range(0..4)));
    let channel = ["村务公开栏", "村务公开栏", "微信群", "村务公开栏、微信群"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("村务公开栏");
    b.v.publicity.push(Publicity {
        ref_no: ref_no.to_string(),
        kind: kind.to_string(),
        start,
        end,
        channel,
    });
}

pub fn new_decision_no(b: &mut Builder) -> String {
    b.next_decision += 1;
    format!("JY-{YEAR}-{:04}-{:02}", b.vnum(), b.next_decision)
}

/// A valid 四议两公开 decision for an item signed or paid on `event`, with
/// its 决议公开 publicity (5+ days, over before the event).
pub fn valid_decision(b: &mut Builder, subject: &str, amount: i64, event: NaiveDate) -> String {
    let no = new_decision_no(b);
    let proposed = add_days(event, -b.rng.random_range(30..61));
    let consulted = add_days(proposed, b.rng.random_range(1..8));
    let reviewed = add_days(consulted, b.rng.random_range(1..8));
    let resolved = add_days(reviewed, b.rng.random_range(1..8));
    let pub_start = add_days(resolved, b.rng.random_range(1..3));
    let latest_end = add_days(event, -1);
    let end = add_days(pub_start, 4 + b.rng.random_range(0..4)).min(latest_end);
    b.v.decisions.push(Decision {
        no: no.clone(),
        subject: subject.to_string(),
        amount: Some(amount),
        proposed,
        consulted,
        reviewed,
        resolved,
        res_published: Some(pub_start),
        result_published: Some(add_days(event, b.rng.random_range(3..11))),
    });
    b.v.publicity.push(Publicity {
        ref_no: no.clone(),
        kind: "决议公开".into(),
        start: pub_start,
        end,
        channel: "村务公开栏",
    });
    no
}
