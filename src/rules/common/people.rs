//! What the people rules (DUP001–DUP004, DEA001, GHO001) share: trustworthy
//! id numbers, months, program names, the roll's, ledger's and hires' rows
//! as evidence, reversals, the death register, rows sharing a key. Wages
//! paid to hires are in `wages`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use polars::prelude::*;
use serde_json::{Value, json};

use super::util;
use super::views::{DeathsView, HiresView, LedgerView, SubsidiesView};
use crate::dataset::Dataset;
use crate::dataset::id_number::id_problem;
use crate::dataset::normalize::{clean_name, from_epoch_days};
use crate::error::Result;
use crate::money::fen_to_yuan_string;

/// An id number two records may be joined on: 18 characters that pass the
/// GB 11643 check. Numbers that fail it identify nobody (ID001 reports them);
/// Excel-mangled ones are already null after loading.
pub fn valid_id(id: &str) -> bool {
    id.len() == 18 && id_problem(id).is_none()
}

/// Month index (year × 12 + month − 1) of days since 1970-01-01.
pub fn month_of(days: i32) -> Option<i32> {
    from_epoch_days(days).map(|d| d.year() * 12 + d.month0() as i32)
}

/// `YYYY-MM` of a month index.
pub fn month_string(m: i32) -> String {
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// Periods as officers read them: `2025-01至2025-04` for a run of months,
/// joined by `、` between runs.
pub fn month_ranges(months: &BTreeSet<i32>) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &m in months {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == m => *end = m,
            _ => runs.push((m, m)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                month_string(a)
            } else {
                format!("{}至{}", month_string(a), month_string(b))
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Program names as configured and as written on rolls compare after this:
/// spaces removed, full-width folded, 【】 and 〔〕 read as brackets.
pub fn program_key(s: &str) -> String {
    clean_name(s)
        .chars()
        .map(|c| match c {
            '【' | '〔' | '[' => '(',
            '】' | '〕' | ']' => ')',
            c => c,
        })
        .collect()
}

/// True when a configured program name names the roll's program: equal, or
/// the roll adds a qualifier (`临时救助(急难型)` is a `临时救助`).
pub fn program_is(configured: &str, on_roll: &str) -> bool {
    let c = program_key(configured);
    !c.is_empty() && on_roll.starts_with(c.as_str())
}

/// How a configured program name names a roll's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProgramMatch {
    No,
    /// The configuration names a sub-program (`残疾人两项补贴(生活补贴)`) and
    /// the roll gives only the program (`残疾人两项补贴`): it may be it.
    Unqualified,
    Yes,
}

/// Match a configured program name against a roll's (already cleaned) one.
/// A configured `名称(子项)` matches a roll program that starts with the
/// name and mentions the sub-item, and matches `Unqualified` a roll program
/// that is only the name.
pub fn program_match(configured: &str, on_roll: &str) -> ProgramMatch {
    let c = program_key(configured);
    let on_roll = program_key(on_roll);
    let (base, qualifier) = match c.strip_suffix(')').and_then(|x| x.split_once('(')) {
        Some((b, q)) if !b.is_empty() && !q.is_empty() => (b, Some(q)),
        _ => (c.as_str(), None),
    };
    if base.is_empty() {
        return ProgramMatch::No;
    }
    let Some(rest) = on_roll.strip_prefix(base) else {
        return ProgramMatch::No;
    };
    match qualifier {
        None => ProgramMatch::Yes,
        Some(q) => {
            let rest: String = rest
                .chars()
                .filter(|c| !"()-—_·:：/、".contains(*c))
                .collect();
            if rest.is_empty() {
                ProgramMatch::Unqualified
            } else if rest.contains(q) {
                ProgramMatch::Yes
            } else {
                ProgramMatch::No
            }
        }
    }
}

/// The best match of any of `configured` against a roll's program.
pub fn program_match_any(configured: &[String], on_roll: &str) -> ProgramMatch {
    configured
        .iter()
        .map(|c| program_match(c, on_roll))
        .max()
        .unwrap_or(ProgramMatch::No)
}

/// The subsidy roll (`SubsidiesView`) as the people rules read it.
impl<'a> SubsidiesView<'a> {
    pub fn str<'s>(&self, c: &'s StringChunked, i: usize) -> &'s str {
        c.get(i).unwrap_or_default()
    }

    pub fn amount(&self, i: usize) -> i64 {
        self.amount.get(i).unwrap_or_default()
    }

    pub fn month(&self, i: usize) -> Option<i32> {
        self.period.get(i).and_then(month_of)
    }

    /// The payments among `rows` (one person's, one period's) that stand:
    /// in paid-date (then file) order, reversals cancelled.
    pub fn standing(&self, rows: &mut [usize]) -> Vec<usize> {
        rows.sort_by_key(|&i| (self.paid.get(i), self.row.get(i)));
        net_of_reversals(rows, |i| self.amount(i))
    }

    /// One payment row as evidence: enough to find it in the export and
    /// to total the recovery.
    pub fn payment(&self, i: usize) -> Value {
        json!({
            "table": "subsidies",
            "row": self.row.get(i),
            "village_code": self.village.get(i),
            "program": self.program.get(i),
            "batch_no": self.batch.get(i),
            "period": self.month(i).map(month_string),
            "paid_date": self.paid.get(i).map(util::day_string),
            "name": self.name.get(i),
            "id_number": self.id.get(i),
            "bank_account": self.account.get(i),
            "amount": fen_to_yuan_string(self.amount(i)),
        })
    }
}

