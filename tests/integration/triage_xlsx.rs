//! The Excel round trip: `cases export --xlsx`, an officer's edits in
//! Excel, `cases import` with history, refusals, conflicts with later
//! changes, a workbook made by hand, and --mask-pii.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use rust_xlsxwriter::Workbook;
use serde_json::Value;
use weiquan::triage::{Status, Store};

use crate::triage::{cases, dump, list_json, scan, weiquan};

// ---- Excel round trip -----------------------------------------------------------

/// Three cases in a store, via a real scan.
fn store_with_cases(tmp: &Path) -> (PathBuf, Vec<Value>) {
    let db = tmp.join("weiquan.db");
    scan(
        &crate::common::fixture("cash_payment/fire"),
        &tmp.join("out"),
        &db,
    );
    let list = list_json(&db, &[]);
    assert_eq!(list.len(), 3);
    (db, list)
}

fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let r = wb.worksheet_range(sheet).unwrap();
    r.rows().map(|r| r.to_vec()).collect()
}

/// What an officer does in Excel: open, change cells, save. The workbook is
/// read with calamine and written back with every cell, the hidden sheet
/// included, after `edit` changes the cells of sheet 线索.
fn officer_edits(from: &Path, to: &Path, edit: impl Fn(&mut Vec<Vec<Data>>)) {
    let mut wb_in = calamine::open_workbook_auto(from).unwrap();
    let names = wb_in.sheet_names();
    let mut wb = Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for name in names {
        let mut rows: Vec<Vec<Data>> = wb_in
            .worksheet_range(&name)
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        if name == "线索" {
            edit(&mut rows);
        }
        let ws = wb.add_worksheet();
        ws.set_name(&name).unwrap();
        if name.starts_with('_') {
            ws.set_hidden(true);
        }
        for (i, row) in rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let (i, j) = (i as u32, j as u16);
                match cell {
                    Data::String(s) => {
                        ws.write_string(i, j, s).unwrap();
                    }
                    Data::Float(f) => {
                        ws.write_number(i, j, *f).unwrap();
                    }
                    Data::Int(n) => {
                        ws.write_number(i, j, *n as f64).unwrap();
                    }
                    Data::DateTime(d) => {
                        ws.write_number_with_format(i, j, d.as_f64(), &date)
                            .unwrap();
                    }
                    _ => {}
                }
            }
        }
    }
    wb.save(to).unwrap();
}

fn col(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| *h == Data::String(name.to_string()))
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn row_of(rows: &[Vec<Data>], case_id: &str) -> usize {
    rows.iter()
        .position(|r| r[0] == Data::String(case_id.to_string()))
        .unwrap()
}

