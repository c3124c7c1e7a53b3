//! A plain CSV body (see [`read::plain_csv`]: UTF-8, no quote, carriage
//! return or NUL byte) typed in one parallel pass over its bytes: pieces of
//! whole records are split at commas and newlines and every cell goes
//! straight into its typed column, with the same normalisers, values and
//! problems as the general path (polars' reader into text columns, then
//! `normalise_column`). No text frame of the whole table is built first,
//! and columns that no contract column claims are never read.
//!
//! A body whose records do not all have exactly as many fields as the
//! header (a blank line, a ragged row, a cut last record) gives `None`:
//! the caller then takes the general path, whose behaviour (and errors)
//! on such files stays what it was.

use std::collections::BTreeMap;
use std::path::Path;

use memchr::{memchr, memchr2_iter};
use polars::prelude::*;
use rayon::prelude::*;

use super::{
    Aliases, CellProblem, ColumnSpec, Kind, LoadIssue, LoadOptions, TableKind, assemble, blank,
    match_headers, normalize, null_column, text_value,
};
use crate::error::Result;

/// One contract column of one piece.
enum Buf {
    /// With the last date read and its value: dates repeat row after row.
    Date(Vec<Option<i32>>, DateMemo),
    Money(Vec<Option<i64>>),
    Number(Vec<Option<f64>>),
    Text(StringChunkedBuilder),
}

#[derive(Default)]
struct DateMemo {
    text: [u8; 16],
    len: usize,
    days: Option<i32>,
}

impl DateMemo {
    fn get(&self, s: &str) -> Option<i32> {
        let b = s.as_bytes();
        (b.len() == self.len && b == &self.text[..self.len])
            .then_some(self.days)
            .flatten()
    }

    fn set(&mut self, s: &str, days: i32) {
        let b = s.as_bytes();
        if b.len() <= self.text.len() {
            self.text[..b.len()].copy_from_slice(b);
            self.len = b.len();
            self.days = Some(days);
        }
    }
}

struct Slot {
    spec: &'static ColumnSpec,
    buf: Buf,
    /// Row indexes within the piece.
    problems: Vec<CellProblem>,
}

impl Slot {
    fn new(spec: &'static ColumnSpec, rows: usize) -> Slot {
        let buf = match spec.kind {
            Kind::Date | Kind::Period => Buf::Date(Vec::with_capacity(rows), DateMemo::default()),
            Kind::Money => Buf::Money(Vec::with_capacity(rows)),
            Kind::Number => Buf::Number(Vec::with_capacity(rows)),
            _ => Buf::Text(StringChunkedBuilder::new(spec.name.into(), rows)),
        };
        Slot {
            spec,
            buf,
            problems: Vec::new(),
        }
    }

    /// One cell as polars' reader gives it (an empty field is null), then
    /// as `normalise_column` types it.
    #[inline]
    fn push(&mut self, cell: &str, row: usize) {
        let problems = &mut self.problems;
        let mut bad = |value: &str, reason: String, issue: Option<IssueKind>| {
            problems.push(CellProblem {
                index: row,
                value: value.to_string(),
                reason,
                issue,
            })
        };
        let Some(s) = blank(Some(cell).filter(|c| !c.is_empty())) else {
            if self.spec.non_empty {
                bad("", "empty value in a required column".into(), None);
            }
            match &mut self.buf {
                Buf::Date(v, _) => v.push(None),
                Buf::Money(v) => v.push(None),
                Buf::Number(v) => v.push(None),
                Buf::Text(b) => b.append_null(),
            }
            return;
        };
        fn typed<T>(
            v: &mut Vec<Option<T>>,
            r: std::result::Result<T, String>,
            s: &str,
            bad: &mut dyn FnMut(&str, String, Option<IssueKind>),
        ) {
            match r {
                Ok(x) => v.push(Some(x)),
                Err(reason) => {
                    bad(s, reason, None);
                    v.push(None);
                }
            }
        }
        match &mut self.buf {
            Buf::Date(v, memo) => {
                if let Some(days) = memo.get(s) {
                    return v.push(Some(days));
                }
                let r = if self.spec.kind == Kind::Date {
                    normalize::parse_date(s)
                } else {
                    normalize::parse_period(s)
                };
                let r = r.map(normalize::to_epoch_days);
                if let Ok(days) = r {
                    memo.set(s, days);
                }
                typed(v, r, s, &mut bad)
            }
            Buf::Money(v) => typed(v, normalize::parse_amount_fen(s), s, &mut bad),
            Buf::Number(v) => typed(v, normalize::parse_number(s), s, &mut bad),
            Buf::Text(b) => match text_value(self.spec.kind, s, &mut bad) {
                Some(x) => b.append_value(&*x),
                None => b.append_null(),
            },
        }
    }
}

use super::IssueKind;

