//! A plain CSV body (see [`read::plain_csv`]: UTF-8, no quote or NUL byte,
//! LF or CRLF line ends) typed in one parallel pass over its bytes: pieces of
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

use std::path::Path;

use std::mem::MaybeUninit;

use memchr::{memchr, memchr2_iter};
use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;
use rayon::prelude::*;

use super::headers::match_headers;
use super::typing::{CellProblem, assemble, blank, null_column, text_value};
use super::{
    Aliases, ColumnSpec, Kind, LoadIssue, LoadOptions, TableKind, dictionary, normalize, read,
};
use crate::error::Result;

/// One typed column of a whole table, written in place by the pieces:
/// values (a text cell's 16-byte view) and validity, one per row.
enum Out {
    Date(Vec<i32>),
    Money(Vec<i64>),
    Number(Vec<f64>),
    /// Views not yet written (each piece writes every one of its rows);
    /// view `i` of piece `k` points into buffer `k`.
    Text(Vec<View>),
    /// A dictionary-coded column (`dictionary::ENCODED`): each piece's
    /// own codes, made global once every piece is typed.
    Coded(Vec<u32>),
}

/// The distinct values of a coded column one piece met, in the order it
/// met them; a value's local code is its index.
#[derive(Default)]
struct LocalDict {
    codes: PlHashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl LocalDict {
    #[inline]
    fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.codes.get(s) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(s.into());
        self.codes.insert(s.into(), c);
        c
    }
}

/// What a piece leaves for one column besides the values it wrote.
enum PieceOut {
    /// Its buffer of long strings, and the byte count of its strings.
    Text(Vec<u8>, usize),
    /// Its dictionary's values, by local code.
    Coded(Vec<Box<str>>),
    None,
}

