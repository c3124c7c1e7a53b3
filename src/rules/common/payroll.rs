//! Who is on a village payroll in which month (ELG002: 特困 support while
//! drawing wages; ELG003: 低保 while the household's wages exceed the line).
//! The hires table says who was engaged when and for what monthly wage; the
//! ledger, when it pays a hire at all, says which months were really paid,
//! so that a hire record left open after the person quit does not count
//! months nobody was paid for. Street-wide: a person hired in one village
//! and supported in another is still on wages.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde_json::Value;

use super::people::{month_of, valid_id};
use super::views::{HiresView, LedgerView};
use super::wages::{WageLag, lines_to_hires, wage_months};
use crate::dataset::Dataset;
use crate::error::Result;

/// One hire record of a person: the months it covers and, when the ledger
/// pays this hire any line, the lines per month they pay for.
struct Engagement {
    row: usize,
    first: i32,
    last: i32,
    paid: Option<BTreeMap<i32, Vec<Value>>>,
}

/// The payroll of a dataset: per valid id number, its hire records.
pub struct Payroll<'a> {
    pub hires: HiresView<'a>,
    by_id: PlHashMap<&'a str, Vec<Engagement>>,
    /// The last month the ledger pays any hire for: later months are not
    /// booked yet, and the hire record alone speaks for them.
    paid_through: i32,
}

/// What one person earned from the payroll in one month.
pub struct Earned {
    /// Hire rows (indexes into `Payroll::hires`) engaged and paid that month.
    pub hires: Vec<usize>,
    /// Their monthly wages, summed (fen).
    pub wage: i64,
    /// Ledger wage lines paying that month, as evidence.
    pub lines: Vec<Value>,
}

impl<'a> Payroll<'a> {
    /// The payroll, or `None` without a hires table.
    pub fn load(ds: &'a Dataset) -> Result<Option<Payroll<'a>>> {
        let Some(hires) = HiresView::load(ds)? else {
            return Ok(None);
        };
        let mut by_id: PlHashMap<&'a str, Vec<Engagement>> = PlHashMap::default();
        for i in 0..hires.height() {
            let (Some(id), Some(start)) = (hires.id.get(i), hires.start.get(i)) else {
                continue;
            };
            if !valid_id(id) {
                continue;
            }
            let Some(first) = month_of(start) else {
                continue;
            };
            let last = hires.end.get(i).and_then(month_of).unwrap_or(i32::MAX);
            by_id.entry(id).or_default().push(Engagement {
                row: i,
                first,
                last,
                paid: None,
            });
        }
        let mut payroll = Payroll {
            hires,
            by_id,
            paid_through: i32::MAX,
        };
        if LedgerView::load(ds)?.is_some() {
            let lines = lines_to_hires(ds, false)?;
            let lag = WageLag::shared(ds)?;
            payroll.paid_months(&LedgerView::of(&lines)?, &lag);
        }
        Ok(Some(payroll))
    }

    /// Record the months the ledger pays each hire for: the months its 摘要
    /// states, else the month booked less the village's wage lag.
    fn paid_months(&mut self, l: &LedgerView, lag: &WageLag) {
        let h = self.hires;
        // (village, account) → the id of the hire holding it.
        let mut by_account: PlHashMap<(&str, &str), &'a str> = PlHashMap::default();
        for i in 0..h.height() {
            if let (Some(v), Some(a), Some(id)) = (h.village.get(i), h.account.get(i), h.id.get(i))
                && valid_id(id)
            {
                by_account.entry((v, a)).or_insert(id);
            }
        }
        let mut seen = PlHashSet::default();
        self.paid_through = i32::MIN;
        for i in 0..l.height() {
            if !seen.insert(l.row.get(i)) || l.amount(i) <= 0 {
                continue;
            }
            let (Some(v), Some(day)) = (l.village.get(i), l.date.get(i)) else {
                continue;
            };
            let id = l
                .payee_id
                .get(i)
                .filter(|x| valid_id(x) && self.by_id.contains_key(*x))
                .map(|x| x.to_string())
                .or_else(|| {
                    let a = l.payee_account.get(i)?;
                    by_account.get(&(v, a)).map(|x| x.to_string())
                });
            let Some(id) = id else { continue };
            let months: Vec<i32> = match wage_months(&l.text(i), day) {
                Some((a, b)) => (a..=b).collect(),
                None => match month_of(day) {
                    Some(m) => vec![m - lag.get(v).unwrap_or(0)],
                    None => continue,
                },
            };
            if let Some(&last) = months.last() {
                self.paid_through = self.paid_through.max(last);
            }
            let Some(engs) = self.by_id.get_mut(id.as_str()) else {
                continue;
            };
            let line = l.line(i);
            for e in engs.iter_mut().filter(|e| h.village.get(e.row) == Some(v)) {
                let paid = e.paid.get_or_insert_with(BTreeMap::new);
                for &m in &months {
                    paid.entry(m).or_default().push(line.clone());
                }
            }
        }
    }

    /// What person `id` earned in month `m` (a month index): the hire
    /// records covering the month that the ledger paid for it (or that the
    /// ledger pays no line at all); `None` when nothing.
    pub fn earned(&self, id: &str, m: i32) -> Option<Earned> {
        let mut out = Earned {
            hires: vec![],
            wage: 0,
            lines: vec![],
        };
        for e in self.by_id.get(id)? {
            if m < e.first || m > e.last {
                continue;
            }
            if let Some(paid) = &e.paid {
                match paid.get(&m) {
                    Some(lines) => out.lines.extend(lines.iter().cloned()),
                    None if m > self.paid_through => {}
                    None => continue,
                }
            }
            out.hires.push(e.row);
            out.wage += self.hires.wage.get(e.row).unwrap_or_default();
        }
        (!out.hires.is_empty()).then_some(out)
    }

    /// Whether anyone with this id is on the payroll at all.
    pub fn knows(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
}