/// The ledger (`LedgerView`) as a wage check reads it.
impl<'a> LedgerView<'a> {
    pub fn amount(&self, i: usize) -> i64 {
        self.amount.get(i).unwrap_or_default()
    }

    /// 摘要 and 科目 together: either may say what a line pays for.
    pub fn text(&self, i: usize) -> String {
        format!(
            "{} {}",
            self.summary.get(i).unwrap_or_default(),
            self.category.get(i).unwrap_or_default()
        )
    }

    pub fn line(&self, i: usize) -> Value {
        json!({
            "table": "ledger",
            "row": self.row.get(i),
            "village_code": self.village.get(i),
            "voucher_no": self.voucher.get(i),
            "date": self.date.get(i).map(util::day_string),
            "summary": self.summary.get(i),
            "counterparty": self.payee.get(i),
            "counterparty_id": self.payee_id.get(i),
            "counterparty_account": self.payee_account.get(i),
            "amount": fen_to_yuan_string(self.amount(i)),
        })
    }
}

/// The hires table (`HiresView`) as the people rules read it.
impl<'a> HiresView<'a> {
    pub fn record(&self, i: usize) -> Value {
        json!({
            "table": "hires",
            "row": self.row.get(i),
            "village_code": self.village.get(i),
            "post": self.post.get(i),
            "name": self.name.get(i),
            "id_number": self.id.get(i),
            "bank_account": self.account.get(i),
            "start_date": self.start.get(i).map(util::day_string),
            "end_date": self.end.get(i).map(util::day_string),
            "monthly_wage": fen_to_yuan_string(self.wage.get(i).unwrap_or_default()),
        })
    }

    /// The post as a word a wage summary would use: `保洁员` → `保洁`.
    pub fn post_word(&self, i: usize) -> String {
        self.post_stem(i).to_string()
    }

    /// [`HiresView::post_word`], borrowed.
    pub fn post_stem(&self, i: usize) -> &'a str {
        let p = self.post.get(i).unwrap_or_default();
        p.strip_suffix('员').unwrap_or(p)
    }
}

/// A death in the register.
pub struct Death {
    pub day: i32,
    pub month: i32,
    pub name: String,
    pub row: u32,
}

