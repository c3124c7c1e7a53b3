//! Bad input, end to end through the binary: every case gives a clear
//! error line naming file, row, column and value (exit 1) or loads and
//! says what it made of the data (exit 0, a data-quality finding or a
//! warning), never panics, and never leaves an output folder, a temp folder
//! or a case store behind when it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HEAD: &str = "village_code,voucher_no,date,direction,amount,summary,counterparty\n";

fn row(n: usize, date: &str, amount: &str) -> String {
    format!("370112001001,PZ-2025-01-{n:03},{date},支出,{amount},村务误工补贴,孙月\n")
}

fn ledger(rows: &[String]) -> Vec<u8> {
    let mut s = HEAD.to_string();
    for r in rows {
        s.push_str(r);
    }
    s.into_bytes()
}

fn good_rows() -> Vec<String> {
    (1..=3).map(|n| row(n, "2025-01-03", "990.00")).collect()
}

struct Run {
    tmp: tempfile::TempDir,
    out: PathBuf,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn findings_csv(&self) -> String {
        std::fs::read_to_string(self.out.join("findings.csv")).unwrap()
    }
    fn manifest(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.out.join("run.json")).unwrap()).unwrap()
    }
}

/// Scan a dataset folder made of `files`, with the case store at its
/// default place (beside the output folder) so that a failure that left
/// one behind would show.
fn scan(files: &[(&str, Vec<u8>)], args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for (name, bytes) in files {
        std::fs::write(data.join(name), bytes).unwrap();
    }
    let out = tmp.path().join("out");
    let o: Output = Command::new(env!("CARGO_BIN_EXE_weiquan"))
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .args(args)
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "panic: {stderr}"
    );
    Run {
        tmp,
        out,
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).to_string(),
        stderr,
    }
}

/// Exit 1, one error line holding every `needle`, nothing left behind.
fn assert_rejected(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let line = r.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "one clear line: {line}");
    assert!(line.starts_with("error: "), "{line}");
    for n in needles {
        assert!(line.contains(n), "`{n}` missing from: {line}");
    }
    assert!(line.len() < 2_000, "error line of {} bytes", line.len());
    assert_nothing_left(r.tmp.path());
}

fn assert_nothing_left(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        left,
        vec!["data".to_string()],
        "output, temp folder or store left behind"
    );
}

fn assert_ran(r: &Run) {
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert!(r.out.join("findings.csv").is_file());
}

fn input<'a>(m: &'a serde_json::Value, table: &str) -> &'a serde_json::Value {
    m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == table)
        .unwrap()
}

#[test]
fn empty_file_is_an_error() {
    let r = scan(&[("ledger.csv", vec![])], &[]);
    assert_rejected(&r, &["ledger.csv", "file is empty"]);
    let r = scan(&[("ledger.csv", b" \r\n\r\n".to_vec())], &[]);
    assert_rejected(&r, &["ledger.csv", "file is empty"]);
}

#[test]
fn header_only_is_an_empty_table_not_an_error() {
    let r = scan(&[("ledger.csv", HEAD.as_bytes().to_vec())], &[]);
    assert_ran(&r);
    assert_eq!(input(&r.manifest(), "ledger")["rows"], 0);
    assert_eq!(r.findings_csv().lines().count(), 1, "header line only");
}

#[test]
fn truncated_csv_names_the_cut_row() {
    // Cut in the middle of the fifth row (file row 5): fields missing.
    let mut bytes = ledger(&good_rows());
    bytes.extend_from_slice(b"370112001001,PZ-2025-01-004,2025-0");
    let r = scan(&[("ledger.csv", bytes)], &[]);
    assert_rejected(&r, &["ledger.csv", "row 5", "column date", "2025-0"]);

    // Cut inside a quoted field: the quote never closes.
    let mut bytes = ledger(&good_rows());
    bytes.extend_from_slice("370112001001,PZ-2025-01-004,2025-01-03,支出,\"1,2".as_bytes());
    let r = scan(&[("ledger.csv", bytes)], &[]);
    assert_rejected(&r, &["ledger.csv", "row 5"]);
}

