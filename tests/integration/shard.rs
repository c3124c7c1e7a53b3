//! Loading one shard of an export (`--villages PREFIX`): the same rows,
//! values and file row numbers as loading everything and keeping that
//! shard's rows, whatever the size of the pieces the files are read in.

use std::path::Path;
use std::process::Command;

use polars::prelude::*;
use weiquan::dataset::{Dataset, LoadOptions};

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/demo"))
}

fn shard_opts(prefix: &str, chunk: usize) -> LoadOptions {
    LoadOptions {
        villages: Some(prefix.into()),
        chunk_bytes: Some(chunk),
        ..Default::default()
    }
}

/// Every table of `shard` equals the rows of `full` in the shard.
fn assert_shard_of(full: &Dataset, shard: &Dataset, prefix: &str) {
    assert_eq!(full.tables.len(), shard.tables.len());
    for (kind, t) in &full.tables {
        let s = &shard.tables[kind];
        assert_eq!(t.source.sha256, s.source.sha256, "{kind}");
        assert_eq!(t.source.bytes, s.source.bytes, "{kind}");
        assert_eq!(t.source.encoding, s.source.encoding, "{kind}");
        let expected = match t.frame.column("village_code") {
            Ok(v) => {
                let mask: BooleanChunked = v
                    .str()
                    .unwrap()
                    .iter()
                    .map(|v| v.is_none_or(|v| v.starts_with(prefix)))
                    .collect();
                t.frame.filter(&mask).unwrap()
            }
            Err(_) => t.frame.clone(),
        };
        // Not every village has a land acquisition or an insurance claim.
        let sparse = matches!(
            kind,
            weiquan::TableKind::LandCompensation | weiquan::TableKind::Claims
        );
        assert!(
            expected.height() > 0 || t.frame.height() == 0 || sparse,
            "{kind}"
        );
        assert!(
            expected.equals_missing(&s.frame),
            "{kind}:\n{expected:?}\n{:?}",
            s.frame
        );
    }
}

#[test]
fn a_village_of_the_demo_loads_as_its_rows_of_the_whole() {
    let full = Dataset::load(demo(), &LoadOptions::default()).unwrap();
    let ledger = full
        .frame(weiquan::TableKind::Ledger)
        .unwrap()
        .column("village_code")
        .unwrap()
        .str()
        .unwrap()
        .clone();
    let village = ledger
        .iter()
        .flatten()
        .find(|v| v.len() == 12 && v.ends_with('2'))
        .unwrap()
        .to_string();
    // A GBK ledger, an xlsx roll and UTF-8 tables, in pieces of 4 KiB and
    // in one piece; one whole village and a group of villages.
    for (prefix, chunk) in [
        (&village[..], 4096),
        (&village[..], 1 << 30),
        (&village[..11], 777),
    ] {
        let shard = Dataset::load(demo(), &shard_opts(prefix, chunk)).unwrap();
        assert_shard_of(&full, &shard, prefix);
        assert!(
            shard.total_rows() < full.total_rows(),
            "{prefix}: {} of {}",
            shard.total_rows(),
            full.total_rows()
        );
    }
    // A prefix no village has: tables with villages are empty, not absent.
    let none = Dataset::load(demo(), &shard_opts("99", 4096)).unwrap();
    assert_eq!(none.frame(weiquan::TableKind::Ledger).unwrap().height(), 0);
    assert!(none.frame(weiquan::TableKind::Deaths).unwrap().height() > 0);
}

#[test]
fn a_village_of_an_office_export_loads_as_its_rows_of_the_whole() {
    // Forms: title lines, two-row headers, 小计 rows, sheets per village,
    // 万元 tables (read whole, then cut to the shard).
    let dir = tempfile::tempdir().unwrap();
    weiquan::r#gen::generate(&weiquan::r#gen::GenOptions {
        villages: 4,
        seed: 31,
        style: weiquan::r#gen::Style::Office,
        out: dir.path().to_path_buf(),
    })
    .unwrap();
    let full = Dataset::load(dir.path(), &LoadOptions::default()).unwrap();
    for (prefix, chunk) in [("370112001002", 4096), ("370112001003", 1 << 30)] {
        let shard = Dataset::load(dir.path(), &shard_opts(prefix, chunk)).unwrap();
        assert_shard_of(&full, &shard, prefix);
        assert!(shard.total_rows() < full.total_rows());
    }
}

#[test]
fn pieces_end_at_records_not_inside_quotes_and_gbk_may_start_late() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "village_code,voucher_no,date,direction,amount,summary,counterparty,counterparty_id,payment_method\r\n",
    );
    for i in 0..40 {
        let v = if i % 3 == 0 {
            "370102001001"
        } else {
            "370102002001"
        };
        let summary = if i % 4 == 0 {
            format!("\"line one\nline \"\"two\"\", {i}\"")
        } else {
            format!("item {i}")
        };
        text.push_str(&format!(
            "{v},V{i},2025-03-01,支出,{i}.50,{summary},王芳,,转账\r\n"
        ));
    }
    // ASCII only for the first pieces, Chinese near the end.
    let text = text
        .replacen("支出", "EXPENSE", 30)
        .replacen("王芳", "WANG", 30)
        .replacen("转账", "OUT", 30);
    std::fs::write(dir.path().join("ledger.csv"), &text).unwrap();
    let gbk_dir = tempfile::tempdir().unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(gbk_dir.path().join("ledger.csv"), &gbk).unwrap();
    for d in [dir.path(), gbk_dir.path()] {
        let full = Dataset::load(d, &LoadOptions::default()).unwrap();
        for chunk in [1, 7, 64, 1000, 1 << 20] {
            let shard = Dataset::load(d, &shard_opts("370102001", chunk)).unwrap();
            assert_shard_of(&full, &shard, "370102001");
            let df = shard.frame(weiquan::TableKind::Ledger).unwrap();
            assert_eq!(df.height(), 14, "chunk {chunk}");
            let rows: Vec<u32> = df
                .column("__row")
                .unwrap()
                .u32()
                .unwrap()
                .into_no_null_iter()
                .collect();
            assert_eq!(rows[..3], [2, 5, 8]);
        }
    }
}

#[test]
fn scan_villages_reports_only_that_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let full = Dataset::load(demo(), &LoadOptions::default()).unwrap();
    let v = full
        .frame(weiquan::TableKind::Ledger)
        .unwrap()
        .column("village_code")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    let out = tmp.path().join("out");
    let st = Command::new(env!("CARGO_BIN_EXE_weiquan"))
        .args(["scan", "--quiet", "--no-db", "--villages", &v, "--out"])
        .arg(&out)
        .arg(demo())
        .status()
        .unwrap();
    assert!(st.success());
    let findings = std::fs::read_to_string(out.join("findings.jsonl")).unwrap();
    let villages: Vec<String> = findings
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|f| f["village_code"].as_str().map(str::to_string))
        .collect();
    assert!(!villages.is_empty());
    assert!(villages.iter().all(|x| x.starts_with(&v)), "{villages:?}");
}
