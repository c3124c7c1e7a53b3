//! Text columns to typed ones (data contract §3): each column is
//! normalised on its own thread, a clean text column is kept as read
//! without a copy, and bad cells become errors or (with `lenient`) load
//! issues that name file, row, column and value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::headers::match_headers;
use super::id_number::{self, IdParse};
use super::office::{
    Dropped, Layout, MoneyColumn, NonData, RowClassifier, RowCode, TotalCheck, check_totals,
};
use super::read::RawTable;
use super::{
    Aliases, ColumnSpec, IssueKind, Kind, LoadIssue, LoadOptions, ROW, TableKind, normalize,
};
use crate::error::{Error, Result, ValueError};
use crate::text;

/// Match headers to the contract's columns and normalise each column.
pub(super) fn type_table(
    kind: TableKind,
    path: &Path,
    raw: RawTable,
    aliases: &Aliases,
    opts: &LoadOptions,
) -> Result<Typed> {
    let (found, extra) = match_headers(kind, path, &raw.headers, aliases)?;
    let height = raw.frame.height();
    // The raw columns stay readable (shared, not copied) until the rows
    // that failed to type have been told apart from data (a 合计 row).
    let all_raw: Vec<Column> = raw.frame.columns().to_vec();
    // Each raw column goes to the one contract column it feeds (columns
    // no contract column claims are dropped now).
    let mut raw_columns: Vec<Option<Column>> =
        raw.frame.into_columns().into_iter().map(Some).collect();
    let work: Vec<(&ColumnSpec, Option<Column>)> = kind
        .columns()
        .iter()
        .map(|spec| {
            let src = found
                .get(spec.name)
                .and_then(|(i, _)| raw_columns.get_mut(*i).and_then(Option::take));
            (spec, src)
        })
        .collect();
    drop(raw_columns);
    let results: Vec<(Column, Vec<CellProblem>)> = work
        .into_par_iter()
        .map(|(spec, src)| match src {
            Some(src) => {
                let src = src.str().expect("raw columns are text");
                normalise_column(spec, src)
            }
            None => (null_column(spec, height), vec![]),
        })
        .collect();
    let cells = |idx: &[usize]| -> Vec<Vec<String>> {
        idx.iter()
            .map(|&i| {
                all_raw
                    .iter()
                    .map(|c| {
                        c.str()
                            .ok()
                            .and_then(|s| s.get(i))
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect()
            })
            .collect()
    };
    let mut layout = raw.layout;
    let sheets = layout
        .as_ref()
        .map(|l| l.sheets.clone())
        .unwrap_or_default();
    let wan_columns = layout
        .as_ref()
        .map(|l| l.wan_yuan_columns.clone())
        .unwrap_or_default();
    let rows = Rows {
        codes: raw.rows,
        headers: &raw.headers,
        cells: &cells,
        sheets: &sheets,
        classified: false,
        wan_columns: &wan_columns,
    };
    let (frame, issues, cleanup) = assemble(kind, path, &found, results, height, rows, opts)?;
    drop(all_raw);
    cleanup.record(&mut layout);
    Ok((frame, issues, extra, layout))
}

/// A typed table: frame, load issues, headers no column claims, and the
/// layout found around it.
pub(super) type Typed = (DataFrame, Vec<LoadIssue>, Vec<String>, Option<Layout>);

/// The rows of a table being assembled, as the file has them.
pub(super) struct Rows<'a> {
    /// `__row` of each row (see `office::RowCode`); `None`: row i is file row i + 2.
    pub codes: Option<Vec<u32>>,
    /// The headers as read, in the file's column order.
    pub headers: &'a [String],
    /// The cells of some rows (sorted indices), in the file's column order.
    pub cells: &'a (dyn Fn(&[usize]) -> Vec<Vec<String>> + Sync),
    /// Sheet names, by ordinal − 1.
    pub sheets: &'a [String],
    /// The rows that are not data were cut out already (the plain path).
    pub classified: bool,
    /// Headers of the money columns written in 万元.
    pub wan_columns: &'a [String],
}

/// Rows dropped as not data, and the totals checked.
#[derive(Default)]
pub(super) struct Cleanup {
    pub(super) dropped: Dropped,
    pub(super) totals_checked: usize,
    pub(super) totals: Vec<TotalCheck>,
}

impl Cleanup {
    /// Into the table's layout (made when there is something to say).
    pub(super) fn record(self, layout: &mut Option<Layout>) {
        if self.dropped.total_rows() == 0 && self.totals_checked == 0 && layout.is_none() {
            return;
        }
        let l = layout.get_or_insert_with(|| Layout {
            header_rows: vec![1],
            ..Layout::default()
        });
        let blank = l.dropped.blank;
        l.dropped = self.dropped;
        l.dropped.blank += blank;
        l.totals_checked = self.totals_checked;
        l.totals_disagreeing = self.totals;
    }
}

/// The label a non-data row is known by: the cell that says 合计, or its
/// first non-blank cell.
fn label_of(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| c.trim())
        .find(|c| c.contains('计'))
        .or_else(|| cells.iter().map(|c| c.trim()).find(|c| !c.is_empty()))
        .unwrap_or("")
        .to_string()
}

