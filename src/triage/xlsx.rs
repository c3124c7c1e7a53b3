//! The Excel round trip: `cases export --xlsx` writes a workbook an officer
//! works in (Excel or WPS); `cases import` reads their edits back.
//!
//! The workbook has one row per case on sheet `线索` and a hidden sheet
//! `_导出信息` holding, per case, short hashes of the editable values as
//! written and as the store held them at export. On import a field whose
//! value still hashes as written was not touched and is left alone (so an
//! old workbook never undoes a later scan's reopening); a touched field
//! whose store value moved since the export, to something else than the
//! officer typed, is a conflict. Without the hidden sheet (a workbook
//! rebuilt by hand) every value is compared with the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use calamine::{Data, Reader};
use rust_xlsxwriter::{
    Color, DataValidation, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use sha2::{Digest, Sha256};

use super::{CaseFilter, CaseRow, CaseUpdate, Change, Status, Store};
use crate::dataset::normalize::parse_date;
use crate::error::{Error, Result};
use crate::finding::Severity;

pub const SHEET: &str = "线索";
pub const META_SHEET: &str = "_导出信息";

const COL_ID: &str = "线索编号";
const COL_STATUS: &str = "处理状态";
const COL_ASSIGNEE: &str = "承办人";
const COL_DEADLINE: &str = "期限";
const COL_NOTE: &str = "备注";

/// Columns of sheet `线索`: header and width. Four (处理状态 to 备注) are
/// the officer's; the last, 发现编号, is the `finding_id` of the case's
/// finding in findings.csv of the latest run (the same lead, docs/triage.md).
const COLUMNS: [(&str, f64); 17] = [
    (COL_ID, 18.0),
    ("规则", 9.0),
    ("类别", 16.0),
    ("严重程度", 9.0),
    ("分值", 6.0),
    ("村居代码", 14.0),
    ("对象", 22.0),
    ("关联编号", 28.0),
    ("金额", 14.0),
    ("问题描述", 70.0),
    ("本次", 7.0),
    ("首次发现", 12.0),
    (COL_STATUS, 11.0),
    (COL_ASSIGNEE, 10.0),
    (COL_DEADLINE, 12.0),
    (COL_NOTE, 40.0),
    ("发现编号", 18.0),
];
const FIRST_EDITABLE: u16 = 12;
const LAST_EDITABLE: u16 = 15;

/// The four editable fields, in this order everywhere below.
const FIELDS: [&str; 4] = ["status", "assignee", "deadline", "note"];

fn short_hash(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn severity_zh(s: Severity) -> &'static str {
    match s {
        Severity::High => "高",
        Severity::Medium => "中",
        Severity::Low => "低",
    }
}

/// Text a spreadsheet would run as a formula is written with Excel's
/// quote prefix: it shows as typed and stays text when edited.
fn starts_like_formula(s: &str) -> bool {
    crate::report::starts_like_formula(s)
}

struct Formats {
    header: Format,
    header_edit: Format,
    text: Format,
    text_quoted: Format,
    edit: Format,
    edit_quoted: Format,
    money: Format,
    int: Format,
    date_edit: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xD9E1F2))
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center);
        let edit_fill = Color::RGB(0xFFF2CC);
        Formats {
            header_edit: header.clone().set_background_color(Color::RGB(0xFFD966)),
            header,
            text: Format::new(),
            text_quoted: Format::new().set_quote_prefix(),
            edit: Format::new().set_background_color(edit_fill),
            edit_quoted: Format::new()
                .set_background_color(edit_fill)
                .set_quote_prefix(),
            money: Format::new().set_num_format("#,##0.00"),
            int: Format::new().set_num_format("0"),
            date_edit: Format::new()
                .set_background_color(edit_fill)
                .set_num_format("yyyy-mm-dd"),
        }
    }
}

fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    plain: &Format,
    quoted: &Format,
) -> std::result::Result<(), XlsxError> {
    let f = if starts_like_formula(s) {
        quoted
    } else {
        plain
    };
    ws.write_string_with_format(row, col, s, f)?;
    Ok(())
}

fn excel_date(day: &str) -> Option<ExcelDateTime> {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        d.month() as u8,
        d.day() as u8,
    )
    .ok()
}

/// Write the cases matching `filter` to `path` (written beside and renamed
/// into place, readable by its owner only). Returns how many rows.
pub fn export_xlsx(
    store: &Store,
    filter: &CaseFilter,
    path: &Path,
    mask_pii: bool,
) -> Result<usize> {
    let cases = store.list(filter)?;
    let run_dates: BTreeMap<i64, String> = store
        .runs()?
        .into_iter()
        .map(|r| (r.run_id, r.started_at.chars().take(10).collect()))
        .collect();
    let key = if mask_pii {
        Some(store.pii_key()?)
    } else {
        None
    };
    let mut wb = build_workbook(&cases, &run_dates, key.as_ref())
        .map_err(|e| Error::output(path, format!("building the workbook: {e}")))?;
    let tmp = path.with_extension("xlsx.tmp");
    let file = crate::report::create_private(&tmp)?;
    let saved = wb
        .save_to_writer(std::io::BufWriter::new(file))
        .map_err(|e| Error::output(&tmp, e));
    if let Err(e) = saved {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::output(path, e))?;
    Ok(cases.len())
}

fn build_workbook(
    cases: &[CaseRow],
    run_dates: &BTreeMap<i64, String>,
    mask: Option<&crate::privacy::PiiKey>,
) -> std::result::Result<Workbook, XlsxError> {
    let fm = Formats::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (i, (name, width)) in COLUMNS.iter().enumerate() {
        let col = i as u16;
        let h = if (FIRST_EDITABLE..=LAST_EDITABLE).contains(&col) {
            &fm.header_edit
        } else {
            &fm.header
        };
        ws.write_string_with_format(0, col, *name, h)?;
        ws.set_column_width(col, *width)?;
    }
    let mut meta_rows = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let shown = match mask {
            Some(key) => c.masked(key),
            None => c.clone(),
        };
        let row = i as u32 + 1;
        let t = |ws: &mut Worksheet, col: u16, s: &str| {
            write_text(ws, row, col, s, &fm.text, &fm.text_quoted)
        };
        t(ws, 0, &shown.case_id)?;
        t(ws, 1, &shown.rule)?;
        t(ws, 2, shown.category.label_zh())?;
        t(ws, 3, severity_zh(shown.severity))?;
        ws.write_number_with_format(row, 4, shown.score as f64, &fm.int)?;
        t(ws, 5, &shown.village_code)?;
        t(ws, 6, &shown.subject_id)?;
        t(ws, 7, &shown.related_ids.join(";"))?;
        ws.write_number_with_format(row, 8, shown.amount_fen as f64 / 100.0, &fm.money)?;
        t(ws, 9, &shown.message)?;
        t(ws, 10, shown.last_mark.label_zh())?;
        t(
            ws,
            11,
            run_dates.get(&shown.first_run).map_or("", |s| s.as_str()),
        )?;
        write_text(
            ws,
            row,
            12,
            shown.status.label_zh(),
            &fm.edit,
            &fm.edit_quoted,
        )?;
        write_text(ws, row, 13, &shown.assignee, &fm.edit, &fm.edit_quoted)?;
        match shown.deadline.as_deref().and_then(excel_date) {
            Some(d) => {
                ws.write_date_with_format(row, 14, &d, &fm.date_edit)?;
            }
            None => {
                ws.write_blank(row, 14, &fm.date_edit)?;
            }
        }
        write_text(ws, row, 15, &shown.note, &fm.edit, &fm.edit_quoted)?;
        t(ws, 16, &shown.finding_id)?;
        meta_rows.push((shown, c, row));
    }
    let last = cases.len() as u32;
    ws.set_freeze_panes(1, 1)?;
    ws.autofilter(0, 0, last.max(1), COLUMNS.len() as u16 - 1)?;
    if last > 0 {
        let labels: Vec<&str> = Status::ALL.iter().map(|s| s.label_zh()).collect();
        let dv = DataValidation::new()
            .allow_list_strings(&labels)?
            .set_error_title("处理状态")?
            .set_error_message("请选择：新线索、处理中、已查实、已排除、已整改")?;
        ws.add_data_validation(1, 12, last, 12, &dv)?;
    }

    // The hidden sheet: per case and field, a hash of the value written and
    // of the value the store held (they differ only under --mask-pii).
    let meta = wb.add_worksheet();
    meta.set_name(META_SHEET)?;
    meta.set_hidden(true);
    meta.write_string(0, 0, COL_ID)?;
    for (j, f) in FIELDS.iter().enumerate() {
        meta.write_string(0, 1 + 2 * j as u16, format!("{f}_written"))?;
        meta.write_string(0, 2 + 2 * j as u16, format!("{f}_store"))?;
    }
    for (shown, orig, row) in &meta_rows {
        meta.write_string(*row, 0, &shown.case_id)?;
        let written = field_values(shown);
        let stored = field_values(orig);
        for j in 0..FIELDS.len() {
            meta.write_string(*row, 1 + 2 * j as u16, short_hash(&written[j]))?;
            meta.write_string(*row, 2 + 2 * j as u16, short_hash(&stored[j]))?;
        }
    }
    Ok(wb)
}

