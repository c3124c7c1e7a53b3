//! The same export in another row order gives the same leads. Rules take
//! shortcuts when a row repeats the one above it (one person's months on a
//! roll, one household's members); an export by month, by date or by name
//! must still be read whole and alike.

use std::path::Path;

use polars::prelude::*;
use weiquan::dataset::{Dataset, LoadOptions};
use weiquan::{RulesConfig, engine};

/// Every finding as JSON, in a fixed order: all of it but the evidence,
/// and the file rows the evidence cites, sorted. (Evidence may list its
/// rows in the order they were read: the same rows, in another order.)
fn leads(frames: Vec<(weiquan::dataset::TableKind, DataFrame)>) -> Vec<String> {
    let ds = Dataset::from_frames(frames);
    let out = engine::run(&ds, &RulesConfig::builtin(), &|_| {}).expect("rules run");
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            let mut j = serde_json::to_value(f).unwrap();
            let evidence = j["evidence"].take();
            let mut rows = Vec::new();
            cited_rows(&evidence, "", &mut rows);
            rows.sort();
            format!("{j} {rows:?}")
        })
        .collect();
    v.sort();
    v
}

/// Every `row` in a finding's evidence, with the table it is of.
fn cited_rows(v: &serde_json::Value, table: &str, out: &mut Vec<(String, u64)>) {
    match v {
        serde_json::Value::Object(m) => {
            let table = m.get("table").and_then(|t| t.as_str()).unwrap_or(table);
            for (k, x) in m {
                match (k.as_str(), x.as_u64()) {
                    ("row", Some(r)) => out.push((table.to_string(), r)),
                    _ => cited_rows(x, table, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| cited_rows(x, table, out)),
        _ => {}
    }
}

/// Rows taken from both ends in turn (n−1, 0, n−2, 1, …): no row keeps its
/// neighbour, so no run of repeated cells survives.
fn interleaved(n: usize) -> IdxCa {
    let mut idx = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        hi -= 1;
        idx.push(hi as IdxSize);
        if lo < hi {
            idx.push(lo as IdxSize);
            lo += 1;
        }
    }
    IdxCa::from_vec("i".into(), idx)
}

#[test]
fn the_demo_in_another_row_order_gives_the_same_leads() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo");
    let ds = Dataset::load(&demo, &LoadOptions::default()).expect("demo loads");
    let frames: Vec<_> = ds
        .tables
        .iter()
        .map(|(k, t)| (*k, t.frame.clone()))
        .collect();
    let reordered: Vec<_> = frames
        .iter()
        .map(|(k, df)| (*k, df.take(&interleaved(df.height())).unwrap()))
        .collect();
    let before = leads(frames);
    assert!(before.len() > 50, "{}", before.len());
    let after = leads(reordered);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
}
