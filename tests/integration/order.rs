//! The same export in another row order gives the same findings, byte for
//! byte. Rules take shortcuts when a row repeats the one above it (one
//! person's months on a roll, one household's members); an export by month,
//! by date or by name must still be read whole and alike, and what a
//! finding lists (rows, posts, payments) follows the file's row numbers,
//! not the order the rows were read in.

use std::path::Path;

use polars::prelude::*;
use weiquan::dataset::{Dataset, LoadOptions};
use weiquan::{RulesConfig, engine};

/// Every finding as JSON, in a fixed order.
fn leads(frames: Vec<(weiquan::dataset::TableKind, DataFrame)>) -> Vec<String> {
    let ds = Dataset::from_frames(frames);
    let out = engine::run(&ds, &RulesConfig::builtin(), &|_| {}).expect("rules run");
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    v.sort();
    v
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
fn the_demo_in_another_row_order_gives_the_same_findings() {
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
    let differ: Vec<(&String, &String)> =
        before.iter().zip(&after).filter(|(a, b)| a != b).collect();
    assert!(
        differ.is_empty(),
        "{} differ; the first:\n{:#?}",
        differ.len(),
        differ[0]
    );
}
