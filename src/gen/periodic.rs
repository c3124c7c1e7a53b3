//! Periodic 党务, 村务 and 财务公开 (processes 20–22): every village
//! publishes each period it must, on day 0–15 after the period ends, under
//! the many spellings of `ref_no` real exports use; then some are left out
//! or published late (labelled `publicity_window`, subject `KIND:PERIOD`),
//! with hard negatives at the edges: a record on day 15, a month of exactly
//! 29 ledger lines (quarterly) next to one of 30 (monthly), a record whose
//! `ref_no` names no period.
//!
//! Built after the ledgers are final (the periods depend on how many lines
//! a village books each month), from a random stream of its own per
//! village, so the rest of a seed's truth is what it was without it. The
//! self-check (`check`) recomputes the due periods from the ledger by the
//! written definition and the records from the truth's `periodic` list.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::labels::Case;
use super::model::*;
use crate::finding::Category;

pub const PARTY: &str = "党务公开";
pub const VILLAGE: &str = "村务公开";
pub const FINANCE: &str = "财务公开";
/// Days after a period's end within which its record must start.
pub const GRACE: i64 = 15;
/// Ledger lines in a month from which 村务 and 财务 are published monthly.
pub const MONTHLY_LINES: usize = 30;

/// A month or a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Per {
    Month(i32, u32),
    Quarter(i32, u32),
}

impl Per {
    fn quarter_of(y: i32, m: u32) -> Per {
        Per::Quarter(y, (m - 1) / 3 + 1)
    }
    pub fn last_day(self) -> NaiveDate {
        match self {
            Per::Month(y, m) => month_end(y, m),
            Per::Quarter(y, q) => month_end(y, q * 3),
        }
    }
    pub fn key(self) -> String {
        match self {
            Per::Month(y, m) => format!("{y}-{m:02}"),
            Per::Quarter(y, q) => format!("{y}Q{q}"),
        }
    }
    fn deadline(self) -> NaiveDate {
        add_days(self.last_day(), GRACE)
    }
}

/// The periods a village must publish, by kind, from its ledger: 村务 and
/// 财务 each quarter with a ledger line, or each month of 30+ lines in it
/// instead; 党务 each quarter with a ledger line.
pub fn dues(v: &Village) -> Vec<(&'static str, Per)> {
    let mut months: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    for l in &v.ledger {
        *months.entry((l.date.year(), l.date.month())).or_default() += 1;
    }
    let mut quarters: BTreeMap<Per, Vec<(Per, usize)>> = BTreeMap::new();
    for (&(y, m), &n) in &months {
        quarters
            .entry(Per::quarter_of(y, m))
            .or_default()
            .push((Per::Month(y, m), n));
    }
    let mut out = Vec::new();
    for (q, ms) in &quarters {
        let busy: Vec<Per> = ms
            .iter()
            .filter(|(_, n)| *n >= MONTHLY_LINES)
            .map(|(m, _)| *m)
            .collect();
        for kind in [VILLAGE, FINANCE] {
            if busy.is_empty() {
                out.push((kind, *q));
            }
            out.extend(busy.iter().map(|m| (kind, *m)));
        }
        out.push((PARTY, *q));
    }
    out
}

/// The date up to which deadlines are judged: the export's last booking.
pub fn as_of(vs: &[Village]) -> NaiveDate {
    vs.iter()
        .flat_map(|v| v.ledger.iter().map(|l| l.date))
        .max()
        .unwrap_or(NaiveDate::MIN)
}

/// Publish every village's periodic records, with the plants and the edges.
pub fn publish_all(vs: &mut [Village], seed: u64) {
    vs.par_iter_mut().for_each(|v| {
        let mut rng = ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v.index), 24));
        edge_month(v, &mut rng);
    });
    let as_of = as_of(vs);
    vs.par_iter_mut().for_each(|v| {
        let mut rng = ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v.index), 25));
        publish(v, &mut rng, as_of);
    });
}