/// Type the records of `text` (whole records, each ending in a newline
/// except perhaps the body's last). `target[j]` is the slot raw column `j`
/// feeds, if any. `None` when a record has not exactly `n` fields.
fn parse_piece(
    text: &str,
    n: usize,
    target: &[Option<usize>],
    specs: &[&'static ColumnSpec],
) -> Option<(usize, Vec<Slot>)> {
    let b = text.as_bytes();
    let first_line = memchr(b'\n', b).map_or(b.len(), |p| p + 1).max(1);
    let estimate = b.len() / first_line + b.len() / first_line / 8 + 1;
    let mut slots: Vec<Slot> = specs.iter().map(|s| Slot::new(s, estimate)).collect();
    let (mut rows, mut j, mut start) = (0usize, 0usize, 0usize);
    let last = n - 1;
    for p in memchr2_iter(b',', b'\n', b) {
        let newline = b[p] == b'\n';
        if newline != (j == last) {
            return None;
        }
        if let Some(t) = target[j] {
            slots[t].push(&text[start..p], rows);
        }
        if newline {
            rows += 1;
            j = 0;
        } else {
            j += 1;
        }
        start = p + 1;
    }
    if start < b.len() {
        // The body's last record, without a newline.
        if j != last {
            return None;
        }
        if let Some(t) = target[j] {
            slots[t].push(&text[start..], rows);
        }
        rows += 1;
    } else if j != 0 {
        return None;
    }
    Some((rows, slots))
}

/// Pieces of about `size` bytes, each ending just after a newline (the
/// last at the end of the body).
fn pieces(body: &str, size: usize) -> Vec<&str> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut a = 0;
    while a < b.len() {
        let mut e = (a + size).min(b.len());
        if e < b.len() {
            e = memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k + 1);
        }
        out.push(&body[a..e]);
        a = e;
    }
    out
}

/// The pieces of one column, in order, as one typed column of one chunk;
/// problem indexes made table-wide with `offsets` (first row of each piece).
fn join_column(
    spec: &ColumnSpec,
    slots: Vec<Slot>,
    offsets: &[usize],
) -> (Column, Vec<CellProblem>) {
    let name: PlSmallStr = spec.name.into();
    let mut problems = Vec::new();
    let mut dates = Vec::new();
    let mut money = Vec::new();
    let mut numbers = Vec::new();
    let mut texts: Option<StringChunked> = None;
    for (slot, offset) in slots.into_iter().zip(offsets) {
        problems.extend(slot.problems.into_iter().map(|mut p| {
            p.index += offset;
            p
        }));
        match slot.buf {
            Buf::Date(v, _) => dates.push(v),
            Buf::Money(v) => money.push(v),
            Buf::Number(v) => numbers.push(v),
            Buf::Text(b) => {
                let ca = b.finish();
                match &mut texts {
                    None => texts = Some(ca),
                    Some(t) => t.append_owned(ca).expect("row count within polars' limit"),
                }
            }
        }
    }
    let col = match spec.kind {
        Kind::Date | Kind::Period => {
            Int32Chunked::from_iter_options(name, dates.into_iter().flatten())
                .into_date()
                .into_column()
        }
        Kind::Money => {
            Int64Chunked::from_iter_options(name, money.into_iter().flatten()).into_column()
        }
        Kind::Number => {
            Float64Chunked::from_iter_options(name, numbers.into_iter().flatten()).into_column()
        }
        _ => texts
            .map(|t| t.rechunk().into_owned())
            .unwrap_or_else(|| StringChunked::full_null(name.clone(), 0))
            .with_name(name)
            .into_column(),
    };
    (col, problems)
}

/// Size of the pieces a body of `len` bytes is typed in: a few per
/// thread, 1 to 16 MiB.
pub(super) fn piece_size(len: usize) -> usize {
    (len / (rayon::current_num_threads() * 4)).clamp(1 << 20, 16 << 20)
}

/// Type a plain CSV body (see the module) in pieces of about `piece_bytes`;
/// `done` is given each piece once it is typed (the caller may let its
/// bytes go). `None`: not plain after all, or the headers do not match
/// (the general path gives the error).
pub(super) fn type_plain(
    kind: TableKind,
    path: &Path,
    headers: &[String],
    body: &str,
    aliases: &Aliases,
    opts: &LoadOptions,
    piece_bytes: usize,
    done: &(dyn Fn(&str) + Sync),
) -> Option<Result<(DataFrame, Vec<LoadIssue>, Vec<String>)>> {
    let (found, extra): (BTreeMap<&'static str, (usize, String)>, Vec<String>) =
        match_headers(kind, path, headers, aliases).ok()?;
    let n = headers.len();
    if n < 2 {
        return None;
    }
    let specs: Vec<&'static ColumnSpec> = kind
        .columns()
        .iter()
        .filter(|s| found.contains_key(s.name))
        .collect();
    let mut target = vec![None; n];
    for (k, spec) in specs.iter().enumerate() {
        target[found[spec.name].0] = Some(k);
    }
    let parsed: Option<Vec<(usize, Vec<Slot>)>> = pieces(body, piece_bytes.max(1))
        .into_par_iter()
        .map(|piece| {
            let typed = parse_piece(piece, n, &target, &specs);
            done(piece);
            typed
        })
        .collect();
    let parsed = parsed?;
    let mut offsets = Vec::with_capacity(parsed.len());
    let mut height = 0;
    let mut by_column: Vec<Vec<Slot>> = specs.iter().map(|_| Vec::new()).collect();
    for (rows, slots) in parsed {
        offsets.push(height);
        height += rows;
        for (k, slot) in slots.into_iter().enumerate() {
            by_column[k].push(slot);
        }
    }
    let mut joined: Vec<Option<(Column, Vec<CellProblem>)>> = by_column
        .into_par_iter()
        .zip(specs.par_iter())
        .map(|(slots, spec)| Some(join_column(spec, slots, &offsets)))
        .collect();
    let results: Vec<(Column, Vec<CellProblem>)> = kind
        .columns()
        .iter()
        .map(
            |spec| match specs.iter().position(|s| s.name == spec.name) {
                Some(k) => joined[k].take().expect("each column joined once"),
                None => (null_column(spec, height), vec![]),
            },
        )
        .collect();
    Some(
        assemble(kind, path, &found, results, height, None, opts)
            .map(|(frame, issues)| (frame, issues, extra)),
    )
}
