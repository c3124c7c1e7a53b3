//! Office layout (data contract §1a): forms load as the tables they hold.
//! The office style loads to the same frames and gives the same findings
//! as its clean twin; and each thing a printed form holds (title lines, a
//! header far down, 合计 rows in the middle, a total that disagrees, 万元
//! with four decimals, an HTML ".xls", a legacy .xls, empty sheets, a sheet
//! of another table, a sheet lacking a column) gives a clear result.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use polars::prelude::*;
use weiquan::dataset::{Dataset, LoadOptions, ROW, TableKind};
use weiquan::finding::Category;
use weiquan::r#gen::{self, GenOptions, Style};

const LEDGER_HEAD: &str = "序号,村代码,凭证号,记账日期,收支方向,金额,摘要,对方单位";

fn ledger_row(n: usize, amount: &str) -> String {
    format!("{n},370112001001,PZ-{n:03},2025-01-03,支出,{amount},村务误工补贴,孙月")
}

fn load_files(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, weiquan::Result<Dataset>) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
    }
    let ds = Dataset::load(tmp.path(), &LoadOptions::default());
    (tmp, ds)
}

fn amounts(ds: &Dataset, t: TableKind, col: &str) -> Vec<Option<i64>> {
    ds.frame(t)
        .unwrap()
        .column(col)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect()
}

fn rows_of(ds: &Dataset, t: TableKind) -> Vec<u32> {
    ds.frame(t)
        .unwrap()
        .column(ROW)
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .map(|r| r.unwrap())
        .collect()
}

/// Every column of every table as text, without the row numbers.
fn frames_as_text(ds: &Dataset) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out = BTreeMap::new();
    for t in TableKind::ALL {
        let Some(df) = ds.frame(t) else { continue };
        for c in df.columns().iter().filter(|c| c.name().as_str() != ROW) {
            let dtype = format!("{:?}", c.dtype())
                .split('(')
                .next()
                .unwrap()
                .to_string();
            let c = match c.dtype() {
                DataType::Categorical(..) => c.cast(&DataType::String).unwrap(),
                _ => c.clone(),
            };
            let vals = (0..df.height())
                .map(|i| format!("{:?}", c.get(i).unwrap()))
                .collect();
            out.insert(format!("{t}.{}", c.name()), (dtype, vals));
        }
    }
    out
}

fn findings_of(ds: &Dataset) -> Vec<weiquan::finding::Finding> {
    weiquan::engine::run(ds, &weiquan::RulesConfig::builtin(), &|_| {})
        .unwrap()
        .findings
}

#[test]
fn office_style_loads_and_scans_as_its_clean_twin() {
    let (clean, office) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let opts = |style, out: &Path| GenOptions {
        villages: 6,
        seed: 31,
        style,
        out: out.to_path_buf(),
    };
    let rc = r#gen::generate(&opts(Style::Clean, clean.path())).unwrap();
    let ro = r#gen::generate(&opts(Style::Office, office.path())).unwrap();
    let dc = Dataset::load(clean.path(), &LoadOptions::default()).unwrap();
    let d_o = Dataset::load(office.path(), &LoadOptions::default()).unwrap();
    // Really laid out as forms: every table has title lines, some are
    // workbooks, some have a two-row header or are split over sheets.
    let layouts: Vec<_> = d_o
        .tables
        .values()
        .map(|t| t.source.layout.clone())
        .collect();
    assert!(
        layouts
            .iter()
            .all(|l| l.as_ref().is_some_and(|l| !l.title_lines.is_empty()))
    );
    assert!(layouts.iter().flatten().any(|l| l.header_rows.len() == 2));
    assert!(
        layouts
            .iter()
            .flatten()
            .any(|l| l.dropped.total + l.dropped.subtotal > 0)
    );
    assert!(d_o.tables.values().any(|t| t.source.format == "xlsx"));
    assert!(d_o.tables.values().any(|t| t.source.format == "csv"));
    // The ledger is printed on pages: a 本页小计 and the header again every 40 rows.
    let ledger = d_o
        .source(TableKind::Ledger)
        .unwrap()
        .layout
        .clone()
        .unwrap();
    assert!(ledger.dropped.header_repeated > 10, "{:?}", ledger.dropped);
    // The same frames: columns, dtypes, values.
    let (tc, to) = (frames_as_text(&dc), frames_as_text(&d_o));
    assert_eq!(tc.keys().collect::<Vec<_>>(), to.keys().collect::<Vec<_>>());
    for (k, v) in &tc {
        assert_eq!(v, &to[k], "column {k} differs between clean and office");
    }
    // The same findings (rule, village, subject, amount), apart from the
    // wrong 小计 the office style plants, which are found, each as labelled.
    let key = |f: &weiquan::finding::Finding| {
        (
            f.rule.clone(),
            f.village_code.clone(),
            f.subject_id.clone(),
            f.amount_fen,
        )
    };
    let (fc, fo) = (findings_of(&dc), findings_of(&d_o));
    let cases = |fs: &[weiquan::finding::Finding]| -> Vec<_> {
        let mut v: Vec<_> = fs.iter().filter(|f| f.rule != "WEAK005").map(key).collect();
        v.sort();
        v
    };
    assert_eq!(cases(&fc), cases(&fo));
    let mut planted: Vec<String> = ro
        .labels
        .iter()
        // A wrong 小计's subject is its village (a seal use's, its entry).
        .filter(|l| l.case.category == Category::WeakSignal && l.case.subject == l.case.village)
        .map(|l| l.case.village.clone())
        .collect();
    let mut found: Vec<String> = fo
        .iter()
        .filter(|f| f.rule == "WEAK005")
        .map(|f| f.village_code.clone())
        .collect();
    planted.sort();
    planted.dedup();
    found.sort();
    assert_eq!(found, planted);
    assert!(
        rc.labels
            .iter()
            .all(|l| l.case.category != Category::WeakSignal || l.note.contains("用印"))
    );
}