/// Some villages book December of the year before too: exactly 29 lines
/// (村务 and 财务 published for the quarter) or exactly 30 (monthly).
fn edge_month(v: &mut Village, rng: &mut ChaCha8Rng) {
    let n = match rng.random_range(0..100) {
        0..20 => 29,
        20..40 => 30,
        _ => return,
    };
    let y = YEAR - 1;
    let workdays: Vec<NaiveDate> = (2..=31)
        .map(|d| ymd(y, 12, d))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let mut dates: Vec<NaiveDate> = (0..n)
        .map(|_| *workdays.choose(rng).unwrap_or(&workdays[0]))
        .collect();
    dates.sort();
    let shop = format!(
        "{}{}",
        v.name.trim_end_matches('村'),
        super::names::SHOPS[0]
    );
    let mut uid = v.ledger.iter().map(|l| l.uid).max().unwrap_or(0);
    let lines: Vec<LedgerLine> = dates
        .into_iter()
        .enumerate()
        .map(|(i, date)| {
            uid += 1;
            // 50–500 yuan, log-uniform (first digits as Benford's law has them).
            let amount = (5_000.0 * 10f64.powf(rng.random::<f64>())).round() as i64;
            let what = ["购办公用品", "购清洁用品", "维修费", "印刷费"][i % 4];
            LedgerLine {
                uid,
                voucher: format!("PZ-{y}-12-{:03}", i + 1),
                date,
                income: false,
                amount,
                summary: format!("{what}（{y}年12月）"),
                category: "管理费用",
                counterparty: shop.clone(),
                cp_id: String::new(),
                account: String::new(),
                method: "转账",
                contract_no: String::new(),
                decision_no: String::new(),
                payee: Payee::Other,
            }
        })
        .collect();
    v.ledger.splice(0..0, lines);
}

/// How a `ref_no` names a period, as exports write it; `None` names none.
fn spelling(p: Per, rng: &mut ChaCha8Rng, named_only: bool) -> String {
    const CN: [&str; 4] = ["一", "二", "三", "四"];
    if !named_only && rng.random_range(0..12) == 0 {
        return ["本期公开", "公开栏第{}期", "定期公开"][rng.random_range(0..3)]
            .replace("{}", &rng.random_range(1..20).to_string());
    }
    match p {
        Per::Month(y, m) => match rng.random_range(0..5) {
            0 => format!("{y}-{m:02}"),
            1 => format!("{y}年{m}月"),
            2 => format!("{y}年{m:02}月"),
            3 => format!("{y}{m:02}"),
            _ => format!("{y}.{m}"),
        },
        Per::Quarter(y, q) => match rng.random_range(0..5) {
            0 => format!("{y}Q{q}"),
            1 => format!("{y}-Q{q}"),
            2 => format!("{y}年第{}季度", CN[q as usize - 1]),
            3 => format!("{y}年{q}季度"),
            _ => format!("{y}年{}-{}月", q * 3 - 2, q * 3),
        },
    }
}

/// One record to publish: its kinds, period and start.
struct Rec {
    kinds: Vec<&'static str>,
    per: Per,
    start: NaiveDate,
    named_only: bool,
}

fn publish(v: &mut Village, rng: &mut ChaCha8Rng, as_of: NaiveDate) {
    let combined = rng.random_bool(0.2);
    let mut by_period: BTreeMap<Per, Vec<&'static str>> = BTreeMap::new();
    for (kind, per) in dues(v) {
        if per.last_day() <= as_of {
            by_period.entry(per).or_default().push(kind);
        }
    }
    let mut recs: Vec<Rec> = Vec::new();
    for (per, kinds) in by_period {
        let mut groups: Vec<Vec<&'static str>> = Vec::new();
        for k in kinds {
            match groups
                .iter_mut()
                .find(|g| combined && k != PARTY && g[0] != PARTY)
            {
                Some(g) => g.push(k),
                None => groups.push(vec![k]),
            }
        }
        for kinds in groups {
            let start = add_days(per.last_day(), rng.random_range(0..GRACE));
            recs.push(Rec {
                kinds,
                per,
                start,
                named_only: false,
            });
        }
    }
    plant(v, rng, &mut recs, as_of);
    for r in recs {
        let ref_no = spelling(r.per, rng, r.named_only);
        if parse_free(&ref_no) && r.start <= r.per.deadline() && r.per.deadline() <= as_of {
            negative(
                v,
                &r,
                "periodic_unnamed_ref",
                "公开记录编号未写期间，按开始日期归入刚结束的一期，按期公开",
            );
        }
        let kind = if r.kinds.len() > 1 {
            "村务、财务公开".to_string()
        } else {
            r.kinds[0].to_string()
        };
        v.publicity.push(Publicity {
            ref_no,
            kind,
            start: r.start,
            end: add_days(r.start, rng.random_range(6..15)),
            channel: ["村务公开栏", "村务公开栏", "村务公开栏、微信群"][rng.random_range(0..3)],
        });
        v.periodic.push(PeriodicRecord {
            kinds: r.kinds,
            period: r.per.key(),
            start: r.start,
        });
    }
}