/// Which rows that failed to type are not data (blank, a repeated header,
/// a 合计 row, a footer), with their kind and label; `problems` are each
/// column's cell problems, `cells` reads rows again.
pub(super) fn not_data<'p>(
    problems: impl Iterator<Item = &'p [CellProblem]>,
    headers: &[String],
    cells: &(dyn Fn(&[usize]) -> Vec<Vec<String>> + Sync),
) -> BTreeMap<usize, (NonData, String)> {
    // A row that is not data blanks or garbles a column that is not an id
    // (a 合计 row leaves the voucher or id blank): a row whose only problem
    // is an id number (a load issue) is data, and is not read again.
    let mut failed: Vec<usize> = problems
        .flat_map(|ps| ps.iter().filter(|p| p.issue.is_none()).map(|p| p.index))
        .collect();
    if failed.is_empty() {
        return BTreeMap::new();
    }
    failed.sort_unstable();
    failed.dedup();
    let cells = cells(&failed);
    let mut classifier = RowClassifier::new(headers);
    failed
        .iter()
        .zip(cells)
        .filter_map(|(&i, c)| {
            let refs: Vec<&str> = c.iter().map(String::as_str).collect();
            classifier.classify(&refs).map(|k| (i, (k, label_of(&c))))
        })
        .collect()
}

/// The typed columns (in the contract's order) and their cell problems
/// into the table: rows that failed to type and are not data (a 合计 row)
/// are dropped and counted, and their totals checked; bad values are an
/// error (the first five, by row) or, with `lenient`, load issues; `__row`
/// is added.
pub(super) fn assemble(
    kind: TableKind,
    path: &Path,
    found: &BTreeMap<&'static str, (usize, String)>,
    results: Vec<(Column, Vec<CellProblem>)>,
    height: usize,
    rows: Rows,
    opts: &LoadOptions,
) -> Result<(DataFrame, Vec<LoadIssue>, Cleanup)> {
    let labels = if rows.classified {
        BTreeMap::new()
    } else {
        not_data(
            results.iter().map(|(_, p)| p.as_slice()),
            rows.headers,
            rows.cells,
        )
    };
    let raw_rows = &rows.codes;
    let file_row = |i: usize| -> usize {
        match raw_rows {
            Some(r) => r[i] as usize,
            None => i + 2,
        }
    };
    let cite = |i: usize| -> (Option<String>, usize) {
        let code = RowCode(file_row(i) as u32);
        let sheet = (code.sheet() > 0)
            .then(|| rows.sheets.get(code.sheet() as usize - 1).cloned())
            .flatten();
        (sheet, code.row() as usize)
    };
    let mut columns = Vec::with_capacity(results.len() + 1);
    let mut errors = Vec::new();
    let mut issue_cells = Vec::new();
    for (spec, (col, problems)) in kind.columns().iter().zip(results) {
        let header = found
            .get(spec.name)
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        for p in problems
            .into_iter()
            .filter(|p| !labels.contains_key(&p.index))
        {
            let (sheet, row) = cite(p.index);
            let e = ValueError {
                row,
                sheet,
                column: spec.name.to_string(),
                header: header.clone(),
                value: p.value,
                reason: p.reason,
            };
            match p.issue {
                Some(k) => issue_cells.push((p.index, e, k)),
                None if opts.lenient => issue_cells.push((p.index, e, IssueKind::BadValue)),
                None => errors.push(e),
            }
        }
        columns.push(col);
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        let total = errors.len();
        errors.truncate(5);
        return Err(Error::BadValues {
            path: path.to_path_buf(),
            total,
            first: errors,
        });
    }
    let codes: Vec<u32> = (0..height).map(|i| file_row(i) as u32).collect();
    let mut cleanup = Cleanup::default();
    for (k, _) in labels.values() {
        cleanup.dropped.add(*k);
    }
    // A shard holds some villages' rows: a 合计 over the whole street
    // cannot be checked against them.
    if !labels.is_empty() && opts.villages.is_none() {
        (cleanup.totals_checked, cleanup.totals) =
            table_totals(kind, found, &columns, &rows, &labels, &codes);
    }
    let keep: Option<BooleanChunked> =
        (!labels.is_empty()).then(|| (0..height).map(|i| !labels.contains_key(&i)).collect());
    columns.push(Column::new(ROW.into(), codes));
    let mut frame = DataFrame::new(height, columns).map_err(|e| Error::format(path, e))?;

    let villages = frame
        .column("village_code")
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let issues = issue_cells
        .into_iter()
        .map(|(idx, e, kind_)| LoadIssue {
            table: kind,
            path: path.to_path_buf(),
            row: file_row(idx),
            column: e.column,
            value: e.value,
            reason: e.reason,
            kind: kind_,
            village_code: villages
                .as_ref()
                .and_then(|v| v.get(idx).map(str::to_string)),
        })
        .collect();
    if let Some(keep) = keep {
        // All columns at once, in parallel: the copy raises the load's peak
        // (2,000 villages: +180 MB) but not the scan's, which the rules set.
        frame = frame.filter(&keep).map_err(|e| Error::format(path, e))?;
    }
    Ok((frame, issues, cleanup))
}

