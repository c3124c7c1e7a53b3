#![no_main]
//! Bytes → one table's CSV file → `load_table` (what `scan` calls per file):
//! encoding detection, header matching, every normaliser, typed frame.
use libfuzzer_sys::fuzz_target;
use weiquan::LoadOptions;
use weiquan::dataset::{Aliases, load_table};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&b0, body)) = data.split_first() else {
        return;
    };
    let kind = common::kind_of(b0);
    let path = common::scratch().join(format!("{}.csv", kind.canonical()));
    std::fs::write(&path, body).unwrap();
    let opts = LoadOptions {
        lenient: b0 & 0x40 != 0,
        ..LoadOptions::default()
    };
    let r = load_table(kind, &path, &Aliases::builtin(), &opts);
    common::check(&path, r);
});