/// Valid id → earliest recorded death.
pub fn death_register(ds: &Dataset) -> Result<BTreeMap<String, Death>> {
    let mut m: BTreeMap<String, Death> = BTreeMap::new();
    let Some(deaths) = DeathsView::load(ds)? else {
        return Ok(m);
    };
    let DeathsView {
        id,
        name,
        died: day,
        row,
        ..
    } = deaths;
    for i in 0..deaths.height() {
        let (Some(idn), Some(d)) = (id.get(i), day.get(i)) else {
            continue;
        };
        let Some(month) = month_of(d) else { continue };
        if !valid_id(idn) || m.get(idn).is_some_and(|x| x.day <= d) {
            continue;
        }
        m.insert(
            idn.to_string(),
            Death {
                day: d,
                month,
                name: name.get(i).unwrap_or_default().to_string(),
                row: row.get(i).unwrap_or_default(),
            },
        );
    }
    Ok(m)
}

/// Semi-join `df` to the key combinations of `keys` that occur more than
/// once among rows with a non-null first key: the dataset-wide candidates of
/// a duplicate join, found by polars, for a Rust loop to judge.
pub fn rows_sharing(df: &DataFrame, keys: &[&str]) -> Result<DataFrame> {
    let by: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let mut present = col(keys[0]).is_not_null();
    for k in &keys[1..] {
        present = present.and(col(*k).is_not_null());
    }
    util::take_rows(df, |lf| {
        let lf = lf.filter(present);
        let groups = lf
            .clone()
            .group_by(by.clone())
            .agg([len().alias("__n")])
            .filter(col("__n").gt(lit(1u32)));
        lf.join(groups, by.clone(), by, JoinArgs::new(JoinType::Semi))
    })
}

/// Cancel reversals: each negative amount removes the positive payment of
/// the same size (a wrong payment taken back is not a payment). Returns the
/// indices of the payments that stand, in the order given; zero amounts are
/// dropped.
pub fn net_of_reversals(idx: &[usize], amount: impl Fn(usize) -> i64) -> Vec<usize> {
    let mut standing: Vec<usize> = idx.iter().copied().filter(|&i| amount(i) > 0).collect();
    for &r in idx.iter().filter(|&&i| amount(i) < 0) {
        let a = -amount(r);
        // Take back the latest matching payment: a reversal follows what it reverses.
        if let Some(pos) = standing.iter().rposition(|&i| amount(i) == a) {
            standing.remove(pos);
        }
    }
    standing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: i32) -> i32 {
        y * 12 + mo - 1
    }

    #[test]
    fn reversals_cancel_their_payment() {
        let a = [600i64, -600, 600, 0];
        let s = net_of_reversals(&[0, 1, 2, 3], |i| a[i]);
        assert_eq!(s, vec![0]);
        let a = [600i64, 300];
        assert_eq!(net_of_reversals(&[0, 1], |i| a[i]), vec![0, 1]);
    }

    #[test]
    fn month_runs() {
        let s: BTreeSet<i32> = [m(2025, 1), m(2025, 2), m(2025, 3), m(2025, 6)].into();
        assert_eq!(month_ranges(&s), "2025-01至2025-03、2025-06");
    }

    #[test]
    fn programs_with_qualifiers() {
        assert!(program_is("临时救助", &program_key("临时救助（急难型）")));
        assert!(program_is("城乡低保", "城乡低保"));
        assert!(!program_is("城乡低保", "特困供养"));
        use ProgramMatch::*;
        let c = "残疾人两项补贴（生活补贴）";
        assert_eq!(program_match(c, "残疾人两项补贴(生活补贴)"), Yes);
        assert_eq!(program_match(c, "残疾人两项补贴-困难残疾人生活补贴"), Yes);
        assert_eq!(program_match(c, "残疾人两项补贴"), Unqualified);
        assert_eq!(program_match(c, "残疾人两项补贴(护理补贴)"), No);
        assert_eq!(program_match("城乡低保", "城乡低保"), Yes);
        assert_eq!(program_match("城乡低保", "特困供养"), No);
    }
}