/// The form's 小计/合计 rows checked against the rows they total, on the
/// table's money columns (in 万元 where the form wrote them so).
fn table_totals(
    kind: TableKind,
    found: &BTreeMap<&'static str, (usize, String)>,
    columns: &[Column],
    rows: &Rows,
    labels: &BTreeMap<usize, (NonData, String)>,
    codes: &[u32],
) -> (usize, Vec<TotalCheck>) {
    let money: Vec<(&ColumnSpec, Vec<Option<i64>>)> = kind
        .columns()
        .iter()
        .zip(columns)
        .filter(|(s, _)| s.kind == Kind::Money && found.contains_key(s.name))
        .filter_map(|(s, c)| Some((s, c.i64().ok()?.iter().collect())))
        .collect();
    let money: Vec<MoneyColumn> = money
        .iter()
        .map(|(s, values)| {
            let header = found.get(s.name).map_or(s.name, |(_, h)| h.as_str());
            MoneyColumn {
                name: s.name,
                header,
                values,
                wan: rows.wan_columns.iter().any(|w| w == header),
            }
        })
        .collect();
    let village_col = kind
        .columns()
        .iter()
        .position(|s| s.name == "village_code")
        .and_then(|k| columns[k].str().ok());
    let village_of = |i: usize| village_col.and_then(|v| v.get(i)).map(str::to_string);
    let sheet = |ord: u32| {
        (ord > 0)
            .then(|| rows.sheets.get(ord as usize - 1).cloned())
            .flatten()
    };
    check_totals(labels, &money, &village_of, codes, &sheet)
}

/// A cell's text, or `None` when it is blank (spaces, U+3000 and BOMs only).
pub(super) fn blank(v: Option<&str>) -> Option<&str> {
    let s = v?;
    // The usual cell, decided on its first and last bytes: no pad character
    // (all have a suspect lead byte) at either end.
    let b = s.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    let end_ok = |lead: u8| {
        if lead < 0x80 {
            !text::ascii_space(lead)
        } else {
            lead >= 0xC0 && !text::suspect_lead(lead)
        }
    };
    let last_lead = if last < 0x80 {
        last
    } else {
        b[b.len().saturating_sub(4)..]
            .iter()
            .rev()
            .copied()
            .find(|c| c & 0xC0 != 0x80)
            .unwrap_or(0x80)
    };
    if end_ok(first) && end_ok(last_lead) {
        return Some(s);
    }
    let pad = |c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}';
    match (s.chars().next(), s.chars().next_back()) {
        (None, _) => None,
        // The usual cell: nothing to trim.
        (Some(a), Some(z)) if !pad(a) && !pad(z) => Some(s),
        _ => Some(s.trim_matches(pad)).filter(|t| !t.is_empty()),
    }
}

pub(super) struct CellProblem {
    pub(super) index: usize,
    pub(super) value: String,
    pub(super) reason: String,
    /// A data-quality finding, not an error.
    pub(super) issue: Option<IssueKind>,
    /// Where the cell's text is in memory (the plain path: in the file's
    /// mapped bytes), so that its row can be read again without reading
    /// the rows before it; 0 when unknown.
    pub(super) at: usize,
}

