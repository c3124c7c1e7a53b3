//! Finding the header of a form: the first row, of the first
//! [`SCAN_ROWS`], that names every required column of the table (through
//! the aliases); a two-row header (a group cell over sub-columns) is
//! flattened first when that names more columns. The lines above it are the
//! form's title lines, and the money unit is read from them and from the
//! header cells (`单位：万元`, `金额（万元）`).

use std::collections::BTreeSet;

use super::{SCAN_ROWS, fold};
use crate::dataset::{Aliases, Kind, TableKind};

/// The header found in the first rows of a sheet or file.
#[derive(Debug, Clone)]
pub struct HeaderFound {
    /// Index (from 0) of the header's first row among the rows given.
    pub at: usize,
    /// 1, or 2 for a two-row header.
    pub height: usize,
    /// One name per column: the header cell, or for a two-row header the
    /// sub-column's (with its group's in front where that alone names the
    /// column).
    pub headers: Vec<String>,
    /// The rows above the header, each as its cells joined by spaces.
    pub title_lines: Vec<String>,
    /// Per column: its money is in 万元.
    pub wan: Vec<bool>,
}

impl HeaderFound {
    /// Index of the first row below the header.
    pub fn body(&self) -> usize {
        self.at + self.height
    }

    /// The layout of a text file whose rows were given from its first:
    /// its title lines, header rows and 万元 columns.
    pub fn layout(&self) -> super::Layout {
        super::Layout {
            title_lines: self.title_lines.clone(),
            header_rows: (0..self.height).map(|k| (self.at + k + 1) as u32).collect(),
            wan_yuan_columns: self
                .headers
                .iter()
                .zip(&self.wan)
                .filter(|(_, w)| **w)
                .map(|(h, _)| h.clone())
                .collect(),
            ..super::Layout::default()
        }
    }
}

