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

mod column;

use std::collections::BTreeMap;
use std::path::Path;

use memchr::{memchr, memchr2_iter};
use polars::prelude::*;
use rayon::prelude::*;

use super::headers::match_headers;
use super::office::{Layout, MoneyColumn, NonData, TotalCheck, check_totals};
use super::typing::{CellProblem, Cleanup, Rows, assemble, not_data, null_column};
use super::{Aliases, ColumnSpec, LoadOptions, TableKind, dictionary, read};
use crate::error::Result;
use column::{Out, Part, PieceOut, Slot, finish_column, global_codes};

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

/// A typed table: the frame, its load issues, the headers no contract
/// column claims.
pub(super) type TypedTable = super::typing::Typed;

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
    form: Form,
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
    let selected = select_runs(&pieces, n, shard, done)?;
    let counts: Vec<usize> = selected
        .iter()
        .map(|(_, runs)| runs.iter().map(|r| r.records).sum())
        .collect();
    let mut height: usize = counts.iter().sum();
    let mut file_rows = kept_file_rows(shard, &selected, height, form.first_row);
    // Every column of the table's rows, then each cut into the pieces' rows.
    let mut outs = column::columns_of(kind, &specs, height);
    let piece_slots = column::slots_of(&mut outs, &specs, &counts, height);
    let typed = type_pieces(&pieces, piece_slots, &selected, &counts, n, &target, done)?;
    // Each piece wrote every view of its rows (it read as many records
    // as were counted, or gave `None` above).
    let by_column = by_column(typed, &counts, specs.len());
    let coded = DataType::from_categories(Categories::global());
    if let Err(e) = into_global_dictionary(kind, &specs, &mut outs, &by_column, &counts, &coded) {
        return Some(Err(crate::error::Error::format(path, e)));
    }
    // SAFETY: see above: all `height` views are written.
    for (out, _) in outs.iter_mut() {
        if let Out::Text(views) = out {
            unsafe { views.set_len(height) };
        }
    }
    let mut by_column = by_column;
    let labels = rows_not_data(&by_column, body, headers);
    // Pieces typed before the hash reached them were kept (`done` lets a
    // piece go once it is hashed); the hash is further on by now.
    for piece in &pieces {
        done(piece);
    }
    let cut = (!labels.is_empty()).then(|| {
        cut_rows(
            &labels,
            &mut outs,
            &mut by_column,
            &mut file_rows,
            &mut height,
        )
    });
    let mut joined: Vec<Option<(Column, Vec<CellProblem>)>> = outs
        .into_par_iter()
        .zip(by_column)
        .zip(specs.par_iter())
        .enumerate()
        .map(|(k, (((out, valid), (buffers, problems)), spec))| {
            let less = cut.as_ref().map_or(0, |c| c.less_bytes[k]);
            Some((
                finish_column(spec, out, valid, buffers, &coded, less),
                problems,
            ))
        })
        .collect();
    let mut cleanup = Cleanup::default();
    if let Some(cut) = &cut {
        for (k, _) in labels.values() {
            cleanup.dropped.add(*k);
        }
        // A shard holds some villages' rows: a street's 合计 is not checked.
        if opts.villages.is_none() {
            (cleanup.totals_checked, cleanup.totals) =
                cut_totals(cut, &labels, &joined, &specs, &found);
        }
    }
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
    let rows = Rows {
        codes: file_rows.clone(),
        headers,
        cells: &|_| vec![],
        sheets: &[],
        classified: true,
        // A table in 万元 is not typed on the plain path.
        wan_columns: &[],
    };
    let mut layout = form.layout;
    Some(
        assemble(kind, path, &found, results, height, rows, opts).map(|(frame, issues, _)| {
            cleanup.record(&mut layout);
            (frame, issues, extra, layout)
        }),
    )
}

/// The rows that failed to type and are not data (a 合计 row, a footer):
/// each is read again from where one of its cells is in the body, back to
/// the newline before it (no other row is read again).
fn rows_not_data(
    by_column: &[ColumnParts],
    body: &str,
    headers: &[String],
) -> BTreeMap<usize, (NonData, String)> {
    let mut at_of: PlHashMap<usize, usize> = PlHashMap::new();
    for p in by_column.iter().flat_map(|(_, ps)| ps) {
        if p.issue.is_none() && p.at != 0 {
            at_of.entry(p.index).or_insert(p.at);
        }
    }
    let cells = |idx: &[usize]| -> Vec<Vec<String>> {
        idx.iter()
            .map(|i| {
                at_of
                    .get(i)
                    .map_or_else(Vec::new, |&at| record_at(body, at))
            })
            .collect()
    };
    not_data(by_column.iter().map(|(_, p)| p.as_slice()), headers, &cells)
}