fn dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Date | Kind::Period => DataType::Date,
        Kind::Money => DataType::Int64,
        Kind::Number => DataType::Float64,
        _ => DataType::String,
    }
}

pub(super) fn null_column(spec: &ColumnSpec, height: usize) -> Column {
    Column::full_null(spec.name.into(), height, &dtype(spec.kind))
}

/// Normalise one column of raw text to its typed form.
fn normalise_column(spec: &ColumnSpec, src: &StringChunked) -> (Column, Vec<CellProblem>) {
    let mut problems = Vec::new();
    let name: PlSmallStr = spec.name.into();
    let mut bad = |index: usize, value: &str, reason: String, issue: Option<IssueKind>| {
        problems.push(CellProblem {
            index,
            value: value.to_string(),
            reason,
            issue,
            at: 0,
        });
    };
    // A NUL byte in a cell is damage (a binary or cut file), not text: the
    // cell is a bad value (an error, or null and a load issue with --lenient).
    let cleaned;
    let mut had_nul = vec![];
    let src = if src.iter().any(|v| v.is_some_and(|s| s.contains('\0'))) {
        had_nul = vec![false; src.len()];
        let mut out: Vec<Option<&str>> = Vec::with_capacity(src.len());
        for (i, v) in src.iter().enumerate() {
            match v {
                Some(s) if s.contains('\0') => {
                    had_nul[i] = true;
                    bad(
                        i,
                        &s.replace('\0', "\\0"),
                        "NUL byte in the value (damaged file, or UTF-16 saved wrongly?)".into(),
                        None,
                    );
                    out.push(None);
                }
                v => out.push(v),
            }
        }
        cleaned = StringChunked::from_iter_options(src.name().clone(), out.into_iter());
        &cleaned
    } else {
        src
    };
    let required_blank = |i: usize| spec.non_empty && !had_nul.get(i).copied().unwrap_or(false);
    macro_rules! typed {
        ($parse:expr, $ty:ty) => {{
            let mut out: Vec<Option<$ty>> = Vec::with_capacity(src.len());
            for (i, v) in src.iter().enumerate() {
                match blank(v) {
                    None => {
                        if required_blank(i) {
                            bad(i, "", "empty value in a required column".into(), None);
                        }
                        out.push(None);
                    }
                    Some(s) => match $parse(s) {
                        Ok(x) => out.push(Some(x)),
                        Err(reason) => {
                            bad(i, s, reason, None);
                            out.push(None);
                        }
                    },
                }
            }
            out
        }};
    }
    let col = match spec.kind {
        Kind::Date | Kind::Period => {
            let f = if spec.kind == Kind::Date {
                normalize::parse_date
            } else {
                normalize::parse_period
            };
            let v = typed!(|s| f(s).map(normalize::to_epoch_days), i32);
            Int32Chunked::from_iter_options(name, v.into_iter())
                .into_date()
                .into_column()
        }
        Kind::Money => {
            let v = typed!(normalize::parse_amount_fen, i64);
            Int64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::Number => {
            let v = typed!(normalize::parse_number, f64);
            Float64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::IdNumber
        | Kind::PartyId
        | Kind::Direction
        | Kind::VillageCode
        | Kind::Digits
        | Kind::Text
        | Kind::Name
        | Kind::Code => text_column(spec, src, &required_blank, &mut bad, |s, bad| {
            text_value(spec.kind, s, bad)
        }),
    };
    (col, problems)
}

/// The value a text column keeps for one non-blank cell (`None`: null),
/// borrowed from the cell when it is already in normal form; `bad` is told
/// of a problem with it.
pub(super) fn text_value<'a>(
    kind: Kind,
    s: &'a str,
    bad: &mut dyn FnMut(&str, String, Option<IssueKind>),
) -> Option<Cow<'a, str>> {
    match kind {
        Kind::IdNumber => {
            // Fast path: 18 characters as they should be.
            let b = s.as_bytes();
            let id: Cow<'_, str> = if b.len() == 18
                && b[..17].iter().all(u8::is_ascii_digit)
                && (b[17].is_ascii_digit() || b[17] == b'X')
            {
                Cow::Borrowed(s)
            } else {
                match id_number::parse_id(s) {
                    IdParse::Id(id) => Cow::Owned(id),
                    IdParse::ExcelMangled => {
                        bad(
                            s,
                            "id number mangled by Excel (scientific notation); digits lost".into(),
                            Some(IssueKind::ExcelMangledId),
                        );
                        return None;
                    }
                    IdParse::Malformed if let Some(d) = id_number::other_document(s) => {
                        let reason = id_number::other_document_reason(d);
                        bad(s, reason, Some(IssueKind::OtherDocument));
                        return None;
                    }
                    // Kept (cleaned) so that it still matches itself elsewhere.
                    IdParse::Malformed => {
                        bad(
                            s,
                            "not an 18- or 15-character id number".into(),
                            Some(IssueKind::InvalidId),
                        );
                        return Some(Cow::Owned(text::clean_code(s)));
                    }
                }
            };
            match id_number::id_problem(&id) {
                Some(id_number::IdProblem::BadCheck { expected }) => bad(
                    s,
                    format!("check character should be {expected} (GB 11643)"),
                    Some(IssueKind::InvalidId),
                ),
                Some(id_number::IdProblem::ImpossibleBirthDate) => bad(
                    s,
                    "impossible birth date".into(),
                    Some(IssueKind::InvalidId),
                ),
                None => {}
            }
            Some(id)
        }
        Kind::PartyId => id_number::party_cell(s, bad),
        Kind::Direction => match normalize::parse_direction(s) {
            // The cell itself when it is already the canonical word.
            Ok(d) if d == s => Some(Cow::Borrowed(s)),
            Ok(d) => Some(Cow::Borrowed(d)),
            Err(reason) => {
                bad(s, reason, None);
                None
            }
        },
        Kind::VillageCode => {
            if text::is_all_digits(s) {
                return Some(Cow::Borrowed(s));
            }
            match normalize::clean_village_code(s) {
                Ok(v) => Some(Cow::Owned(v)),
                Err(reason) => {
                    bad(s, reason, None);
                    None
                }
            }
        }
        Kind::Digits => {
            if text::is_all_digits(s) {
                return Some(Cow::Borrowed(s));
            }
            match normalize::clean_account(s) {
                Ok(v) if v.is_empty() => None,
                Ok(v) => Some(Cow::Owned(v)),
                Err(reason) => {
                    bad(s, reason, None);
                    None
                }
            }
        }
        _ => {
            type Cleaner = (fn(&str) -> bool, fn(&str) -> String);
            let (is_clean, clean): Cleaner = match kind {
                Kind::Text => (text::is_clean_text, text::clean_text),
                Kind::Name => (text::is_clean_name, text::clean_name),
                _ => (text::is_clean_code, text::clean_code),
            };
            Some(if is_clean(s) {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(clean(s))
            })
        }
    }
}

