//! One ref judged against its records, and the finding made when even the
//! best record falls short.

use std::borrow::Cow;
use std::collections::BTreeSet;

use polars::prelude::PlHashSet;
use serde_json::{Value, json};

use super::records::{Index, Record, Verdict, loose_key, measure};
use super::refs::{Family, Ref, day};
use super::{Before, META, Params, before_name};
use crate::dataset::normalize::clean_code;
use crate::finding::{Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::keywords::contains_any;

/// What every assessment shares.
pub(super) struct Context<'a> {
    pub(super) index: &'a Index<'a>,
    pub(super) p: &'a Params,
    /// Families whose publicity the export does not carry.
    pub(super) uncovered: BTreeSet<Family>,
    /// (village, loose ref) of every batch, contract and decision.
    pub(super) own_loose: PlHashSet<(&'a str, Cow<'a, str>)>,
    /// Events before this day fall before the publicity export's period.
    pub(super) period_start: Option<i32>,
}

/// What a ref's best record (or its absence) comes to.
struct Outcome {
    problems: Vec<&'static str>,
    message: String,
    score: f64,
    /// The best record's window, `null` when none was readable.
    window: Value,
    short: i64,
    late: i64,
    /// The record's ref when it matched only loosely.
    related: Vec<String>,
}

/// Measure one ref against its records; a finding when even the best record
/// falls short.
pub(super) fn assess(r: &Ref, recs: &[Record], ctx: &Context) -> Option<Finding> {
    let p = ctx.p;
    // A roll may say 急难型 only in the publicity record's kind.
    let after_payment_ok = r.after_payment_ok
        || (r.family == Family::SubsidyBatch
            && recs
                .iter()
                .any(|rec| contains_any(&clean_code(rec.kind), &p.after_payment_markers)));
    let timing = r.before != Before::None && !after_payment_ok;
    let best = recs
        .iter()
        .filter_map(|rec| measure(r, rec, timing))
        .min_by_key(|v| v.rank());
    if best.as_ref().is_some_and(|b| b.short == 0 && b.late == 0) {
        return None;
    }
    if best.is_none() && ctx.uncovered.contains(&r.family) {
        return None;
    }
    if best.is_none()
        && let (Some(first), Some(m)) = (ctx.period_start, &r.event)
        && m.day < first
    {
        return None;
    }
    let who = describe(r);
    let o = match &best {
        None => missing(r, recs, ctx, timing, &who),
        Some(b) => fell_short(r, b, &who),
    };
    let amount_bonus = (r.amount as f64 / 100.0 / 10_000.0).max(1.0).log10() * 5.0;
    Some(
        META.finding(&r.village, &r.ref_no)
            .severity(Severity::Medium)
            .score((o.score + amount_bonus).min(90.0))
            .amount(r.amount)
            .related(o.related)
            .message(o.message)
            .evidence(json!({
                "ref_type": r.family.as_str(),
                "ref_no": r.ref_no,
                "problems": o.problems,
                "required_days": r.required_days,
                "must_end_before": before_name(r.before),
                "after_payment_allowed": after_payment_ok,
                "event": event_json(r),
                "window": o.window,
                "days_short": o.short,
                "days_late": o.late,
                "amount": fen_to_yuan_string(r.amount),
                "records": records_json(recs),
                "records_total": recs.len(),
                "detail": r.detail.to_json(),
            })),
    )
}

/// `城乡低保发放批次DB-1（7,200元）`, `合同HT-1（道路硬化，120,000元）` …
fn describe(r: &Ref) -> String {
    let amount_txt = fen_to_yuan_display(r.amount);
    match r.family {
        Family::SubsidyBatch => format!("{}发放批次{}（{}）", r.what, r.ref_no, amount_txt),
        Family::HiringBatch => {
            format!("{}招聘批次{}（月工资合计{}）", r.what, r.ref_no, amount_txt)
        }
        Family::Contract => format!("合同{}（{}，{}）", r.ref_no, r.what, amount_txt),
        Family::Lease => format!("租赁合同{}（{}，租期租金{}）", r.ref_no, r.what, amount_txt),
        Family::Compensation => format!("征地补偿批次{}（{}）", r.ref_no, amount_txt),
        Family::Decision => {
            if r.what.is_empty() {
                format!("决议{}", r.ref_no)
            } else {
                format!("决议{}（{}）", r.ref_no, r.what)
            }
        }
    }
}