/// The editable fields in their normal form: status code, trimmed texts,
/// deadline `YYYY-MM-DD` or empty.
fn field_values(c: &CaseRow) -> [String; 4] {
    [
        c.status.as_str().to_string(),
        c.assignee.trim().to_string(),
        c.deadline.clone().unwrap_or_default(),
        c.note.trim().to_string(),
    ]
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Case rows read from the workbook.
    pub rows: usize,
    /// Fields changed, each with a history entry.
    pub changes: Vec<Change>,
}

impl ImportReport {
    pub fn cases_changed(&self) -> usize {
        self.changes
            .iter()
            .map(|c| c.case_id.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn parse_deadline(d: &Data) -> std::result::Result<Option<String>, String> {
    let text = match d {
        Data::DateTime(x) => x.as_f64().to_string(),
        other => cell_text(other),
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let day = parse_date(t).map_err(|_| format!("“{t}”不是日期（如 2025-06-30）"))?;
    Ok(Some(day.format("%Y-%m-%d").to_string()))
}

/// Read an officer's workbook back. Every row is checked first (unknown
/// case id, repeated case id, invalid status, bad date, conflicting edits);
/// if any row is bad nothing is applied and the error names every bad row.
/// Otherwise the changed fields are applied in one transaction, with
/// history under `by`.
pub fn import_xlsx(store: &mut Store, path: &Path, by: &str) -> Result<ImportReport> {
    let sheet = OfficerSheet::open(path)?;
    let known = KnownCases::read(store)?;
    let mut errors: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut updates = Vec::new();
    let mut n_rows = 0;
    // The first row is the header.
    for (i, r) in sheet.range.rows().skip(1).enumerate() {
        let excel_row = sheet.r0 + i as u32 + 2;
        if r.iter().all(|c| cell_text(c).trim().is_empty()) {
            continue;
        }
        n_rows += 1;
        let mut row = sheet.check_row(r, excel_row, &known, &mut seen);
        let Some(case) = row.case else {
            errors.push(format!("第{excel_row}行：{}", row.errors.join("；")));
            continue;
        };
        let exported = sheet
            .meta
            .as_ref()
            .and_then(|m| m.get(&case.case_id).or_else(|| m.get(&row.id)));
        let u = case_update(case, &row.wanted, exported, &mut row.errors);
        if !row.errors.is_empty() {
            errors.push(format!("第{excel_row}行：{}", row.errors.join("；")));
            continue;
        }
        if u != (CaseUpdate {
            case_id: u.case_id.clone(),
            ..CaseUpdate::default()
        }) {
            updates.push(u);
        }
    }
    if !errors.is_empty() {
        return Err(Error::format(
            path,
            format!(
                "workbook refused, nothing was changed: {} bad row(s): {}",
                errors.len(),
                errors.join("; ")
            ),
        ));
    }
    let changes = store.apply_updates(&updates, by, "xlsx")?;
    Ok(ImportReport {
        rows: n_rows,
        changes,
    })
}

/// Sheet `线索` of an officer's workbook, with where its columns are, and
/// the hashes of the hidden sheet when it is there.
struct OfficerSheet {
    range: calamine::Range<Data>,
    /// Row and column (0-based) where the sheet's cells start.
    r0: u32,
    c0: u32,
    id_col: usize,
    /// The editable columns, in the order of [`FIELDS`]; any may be absent.
    cols: [Option<usize>; 4],
    meta: Option<BTreeMap<String, MetaRow>>,
}

/// One row checked: its case id, the case it names (absent when the id is
/// empty, repeated or unknown), the values it asks for, what is wrong.
struct CheckedRow<'a> {
    id: String,
    case: Option<&'a CaseRow>,
    wanted: [Option<String>; 4],
    errors: Vec<String>,
}

impl OfficerSheet {
    /// Open the workbook, find sheet `线索` (or else the first sheet that is
    /// not the hidden one) and its columns by header, read the hidden sheet.
    fn open(path: &Path) -> Result<OfficerSheet> {
        let mut wb = calamine::open_workbook_auto(path)
            .map_err(|e| Error::format(path, format!("not a readable workbook: {e}")))?;
        let names = wb.sheet_names();
        let sheet = names
            .iter()
            .find(|n| n.trim() == SHEET)
            .or_else(|| names.iter().find(|n| n.as_str() != META_SHEET))
            .cloned()
            .ok_or_else(|| Error::format(path, "the workbook has no sheet"))?;
        let range = wb
            .worksheet_range(&sheet)
            .map_err(|e| Error::format(path, format!("sheet {sheet} could not be read: {e}")))?;
        let meta = if names.iter().any(|n| n == META_SHEET) {
            let r = wb
                .worksheet_range(META_SHEET)
                .map_err(|e| Error::format(path, format!("sheet {META_SHEET}: {e}")))?;
            Some(read_meta(&r))
        } else {
            None
        };

        let Some((r0, c0)) = range.start() else {
            return Err(Error::format(path, format!("sheet {sheet} is empty")));
        };
        let headers: Vec<String> = range
            .rows()
            .next()
            .map(|r| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
            .unwrap_or_default();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let Some(id_col) = col(COL_ID) else {
            return Err(Error::format(
                path,
                format!("sheet {sheet}: no column {COL_ID} in the header row"),
            ));
        };
        let cols = [
            col(COL_STATUS),
            col(COL_ASSIGNEE),
            col(COL_DEADLINE),
            col(COL_NOTE),
        ];
        if cols.iter().all(Option::is_none) {
            return Err(Error::format(
                path,
                format!(
                    "sheet {sheet}: none of the columns {COL_STATUS}, {COL_ASSIGNEE}, {COL_DEADLINE}, {COL_NOTE}"
                ),
            ));
        }
        Ok(OfficerSheet {
            range,
            r0,
            c0,
            id_col,
            cols,
            meta,
        })
    }

    /// Check one row: its case id against the store and the rows before
    /// (`seen`: id → Excel row), then its values.
    fn check_row<'a>(
        &self,
        r: &[Data],
        excel_row: u32,
        known: &'a KnownCases,
        seen: &mut BTreeMap<String, u32>,
    ) -> CheckedRow<'a> {
        let mut errors = Vec::new();
        let id = r
            .get(self.id_col)
            .map(cell_text)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let case = known.named(&id, excel_row, seen, &mut errors);
        let wanted = self.wanted_values(r, &mut errors);
        CheckedRow {
            id,
            case,
            wanted,
            errors,
        }
    }

    /// The workbook's values, each checked, in the order of [`FIELDS`]:
    /// `None` where the column is absent or the value is bad.
    fn wanted_values(&self, r: &[Data], row_errors: &mut Vec<String>) -> [Option<String>; 4] {
        let cols = &self.cols;
        let get = |j: Option<usize>| j.and_then(|j| r.get(j));
        let col_letter = |j: usize| column_name(self.c0 as usize + j);
        let mut wanted: [Option<String>; 4] = [None, None, None, None];
        if let Some(d) = get(cols[0]) {
            let t = cell_text(d);
            match Status::parse(&t) {
                Some(s) => wanted[0] = Some(s.as_str().to_string()),
                None if t.trim().is_empty() => row_errors.push(format!(
                    "{COL_STATUS}（{}列）为空",
                    col_letter(cols[0].unwrap_or(0))
                )),
                None => row_errors.push(format!(
                    "{COL_STATUS}（{}列）“{}”不是有效状态，应为新线索、处理中、已查实、已排除、已整改之一",
                    col_letter(cols[0].unwrap_or(0)),
                    t.trim()
                )),
            }
        } else if cols[0].is_some() {
            row_errors.push(format!(
                "{COL_STATUS}（{}列）为空",
                col_letter(cols[0].unwrap_or(0))
            ));
        }
        if cols[1].is_some() {
            wanted[1] = Some(
                get(cols[1])
                    .map(cell_text)
                    .unwrap_or_default()
                    .trim()
                    .into(),
            );
        }
        if cols[2].is_some() {
            match get(cols[2]).map_or(Ok(None), parse_deadline) {
                Ok(d) => wanted[2] = Some(d.unwrap_or_default()),
                Err(e) => row_errors.push(format!(
                    "{COL_DEADLINE}（{}列）{e}",
                    col_letter(cols[2].unwrap_or(0))
                )),
            }
        }
        if cols[3].is_some() {
            wanted[3] = Some(
                get(cols[3])
                    .map(cell_text)
                    .unwrap_or_default()
                    .trim()
                    .into(),
            );
        }
        wanted
    }
}

/// The store's cases, read once for the whole workbook (not one query per
/// row), and the keyed pseudonyms a --mask-pii export shows for their ids.
struct KnownCases {
    by_id: BTreeMap<String, CaseRow>,
    /// Pseudonym → case id.
    unmasked: BTreeMap<String, String>,
}

impl KnownCases {
    fn read(store: &Store) -> Result<KnownCases> {
        let by_id: BTreeMap<String, CaseRow> = store
            .list(&CaseFilter {
                all: true,
                ..CaseFilter::default()
            })?
            .into_iter()
            .map(|c| (c.case_id.clone(), c))
            .collect();
        let unmasked = {
            let key = store.pii_key()?;
            by_id
                .keys()
                .map(|id| (key.pseudonym(id), id.clone()))
                .collect()
        };
        Ok(KnownCases { by_id, unmasked })
    }

    /// The case a row's id names, or why there is none: the id is empty,
    /// repeats an earlier row's (`seen`), or is in the store under neither
    /// its own name nor as a pseudonym.
    fn named(
        &self,
        id: &str,
        excel_row: u32,
        seen: &mut BTreeMap<String, u32>,
        row_errors: &mut Vec<String>,
    ) -> Option<&CaseRow> {
        if id.is_empty() {
            row_errors.push(format!("{COL_ID}为空"));
            return None;
        }
        if let Some(first) = seen.get(id) {
            row_errors.push(format!("{COL_ID} {id} 与第{first}行重复"));
            return None;
        }
        seen.insert(id.to_string(), excel_row);
        // A --mask-pii export shows keyed pseudonyms of the case ids.
        let real = match self.by_id.get(id) {
            Some(_) => None,
            None => self.unmasked.get(id),
        };
        let case = real.map_or(self.by_id.get(id), |r| self.by_id.get(r));
        if case.is_none() {
            row_errors.push(format!("{COL_ID} {id} 在案件库中不存在"));
        }
        case
    }
}

/// Which fields the officer changed, as an update of `case` (empty when
/// none). With the export's hashes (`exported`), a field still as written
/// was not touched and is left alone, and a touched field whose store value
/// moved since the export, to something else than typed, is a conflict
/// (added to `row_errors`).
fn case_update(
    case: &CaseRow,
    wanted: &[Option<String>; 4],
    exported: Option<&MetaRow>,
    row_errors: &mut Vec<String>,
) -> CaseUpdate {
    let current = field_values(case);
    let mut u = CaseUpdate {
        case_id: case.case_id.clone(),
        ..CaseUpdate::default()
    };
    for j in 0..FIELDS.len() {
        let Some(w) = &wanted[j] else { continue };
        if let Some(e) = exported {
            if short_hash(w) == e[j].0 {
                continue; // untouched since export
            }
            if short_hash(&current[j]) != e[j].1 && current[j] != *w {
                row_errors.push(format!(
                    "{}在导出后已被他人修改（现为“{}”），与表中的“{}”冲突，请重新导出后再改",
                    [COL_STATUS, COL_ASSIGNEE, COL_DEADLINE, COL_NOTE][j],
                    display(j, &current[j]),
                    display(j, w)
                ));
                continue;
            }
        }
        if current[j] == *w {
            continue;
        }
        match j {
            0 => u.status = Status::parse(w),
            1 => u.assignee = Some(w.clone()),
            2 => u.deadline = Some((!w.is_empty()).then(|| w.clone())),
            _ => u.note = Some(w.clone()),
        }
    }
    u
}

fn display(field: usize, v: &str) -> String {
    if field == 0
        && let Some(s) = Status::parse(v)
    {
        return s.label_zh().to_string();
    }
    if v.is_empty() {
        "（空）".to_string()
    } else {
        v.to_string()
    }
}

type MetaRow = [(String, String); 4];

fn read_meta(r: &calamine::Range<Data>) -> BTreeMap<String, MetaRow> {
    let mut out = BTreeMap::new();
    for row in r.rows().skip(1) {
        let get = |j: usize| row.get(j).map(cell_text).unwrap_or_default();
        let id = get(0).trim().to_ascii_lowercase();
        if id.is_empty() {
            continue;
        }
        let pair = |j: usize| (get(1 + 2 * j), get(2 + 2 * j));
        out.insert(id, [pair(0), pair(1), pair(2), pair(3)]);
    }
    out
}

/// `0` → `A`, `27` → `AB`.
fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(12), "M");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
    }

    #[test]
    fn deadlines_from_text_or_date_cells() {
        assert_eq!(
            parse_deadline(&Data::String("2025/6/30".into())),
            Ok(Some("2025-06-30".into()))
        );
        assert_eq!(
            parse_deadline(&Data::String("2025年6月30日".into())),
            Ok(Some("2025-06-30".into()))
        );
        assert_eq!(
            parse_deadline(&Data::Float(45839.0)),
            Ok(Some("2025-07-01".into()))
        );
        assert_eq!(parse_deadline(&Data::Empty), Ok(None));
        assert!(parse_deadline(&Data::String("下周五".into())).is_err());
    }

    #[test]
    fn formula_like_text_is_detected() {
        for s in ["=1+1", "+86", "-x", "@SUM(A1)", "＝HYPERLINK()"] {
            assert!(starts_like_formula(s), "{s}");
        }
        assert!(!starts_like_formula("张三"));
    }
}