#[test]
fn a_header_under_title_lines_and_totals_in_the_middle() {
    let text = [
        "XX街道2025年度集体资金收支明细表,,,,,,,".to_string(),
        "单位：元,,,,,,,".into(),
        LEDGER_HEAD.into(),
        ledger_row(1, "100.00"),
        ledger_row(2, "200.00"),
        "1月小计,,,,,300.00,,".into(),
        ",,,,,,,".into(),
        LEDGER_HEAD.into(),
        ledger_row(3, "50.00"),
        "合　计（3笔）,,,,,350.00,,".into(),
        "制表人：王某某,,,审核人：李某某,,,,".into(),
    ]
    .join("\n");
    let (_t, ds) = load_files(&[("集体资金收支明细.csv", text.into_bytes())]);
    let ds = ds.unwrap();
    assert_eq!(
        amounts(&ds, TableKind::Ledger, "amount"),
        [Some(10000), Some(20000), Some(5000)]
    );
    // Rows as Excel shows them: the title lines count.
    assert_eq!(rows_of(&ds, TableKind::Ledger), [4, 5, 9]);
    let l = ds
        .source(TableKind::Ledger)
        .unwrap()
        .layout
        .clone()
        .unwrap();
    assert_eq!(l.header_rows, [3]);
    assert_eq!(l.title_lines[0], "XX街道2025年度集体资金收支明细表");
    assert_eq!(
        (
            l.dropped.subtotal,
            l.dropped.total,
            l.dropped.blank,
            l.dropped.header_repeated,
            l.dropped.footer
        ),
        (1, 1, 1, 1, 1)
    );
    assert_eq!((l.totals_checked, l.totals_disagreeing.len()), (2, 0));
    assert!(findings_of(&ds).iter().all(|f| f.rule != "WEAK005"));
}

#[test]
fn a_total_that_disagrees_is_a_weak_signal_and_a_note_in_run_json() {
    let text = [
        LEDGER_HEAD.to_string(),
        ledger_row(1, "100.00"),
        ledger_row(2, "200.00"),
        "合计,,,,,310.00,,".into(),
    ]
    .join("\n");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("集体资金收支明细.csv"), text).unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_weiquan"))
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("WEAK005"))
        .expect("a WEAK005 finding");
    assert!(
        line.contains("表内合计与明细不符") && line.contains("310") && line.contains("300"),
        "{line}"
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let bad = &run["inputs"][0]["layout"]["totals_disagreeing"][0];
    assert_eq!(
        (bad["stated"].as_str(), bad["computed"].as_str()),
        (Some("310.00"), Some("300.00"))
    );
    assert_eq!(bad["row"], 4);
}

#[test]
fn wan_yuan_with_four_decimals_is_exact_and_six_more_is_a_bad_value() {
    let head = "村代码,合同编号,项目名称,承包方,合同金额（万元）,签订日期,发包方式";
    let row = |no: &str, amount: &str| {
        format!("370112001001,{no},道路硬化,济南某公司,{amount},2025-03-01,直接发包")
    };
    let text = format!(
        "{head}\n{}\n{}\n",
        row("HT-1", "12.3456"),
        row("HT-2", "0.0001")
    );
    let (_t, ds) = load_files(&[("工程项目合同.csv", text.into_bytes())]);
    let ds = ds.unwrap();
    assert_eq!(
        amounts(&ds, TableKind::Contracts, "amount"),
        [Some(12_345_600), Some(100)]
    );
    let text = format!(
        "单位：万元,,,,,,\n{}\n{}\n",
        head.replace("（万元）", ""),
        row("HT-3", "1.23456789")
    );
    let (_t, ds) = load_files(&[("工程项目合同.csv", text.into_bytes())]);
    let e = ds.err().expect("not a whole fen").to_string();
    assert!(e.contains("row 3") && e.contains("1.23456789"), "{e}");
}