#[test]
fn truncated_xlsx_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("full.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in HEAD.trim().split(',').enumerate() {
        ws.write_string(0, j as u16, h).unwrap();
    }
    for i in 1..200u32 {
        for (j, v) in row(i as usize, "2025-01-03", "990.00")
            .trim()
            .split(',')
            .enumerate()
        {
            ws.write_string(i, j as u16, v).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let full = std::fs::read(&path).unwrap();
    for cut in [full.len() / 2, full.len() - 30, 100] {
        let r = scan(&[("ledger.xlsx", full[..cut].to_vec())], &[]);
        assert_rejected(&r, &["ledger.xlsx", "not a readable workbook"]);
    }
    // The whole file loads.
    let r = scan(&[("ledger.xlsx", full)], &[]);
    assert_ran(&r);
    assert_eq!(input(&r.manifest(), "ledger")["rows"], 199);
}

/// A workbook the fuzzer built on which calamine overflows (debug builds
/// panic there): a bad file, exit 1, one line; not a crash.
#[test]
fn a_workbook_that_trips_the_xlsx_reader_is_a_bad_file() {
    let raw = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-regressions/load_xlsx/calamine-cell-ref-overflow"),
    )
    .unwrap();
    let r = scan(&[("hires.xlsx", raw[1..].to_vec())], &[]);
    assert_rejected(&r, &["hires.xlsx", "not a readable workbook"]);
}

#[test]
fn big5_is_refused_not_read_as_gbk() {
    let text = "村居代碼,憑證號,日期,收支方向,金額,摘要,對方單位\n\
                370112001001,PZ-1,2025-01-03,支出,990.00,誤工補貼,張偉\n\
                370112001001,PZ-2,2025-01-04,支出,120.00,報銷辦公費,陳麗華\n";
    let (big5, _, unmappable) = encoding_rs::BIG5.encode(text);
    assert!(!unmappable);
    let r = scan(&[("ledger.csv", big5.into_owned())], &[]);
    assert_rejected(&r, &["ledger.csv", "Big5", "UTF-8"]);
}

#[test]
fn gbk_still_loads() {
    let text = ledger(&good_rows());
    let (gbk, _, _) = encoding_rs::GBK.encode(std::str::from_utf8(&text).unwrap());
    let r = scan(&[("ledger.csv", gbk.into_owned())], &[]);
    assert_ran(&r);
    assert_eq!(input(&r.manifest(), "ledger")["encoding"], "GB18030");
}

#[test]
fn utf16_with_and_without_bom_loads() {
    let text = String::from_utf8(ledger(&good_rows())).unwrap();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let cases = [
        ([&[0xFF, 0xFE][..], &le].concat(), "UTF-16LE"),
        ([&[0xFE, 0xFF][..], &be].concat(), "UTF-16BE"),
        (le.clone(), "UTF-16LE (no BOM)"),
        (be.clone(), "UTF-16BE (no BOM)"),
    ];
    for (bytes, enc) in cases {
        let r = scan(&[("ledger.csv", bytes)], &[]);
        assert_ran(&r);
        let m = r.manifest();
        assert_eq!(input(&m, "ledger")["encoding"], enc);
        assert_eq!(input(&m, "ledger")["rows"], 3);
    }
    // A UTF-16 file cut in the middle of a character.
    let r = scan(&[("ledger.csv", le[..le.len() - 1].to_vec())], &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("ledger.csv"), "{}", r.stderr);
    assert_nothing_left(r.tmp.path());
}

#[test]
fn duplicate_headers_are_an_error() {
    let text = "village_code,voucher_no,date,direction,amount,summary,counterparty,amount\n\
                370112001001,PZ-1,2025-01-03,支出,990.00,补贴,孙月,5\n";
    let r = scan(&[("ledger.csv", text.as_bytes().to_vec())], &[]);
    assert_rejected(
        &r,
        &["ledger.csv", "amount (column 5)", "amount (column 8)"],
    );
}

#[test]
fn two_headers_aliasing_one_column_are_an_error() {
    let text = "village_code,voucher_no,date,direction,金额,summary,counterparty,amount\n\
                370112001001,PZ-1,2025-01-03,支出,990.00,补贴,孙月,5\n";
    let r = scan(&[("ledger.csv", text.as_bytes().to_vec())], &[]);
    assert_rejected(
        &r,
        &[
            "ledger.csv",
            "金额 (column 5)",
            "amount (column 8)",
            "`amount`",
        ],
    );
}

#[test]
fn missing_required_column_is_an_error() {
    let text = "village_code,voucher_no,date,direction,summary,counterparty\n\
                370112001001,PZ-1,2025-01-03,支出,补贴,孙月\n";
    let r = scan(&[("ledger.csv", text.as_bytes().to_vec())], &[]);
    assert_rejected(
        &r,
        &["ledger.csv", "missing required column `amount`", "金额"],
    );
}

#[test]
fn wrong_type_is_an_error_or_with_lenient_a_warning() {
    let mut rows = good_rows();
    rows.push(row(4, "2025-01-03", "abc"));
    let bytes = ledger(&rows);
    let r = scan(&[("ledger.csv", bytes.clone())], &[]);
    assert_rejected(
        &r,
        &[
            "ledger.csv",
            "row 5",
            "column amount",
            "\"abc\"",
            "not an amount",
        ],
    );
    let r = scan(&[("ledger.csv", bytes)], &["--lenient"]);
    assert_ran(&r);
    assert!(
        r.stderr.contains("ledger.csv")
            && r.stderr.contains("row 5")
            && r.stderr.contains("column amount")
            && r.stderr.contains("abc"),
        "lenient says what it blanked: {}",
        r.stderr
    );
    assert_eq!(r.manifest()["load_issues"]["BadValue"], 1);
}