/// A piece's rows of one column.
enum Part<'a> {
    Date(&'a mut [i32]),
    Money(&'a mut [i64]),
    Number(&'a mut [f64]),
    /// The views, the buffer of long strings, the bytes of all strings.
    Text(&'a mut [MaybeUninit<View>], Vec<u8>, usize),
    Coded(&'a mut [u32], LocalDict),
}

struct Slot<'a> {
    spec: &'static ColumnSpec,
    part: Part<'a>,
    valid: &'a mut [bool],
    /// Index of the piece: the buffer its long strings go to.
    piece: u32,
    /// Row indexes within the piece.
    problems: Vec<CellProblem>,
    /// The piece's long strings outgrew a buffer a view can point into.
    overflow: bool,
    /// The last cell typed found no problem: a next cell equal to it
    /// (rows of one person, one date, one program) takes its value.
    repeatable: bool,
}

impl Slot<'_> {
    /// Row `row` of the piece from one cell as polars' reader gives it (an
    /// empty field is null), typed as `normalise_column` types it.
    #[inline]
    fn set(&mut self, cell: &str, row: usize) {
        let before = self.problems.len();
        self.type_cell(cell, row);
        self.repeatable = self.problems.len() == before && !self.overflow;
    }

    /// Row `row` of the piece as row `row - 1`, when the cell is the one
    /// [`Slot::set`] typed there and found no problem in; `false` (nothing
    /// written) otherwise. A long string's view points at the bytes the
    /// row before appended: they are not appended again.
    #[inline]
    fn repeat(&mut self, row: usize) -> bool {
        if !self.repeatable || row == 0 {
            return false;
        }
        self.valid[row] = self.valid[row - 1];
        match &mut self.part {
            Part::Date(v) => v[row] = v[row - 1],
            Part::Money(v) => v[row] = v[row - 1],
            Part::Number(v) => v[row] = v[row - 1],
            Part::Coded(v, _) => v[row] = v[row - 1],
            Part::Text(views, _, total) => {
                // SAFETY: `set` wrote view `row - 1` (every path of it
                // writes the row's view).
                let view = unsafe { views[row - 1].assume_init_read() };
                *total += view.length as usize;
                views[row].write(view);
            }
        }
        true
    }

    #[inline]
    fn type_cell(&mut self, cell: &str, row: usize) {
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
            // Validity stays false; a null's view is the empty view.
            if let Part::Text(views, _, _) = &mut self.part {
                views[row].write(View::default());
            }
            return;
        };
        fn typed<T>(
            out: &mut T,
            valid: &mut bool,
            r: std::result::Result<T, String>,
            s: &str,
            bad: &mut dyn FnMut(&str, String, Option<IssueKind>),
        ) {
            match r {
                Ok(x) => {
                    *out = x;
                    *valid = true;
                }
                Err(reason) => bad(s, reason, None),
            }
        }
        let valid = &mut self.valid[row];
        match &mut self.part {
            Part::Date(v) => {
                let r = if self.spec.kind == Kind::Date {
                    normalize::parse_date(s)
                } else {
                    normalize::parse_period(s)
                };
                typed(
                    &mut v[row],
                    valid,
                    r.map(normalize::to_epoch_days),
                    s,
                    &mut bad,
                )
            }
            Part::Money(v) => typed(
                &mut v[row],
                valid,
                normalize::parse_amount_fen(s),
                s,
                &mut bad,
            ),
            Part::Number(v) => typed(&mut v[row], valid, normalize::parse_number(s), s, &mut bad),
            Part::Text(views, buf, total) => {
                let view = match text_value(self.spec.kind, s, &mut bad) {
                    Some(x) => {
                        *valid = true;
                        let b = x.as_bytes();
                        *total += b.len();
                        if b.len() <= View::MAX_INLINE_SIZE as usize {
                            View::new_inline(b)
                        } else if buf.len() + b.len() > u32::MAX as usize {
                            // A view's offset is 32 bits: a piece this
                            // large takes the general path.
                            self.overflow = true;
                            View::default()
                        } else {
                            let offset = buf.len() as u32;
                            buf.extend_from_slice(b);
                            View::new_from_bytes(b, self.piece, offset)
                        }
                    }
                    None => View::default(),
                };
                views[row].write(view);
            }
            Part::Coded(codes, dict) => {
                if let Some(x) = text_value(self.spec.kind, s, &mut bad) {
                    *valid = true;
                    codes[row] = dict.code(&x);
                }
            }
        }
    }
}

use super::IssueKind;

/// How many times byte `c` occurs in `b`: counted in blocks of 255 bytes,
/// so that a block's count fits a byte and the comparison runs 32 bytes at
/// a time.
fn count_byte(b: &[u8], c: u8) -> usize {
    b.chunks(255)
        .map(|block| block.iter().map(|&x| u8::from(x == c)).sum::<u8>() as usize)
        .sum()
}

/// Records in a piece: its newlines, and a last record without one.
fn count_records(piece: &str) -> usize {
    let b = piece.as_bytes();
    count_byte(b, b'\n') + usize::from(b.last().is_some_and(|&c| c != b'\n'))
}

/// Type the records of `text` (whole records, each ending in a newline
/// except perhaps the body's last) into rows `row0..` of `slots`. `target[j]`
/// is the slot raw column `j` feeds, if any. The number of records typed, or
/// `None` when a record has not exactly `n` fields.
fn parse_piece(
    text: &str,
    n: usize,
    target: &[Option<usize>],
    slots: &mut [Slot],
    row0: usize,
) -> Option<usize> {
    let b = text.as_bytes();
    let (mut row, mut j, mut start) = (row0, 0usize, 0usize);
    let last = n - 1;
    // Each slot's last cell: rows of one person, date or program repeat
    // most cells of the row before, which are then not typed again.
    let mut prev: Vec<Option<&str>> = vec![None; slots.len()];
    for p in memchr2_iter(b',', b'\n', b) {
        let newline = b[p] == b'\n';
        if newline != (j == last) {
            return None;
        }
        if let Some(t) = target[j] {
            // The last field of a CRLF record ends before the CR.
            let end = if newline && p > start && b[p - 1] == b'\r' {
                p - 1
            } else {
                p
            };
            put(slots, &mut prev, t, &text[start..end], row);
        }
        if newline {
            row += 1;
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
            put(slots, &mut prev, t, &text[start..], row);
        }
        row += 1;
    } else if j != 0 {
        return None;
    }
    slots.iter().all(|s| !s.overflow).then_some(row - row0)
}

/// Row `row` of slot `t` from `cell`: the row above's value when the cell
/// is the one typed there (`prev[t]`) without a problem, else typed.
#[inline(always)]
fn put<'t>(slots: &mut [Slot], prev: &mut [Option<&'t str>], t: usize, cell: &'t str, row: usize) {
    if !prev[t].is_some_and(|p| same_cell(p.as_bytes(), cell.as_bytes())) || !slots[t].repeat(row) {
        slots[t].set(cell, row);
        prev[t] = Some(cell);
    }
}