/// The totals of the rows cut, checked against the data rows (by their
/// index before the cut): how many figures were checked, and those that
/// disagree.
fn cut_totals(
    cut: &Cut,
    labels: &BTreeMap<usize, (NonData, String)>,
    joined: &[Option<(Column, Vec<CellProblem>)>],
    specs: &[&'static ColumnSpec],
    found: &BTreeMap<&'static str, (usize, String)>,
) -> (usize, Vec<TotalCheck>) {
    let village = specs
        .iter()
        .position(|s| s.name == "village_code")
        .and_then(|k| joined[k].as_ref())
        .map(|(c, _)| c);
    let village_of = |i: usize| -> Option<String> {
        let kept = i - cut.drop.partition_point(|&d| d < i);
        village?
            .get(kept)
            .ok()
            .and_then(|v| v.get_str().map(str::to_string))
    };
    let columns: Vec<MoneyColumn> = cut
        .money
        .iter()
        .map(|(k, values)| MoneyColumn {
            name: specs[*k].name,
            header: found
                .get(specs[*k].name)
                .map_or(specs[*k].name, |(_, h)| h.as_str()),
            values,
            wan: false,
        })
        .collect();
    check_totals(labels, &columns, &village_of, &cut.codes, &|_| None)
}

/// What cutting the rows that are not data out of the typed vectors leaves
/// for the total check (indices before the cut) and for the columns.
struct Cut {
    /// The rows cut, sorted.
    drop: Vec<usize>,
    /// Every row's file row, before the cut.
    codes: Vec<u32>,
    /// Each money column (by slot) before the cut: the totals' figures.
    money: Vec<(usize, Vec<Option<i64>>)>,
    /// Per slot, the bytes of the text values cut.
    less_bytes: Vec<usize>,
}

/// Cut the rows `labels` names out of the typed vectors, their problems
/// (the others renumbered) and the file rows, before polars columns are
/// built, so that the table is never copied to drop them.
fn cut_rows(
    labels: &BTreeMap<usize, (NonData, String)>,
    outs: &mut [(Out, Vec<bool>)],
    by_column: &mut [ColumnParts],
    file_rows: &mut Option<Vec<u32>>,
    height: &mut usize,
) -> Cut {
    let money = outs
        .iter()
        .enumerate()
        .filter_map(|(k, (out, valid))| match out {
            Out::Money(v) => Some((
                k,
                v.iter()
                    .zip(valid)
                    .map(|(x, ok)| ok.then_some(*x))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let codes: Vec<u32> = match file_rows {
        Some(r) => r.clone(),
        None => (0..*height as u32).map(|i| i + 2).collect(),
    };
    let drop: Vec<usize> = labels.keys().copied().collect();
    let less_bytes = outs
        .par_iter_mut()
        .map(|(out, valid)| column::compact(out, valid, &drop))
        .collect();
    for (_, problems) in by_column.iter_mut() {
        problems.retain(|p| !labels.contains_key(&p.index));
        for p in problems.iter_mut() {
            p.index -= drop.partition_point(|&d| d < p.index);
        }
    }
    *file_rows = Some(
        codes
            .iter()
            .enumerate()
            .filter(|(i, _)| !labels.contains_key(i))
            .map(|(_, c)| *c)
            .collect(),
    );
    *height -= drop.len();
    Cut {
        drop,
        codes,
        money,
        less_bytes,
    }
}

/// Where a plain body sits in its file: the file row of its first record,
/// and the layout found above it (title lines).
pub(super) struct Form {
    pub first_row: u32,
    pub layout: Option<Layout>,
}

/// The fields of the record of `body` holding the byte at address `at`,
/// split at commas.
fn record_at(body: &str, at: usize) -> Vec<String> {
    let b = body.as_bytes();
    let off = at.wrapping_sub(b.as_ptr() as usize).min(b.len());
    let start = memchr::memrchr(b'\n', &b[..off]).map_or(0, |i| i + 1);
    let end = memchr(b'\n', &b[off..]).map_or(b.len(), |k| off + k);
    let line = body.get(start..end).unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    line.split(',').map(str::to_string).collect()
}

/// Each piece's records, and the runs of them that become rows: all of
/// them, or (with `shard`) those the shard keeps; `done` is given the
/// records dropped. `None`: a record has not exactly `n` fields.
fn select_runs(
    pieces: &[&str],
    n: usize,
    shard: Option<&Shard>,
    done: &(dyn Fn(&str) + Sync),
) -> Option<Vec<(usize, Vec<Run>)>> {
    pieces
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
        .collect()
}

/// The file row of each row kept (header = 1): a whole load's are i + 2, or
/// i + the body's first row under a form's title lines; a shard's are the
/// rows its runs came from. `None`: i + 2.
fn kept_file_rows(
    shard: Option<&Shard>,
    selected: &[(usize, Vec<Run>)],
    height: usize,
    first_row: u32,
) -> Option<Vec<u32>> {
    let shift = first_row - 2;
    match shard {
        Some(_) => Some(
            file_rows(selected, height)
                .into_iter()
                .map(|r| r + shift)
                .collect(),
        ),
        None if shift > 0 => Some((0..height as u32).map(|i| i + first_row).collect()),
        None => None,
    }
}

/// Into the global dictionary one column after the other, in the order
/// `dictionary::encode` casts them, so that it holds the same codes
/// whichever path loaded the table. (polars holds the global mapping only
/// while a column or dtype refers to it: `coded` keeps it from one step to
/// the next.)
fn into_global_dictionary(
    kind: TableKind,
    specs: &[&'static ColumnSpec],
    outs: &mut [(Out, Vec<bool>)],
    by_column: &[ColumnParts],
    counts: &[usize],
    coded: &DataType,
) -> PolarsResult<()> {
    let DataType::Categorical(_, mapping) = coded else {
        unreachable!("from_categories gives a categorical dtype")
    };
    for (_, name) in dictionary::ENCODED.iter().filter(|(t, _)| *t == kind) {
        if let Some(k) = specs.iter().position(|s| s.name == *name)
            && let (Out::Coded(codes), _) = &mut outs[k]
        {
            global_codes(codes, &by_column[k].0, counts, mapping)?;
        }
    }
    Ok(())
}

/// The file row of each row kept (header = 1) by the runs of the pieces.
fn file_rows(selected: &[(usize, Vec<Run>)], height: usize) -> Vec<u32> {
    let mut rows = Vec::with_capacity(height);
    let mut before = 2usize;
    for (records, runs) in selected {
        for r in runs {
            let first = before + r.first;
            rows.extend((first..first + r.records).map(|x| x as u32));
        }
        before += records;
    }
    rows
}

/// A piece's column buffers and cell problems, one per column.
type Typed = (Vec<PieceOut>, Vec<Vec<CellProblem>>);

/// Type each piece's runs into its slots, in parallel; `done` is given
/// what was typed. `None`: a piece's records did not type as counted.
fn type_pieces(
    pieces: &[&str],
    piece_slots: Vec<Vec<Slot>>,
    selected: &[(usize, Vec<Run>)],
    counts: &[usize],
    n: usize,
    target: &[Option<usize>],
    done: &(dyn Fn(&str) + Sync),
) -> Option<Vec<Typed>> {
    pieces
        .par_iter()
        .zip(piece_slots)
        .zip(selected)
        .zip(counts)
        .map(|(((piece, mut slots), (_, runs)), &rows)| {
            let mut typed = Some(0);
            for r in runs {
                typed = typed.and_then(|row| {
                    parse_piece(&piece[r.start..r.end], n, target, &mut slots, row).map(|k| row + k)
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
        .collect()
}

/// The pieces' buffers and cell problems by column, each problem's row
/// counted from the start of the table.
fn by_column(typed: Vec<Typed>, counts: &[usize], columns: usize) -> Vec<ColumnParts> {
    let mut by_column: Vec<ColumnParts> = (0..columns).map(|_| (Vec::new(), Vec::new())).collect();
    let mut offset = 0;
    for ((buffers, problems), rows) in typed.into_iter().zip(counts) {
        for (k, (buf, probs)) in buffers.into_iter().zip(problems).enumerate() {
            by_column[k].0.push(buf);
            by_column[k].1.extend(probs.into_iter().map(|mut p| {
                p.index += offset;
                p
            }));
        }
        offset += rows;
    }
    by_column
}

#[cfg(test)]
mod tests;