/// No readable record: the rule it had to follow, and the villages that
/// hold a record of that number (a hint that it was filed under another).
fn missing(r: &Ref, recs: &[Record], ctx: &Context, timing: bool, who: &str) -> Outcome {
    let elsewhere: Vec<String> = ctx
        .index
        .villages_of
        .get(&loose_key(&r.ref_no))
        .map(|vs| {
            // A village with its own batch of that number (street-wide
            // numbering) is no hint; an orphan record is.
            vs.iter()
                .filter(|v| {
                    **v != r.village && !ctx.own_loose.contains(&(**v, loose_key(&r.ref_no)))
                })
                .map(|v| v.to_string())
                .collect()
        })
        .unwrap_or_default();
    let rule = match (&r.event, timing) {
        (Some(m), true) => format!(
            "应在{}{}前公示满{}天",
            m.label(),
            day(m.day),
            r.required_days
        ),
        _ => format!("应公示满{}天", r.required_days),
    };
    let unreadable = if recs.is_empty() {
        String::new()
    } else {
        format!("（{}条公示记录日期无法识别）", recs.len())
    };
    let hint = if elsewhere.is_empty() {
        String::new()
    } else {
        format!("，同编号公示登记在村居{}", elsewhere.join("、"))
    };
    let message =
        format!("{who}未找到有效公示记录{unreadable}，{rule}{hint}，请核实是否履行公示程序");
    let mut problems = vec!["missing"];
    if !elsewhere.is_empty() {
        problems.push("recorded_in_other_village");
    }
    let score = if elsewhere.is_empty() { 60.0 } else { 45.0 };
    Outcome {
        problems,
        message,
        score,
        window: json!(null),
        short: 0,
        late: 0,
        related: Vec::new(),
    }
}

/// The best record is too short, or not over before the event, or both.
fn fell_short(r: &Ref, b: &Verdict, who: &str) -> Outcome {
    let mut related = Vec::new();
    if b.record.ref_no != r.ref_no {
        related.push(b.record.ref_no.to_string());
    }
    let window = format!("{}至{}", day(b.start), day(b.end));
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let mut score: f64 = 0.0;
    if b.short > 0 {
        problems.push("short");
        parts.push(format!(
            "仅{}天，少于规定的{}天（差{}天）",
            b.days, r.required_days, b.short
        ));
        score = score.max(40.0 + 20.0 * b.short as f64 / r.required_days.max(1) as f64);
    }
    if b.late > 0
        && let Some(m) = &r.event
    {
        problems.push("late");
        let when = if b.start > m.day {
            format!("{}后才开始公示", m.act())
        } else if b.start == m.day {
            format!("{}当日才开始公示", m.act())
        } else {
            format!("公示未结束即已{}", m.act())
        };
        let lead = if b.short > 0 { "，且" } else { "，而" };
        parts.push(format!("{lead}{}为{}，{when}", m.label(), day(m.day)));
        score = score.max(55.0 + (b.late as f64).min(30.0) / 3.0);
    }
    if problems.len() == 2 {
        score += 5.0;
    }
    let advice = if b.late > 0 {
        r.event
            .as_ref()
            .map(|m| format!("请核实是否先{}后公示", m.act()))
            .unwrap_or_default()
    } else {
        "请核实公示是否完整、异议期是否足够".into()
    };
    if b.short == 0 {
        parts.insert(0, format!("（{}天）", b.days));
    }
    let message = format!("{who}公示期{window}{}，{advice}", parts.concat());
    Outcome {
        problems,
        message,
        score,
        window: json!({
            "start": day(b.start),
            "end": day(b.end),
            "days": b.days,
            "row": b.record.row,
            "ref_no": b.record.ref_no,
            "kind": b.record.kind,
            "dates_swapped": b.swapped,
        }),
        short: b.short,
        late: b.late,
        related,
    }
}

/// The event the window had to end before, for the evidence.
fn event_json(r: &Ref) -> Option<Value> {
    r.event.as_ref().map(|m| {
        json!({
            "kind": m.kind_str(),
            "date": day(m.day),
            "table": m.table.canonical(),
            "row": m.row,
            "ref": m.key,
        })
    })
}

/// The first ten records found for the ref.
fn records_json(recs: &[Record]) -> Vec<Value> {
    recs.iter()
        .take(10)
        .map(|rec| {
            json!({
                "row": rec.row,
                "ref_no": rec.cell,
                "kind": rec.kind,
                "channel": rec.channel,
                "start": rec.start.map(day),
                "end": rec.end.map(day),
            })
        })
        .collect()
}