/// Whether two cells are equal, comparing the first and last 8 bytes
/// inline before calling `memcmp`: cells of a column mostly have one
/// length (id numbers, accounts, dates), so the length alone rarely tells,
/// and the call cost more than the compare (0.28 cpu-s at 2,000 villages).
#[inline(always)]
fn same_cell(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a == b;
    }
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8) && (n <= 16 || a == b)
}

/// The rows of one shard (`--villages`): the raw column holding the
/// village code, and whether a cell of it (`None`: empty) is kept.
pub(super) struct Shard<'a> {
    pub column: usize,
    pub keep: &'a (dyn Fn(Option<&str>) -> bool + Sync),
}

/// Consecutive records of a piece that are typed: bytes `start..end` of
/// the piece, records `first..first + records` of it.
struct Run {
    start: usize,
    end: usize,
    first: usize,
    records: usize,
}

/// The records of a piece, and the runs of them that `shard` keeps. Every
/// record is checked to have exactly `n` fields (`None` if not), kept or
/// not, so that a file takes the plain path for a shard exactly when it
/// does for a whole load. A record is kept by its village cell alone: the
/// cells of the records dropped are never read.
fn select(piece: &str, n: usize, shard: &Shard) -> Option<(usize, Vec<Run>)> {
    let b = piece.as_bytes();
    let mut runs = Vec::new();
    let (mut start, mut records) = (0usize, 0usize);
    // The run being extended: its first byte and record.
    let mut open: Option<(usize, usize)> = None;
    while start < b.len() {
        let end = memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k + 1);
        let line = &b[start..end];
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if count_byte(line, b',') != n - 1 {
            return None;
        }
        let mut a = 0;
        for _ in 0..shard.column {
            a += memchr(b',', &line[a..])? + 1;
        }
        let mut e = memchr(b',', &line[a..]).map_or(line.len(), |k| a + k);
        if e == line.len() && e > a && line[e - 1] == b'\r' {
            // The last field of a CRLF record ends before the CR.
            e -= 1;
        }
        let cell = &piece[start + a..start + e];
        if (shard.keep)(Some(cell).filter(|c| !c.is_empty())) {
            open.get_or_insert((start, records));
        } else if let Some((s, first)) = open.take() {
            runs.push(Run {
                start: s,
                end: start,
                first,
                records: records - first,
            });
        }
        records += 1;
        start = end;
    }
    if let Some((s, first)) = open {
        runs.push(Run {
            start: s,
            end: b.len(),
            first,
            records: records - first,
        });
    }
    Some((records, runs))
}

/// Pieces of about `size` bytes, each ending just after a newline (the
/// last at the end of the body).
fn pieces(body: &str, size: usize) -> Vec<&str> {
    read::line_blocks(body.as_bytes(), size)
        .map(|r| &body[r])
        .collect()
}

