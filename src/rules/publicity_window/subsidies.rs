//! Subsidy batches: the rolls' rows grouped by village, batch and program,
//! old approvals read as admissions, one ref per batch.

use std::collections::BTreeSet;

use polars::prelude::PlHashMap;

use super::refs::{Detail, Family, Moment, MomentKind, Ref, earliest, requirement_for};
use super::{Before, Params, ProgramRequirement};
use crate::dataset::TableKind;
use crate::rules::common::keywords::contains_any;
use crate::rules::common::views::SubsidiesView;

/// A group's village, batch and program, borrowed from the frame.
type Key<'d> = (&'d str, &'d str, Option<&'d str>);

/// One (village, batch, program) group of subsidy rows.
#[derive(Default)]
struct SubsidyGroup {
    /// Earliest payment and the row (`__row`) it is on.
    paid: Option<(i32, Option<u32>)>,
    approved: Option<(i32, Option<u32>)>,
    amount: i64,
    period: (Option<i32>, Option<i32>),
    n: u64,
    /// Admission approvals set aside (see [`subsidy_groups`]):
    /// the batch's own earliest approval, and how many were set aside.
    recent: Option<Option<(i32, Option<u32>)>>,
    admissions: u64,
}

/// The earlier of two (day, row) marks: on equal days the first row of the
/// file, whatever the order of the frame.
fn keep_min(slot: &mut Option<(i32, Option<u32>)>, day: Option<i32>, row: Option<u32>) {
    if let Some(d) = day
        && slot.is_none_or(|(m, r)| (d, row) < (m, r))
    {
        *slot = Some((d, row));
    }
}

/// Subsidy rows grouped by village, batch and program in one pass (rows
/// without batch or village are left out). A group whose earliest approval
/// is more than `approval-max-lead-days` before its first payment reads
/// those old approvals as admissions: its approval is the earliest one
/// within the lead, and the others are counted. A group without program
/// keeps its approvals as they are.
fn subsidy_groups<'d>(rolls: &SubsidiesView<'d>, p: &Params) -> Vec<(Key<'d>, SubsidyGroup)> {
    let SubsidiesView {
        row: rows,
        program,
        batch,
        period,
        village,
        amount,
        approved,
        paid,
        ..
    } = *rolls;
    let mut index: PlHashMap<Key, u32> = PlHashMap::default();
    let mut groups: Vec<(Key, SubsidyGroup)> = Vec::new();
    // The group of every row, for the second look at admission approvals.
    let mut group_of: Vec<u32> = Vec::with_capacity(rolls.height());
    let cells = village.iter().zip(batch.iter()).zip(program.iter());
    let cells = cells
        .zip(paid.iter())
        .zip(approved.iter())
        .zip(amount.iter())
        .zip(period.iter())
        .zip(rows.iter());
    for (((((((v, b), prog), pd), ap), amt), per), row) in cells {
        let (Some(v), Some(b)) = (v, b) else {
            group_of.push(u32::MAX);
            continue;
        };
        let key = (v, b, prog);
        let k = *index.entry(key).or_insert_with(|| {
            groups.push((key, SubsidyGroup::default()));
            groups.len() as u32 - 1
        });
        group_of.push(k);
        let g = &mut groups[k as usize].1;
        keep_min(&mut g.paid, pd, row);
        keep_min(&mut g.approved, ap, row);
        g.amount += amt.unwrap_or_default();
        if let Some(d) = per {
            g.period.0 = Some(g.period.0.map_or(d, |m| m.min(d)));
            g.period.1 = Some(g.period.1.map_or(d, |m| m.max(d)));
        }
        g.n += 1;
    }
    if p.approval_max_lead_days <= 0 {
        return groups;
    }
    let lead = p.approval_max_lead_days as i32;
    // The day from which an approval is this batch's own, for old groups.
    let since: Vec<Option<i32>> = groups
        .iter()
        .map(|((_, _, prog), g)| match (prog, g.approved, g.paid) {
            (Some(_), Some((a, _)), Some((pd, _))) if a < pd - lead => Some(pd - lead),
            _ => None,
        })
        .collect();
    if since.iter().all(Option::is_none) {
        return groups;
    }
    for (k, s) in since.iter().enumerate() {
        if s.is_some() {
            groups[k].1.recent = Some(None);
        }
    }
    for ((k, ap), row) in group_of.iter().zip(approved.iter()).zip(rows.iter()) {
        let Some(&Some(from)) = since.get(*k as usize) else {
            continue;
        };
        let Some(a) = ap else { continue };
        let g = &mut groups[*k as usize].1;
        if a >= from {
            if let Some(slot) = g.recent.as_mut() {
                keep_min(slot, Some(a), row);
            }
        } else {
            g.admissions += 1;
        }
    }
    groups
}

