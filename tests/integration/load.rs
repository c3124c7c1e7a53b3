//! Loading real-looking exports: GBK CSV, xlsx with Chinese headers, every
//! messy value form of contract §3; and bad files giving one clear error.

use std::path::Path;

use polars::prelude::*;
use weiquan::dataset::{Dataset, IssueKind, LoadOptions, TableKind};

fn write_gbk(path: &Path, text: &str) {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    std::fs::write(path, bytes).unwrap();
}

fn load(dir: &Path) -> weiquan::Result<Dataset> {
    Dataset::load(dir, &LoadOptions::default())
}

fn dates(ds: &Dataset, t: TableKind, c: &str) -> Vec<Option<String>> {
    let df = ds.frame(t).unwrap();
    let s = df.column(c).unwrap().cast(&DataType::String).unwrap();
    s.str()
        .unwrap()
        .iter()
        .map(|o| o.map(str::to_string))
        .collect()
}

#[test]
fn gbk_ledger_with_chinese_headers_and_every_form() {
    let dir = tempfile::tempdir().unwrap();
    write_gbk(
        &dir.path().join("集体资金收支明细.csv"),
        "村居代码,凭证号,记账日期,收支方向,金额（元）,摘要,收款人,结算方式,备注\n\
         370102001001,记-1,2025/3/1,支出,\"￥1,234.50\",买　水泥,张　伟,现金,x\n\
         370102001001.0,记-2,2025.03.01,支出,1234.50元,修路,张 伟,转账,\n\
         370102001001,记-3,20250301,收入,１２３４．５０,租金,ＡＢＣ公司,转账,\n\
         370102001001,记-4,2025年3月1日,支出,1234.5,杂支,王芳,转账,\n\
         370102001001,记-5,45717,支出,\"1,234.50\",杂支,王芳,转账,\n",
    );
    let ds = load(dir.path()).unwrap();
    let src = ds.source(TableKind::Ledger).unwrap();
    assert_eq!(src.encoding, "GB18030");
    assert_eq!(src.extra_headers, vec!["备注".to_string()]);
    let df = ds.frame(TableKind::Ledger).unwrap();
    assert_eq!(df.height(), 5);
    assert!(
        dates(&ds, TableKind::Ledger, "date")
            .iter()
            .all(|d| d.as_deref() == Some("2025-03-01"))
    );
    let amounts: Vec<Option<i64>> = df.column("amount").unwrap().i64().unwrap().iter().collect();
    assert_eq!(amounts, vec![Some(123_450); 5]);
    let names: Vec<&str> = df
        .column("counterparty")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|o| o.unwrap())
        .collect();
    assert_eq!(names, ["张伟", "张伟", "ABC公司", "王芳", "王芳"]);
    let villages: Vec<&str> = df
        .column("village_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|o| o.unwrap())
        .collect();
    assert!(villages.iter().all(|v| *v == "370102001001"));
    let rows: Vec<u32> = df
        .column("__row")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .map(|o| o.unwrap())
        .collect();
    assert_eq!(rows, [2, 3, 4, 5, 6]);
}

#[test]
fn xlsx_roll_with_date_cells_serials_and_numeric_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("补贴救助发放花名册.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "补贴项目",
        "发放批次",
        "发放期间",
        "村代码",
        "姓名",
        "身份证号",
        "发放金额",
        "发放日期",
    ];
    for (j, h) in headers.iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 20).unwrap();
    // Row 2: a date cell, numeric village code, lower-case x, padded name.
    ws.write_string(1, 0, "城乡低保").unwrap();
    ws.write_string(1, 1, "DB202503").unwrap();
    ws.write_string(1, 2, "2025-03").unwrap();
    ws.write_number(1, 3, 370102001001.0).unwrap();
    ws.write_string(1, 4, "张　伟").unwrap();
    ws.write_string(1, 5, "37010219800101004x").unwrap();
    ws.write_number(1, 6, 600.0).unwrap();
    ws.write_datetime_with_format(1, 7, &date, &fmt).unwrap();
    // Row 3: serial number as a plain number, id stored as a float (mangled).
    ws.write_string(2, 0, "城乡低保").unwrap();
    ws.write_string(2, 1, "DB202503").unwrap();
    ws.write_string(2, 2, "202503").unwrap();
    ws.write_string(2, 3, "370102001001").unwrap();
    ws.write_string(2, 4, "李娜").unwrap();
    ws.write_number(2, 5, 370102198001010040.0).unwrap();
    ws.write_string(2, 6, "¥600.00").unwrap();
    ws.write_number(2, 7, 45736.0).unwrap();
    wb.save(&path).unwrap();

    let ds = load(dir.path()).unwrap();
    let df = ds.frame(TableKind::Subsidies).unwrap();
    assert_eq!(df.height(), 2);
    assert_eq!(
        dates(&ds, TableKind::Subsidies, "paid_date"),
        vec![Some("2025-03-20".into()); 2]
    );
    assert_eq!(
        dates(&ds, TableKind::Subsidies, "period"),
        vec![Some("2025-03-01".into()); 2]
    );
    let ids: Vec<Option<&str>> = df
        .column("id_number")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, [Some("37010219800101004X"), None]);
    let villages: Vec<Option<&str>> = df
        .column("village_code")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(villages, [Some("370102001001"); 2]);
    let mangled: Vec<_> = ds
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::ExcelMangledId)
        .collect();
    assert_eq!(mangled.len(), 1);
    // The issue's row is the table's `__row`: sheet and row as Excel shows them.
    let (sheet, row) = ds.cite(mangled[0].row as u32);
    assert_eq!((sheet.map(|s| s.sheet.as_str()), row), (Some("Sheet1"), 3));
    assert_eq!(mangled[0].village_code.as_deref(), Some("370102001001"));
}