/// A typed column of the whole table from what the pieces wrote. A coded
/// column's codes are global already (`global_codes`).
fn finish_column(
    spec: &ColumnSpec,
    out: Out,
    valid: Vec<bool>,
    parts: Vec<PieceOut>,
    coded: &DataType,
) -> Column {
    let name: PlSmallStr = spec.name.into();
    let validity = valid
        .contains(&false)
        .then(|| Bitmap::from_iter(valid.iter().copied()));
    match out {
        Out::Date(v) => Int32Chunked::from_vec_validity(name, v, validity)
            .into_date()
            .into_column(),
        Out::Money(v) => Int64Chunked::from_vec_validity(name, v, validity).into_column(),
        Out::Number(v) => Float64Chunked::from_vec_validity(name, v, validity).into_column(),
        Out::Coded(codes) => {
            let codes = UInt32Chunked::from_vec_validity(name, codes, validity);
            // SAFETY: every valid code is one the mapping of `coded` gave
            // (`global_codes`), and the global categories are 32-bit.
            unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(codes, coded.clone()) }
                .into_column()
        }
        Out::Text(views) => {
            let buffers: Vec<(Vec<u8>, usize)> = parts
                .into_iter()
                .map(|p| match p {
                    PieceOut::Text(b, n) => (b, n),
                    _ => (Vec::new(), 0),
                })
                .collect();
            let total_buffer_len = buffers.iter().map(|(b, _)| b.len()).sum();
            let total_bytes_len = buffers.iter().map(|(_, n)| n).sum();
            let buffers: Vec<Buffer<u8>> = buffers.into_iter().map(|(b, _)| b.into()).collect();
            // SAFETY: every view is the empty view (a null), an inline
            // string, or a string that piece `k` appended to buffer `k`
            // at the view's offset (`Slot::set`); the strings are UTF-8
            // (slices of the validated body, or normalised text); the
            // validity has one bit per view.
            let arr = unsafe {
                Utf8ViewArray::new_unchecked(
                    ArrowDataType::Utf8View,
                    Buffer::from(views),
                    Buffer::from(buffers),
                    validity,
                    Some(total_bytes_len),
                    total_buffer_len,
                )
            };
            StringChunked::with_chunk(name, arr).into_column()
        }
    }
}

/// Turn a coded column's local codes into codes of polars' global
/// dictionary, piece by piece (`rows[k]` rows each). The values go into
/// the dictionary in the order the file has them, as a cast of the text
/// column would put them. A null's code is left as it is.
fn global_codes(
    codes: &mut [u32],
    parts: &[PieceOut],
    rows: &[usize],
    mapping: &CategoricalMapping,
) -> PolarsResult<()> {
    let mut rest = codes;
    for (part, &n) in parts.iter().zip(rows) {
        let (mine, after) = std::mem::take(&mut rest).split_at_mut(n);
        rest = after;
        let PieceOut::Coded(values) = part else {
            continue;
        };
        let global = values
            .iter()
            .map(|v| mapping.insert_cat(v))
            .collect::<PolarsResult<Vec<u32>>>()?;
        for c in mine {
            *c = global.get(*c as usize).copied().unwrap_or(0);
        }
    }
    Ok(())
}

/// A typed table: the frame, its load issues, the headers no contract
/// column claims.
pub(super) type TypedTable = (DataFrame, Vec<LoadIssue>, Vec<String>);

/// What the pieces left for one column, and its cell problems.
type ColumnParts = (Vec<PieceOut>, Vec<CellProblem>);

/// Size of the pieces a body of `len` bytes is typed in: a few per
/// thread, 1 to 16 MiB.
pub(super) fn piece_size(len: usize) -> usize {
    (len / (rayon::current_num_threads() * 4)).clamp(1 << 20, 16 << 20)
}