/// One program's share of a batch.
struct Part<'d> {
    program: &'d str,
    req: Option<(usize, ProgramRequirement)>,
    paid: Option<i32>,
    paid_row: Option<u32>,
    approved: Option<i32>,
    approved_row: Option<u32>,
    amount: i64,
    n: u64,
    admissions: u64,
    period: (Option<i32>, Option<i32>),
}

/// One ref per subsidy batch whose programs require a publicity record.
pub(super) fn subsidy_batches(rolls: &SubsidiesView, p: &Params) -> Vec<Ref> {
    let all = batch_parts(subsidy_groups(rolls, p), p);
    let same_batch = |x: &(&str, &str, Part), y: &(&str, &str, Part)| x.0 == y.0 && x.1 == y.1;
    let mut out = Vec::with_capacity(all.chunk_by(same_batch).count());
    for run in all.chunk_by(same_batch) {
        let parts: Vec<&Part> = run.iter().map(|x| &x.2).collect();
        out.extend(batch_ref(run[0].0, run[0].1, &parts, p));
    }
    out
}

/// The groups as (village, batch, part), borrowed from the frame; sorted by
/// village and batch (a batch's parts stay in the order first seen).
fn batch_parts<'d>(
    groups: Vec<(Key<'d>, SubsidyGroup)>,
    p: &Params,
) -> Vec<(&'d str, &'d str, Part<'d>)> {
    let mut all: Vec<(&str, &str, Part)> = Vec::with_capacity(groups.len());
    for ((v, b, prog), g) in groups {
        if b.is_empty() {
            continue;
        }
        let prog = prog.unwrap_or_default();
        let req = requirement_for(&p.subsidies, prog, |r| &r.programs).map(|(k, r)| (k, r.clone()));
        // Admission approvals set aside: the batch's own, if any.
        let (approved_day, approved_at, admitted) = match g.recent {
            Some(r) => (r.map(|x| x.0), r.and_then(|x| x.1), g.admissions),
            None => (g.approved.map(|x| x.0), g.approved.and_then(|x| x.1), 0),
        };
        all.push((
            v,
            b,
            Part {
                program: prog,
                req,
                paid: g.paid.map(|x| x.0),
                paid_row: g.paid.and_then(|x| x.1),
                approved: approved_day,
                approved_row: approved_day.and(approved_at),
                amount: g.amount,
                n: g.n,
                admissions: admitted,
                period: g.period,
            },
        ));
    }
    all.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    all
}

/// A batch's ref, if one of its programs requires a publicity record. A
/// batch mixing programs answers to the strictest of them.
fn batch_ref(v: &str, b: &str, parts: &[&Part], p: &Params) -> Option<Ref> {
    let (_, req) = parts
        .iter()
        .filter_map(|pt| pt.req.as_ref())
        .min_by_key(|(k, r)| (std::cmp::Reverse(r.days), *k))?;
    let lead = parts
        .iter()
        .filter(|pt| pt.req.as_ref().is_some_and(|(_, r)| r == req))
        .max_by_key(|pt| (pt.n, std::cmp::Reverse(pt.program)))?;
    let first_paid = parts
        .iter()
        .filter_map(|pt| pt.paid.map(|d| (d, pt.paid_row)))
        .min();
    let first_approved = parts
        .iter()
        .filter_map(|pt| pt.approved.map(|d| (d, pt.approved_row)))
        .min();
    let payment = first_paid.map(|(d, row)| Moment {
        kind: MomentKind::Payment,
        day: d,
        table: TableKind::Subsidies,
        row,
        key: None,
    });
    let approval = first_approved.map(|(d, row)| Moment {
        kind: MomentKind::Approval,
        day: d,
        table: TableKind::Subsidies,
        row,
        key: None,
    });
    let event = match req.before {
        Before::ApprovalElsePayment => earliest(approval, payment),
        Before::Approval => approval,
        Before::Payment => payment,
        _ => None,
    };
    let after_payment_ok = parts
        .iter()
        .all(|pt| contains_any(pt.program, &p.after_payment_programs))
        || contains_any(b, &p.after_payment_markers);
    let programs: BTreeSet<&str> = parts.iter().map(|pt| pt.program).collect();
    let rows: u64 = parts.iter().map(|pt| pt.n).sum();
    let pmin = parts.iter().filter_map(|pt| pt.period.0).min();
    let pmax = parts.iter().filter_map(|pt| pt.period.1).max();
    Some(Ref {
        family: Family::SubsidyBatch,
        village: v.to_string(),
        ref_no: b.to_string(),
        what: lead.program.to_string(),
        amount: parts.iter().map(|pt| pt.amount).sum(),
        required_days: req.days as i64,
        before: req.before,
        event,
        after_payment_ok,
        detail: Detail::Subsidy {
            programs: programs.into_iter().map(str::to_string).collect(),
            payment_rows: rows,
            period: (pmin, pmax),
            first_paid: first_paid.map(|(d, _)| d),
            first_approved: first_approved.map(|(d, _)| d),
            admissions: parts.iter().map(|pt| pt.admissions).sum::<u64>(),
        },
    })
}
