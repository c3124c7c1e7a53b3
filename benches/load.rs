//! Load throughput: a 1M-row ledger CSV (UTF-8 and GBK) through the full
//! loader (decode, header aliasing, normalisation to typed columns).
//! `cargo bench --bench load`; divan prints rows/s and bytes/s.

// The binary's allocator, so that the figures are the binary's.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use divan::counter::{BytesCount, ItemsCount};
use weiquan::dataset::{Dataset, LoadOptions};

const ROWS: usize = 1_000_000;

fn main() {
    divan::main();
}

/// A synthetic ledger: canonical headers, mixed value forms.
fn ledger_text() -> String {
    let mut s = String::with_capacity(ROWS * 120);
    s.push_str("village_code,voucher_no,date,direction,amount,summary,counterparty,counterparty_id,payment_method\n");
    for i in 0..ROWS {
        let v = 370102001001u64 + (i % 2000) as u64;
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let date = if i % 3 == 0 {
            format!("2025/{month}/{day}")
        } else {
            format!("2025-{month:02}-{day:02}")
        };
        let amount = if i % 5 == 0 {
            format!("\"{},{:03}.50\"", 1 + i % 90, i % 1000)
        } else {
            format!("{}.00", 100 + i % 9000)
        };
        let dir = if i % 4 == 0 { "收入" } else { "支出" };
        let method = if i % 7 == 0 { "现金" } else { "转账" };
        writeln!(
            s,
            "{v},V{i:07},{date},{dir},{amount},购买材料第{i}批,张　伟{},,{method}",
            i % 100
        )
        .expect("write to string");
    }
    s
}

fn fixture(gbk: bool) -> &'static (PathBuf, u64) {
    static UTF8: OnceLock<(PathBuf, u64)> = OnceLock::new();
    static GBK: OnceLock<(PathBuf, u64)> = OnceLock::new();
    let cell = if gbk { &GBK } else { &UTF8 };
    cell.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "weiquan-bench-load-{}",
            if gbk { "gbk" } else { "utf8" }
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("ledger.csv");
        let text = ledger_text();
        let bytes = if gbk {
            encoding_rs::GBK.encode(&text).0.into_owned()
        } else {
            text.into_bytes()
        };
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(&bytes))
            .expect("write fixture");
        (dir, bytes.len() as u64)
    })
}

#[divan::bench(args = [false, true], sample_count = 5, sample_size = 1)]
fn load_ledger_1m(bencher: divan::Bencher, gbk: bool) {
    let (dir, bytes) = fixture(gbk);
    bencher
        .counter(ItemsCount::new(ROWS))
        .counter(BytesCount::new(*bytes))
        .bench(|| Dataset::load(dir, &LoadOptions::default()).expect("loads"));
}