#[test]
fn mask_pii_masks_values_quoted_in_errors_and_warnings() {
    let mut rows = good_rows();
    rows.push(row(4, "2025-01-03", "370102197109034794"));
    let bytes = ledger(&rows);
    let r = scan(&[("ledger.csv", bytes.clone())], &["--mask-pii"]);
    assert_rejected(
        &r,
        &["ledger.csv", "row 5", "column amount", "370102********4794"],
    );
    assert!(!r.stderr.contains("370102197109034794"), "{}", r.stderr);
    let r = scan(&[("ledger.csv", bytes)], &["--mask-pii", "--lenient"]);
    assert_ran(&r);
    assert!(r.stderr.contains("370102********4794"), "{}", r.stderr);
    assert!(!r.stderr.contains("370102197109034794"), "{}", r.stderr);
}

#[test]
fn impossible_date_is_an_error() {
    let mut rows = good_rows();
    rows.insert(0, row(9, "2025-02-30", "10.00"));
    let r = scan(&[("ledger.csv", ledger(&rows))], &[]);
    assert_rejected(
        &r,
        &[
            "ledger.csv",
            "row 2",
            "column date",
            "2025-02-30",
            "no such date",
        ],
    );
    for d in ["2025年2月30日", "20250230", "2025/13/01"] {
        let r = scan(&[("ledger.csv", ledger(&[row(1, d, "1")]))], &[]);
        assert_rejected(&r, &["ledger.csv", "row 2", "column date", d]);
    }
}

#[test]
fn negative_amounts_are_reversals() {
    let rows = vec![
        row(1, "2025-01-03", "-990.00"),
        row(2, "2025-01-03", "(5.50)"),
    ];
    let r = scan(&[("ledger.csv", ledger(&rows))], &[]);
    assert_ran(&r);
    assert_eq!(input(&r.manifest(), "ledger")["rows"], 2);
}

#[test]
fn absurd_amounts_are_an_error() {
    for a in ["99999999999999", "1e300", "1.5E+12", "NaN", "inf"] {
        let r = scan(&[("ledger.csv", ledger(&[row(1, "2025-01-03", a)]))], &[]);
        assert_rejected(&r, &["ledger.csv", "row 2", "column amount", a]);
    }
}

#[test]
fn ten_megabyte_field() {
    let big = "摘".repeat(10 * 1024 * 1024 / 3);
    // In a text column: read, and nothing explodes.
    let text = format!("{HEAD}370112001001,PZ-1,2025-01-03,支出,10.00,{big},孙月\n");
    let r = scan(&[("ledger.csv", text.into_bytes())], &[]);
    assert_ran(&r);
    // In an amount: one short error line, the value cut.
    let text = format!("{HEAD}370112001001,PZ-1,2025-01-03,支出,{big},摘要,孙月\n");
    let r = scan(&[("ledger.csv", text.into_bytes())], &[]);
    assert_rejected(&r, &["ledger.csv", "row 2", "column amount", "摘摘摘", "…"]);
}

#[test]
fn nul_bytes_in_a_cell_are_a_bad_value() {
    let text = format!("{HEAD}370112001001,PZ-1,2025-01-03,支出,99\00,摘要,孙月\n");
    let r = scan(&[("ledger.csv", text.clone().into_bytes())], &[]);
    assert_rejected(
        &r,
        &[
            "ledger.csv",
            "row 2",
            "column amount",
            "NUL byte",
            "99\\\\0",
        ],
    );
    let r = scan(&[("ledger.csv", text.into_bytes())], &["--lenient"]);
    assert_ran(&r);
    assert!(r.stderr.contains("NUL byte"), "{}", r.stderr);
    // In a text column too: evidence must not carry control bytes.
    let text = format!("{HEAD}370112001001,PZ-1,2025-01-03,支出,99,摘\0要,孙月\n");
    let r = scan(&[("ledger.csv", text.into_bytes())], &[]);
    assert_rejected(&r, &["ledger.csv", "row 2", "column summary", "NUL byte"]);
    // In the header.
    let mut bytes = ledger(&good_rows());
    bytes.insert("village_code".len(), 0);
    let r = scan(&[("ledger.csv", bytes)], &[]);
    assert_rejected(&r, &["ledger.csv", "NUL"]);
}