/// A text column cell by cell: `f` gets the non-blank cell and a way to
/// report a problem with it, and returns the value to keep (`None`: null).
///
/// Cells are only copied from the first one that changes; a column in which
/// no cell changes (the usual case for a clean export) is the raw column
/// itself, renamed, without a copy.
fn text_column<'a, B, F>(
    spec: &ColumnSpec,
    src: &'a StringChunked,
    required: &dyn Fn(usize) -> bool,
    bad: &mut B,
    mut f: F,
) -> Column
where
    B: FnMut(usize, &str, String, Option<IssueKind>),
    F: FnMut(&'a str, &mut dyn FnMut(&str, String, Option<IssueKind>)) -> Option<Cow<'a, str>>,
{
    let name: PlSmallStr = spec.name.into();
    let mut out: Option<StringChunkedBuilder> = None;
    for (i, v) in src.iter().enumerate() {
        let value: Option<Cow<'a, str>> = match blank(v) {
            None => {
                if required(i) {
                    bad(i, "", "empty value in a required column".into(), None);
                }
                None
            }
            Some(s) => f(s, &mut |value, reason, issue| bad(i, value, reason, issue)),
        };
        if out.is_none() {
            // Still the raw cell? (borrowed from it and just as long)
            let same = match (&value, v) {
                (None, None) => true,
                (Some(Cow::Borrowed(x)), Some(v)) => {
                    std::ptr::eq(x.as_ptr(), v.as_ptr()) && x.len() == v.len()
                }
                _ => false,
            };
            if same {
                continue;
            }
            let mut b = StringChunkedBuilder::new(name.clone(), src.len());
            for earlier in src.iter().take(i) {
                match earlier {
                    Some(e) => b.append_value(e),
                    None => b.append_null(),
                }
            }
            out = Some(b);
        }
        let b = out.as_mut().expect("builder made above");
        match value {
            Some(x) => b.append_value(&*x),
            None => b.append_null(),
        }
    }
    match out {
        Some(b) => b.finish().into_column(),
        None => src
            .clone()
            .with_name(name)
            .rechunk()
            .into_owned()
            .into_column(),
    }
}

#[cfg(test)]
pub(super) mod tests;