#[test]
fn excel_round_trip_applies_three_officer_edits_with_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let ids: Vec<String> = list
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_string())
        .collect();
    let xlsx = tmp.path().join("线索.xlsx");
    let said = cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    assert!(said.starts_with("3 case(s)"), "{said}");

    // The workbook an officer gets.
    let rows = sheet_rows(&xlsx, "线索");
    let headers: Vec<String> = rows[0].iter().map(|h| h.to_string()).collect();
    for h in [
        "线索编号",
        "规则",
        "类别",
        "严重程度",
        "分值",
        "村居代码",
        "对象",
        "金额",
        "问题描述",
        "处理状态",
        "承办人",
        "期限",
        "备注",
        "发现编号",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing column {h}");
    }
    assert_eq!(rows.len(), 4, "one row per case");
    assert_eq!(rows[1][col(&rows, "处理状态")].to_string(), "新线索");
    assert_eq!(rows[1][col(&rows, "类别")].to_string(), "超限额现金支付");
    let sheet_xml = unzip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains("<pane xSplit=\"1\" ySplit=\"1\""),
        "frozen header"
    );
    assert!(
        sheet_xml.contains("<autoFilter ref=\"A1:Q4\""),
        "autofilter"
    );
    assert!(
        sheet_xml.contains("<dataValidation type=\"list\""),
        "status dropdown"
    );
    assert!(sheet_xml.contains("新线索,处理中,已查实,已排除,已整改"));
    assert!(sheet_xml.contains("<cols>"), "column widths");

    // Three rows edited as an officer would.
    let edited = tmp.path().join("edited.xlsx");
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    officer_edits(&xlsx, &edited, |rows| {
        let (st, who, due, note) = (
            col(rows, "处理状态"),
            col(rows, "承办人"),
            col(rows, "期限"),
            col(rows, "备注"),
        );
        let ra = row_of(rows, &a);
        rows[ra][st] = Data::String("已查实".into());
        rows[ra][who] = Data::String("李明".into());
        let rb = row_of(rows, &b);
        rows[rb][due] = Data::Float(45839.0); // 2025-07-01 typed as a date
        rows[rb][st] = Data::String("处理中".into());
        let rc = row_of(rows, &c);
        rows[rc][note] = Data::String("=已电话核实，补齐审批单".into());
    });
    let said = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .args(["import", "--by", "李明"])
        .arg(&edited)
        .output()
        .unwrap();
    assert!(
        said.status.success(),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    let text = String::from_utf8(said.stdout).unwrap();
    assert!(
        text.starts_with("3 row(s) read, 3 case(s) changed, 5 field(s)"),
        "{text}"
    );

    let store = Store::open_existing(&db).unwrap();
    let ca = store.case(&a).unwrap();
    assert_eq!(
        (ca.status, ca.assignee.as_str()),
        (Status::Confirmed, "李明")
    );
    let cb = store.case(&b).unwrap();
    assert_eq!(
        (cb.status, cb.deadline.as_deref()),
        (Status::Open, Some("2025-07-01"))
    );
    let cc = store.case(&c).unwrap();
    assert_eq!(cc.note, "=已电话核实，补齐审批单");
    assert_eq!(cc.status, Status::New, "untouched fields stay");
    for (id, n) in [(&a, 2), (&b, 2), (&c, 1)] {
        let h: Vec<_> = store
            .history(id)
            .unwrap()
            .into_iter()
            .filter(|h| h.source == "xlsx")
            .collect();
        assert_eq!(h.len(), n, "{id}");
        assert!(h.iter().all(|h| h.by == "李明"));
    }
    let hb = store.history(&b).unwrap();
    assert!(hb.iter().any(|h| h.field == "deadline"
        && h.old.is_none()
        && h.new.as_deref() == Some("2025-07-01")));

    // Importing the same workbook again changes nothing.
    drop(store);
    let again = cases(&db, &["import", edited.to_str().unwrap()]);
    assert!(again.contains("0 case(s) changed"), "{again}");

    // The note that starts with `=` goes back out as text, never a formula.
    let xlsx2 = tmp.path().join("again.xlsx");
    cases(&db, &["export", "--all", "--xlsx", xlsx2.to_str().unwrap()]);
    let rows = sheet_rows(&xlsx2, "线索");
    let rc = row_of(&rows, &c);
    assert_eq!(
        rows[rc][col(&rows, "备注")],
        Data::String("=已电话核实，补齐审批单".into())
    );
    let xml = unzip_entry(&xlsx2, "xl/worksheets/sheet1.xml");
    assert!(!xml.contains("<f>"), "a formula was written");
    let styles = unzip_entry(&xlsx2, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "quote prefix format");
    let mut wb = calamine::open_workbook_auto(&xlsx2).unwrap();
    let formulas = wb.worksheet_formula("线索").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn a_workbook_with_a_bad_row_is_refused_whole_naming_each_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let ids: Vec<String> = list
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_string())
        .collect();
    let xlsx = tmp.path().join("x.xlsx");
    cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    let before = dump(&db);
    let edited = tmp.path().join("bad.xlsx");
    let (good, bad_status, bad_date) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    officer_edits(&xlsx, &edited, |rows| {
        let (st, due) = (col(rows, "处理状态"), col(rows, "期限"));
        let r = row_of(rows, &good);
        rows[r][st] = Data::String("已排除".into());
        let r = row_of(rows, &bad_status);
        rows[r][st] = Data::String("已完成".into());
        let r = row_of(rows, &bad_date);
        rows[r][due] = Data::String("下周五".into());
        let mut extra = rows[r].clone();
        extra[0] = Data::String("ffffffffffffffff".into());
        rows.push(extra);
    });
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .arg("import")
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let rows = sheet_rows(&edited, "线索");
    let r_status = row_of(&rows, &bad_status) + 1;
    let r_date = row_of(&rows, &bad_date) + 1;
    assert!(
        err.contains("nothing was changed") && err.contains("3 bad row(s)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "第{r_status}行：处理状态（M列）“已完成”不是有效状态"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("第{r_date}行：期限（O列）“下周五”不是日期")),
        "{err}"
    );
    assert!(
        err.contains("第5行：线索编号 ffffffffffffffff 在案件库中不存在"),
        "{err}"
    );
    assert!(
        !err.contains(&format!("第{}行", row_of(&rows, &good) + 1)),
        "{err}"
    );
    assert_eq!(dump(&db), before, "the good row was not applied either");
}

