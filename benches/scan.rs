//! Scan throughput at 20 and 200 villages of `weiquan gen --style clean`
//! data (seed 6): the loader, each rule family on its own, and the whole
//! scan (load + every rule, nothing written). `cargo bench --bench scan`.
//!
//! The data is generated into the temp folder on first use (a few seconds
//! for 200 villages) unless `WEIQUAN_BENCH_DATA` names a folder that holds
//! `clean-20` and `clean-200` already. 2,000 villages take minutes per
//! sample: time them with `weiquan bench DIR` instead (docs/performance.md).

// The binary's allocator, so that the figures are the binary's.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use weiquan::r#gen::{GenOptions, Style, generate};
use weiquan::scan::{self, ScanOptions};
use weiquan::{Dataset, LoadOptions, RulesConfig, engine, rules};

const SIZES: [usize; 2] = [20, 200];

/// Rule families: the categories of the rule pack.
const FAMILIES: [&str; 10] = [
    "cash_payment",
    "deceased_beneficiary",
    "duplicate_beneficiary",
    "eligibility",
    "ghost_worker",
    "invalid_id",
    "kinship",
    "missing_decision",
    "publicity_window",
    "split_contract",
];

fn main() {
    divan::main();
}

/// The folder of the clean dataset with `villages` villages.
fn dataset(villages: usize) -> &'static Path {
    static DIRS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    let i = SIZES
        .iter()
        .position(|s| *s == villages)
        .expect("a bench size");
    DIRS[i].get_or_init(|| {
        if let Some(root) = std::env::var_os("WEIQUAN_BENCH_DATA") {
            let dir = Path::new(&root).join(format!("clean-{villages}"));
            if dir.join("ledger.csv").is_file() {
                return dir;
            }
            eprintln!(
                "WEIQUAN_BENCH_DATA: no {}, generating instead",
                dir.display()
            );
        }
        let dir = std::env::temp_dir().join(format!("weiquan-bench-clean-{villages}-seed6"));
        // labels.csv is written last: its presence means a complete folder.
        if !dir.join("labels.csv").is_file() {
            generate(&GenOptions {
                villages,
                seed: 6,
                style: Style::Clean,
                out: dir.clone(),
            })
            .expect("generate bench data");
        }
        dir
    })
}

fn loaded(villages: usize) -> &'static Dataset {
    static SETS: [OnceLock<Dataset>; 2] = [OnceLock::new(), OnceLock::new()];
    let i = SIZES
        .iter()
        .position(|s| *s == villages)
        .expect("a bench size");
    SETS[i]
        .get_or_init(|| Dataset::load(dataset(villages), &LoadOptions::default()).expect("loads"))
}

fn input(villages: usize) -> (ItemsCount, BytesCount) {
    let ds = loaded(villages);
    (
        ItemsCount::new(ds.total_rows()),
        BytesCount::new(ds.total_bytes()),
    )
}

#[divan::bench(consts = SIZES, sample_count = 5, sample_size = 1)]
fn load<const V: usize>(bencher: Bencher) {
    let dir = dataset(V);
    let (rows, bytes) = input(V);
    bencher
        .counter(rows)
        .counter(bytes)
        .bench(|| Dataset::load(dir, &LoadOptions::default()).expect("loads"));
}

/// One family's rules over the loaded dataset (rows/bytes: the whole input).
#[divan::bench(consts = SIZES, args = FAMILIES, sample_count = 3, sample_size = 1)]
fn rule_family<const V: usize>(bencher: Bencher, family: &str) {
    let ds = loaded(V);
    let codes: Vec<String> = rules::registry()
        .iter()
        .filter(|r| r.category().as_str() == family)
        .map(|r| r.code().to_string())
        .collect();
    if codes.is_empty() {
        eprintln!("no rule in family {family}: skipped");
        return;
    }
    let mut cfg = RulesConfig::builtin();
    cfg.only(&codes).expect("registered codes");
    let (rows, bytes) = input(V);
    bencher
        .counter(rows)
        .counter(bytes)
        .bench(|| engine::run(ds, &cfg, &|_| {}).expect("runs"));
}

/// Load and every rule, as `weiquan scan` does before it writes.
#[divan::bench(consts = SIZES, sample_count = 3, sample_size = 1)]
fn whole_scan<const V: usize>(bencher: Bencher) {
    let dir = dataset(V);
    let cfg = RulesConfig::builtin();
    let (rows, bytes) = input(V);
    bencher
        .counter(rows)
        .counter(bytes)
        .bench(|| scan::run_dataset(dir, &cfg, &ScanOptions::default(), &|_| {}).expect("scans"));
}