/// No header in the rows looked at: what the error shows.
#[derive(Debug, Clone)]
pub struct NoHeader {
    /// The first rows looked at (cells joined by ` | `).
    pub looked: Vec<String>,
    /// The row (from 1) that came closest, and the required columns it lacks.
    pub closest: Option<(usize, Vec<&'static str>)>,
    /// Cells of that row that name no column, with the nearest alias and its column.
    pub near: Vec<(String, String, &'static str)>,
    /// Non-blank cells of the first row.
    pub first_row_cells: usize,
}

impl NoHeader {
    /// The error text: the rows looked at, what the closest row lacks, the
    /// nearest aliases, and how to add one.
    pub fn describe(&self, table: TableKind) -> String {
        let mut s = format!(
            "no header row of table {table} found in the first {SCAN_ROWS} rows (no row names all of its required columns)"
        );
        if let Some((row, missing)) = &self.closest {
            s += &format!("; closest is row {row}, which lacks {}", missing.join(", "));
        }
        if !self.near.is_empty() {
            let near: Vec<String> = self
                .near
                .iter()
                .map(|(cell, alias, col)| format!("“{cell}” is close to “{alias}” ({col})"))
                .collect();
            s += &format!("; {}", near.join(", "));
        }
        s += "; rows looked at: ";
        s += &self
            .looked
            .iter()
            .enumerate()
            .map(|(i, l)| format!("[{}] {l}", i + 1))
            .collect::<Vec<_>>()
            .join(" / ");
        s += "; if a header names a column in words of its own, add them under [columns] in rules/aliases.toml or a file given with --aliases";
        s
    }
}

/// The contract columns a header row names, and whether every required
/// column of the table is among them.
fn named(kind: TableKind, aliases: &Aliases, headers: &[String]) -> (BTreeSet<&'static str>, bool) {
    let cols: BTreeSet<&'static str> = headers
        .iter()
        .filter_map(|h| aliases.column_in(kind, h))
        .collect();
    let complete = kind
        .columns()
        .iter()
        .filter(|c| c.required)
        .all(|c| cols.contains(c.name));
    (cols, complete)
}

fn non_blank(row: &[String]) -> usize {
    row.iter().filter(|c| !c.trim().is_empty()).count()
}

/// A group cell carried right over the sub-columns it spans: in a CSV
/// (or a workbook whose merges were lost) only its first column holds it.
fn groups(top: &[String], sub: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(top.len());
    let mut carried = String::new();
    for j in 0..top.len().max(sub.len()) {
        let t = top.get(j).map_or("", |s| s.trim());
        let has_sub = sub.get(j).is_some_and(|s| !s.trim().is_empty());
        if !t.is_empty() {
            carried = if has_sub {
                t.to_string()
            } else {
                String::new()
            };
            out.push(t.to_string());
        } else if has_sub && !carried.is_empty() {
            out.push(carried.clone());
        } else {
            carried.clear();
            out.push(String::new());
        }
    }
    out
}

/// The text of a header cell before a bracket: `金额（元）` → `金额`.
fn before_bracket(s: &str) -> &str {
    s.split(['(', '（']).next().unwrap_or(s).trim()
}

/// Two header rows as one: a sub-column's name where it has one, else the
/// cell above (a column merged down over both rows). A sub-column that
/// names no column alone, or the same column as another, takes its group's
/// name in front (`承租方` over `证件号码` → `承租方证件号码`).
fn flatten(kind: TableKind, aliases: &Aliases, top: &[String], sub: &[String]) -> Vec<String> {
    let group = groups(top, sub);
    let n = group.len();
    let mut names: Vec<String> = (0..n)
        .map(|j| match sub.get(j).map(|s| s.trim()) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => group[j].clone(),
        })
        .collect();
    let col = |h: &str| aliases.column_in(kind, h);
    let mut count = std::collections::HashMap::new();
    for h in &names {
        if let Some(c) = col(h) {
            *count.entry(c).or_insert(0) += 1;
        }
    }
    for j in 0..n {
        let has_sub = sub.get(j).is_some_and(|s| !s.trim().is_empty());
        if !has_sub || group[j].is_empty() {
            continue;
        }
        let alone = col(&names[j]);
        if alone.is_none() || alone.is_some_and(|c| count[c] > 1) {
            let joined = format!("{}{}", before_bracket(&group[j]), names[j]);
            if col(&joined).is_some() {
                names[j] = joined;
            }
        }
    }
    names
}

/// Money columns in 万元: a header or its group saying so, or a title line
/// stating `单位：万元` for the whole table (unless the column says 元).
fn wan_columns(
    kind: TableKind,
    aliases: &Aliases,
    headers: &[String],
    groups_above: &[String],
    title_lines: &[String],
) -> Vec<bool> {
    let says = |s: &str, unit: &str| {
        let f = fold(s);
        f.contains(&format!("({unit})")) || f.contains(&format!("（{unit}）"))
    };
    let table_wan = title_lines.iter().any(|l| {
        let f = fold(l);
        f.contains("单位:万元") || f.contains("单位：万元")
    });
    headers
        .iter()
        .enumerate()
        .map(|(j, h)| {
            let money = aliases
                .column_in(kind, h)
                .and_then(|c| kind.column(c))
                .is_some_and(|c| c.kind == Kind::Money);
            let group = groups_above.get(j).map_or("", |s| s.as_str());
            money
                && (says(h, "万元")
                    || says(group, "万元")
                    || (table_wan && !says(h, "元") && !says(group, "元")))
        })
        .collect()
}

/// A title row as one line: its cells joined, a merged cell (its value
/// repeated over the cells it spans) once.
fn line_of(row: &[String]) -> String {
    let mut cells: Vec<&str> = row
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    cells.dedup();
    cells.join(" ")
}

/// Find the header among the first [`SCAN_ROWS`] of `rows`.
pub fn find_header(
    kind: TableKind,
    aliases: &Aliases,
    rows: &[Vec<String>],
) -> Result<HeaderFound, NoHeader> {
    let scan = rows.len().min(SCAN_ROWS);
    let mut best: Option<(usize, usize, BTreeSet<&'static str>)> = None;
    for at in 0..scan {
        let row = &rows[at];
        if non_blank(row) < 2 {
            continue;
        }
        let (single, complete) = named(kind, aliases, row);
        let two = rows.get(at + 1).map(|sub| {
            let flat = flatten(kind, aliases, row, sub);
            let (cols, complete) = named(kind, aliases, &flat);
            (flat, cols, complete)
        });
        let found = |height: usize, headers: Vec<String>| {
            let title_lines: Vec<String> = rows[..at]
                .iter()
                .map(|r| line_of(r))
                .filter(|l| !l.is_empty())
                .collect();
            let above = if height == 2 {
                groups(row, &rows[at + 1])
            } else {
                vec![]
            };
            let wan = wan_columns(kind, aliases, &headers, &above, &title_lines);
            HeaderFound {
                at,
                height,
                headers,
                title_lines,
                wan,
            }
        };
        // A two-row header's top row names columns itself (those merged
        // down over both rows); a title line above a header names none.
        if let Some((flat, cols, true)) = &two
            && cols.len() > single.len()
            && !single.is_empty()
        {
            return Ok(found(2, flat.clone()));
        }
        if complete {
            return Ok(found(1, row.clone()));
        }
        if best.as_ref().is_none_or(|b| single.len() > b.2.len()) && !single.is_empty() {
            best = Some((at, 1, single));
        }
    }
    let looked = rows[..scan]
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r.iter().map(|c| c.trim()).collect();
            let l = cells.join(" | ");
            let l = l.trim_end_matches([' ', '|']).to_string();
            if l.chars().count() > 120 {
                l.chars().take(120).collect::<String>() + "…"
            } else {
                l
            }
        })
        .collect();
    let closest = best.as_ref().map(|(at, _, cols)| {
        let missing = kind
            .columns()
            .iter()
            .filter(|c| c.required && !cols.contains(c.name))
            .map(|c| c.name)
            .collect();
        (at + 1, missing)
    });
    let near = best
        .as_ref()
        .map(|(at, _, _)| {
            rows[*at]
                .iter()
                .filter(|c| !c.trim().is_empty() && aliases.column_for_header(c).is_none())
                .filter_map(|c| {
                    aliases
                        .nearest(c, kind)
                        .map(|(alias, col)| (c.trim().to_string(), alias, col))
                })
                .take(5)
                .collect()
        })
        .unwrap_or_default();
    Err(NoHeader {
        looked,
        closest,
        near,
        first_row_cells: rows.first().map_or(0, |r| non_blank(r)),
    })
}