#[test]
fn a_table_given_twice_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("l.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in HEAD.trim().split(',').enumerate() {
        ws.write_string(0, j as u16, h).unwrap();
    }
    wb.save(&path).unwrap();
    let xlsx = std::fs::read(&path).unwrap();
    let r = scan(
        &[
            ("ledger.csv", ledger(&good_rows())),
            ("集体资金收支明细.xlsx", xlsx),
        ],
        &[],
    );
    assert_rejected(
        &r,
        &[
            "table ledger given twice",
            "ledger.csv",
            "集体资金收支明细.xlsx",
        ],
    );
}

#[test]
fn bad_id_numbers_are_a_data_quality_finding() {
    let text = "village_code,voucher_no,date,direction,amount,summary,counterparty,counterparty_id\n\
                370112001001,PZ-1,2025-01-03,支出,990.00,补贴,孙月,370102197109034795\n\
                370112001001,PZ-2,2025-01-03,支出,990.00,补贴,王元,3.70102E+17\n";
    let r = scan(&[("ledger.csv", text.as_bytes().to_vec())], &[]);
    assert_ran(&r);
    let csv = r.findings_csv();
    let inv: Vec<&str> = csv.lines().filter(|l| l.contains(",invalid_id,")).collect();
    assert_eq!(inv.len(), 2, "{csv}");
    assert!(inv.iter().any(|l| l.contains("370102197109034795")));
    assert!(inv.iter().any(|l| l.contains("3.70102E+17")));
    assert_eq!(r.manifest()["load_issues"]["InvalidId"], 1);
    assert_eq!(r.manifest()["load_issues"]["ExcelMangledId"], 1);
    assert!(r.stdout.is_empty(), "--quiet: {}", r.stdout);
}

#[test]
fn not_a_dataset_is_an_error() {
    let r = scan(&[("notes.txt", b"hello".to_vec())], &[]);
    assert_rejected(&r, &["data", "not a dataset folder"]);
}

/// Every file kept by the fuzzers as a crasher or a hang still loads
/// without a panic (the loaders are called as `scan` calls them).
#[test]
fn fuzz_regressions_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for target in ["load_csv", "load_xlsx", "normalize"] {
        let dir = root.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            n += 1;
            replay(target, &data, &path);
        }
    }
    eprintln!("{n} fuzz regression input(s) replayed");
}

fn replay(target: &str, data: &[u8], origin: &Path) {
    use weiquan::dataset::{Aliases, load_table};
    let Some((&b0, body)) = data.split_first() else {
        return;
    };
    let kind = weiquan::TableKind::ALL[(b0 & 0x0F) as usize % weiquan::TableKind::ALL.len()];
    let opts = weiquan::LoadOptions {
        lenient: b0 & 0x40 != 0,
        ..weiquan::LoadOptions::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let r = std::panic::catch_unwind(|| match target {
        "load_csv" | "load_xlsx" => {
            let ext = if target == "load_csv" { "csv" } else { "xlsx" };
            let path = tmp.path().join(format!("{}.{ext}", kind.canonical()));
            // Structured xlsx inputs (top bit set) are replayed as raw bytes:
            // the fuzz target builds their workbook; the stored crasher of
            // such a case is the workbook itself.
            std::fs::write(&path, body).unwrap();
            let _ = load_table(kind, &path, &Aliases::builtin(), &opts);
        }
        _ => {
            use weiquan::dataset::id_number as id;
            use weiquan::matching::{kin, names, vendor};
            let s = String::from_utf8_lossy(data);
            let _ = id::birth_date(&s);
            let _ = id::id_problem(&s);
            let _ = id::sex(&s);
            let _ = kin::birth_year(&s);
            let _ = kin::address_key(&s);
            let _ = kin::parse_relation(&s);
            if let Some((a, b)) = s.split_once('|') {
                let _ = kin::same_street(a, b);
            }
            let name = weiquan::dataset::normalize::clean_name(&s);
            let _ = names::surname(&name);
            let _ = names::given_name(&name);
            let _ = names::pinyin_key(&name);
            let _ = names::loose_key(&name);
            let _ = vendor::company_name_key(&s);
            let _ = weiquan::dataset::normalize::clean_village_code(&s);
            let _ = weiquan::dataset::normalize::parse_date(&s);
            let _ = weiquan::dataset::normalize::parse_period(&s);
            let _ = weiquan::dataset::normalize::parse_amount_fen(&s);
            let _ = weiquan::dataset::normalize::parse_number(&s);
            let _ = weiquan::dataset::id_number::parse_id(&s);
            let _ = weiquan::dataset::id_number::credit_code_valid(&s);
            let _ = weiquan::matching::names::normalize(&s);
        }
    });
    assert!(r.is_ok(), "{} panics again", origin.display());
}