/// Type a plain CSV body (see the module) in pieces of about `piece_bytes`;
/// `done` is given the bytes of a piece once they are typed (or dropped by
/// the shard) and will not be read again (the caller may let them go).
/// With `shard`, only the rows it keeps become rows of the frame (each
/// with its file row in `__row`), and only their cells are typed: a bad
/// value in a row of another village is never seen, as on the general
/// path, which filters the raw rows before typing them. `None`: not plain
/// after all, or the headers do not match (the general path gives the
/// error).
#[allow(clippy::too_many_arguments)]
pub(super) fn type_plain(
    kind: TableKind,
    path: &Path,
    headers: &[String],
    body: &str,
    aliases: &Aliases,
    opts: &LoadOptions,
    piece_bytes: usize,
    shard: Option<&Shard>,
    done: &(dyn Fn(&str) + Sync),
) -> Option<Result<TypedTable>> {
    let (found, extra) = match_headers(kind, path, headers, aliases).ok()?;
    let n = headers.len();
    if n < 2 || shard.is_some_and(|s| s.column >= n) {
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
    let pieces = pieces(body, piece_bytes.max(1));
    // Each piece's records, and the runs of them that become rows.
    let selected: Option<Vec<(usize, Vec<Run>)>> = pieces
        .par_iter()
        .map(|p| match shard {
            None => {
                let records = count_records(p);
                let all = Run {
                    start: 0,
                    end: p.len(),
                    first: 0,
                    records,
                };
                Some((records, vec![all]))
            }
            Some(shard) => {
                let (records, runs) = select(p, n, shard)?;
                // The records dropped are read no more.
                let mut from = 0;
                for r in &runs {
                    if r.start > from {
                        done(&p[from..r.start]);
                    }
                    from = r.end;
                }
                if p.len() > from {
                    done(&p[from..]);
                }
                Some((records, runs))
            }
        })
        .collect();
    let selected = selected?;
    let counts: Vec<usize> = selected
        .iter()
        .map(|(_, runs)| runs.iter().map(|r| r.records).sum())
        .collect();
    let height: usize = counts.iter().sum();
    // The file row of each row kept (header = 1); a whole load's are i + 2.
    let file_rows: Option<Vec<u32>> = shard.map(|_| {
        let mut rows = Vec::with_capacity(height);
        let mut before = 2usize;
        for (records, runs) in &selected {
            for r in runs {
                let first = before + r.first;
                rows.extend((first..first + r.records).map(|x| x as u32));
            }
            before += records;
        }
        rows
    });
    // Every column of the table's rows, then each cut into the pieces' rows.
    let mut outs: Vec<(Out, Vec<bool>)> = specs
        .iter()
        .map(|spec| {
            let out = match spec.kind {
                Kind::Date | Kind::Period => Out::Date(vec![0; height]),
                Kind::Money => Out::Money(vec![0; height]),
                Kind::Number => Out::Number(vec![0.0; height]),
                _ if dictionary::is_encoded(kind, spec.name) => Out::Coded(vec![0; height]),
                _ => Out::Text(Vec::with_capacity(height)),
            };
            (out, vec![false; height])
        })
        .collect();
    let mut piece_slots: Vec<Vec<Slot>> = pieces.iter().map(|_| Vec::new()).collect();
    for ((out, valid), spec) in outs.iter_mut().zip(&specs) {
        let mut valid: &mut [bool] = valid;
        let mut part = match out {
            Out::Date(v) => Part::Date(v),
            Out::Money(v) => Part::Money(v),
            Out::Number(v) => Part::Number(v),
            Out::Text(v) => Part::Text(&mut v.spare_capacity_mut()[..height], Vec::new(), 0),
            Out::Coded(v) => Part::Coded(v, LocalDict::default()),
        };
        for (k, &rows) in counts.iter().enumerate() {
            let (head, rest) = std::mem::take(&mut valid).split_at_mut(rows);
            valid = rest;
            let (this, rest) = match part {
                Part::Date(v) => {
                    let (a, b) = v.split_at_mut(rows);
                    (Part::Date(a), Part::Date(b))
                }
                Part::Money(v) => {
                    let (a, b) = v.split_at_mut(rows);
                    (Part::Money(a), Part::Money(b))
                }
                Part::Number(v) => {
                    let (a, b) = v.split_at_mut(rows);
                    (Part::Number(a), Part::Number(b))
                }
                Part::Text(v, _, _) => {
                    let (a, b) = v.split_at_mut(rows);
                    (Part::Text(a, Vec::new(), 0), Part::Text(b, Vec::new(), 0))
                }
                Part::Coded(v, _) => {
                    let (a, b) = v.split_at_mut(rows);
                    (
                        Part::Coded(a, LocalDict::default()),
                        Part::Coded(b, LocalDict::default()),
                    )
                }
            };
            part = rest;
            piece_slots[k].push(Slot {
                spec,
                part: this,
                valid: head,
                piece: k as u32,
                problems: Vec::new(),
                overflow: false,
                repeatable: false,
            });
        }
    }
    type Typed = (Vec<PieceOut>, Vec<Vec<CellProblem>>);
    let typed: Option<Vec<Typed>> = pieces
        .par_iter()
        .zip(piece_slots)
        .zip(&selected)
        .zip(&counts)
        .map(|(((piece, mut slots), (_, runs)), &rows)| {
            let mut typed = Some(0);
            for r in runs {
                typed = typed.and_then(|row| {
                    parse_piece(&piece[r.start..r.end], n, &target, &mut slots, row)
                        .map(|k| row + k)
                });
            }
            for r in runs {
                done(&piece[r.start..r.end]);
            }
            // Every row of the piece is written (its views included).
            (typed? == rows).then_some(())?;
            let mut buffers = Vec::with_capacity(slots.len());
            let mut problems = Vec::with_capacity(slots.len());
            for slot in slots {
                buffers.push(match slot.part {
                    Part::Text(_, mut buf, total) => {
                        buf.shrink_to_fit();
                        PieceOut::Text(buf, total)
                    }
                    Part::Coded(_, dict) => PieceOut::Coded(dict.values),
                    _ => PieceOut::None,
                });
                problems.push(slot.problems);
            }
            Some((buffers, problems))
        })
        .collect();
    let typed = typed?;
    // Each piece wrote every view of its rows (it read as many records
    // as were counted, or gave `None` above).
    let mut by_column: Vec<ColumnParts> = specs.iter().map(|_| (Vec::new(), Vec::new())).collect();
    let mut offset = 0;
    for ((buffers, problems), rows) in typed.into_iter().zip(&counts) {
        for (k, (buf, probs)) in buffers.into_iter().zip(problems).enumerate() {
            by_column[k].0.push(buf);
            by_column[k].1.extend(probs.into_iter().map(|mut p| {
                p.index += offset;
                p
            }));
        }
        offset += rows;
    }
    // Into the global dictionary one column after the other, in the
    // order `dictionary::encode` casts them, so that it holds the same
    // codes whichever path loaded the table. (polars holds the global
    // mapping only while a column or dtype refers to it: `coded` keeps
    // it from one step to the next.)
    let coded = DataType::from_categories(Categories::global());
    let DataType::Categorical(_, mapping) = &coded else {
        unreachable!("from_categories gives a categorical dtype")
    };
    for (_, name) in dictionary::ENCODED.iter().filter(|(t, _)| *t == kind) {
        if let Some(k) = specs.iter().position(|s| s.name == *name)
            && let (Out::Coded(codes), _) = &mut outs[k]
            && let Err(e) = global_codes(codes, &by_column[k].0, &counts, mapping)
        {
            return Some(Err(crate::error::Error::format(path, e)));
        }
    }
    let mut joined: Vec<Option<(Column, Vec<CellProblem>)>> = outs
        .into_par_iter()
        .zip(by_column)
        .zip(specs.par_iter())
        .map(|(((mut out, valid), (buffers, problems)), spec)| {
            if let Out::Text(views) = &mut out {
                // SAFETY: see above: all `height` views are written.
                unsafe { views.set_len(height) };
            }
            Some((finish_column(spec, out, valid, buffers, &coded), problems))
        })
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
        assemble(kind, path, &found, results, height, file_rows, opts)
            .map(|(frame, issues)| (frame, issues, extra)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_cell_is_equality() {
        // Every length up to 40, and a difference at every position.
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'0' + (i % 10) as u8).collect();
            assert!(same_cell(&a, &a.clone()), "{n}");
            for i in 0..n {
                let mut b = a.clone();
                b[i] = b'x';
                assert!(!same_cell(&a, &b), "{n} {i}");
            }
            let mut longer = a.clone();
            longer.push(b'0');
            assert!(!same_cell(&a, &longer), "{n}");
        }
    }
}
