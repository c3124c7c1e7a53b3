//! Ghost workers: wages after a hire's end date (matched by id or only by
//! account), wages before the start date, two posts held at once.

use chrono::Datelike;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, label};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::*;

pub(super) fn ghost(b: &mut Builder, variant: usize) -> bool {
    let cands: Vec<usize> = (0..b.v.hires.len())
        .filter(|&h| {
            let x = &b.v.hires[h];
            x.end.is_none() && x.person.v == b.v.index && free(b, x.person.p)
        })
        .collect();
    match variant {
        0 | 3 => {
            let cands: Vec<usize> = cands
                .into_iter()
                .filter(|&h| b.v.hires[h].start.year() < YEAR)
                .collect();
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let m = b.rng.random_range(3..10u32);
            let extra = b.rng.random_range(1..4u32);
            b.v.hires[h].end = Some(month_end(YEAR, m));
            b.v.ledger
                .retain(|l| l.payee != Payee::Person(pr) || l.date.month() <= m + extra);
            if variant == 3 {
                for l in
                    b.v.ledger
                        .iter_mut()
                        .filter(|l| l.payee == Payee::Person(pr) && l.date.month() > m)
                {
                    l.cp_id.clear();
                }
            }
            let id = b.v.persons[pr.p as usize].id.clone();
            let how = if variant == 0 {
                "wages after end date"
            } else {
                "wages after end date, matched by account"
            };
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!(
                    "{how}: {}{}离岗后继续发放工资{extra}个月",
                    b.v.hires[h].post,
                    month_end(YEAR, m)
                ),
            );
        }
        1 => {
            let cands: Vec<usize> = cands
                .into_iter()
                .filter(|&h| b.v.hires[h].start.year() == YEAR && b.v.hires[h].start.month() >= 3)
                .collect();
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let m = b.v.hires[h].start.month() - 1;
            wage_line(b, h, m);
            let id = b.v.persons[pr.p as usize].id.clone();
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!(
                    "wages before start: {}上岗前（{}月）发放工资",
                    b.v.hires[h].start, m
                ),
            );
        }
        _ => {
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let post = *POSTS
                .iter()
                .find(|p| p.0 != b.v.hires[h].post)
                .unwrap_or(&POSTS[3]);
            let m = b.rng.random_range(3..9u32);
            let batch = format!("ZP-{YEAR}{m:02}-{:04}-{}", b.vnum(), b.v.hires.len());
            let start = ymd(YEAR, m, b.rng.random_range(1..11));
            publicity_ok(b, &batch, "村级用工", 5, start);
            let h2 = add_hire(b, pr, post, &batch, start, None);
            for mm in paid_months(&b.v.hires[h2].clone()) {
                wage_line(b, h2, mm);
            }
            let id = b.v.persons[pr.p as usize].id.clone();
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!("two posts at once: 同时任{}和{}", b.v.hires[h].post, post.0),
            );
        }
    }
    true
}