/// Split the first lines of a CSV text into cells (RFC 4180 quoting, a
/// quoted field may span lines), at most `max` records: the rows the
/// header is looked for in, with the byte offset just past each.
fn csv_records(text: &str, max: usize) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut fields = Vec::new();
    let mut quoted = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if quoted && chars.peek().is_some_and(|(_, n)| *n == '"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            '\n' if !quoted => {
                if cur.ends_with('\r') {
                    cur.pop();
                }
                fields.push(std::mem::take(&mut cur));
                out.push((std::mem::take(&mut fields), i + 1));
                if out.len() >= max {
                    return out;
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() || !fields.is_empty() {
        fields.push(cur);
        out.push((fields, text.len()));
    }
    out
}

/// The header of a CSV text, and the byte offset where its body begins.
pub fn locate_in_text(
    kind: TableKind,
    aliases: &Aliases,
    text: &str,
) -> Result<(HeaderFound, usize), NoHeader> {
    // The header is looked for in the first rows; one more for a two-row header.
    let head = &text[..floor_char_boundary(text, text.len().min(1 << 16))];
    let records = csv_records(head, SCAN_ROWS + 1);
    let rows: Vec<Vec<String>> = records.iter().map(|(r, _)| r.clone()).collect();
    let found = find_header(kind, aliases, &rows)?;
    let end = records[found.body() - 1].1;
    Ok((found, end))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&str]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn header_below_title_lines_is_found_and_the_lines_kept() {
        let a = Aliases::builtin();
        let r = rows(&[
            "XX街道2025年度村干部名册,,,",
            "填报单位（盖章）：XX街道,,,",
            "序号,村代码,姓　名,身份证\n号码,职务",
            "1,370112001001,张三,370102197109034794,书记",
        ]);
        let h = find_header(TableKind::Cadres, &a, &r).unwrap();
        assert_eq!((h.at, h.height), (2, 1));
        assert_eq!(h.title_lines.len(), 2);
        assert_eq!(h.title_lines[0], "XX街道2025年度村干部名册");
    }

    #[test]
    fn two_row_header_is_flattened_with_group_context() {
        let a = Aliases::builtin();
        let r = rows(&[
            "序号,村代码,项目,批次号,发放期间,发放对象,,金额（万元）,发放日期",
            ",,,,,姓名,身份证号,,",
            "1,370112001001,城乡低保,B1,2025-01,张三,370102197109034794,0.06,2025-01-05",
        ]);
        let h = find_header(TableKind::Subsidies, &a, &r).unwrap();
        assert_eq!((h.at, h.height), (0, 2));
        assert_eq!(h.headers[5], "姓名");
        assert_eq!(h.headers[6], "身份证号");
        assert!(h.wan[7], "{:?}", h.wan);
        assert!(!h.wan[5]);
    }

    #[test]
    fn a_title_merged_over_the_header_is_not_a_group_row() {
        let a = Aliases::builtin();
        let title = "XX街道2025年度村干部名册";
        let r = vec![
            vec![title.to_string(); 5],
            "序号,村代码,姓名,身份证号,职务"
                .split(',')
                .map(str::to_string)
                .collect(),
        ];
        let h = find_header(TableKind::Cadres, &a, &r).unwrap();
        assert_eq!((h.at, h.height), (1, 1));
        assert_eq!(h.title_lines, [title]);
    }

    #[test]
    fn a_table_unit_line_scales_money_columns_but_not_one_that_says_yuan() {
        let a = Aliases::builtin();
        let r = rows(&[
            "单位：万元,,",
            "村代码,凭证号,日期,收支方向,金额,摘要,对方单位",
        ]);
        let h = find_header(TableKind::Ledger, &a, &r).unwrap();
        assert!(h.wan[4]);
        let r = rows(&[
            "单位：万元,,",
            "村代码,凭证号,日期,收支方向,金额（元）,摘要,对方单位",
        ]);
        assert!(!find_header(TableKind::Ledger, &a, &r).unwrap().wan[4]);
    }

    #[test]
    fn no_header_names_what_is_missing_and_the_nearest_alias() {
        let a = Aliases::builtin();
        let mut r = vec![vec!["标题".to_string()]; 20];
        r[3] = "村代码,姓名,身份证号码x,职务"
            .split(',')
            .map(str::to_string)
            .collect();
        let e = find_header(TableKind::Cadres, &a, &r).unwrap_err();
        let text = e.describe(TableKind::Cadres);
        assert!(text.contains("row 4"), "{text}");
        assert!(text.contains("id_number"), "{text}");
        assert!(text.contains("aliases.toml"), "{text}");
    }

    #[test]
    fn csv_text_header_offset_points_past_the_header() {
        let a = Aliases::builtin();
        let text = "名册\n村代码,姓名,身份证号,职务\n370112001001,张三,370102197109034794,书记\n";
        let (h, end) = locate_in_text(TableKind::Cadres, &a, text).unwrap();
        assert_eq!(h.at, 1);
        assert!(text[end..].starts_with("370112001001"));
    }
}