#[test]
fn an_old_workbook_never_undoes_later_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let (a, b) = (
        list[0]["case_id"].as_str().unwrap().to_string(),
        list[1]["case_id"].as_str().unwrap().to_string(),
    );
    let xlsx = tmp.path().join("x.xlsx");
    cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    // After the export, a colleague dismisses A and assigns B.
    cases(&db, &["set", &a, "--status", "dismissed", "--by", "同事"]);
    cases(&db, &["set", &b, "--assignee", "张华", "--by", "同事"]);

    // The officer's workbook only touched B's note: A's stale 新线索 and B's
    // empty assignee are not edits and must not be written back.
    let edited = tmp.path().join("e.xlsx");
    officer_edits(&xlsx, &edited, |rows| {
        let r = row_of(rows, &b);
        let n = col(rows, "备注");
        rows[r][n] = Data::String("已约谈".into());
    });
    let said = cases(&db, &["import", edited.to_str().unwrap(), "--by", "王"]);
    assert!(said.contains("1 case(s) changed, 1 field(s)"), "{said}");
    let store = Store::open_existing(&db).unwrap();
    assert_eq!(store.case(&a).unwrap().status, Status::Dismissed);
    let cb = store.case(&b).unwrap();
    assert_eq!((cb.assignee.as_str(), cb.note.as_str()), ("张华", "已约谈"));
    drop(store);

    // Editing a field the colleague also changed is a conflict, refused.
    let edited = tmp.path().join("c.xlsx");
    officer_edits(&xlsx, &edited, |rows| {
        let r = row_of(rows, &b);
        let w = col(rows, "承办人");
        rows[r][w] = Data::String("刘强".into());
    });
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .arg("import")
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("承办人在导出后已被他人修改（现为“张华”）"),
        "{err}"
    );
}

#[test]
fn a_hand_made_workbook_without_the_hidden_sheet_is_compared_with_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let a = list[0]["case_id"].as_str().unwrap();
    let path = tmp.path().join("hand.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in ["备注", "线索编号", "处理状态"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "退回重报").unwrap();
    ws.write_string(1, 1, a.to_uppercase()).unwrap();
    ws.write_string(1, 2, "open").unwrap();
    wb.save(&path).unwrap();
    let said = cases(&db, &["import", path.to_str().unwrap()]);
    assert!(said.contains("1 case(s) changed, 2 field(s)"), "{said}");
}

#[test]
fn mask_pii_masks_the_workbook_and_the_listing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("weiquan.db");
    scan(
        &crate::common::fixture("eligibility/fire"),
        &tmp.path().join("out"),
        &db,
    );
    let xlsx = tmp.path().join("m.xlsx");
    cases(
        &db,
        &["export", "--mask-pii", "--xlsx", xlsx.to_str().unwrap()],
    );
    let cells: String = sheet_rows(&xlsx, "线索")
        .iter()
        .flatten()
        .map(|c| c.to_string() + "\n")
        .collect();
    assert!(
        !cells.contains("370102195001010011"),
        "the workbook leaks an id"
    );
    assert!(cells.contains("370102********0011"));
    let meta: String = sheet_rows(&xlsx, "_导出信息")
        .iter()
        .flatten()
        .map(|c| c.to_string())
        .collect();
    assert!(!meta.contains("370102195001010011"));
    let listing = cases(&db, &["list", "--mask-pii"]);
    assert!(!listing.contains("370102195001010011") && listing.contains("370102********0011"));
    let id = list_json(&db, &[])[0]["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    let show = cases(&db, &["show", &id, "--mask-pii"]);
    assert!(!show.contains("370102195001010011"), "{show}");
    // An untouched masked workbook imports as no change at all.
    let said = cases(&db, &["import", xlsx.to_str().unwrap()]);
    assert!(said.contains("0 case(s) changed"), "{said}");
}

/// One part of an xlsx (a zip archive), as text.
fn unzip_entry(xlsx: &Path, entry: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(entry).unwrap(), &mut s).unwrap();
    s
}