/// Whether a spelling names no period (no digit of a year in it).
fn parse_free(s: &str) -> bool {
    !s.contains("20")
}

fn label_all(v: &mut Village, r: &Rec, note: &str) {
    for k in &r.kinds {
        v.labels.push(PlantedLabel {
            category: Category::PublicityWindow,
            villages: vec![v.index],
            subject: Subject::Text(format!("{k}:{}", r.per.key())),
            note: note.to_string(),
        });
    }
}

fn negative(v: &mut Village, r: &Rec, kind: &'static str, note: &str) {
    for k in &r.kinds {
        v.negatives.push(PlantedNegative {
            kind,
            village: v.index,
            subject: Subject::Text(format!("{k}:{}", r.per.key())),
            note: note.to_string(),
        });
    }
}

/// Leave a record out, publish one late, one on day 15, and the December
/// edge: at 30 lines the monthly 财务公开 is left out (a quarterly record
/// stands in its place, which does not answer a month); at 29 the quarterly
/// record is all that is due.
fn plant(v: &mut Village, rng: &mut ChaCha8Rng, recs: &mut Vec<Rec>, as_of: NaiveDate) {
    let judged = |r: &Rec| r.per.deadline() <= as_of;
    let dec = Per::Month(YEAR - 1, 12);
    if let Some(i) = recs
        .iter()
        .position(|r| r.per == dec && r.kinds.contains(&FINANCE))
    {
        let mut r = recs.remove(i);
        label_all(v, &r, "当月恰有30笔记账，应按月公开，只有季度公开");
        r.per = Per::Quarter(YEAR - 1, 4);
        r.named_only = true;
        recs.push(r);
    } else if recs
        .iter()
        .any(|r| r.per == Per::Quarter(YEAR - 1, 4) && r.kinds.contains(&FINANCE))
    {
        let q = Rec {
            kinds: vec![FINANCE, VILLAGE],
            per: dec,
            start: as_of,
            named_only: true,
        };
        negative(
            v,
            &q,
            "periodic_29_lines",
            "当月恰有29笔记账，按季公开即可，不要求按月公开",
        );
    }
    let cands: Vec<usize> = (0..recs.len())
        .filter(|&i| judged(&recs[i]) && recs[i].per.last_day().year() == YEAR)
        .collect();
    let mut picks: Vec<usize> = cands.choose_multiple(rng, 3).copied().collect();
    if rng.random_bool(0.45)
        && let Some(i) = picks.pop()
    {
        let r = &mut recs[i];
        r.start = add_days(r.per.deadline(), 0);
        let note = format!("第{GRACE}天开始公开，按期");
        let r = Rec {
            kinds: r.kinds.clone(),
            per: r.per,
            start: r.start,
            named_only: false,
        };
        negative(v, &r, "periodic_day_15", &note);
    }
    if rng.random_bool(0.4)
        && let Some(i) = picks.pop()
    {
        let days = if rng.random_bool(0.3) {
            1
        } else {
            rng.random_range(2..40)
        };
        let r = &mut recs[i];
        r.start = add_days(r.per.deadline(), days);
        r.named_only = true;
        let r = Rec {
            kinds: r.kinds.clone(),
            per: r.per,
            start: r.start,
            named_only: true,
        };
        label_all(
            v,
            &r,
            &format!("期满后第{}天才公开，逾期{days}天", GRACE + days),
        );
    }
    if rng.random_bool(0.5)
        && let Some(i) = picks.pop()
    {
        let r = recs.remove(i);
        label_all(v, &r, "该期未公开");
    }
}

/// The self-check: every due, judged period of a village without a record
/// of its kind starting by the deadline is a case.
pub fn check(w: &World, out: &mut std::collections::BTreeSet<Case>) {
    let as_of = as_of(&w.villages);
    for v in &w.villages {
        for (kind, per) in dues(v) {
            if per.deadline() > as_of {
                continue;
            }
            let key = per.key();
            let ok = v
                .periodic
                .iter()
                .any(|r| r.period == key && r.kinds.contains(&kind) && r.start <= per.deadline());
            if !ok {
                out.insert(Case {
                    category: Category::PublicityWindow,
                    village: v.code.clone(),
                    subject: format!("{kind}:{key}"),
                });
            }
        }
    }
}