#[test]
fn no_header_in_the_first_rows_names_the_rows_and_the_nearest_alias() {
    let mut text = String::new();
    for i in 0..39 {
        text.push_str(&format!("第{i}行说明文字,,,,,,,\n"));
    }
    text.push_str("序号,村代码,凭证号,记帐日期,收支方向,金额,摘要,对方单位\n");
    text.push_str(&ledger_row(1, "1.00"));
    let (_t, ds) = load_files(&[("集体资金收支明细.csv", text.into_bytes())]);
    let e = ds.err().unwrap().to_string();
    assert!(
        e.contains("集体资金收支明细.csv") && e.contains("first 15 rows"),
        "{e}"
    );
    assert!(
        e.contains("第0行说明文字") && e.contains("aliases.toml"),
        "{e}"
    );
    // A header on row 1 that lacks a column still says which.
    let text = "村代码,凭证号,记帐日期,收支方向,金额,摘要,对方单位\n370112001001,PZ-1,2025-01-03,支出,1,x,孙月\n";
    let (_t, ds) = load_files(&[("集体资金收支明细.csv", text.as_bytes().to_vec())]);
    let e = ds.err().unwrap().to_string();
    assert!(e.contains("missing required column `date`"), "{e}");
}

/// A workbook of sheets, each a list of rows of text cells.
fn workbook(path: &Path, sheets: &[(&str, Vec<Vec<&str>>)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
    }
    wb.save(path).unwrap();
}

const CADRE_HEAD: [&str; 5] = ["序号", "村代码", "姓名", "身份证号", "职务"];

#[test]
fn sheets_cover_empty_split_and_another_tables_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("村干部名册.xlsx");
    workbook(
        &p,
        &[
            ("封面", vec![vec!["XX街道村干部名册"]]),
            ("Sheet3", vec![]),
            (
                "一村",
                vec![
                    vec!["一村干部名册"],
                    CADRE_HEAD.to_vec(),
                    vec!["1", "370112001001", "张伟", "37010219800101004X", "书记"],
                ],
            ),
            (
                "二村",
                vec![
                    CADRE_HEAD.to_vec(),
                    vec!["1", "370112001002", "李娜", "370102198503030024", "主任"],
                ],
            ),
            ("合同", vec![vec!["合同编号", "金额"], vec!["HT-1", "5"]]),
        ],
    );
    let ds = Dataset::load(tmp.path(), &LoadOptions::default()).unwrap();
    let l = ds
        .source(TableKind::Cadres)
        .unwrap()
        .layout
        .clone()
        .unwrap();
    assert_eq!(l.sheets, ["一村", "二村"]);
    let skipped: Vec<&str> = l.skipped_sheets.iter().map(|s| s.sheet.as_str()).collect();
    assert_eq!(skipped, ["封面", "Sheet3", "合同"]);
    // Each row keeps its sheet and the row Excel shows.
    let cited: Vec<(String, u32)> = rows_of(&ds, TableKind::Cadres)
        .into_iter()
        .map(|r| {
            let (s, row) = ds.cite(r);
            (s.unwrap().sheet.clone(), row)
        })
        .collect();
    assert_eq!(cited, [("一村".to_string(), 3), ("二村".to_string(), 2)]);
    // A sheet that looks like the table but lacks a column is an error naming it.
    workbook(
        &p,
        &[
            (
                "一村",
                vec![
                    CADRE_HEAD.to_vec(),
                    vec!["1", "370112001001", "张伟", "37010219800101004X", "书记"],
                ],
            ),
            (
                "二村",
                vec![
                    vec!["序号", "村代码", "姓名", "身份证号"],
                    vec!["1", "370112001002", "李娜", "370102198503030024"],
                ],
            ),
        ],
    );
    let e = Dataset::load(tmp.path(), &LoadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("sheet 二村") && e.contains("role"), "{e}");
}

#[test]
fn legacy_xls_loads_and_an_html_xls_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let xls = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/office/村干部名册.xls");
    std::fs::copy(&xls, tmp.path().join("村干部名册.xls")).unwrap();
    let ds = Dataset::load(tmp.path(), &LoadOptions::default()).unwrap();
    let t = &ds.tables[&TableKind::Cadres];
    assert_eq!(t.source.format, "xls");
    assert_eq!(t.frame.height(), 2);
    let l = t.source.layout.clone().unwrap();
    assert_eq!(l.sheets, ["名册"]);
    assert_eq!((l.dropped.total, l.dropped.footer), (1, 1));
    let (s, row) = ds.cite(rows_of(&ds, TableKind::Cadres)[1]);
    assert_eq!((s.unwrap().sheet.as_str(), row), ("名册", 5));

    let html = "<html><body><table><tr><td>村代码</td></tr></table></body></html>";
    let (_t, ds) = load_files(&[("村干部名册.xls", html.as_bytes().to_vec())]);
    let e = ds.err().unwrap().to_string();
    assert!(e.contains("村干部名册.xls") && e.contains("HTML"), "{e}");
}
