//! The typed columns a plain CSV body is written into: each column of the
//! whole table is allocated once and cut into the pieces' rows, a piece's
//! slot types its cells in place (as `normalise_column` types them), and
//! the pieces' parts are joined into one polars column at the end.

use std::mem::MaybeUninit;

use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::ArrowDataType;
use polars_buffer::Buffer;

use super::super::typing::{CellProblem, blank, text_value};
use super::super::{ColumnSpec, IssueKind, Kind, TableKind, dictionary, normalize};

/// One typed column of a whole table, written in place by the pieces:
/// values (a text cell's 16-byte view) and validity, one per row.
pub(super) enum Out {
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
pub(super) struct LocalDict {
    codes: PlHashMap<Box<str>, u32>,
    pub(super) values: Vec<Box<str>>,
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
pub(super) enum PieceOut {
    /// Its buffer of long strings, and the byte count of its strings.
    Text(Vec<u8>, usize),
    /// Its dictionary's values, by local code.
    Coded(Vec<Box<str>>),
    None,
}

/// A piece's rows of one column.
pub(super) enum Part<'a> {
    Date(&'a mut [i32]),
    Money(&'a mut [i64]),
    Number(&'a mut [f64]),
    /// The views, the buffer of long strings, the bytes of all strings.
    Text(&'a mut [MaybeUninit<View>], Vec<u8>, usize),
    Coded(&'a mut [u32], LocalDict),
}

pub(super) struct Slot<'a> {
    pub(super) spec: &'static ColumnSpec,
    pub(super) part: Part<'a>,
    pub(super) valid: &'a mut [bool],
    /// Index of the piece: the buffer its long strings go to.
    pub(super) piece: u32,
    /// Row indexes within the piece.
    pub(super) problems: Vec<CellProblem>,
    /// The piece's long strings outgrew a buffer a view can point into.
    pub(super) overflow: bool,
    /// The last cell typed found no problem: a next cell equal to it
    /// (rows of one person, one date, one program) takes its value.
    pub(super) repeatable: bool,
}

impl Slot<'_> {
    /// Row `row` of the piece from one cell as polars' reader gives it (an
    /// empty field is null), typed as `normalise_column` types it.
    #[inline]
    pub(super) fn set(&mut self, cell: &str, row: usize) {
        let before = self.problems.len();
        self.type_cell(cell, row);
        self.repeatable = self.problems.len() == before && !self.overflow;
    }

    /// Row `row` of the piece as row `row - 1`, when the cell is the one
    /// [`Slot::set`] typed there and found no problem in; `false` (nothing
    /// written) otherwise. A long string's view points at the bytes the
    /// row before appended: they are not appended again.
    #[inline]
    pub(super) fn repeat(&mut self, row: usize) -> bool {
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
                at: cell.as_ptr() as usize,
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

/// Cut rows `drop` (sorted) out of a column's values and validity, in
/// place; returns the bytes of the text values cut (a view's strings stay
/// in its buffer, unreferenced). Text views must all be written.
pub(super) fn compact(out: &mut Out, valid: &mut Vec<bool>, drop: &[usize]) -> usize {
    /// The runs between the rows cut, moved down in one copy each.
    fn cut<T: Copy>(v: &mut Vec<T>, drop: &[usize]) {
        let mut w = drop.first().copied().unwrap_or(v.len()).min(v.len());
        for (k, &d) in drop.iter().enumerate() {
            let next = drop.get(k + 1).copied().unwrap_or(v.len()).min(v.len());
            if d + 1 < next {
                v.copy_within(d + 1..next, w);
                w += next - d - 1;
            }
        }
        v.truncate(w);
    }
    let mut bytes = 0;
    match out {
        Out::Date(v) => cut(v, drop),
        Out::Money(v) => cut(v, drop),
        Out::Number(v) => cut(v, drop),
        Out::Coded(v) => cut(v, drop),
        Out::Text(v) => {
            bytes = drop
                .iter()
                .filter(|&&r| valid[r])
                .map(|&r| v[r].length as usize)
                .sum();
            cut(v, drop);
        }
    }
    cut(valid, drop);
    bytes
}

/// A typed column of the whole table from what the pieces wrote. A coded
/// column's codes are global already (`global_codes`).
/// `less_bytes`: the bytes of text rows cut out since (`compact`).
pub(super) fn finish_column(
    spec: &ColumnSpec,
    out: Out,
    valid: Vec<bool>,
    parts: Vec<PieceOut>,
    coded: &DataType,
    less_bytes: usize,
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
            let total_bytes_len = buffers.iter().map(|(_, n)| n).sum::<usize>() - less_bytes;
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
pub(super) fn global_codes(
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

/// An empty typed column of `height` rows for each of `specs`, with its
/// validity (all false).
pub(super) fn columns_of(
    kind: TableKind,
    specs: &[&'static ColumnSpec],
    height: usize,
) -> Vec<(Out, Vec<bool>)> {
    specs
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
        .collect()
}

/// Every column cut into the pieces' rows (`counts[k]` rows for piece
/// `k`): piece `k`'s slots, one per column, write its rows in place.
pub(super) fn slots_of<'a>(
    outs: &'a mut [(Out, Vec<bool>)],
    specs: &[&'static ColumnSpec],
    counts: &[usize],
    height: usize,
) -> Vec<Vec<Slot<'a>>> {
    let mut piece_slots: Vec<Vec<Slot>> = counts.iter().map(|_| Vec::new()).collect();
    for ((out, valid), spec) in outs.iter_mut().zip(specs) {
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
    piece_slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_cuts_the_rows_given_and_keeps_the_rest_in_order() {
        for drop in [
            vec![],
            vec![0],
            vec![9],
            vec![0, 1, 2],
            vec![3, 4, 7],
            vec![0, 5, 9],
        ] {
            let mut out = Out::Money((0..10).collect());
            let mut valid = vec![true; 10];
            compact(&mut out, &mut valid, &drop);
            let want: Vec<i64> = (0..10).filter(|i| !drop.contains(&(*i as usize))).collect();
            let Out::Money(got) = out else { unreachable!() };
            assert_eq!(got, want, "{drop:?}");
            assert_eq!(valid.len(), want.len());
        }
    }
}