#[test]
fn parquet_and_fifteen_digit_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut df = df!(
        "id_number" => ["370102500101001"],
        "name" => ["蒋十"],
        "death_date" => ["2025-01-31"],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.path().join("deaths.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let ds = load(dir.path()).unwrap();
    let ids: Vec<Option<&str>> = ds
        .frame(TableKind::Deaths)
        .unwrap()
        .column("id_number")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, [Some("370102195001010011")]);
    assert!(ds.issues.is_empty());
}

fn err_of(files: &[(&str, &[u8])]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (n, b) in files {
        std::fs::write(dir.path().join(n), b).unwrap();
    }
    match load(dir.path()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert_eq!(e.exit_code(), 1);
            e.to_string()
        }
    }
}

#[test]
fn missing_column_names_file_column_and_aliases() {
    let e = err_of(&[(
        "ledger.csv",
        "village_code,voucher_no,direction,amount,summary,counterparty\n".as_bytes(),
    )]);
    assert!(
        e.contains("ledger.csv") && e.contains("`date`") && e.contains("记账日期"),
        "{e}"
    );
}

#[test]
fn bad_value_names_file_row_column_and_value() {
    let e = err_of(&[(
        "ledger.csv",
        "village_code,voucher_no,date,direction,amount,summary,counterparty\n\
         370102001001,V1,2025-03-01,支出,100,a,b\n\
         370102001001,V2,2025-02-30,支出,100,a,b\n\
         370102001001,V3,2025-03-01,支出,一百元,a,b\n"
            .as_bytes(),
    )]);
    assert!(
        e.contains("ledger.csv") && e.contains("row 3, column date") && e.contains("2025-02-30"),
        "{e}"
    );
    assert!(
        e.contains("row 4, column amount") && e.contains("一百元"),
        "{e}"
    );
    assert!(e.contains("2 bad value"), "{e}");
}

#[test]
fn empty_file_and_truncated_xlsx() {
    let e = err_of(&[("cadres.csv", b"")]);
    assert!(e.contains("cadres.csv") && e.contains("empty"), "{e}");
    let e = err_of(&[("合同.xlsx", b"PK\x03\x04 truncated")]);
    assert!(e.contains("合同.xlsx") && e.contains("workbook"), "{e}");
}

#[test]
fn header_only_is_an_empty_table_and_absent_tables_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deaths.csv"), "身份证号,姓名,死亡日期\n").unwrap();
    std::fs::write(dir.path().join("labels.csv"), "category\n").unwrap();
    let ds = load(dir.path()).unwrap();
    assert_eq!(ds.frame(TableKind::Deaths).unwrap().height(), 0);
    assert!(!ds.has(TableKind::Ledger));
    assert_eq!(ds.ignored.len(), 1);
}

#[test]
fn two_headers_for_one_column_and_a_table_given_twice() {
    let e = err_of(&[("deaths.csv", "身份证号,证件号码,姓名,死亡日期\n".as_bytes())]);
    assert!(e.contains("id_number") && e.contains("证件号码"), "{e}");
    let e = err_of(&[
        ("deaths.csv", "身份证号,姓名,死亡日期\n".as_bytes()),
        ("死亡人员信息.csv", "身份证号,姓名,死亡日期\n".as_bytes()),
    ]);
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn alias_file_is_extensible() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deaths.csv"),
        "公民号,姓名,死亡日期\n370102195001010011,a,2025-01-01\n",
    )
    .unwrap();
    assert!(load(dir.path()).is_err());
    let extra = format!(
        "{}\n",
        weiquan::dataset::aliases::DEFAULT_ALIASES.replace(
            "id_number = [\"身份证号\"",
            "id_number = [\"公民号\", \"身份证号\"",
        )
    );
    let aliases = weiquan::dataset::Aliases::parse(&extra, Path::new("mine.toml")).unwrap();
    let ds = Dataset::load(
        dir.path(),
        &LoadOptions {
            lenient: false,
            aliases: Some(aliases),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ds.frame(TableKind::Deaths).unwrap().height(), 1);
}

/// A party column holds a person's id or an organisation's credit code;
/// another document there is null (no match key) and a notice, no invalid
/// id; a credit code failing GB 32100 is an issue of its own kind.
#[test]
fn party_columns_read_ids_credit_codes_and_other_documents() {
    let ds = load(&crate::common::fixture("invalid_id/near_miss")).unwrap();
    let kinds: Vec<IssueKind> = ds.issues.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [IssueKind::OtherDocument; 4], "{:?}", ds.issues);
    let ledger = ds.frame(TableKind::Ledger).unwrap();
    let ids: Vec<Option<&str>> = ledger
        .column("counterparty_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        ids,
        [
            Some("91440300708461136T"),
            Some("91440300708461136T"),
            Some("914403001922038216"),
            None,
            None,
            None,
            None
        ]
    );
    let ds = load(&crate::common::fixture("invalid_id/fire")).unwrap();
    let bad_codes = ds
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::InvalidCreditCode)
        .count();
    assert_eq!(bad_codes, 4, "{:?}", ds.issues);
}
