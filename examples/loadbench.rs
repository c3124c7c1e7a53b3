//! Time the loader alone on one dataset folder:
//! `cargo run --release --example loadbench DIR [--digest] [--repeat N] [--villages P [--check]]`.
//! Prints wall, process cpu (user and system apart), peak resident memory
//! (VmHWM) and the size of the loaded frames; with `--digest`, a SHA-256 of
//! every loaded frame written as CSV (dtypes included), to check that a
//! change to the loader leaves its output byte-identical. `--villages P`
//! loads one shard; `--check` then also loads the whole set and checks
//! that every table of the shard is its rows of the whole.
use std::path::Path;
use std::time::Instant;

use polars::prelude::*;
use sha2::{Digest, Sha256};

#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn cpu() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) / 100.0, t(12) / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[1]);
    let digest = args.iter().any(|a| a == "--digest");
    let repeat: usize = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let villages = args
        .iter()
        .position(|a| a == "--villages")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let opts = weiquan::dataset::LoadOptions {
        villages: villages.clone(),
        ..Default::default()
    };
    for _ in 0..repeat {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let t = Instant::now();
        let (u0, s0) = cpu();
        let ds = weiquan::Dataset::load(dir, &opts).expect("loads");
        let wall = t.elapsed().as_secs_f64();
        let (u1, s1) = cpu();
        let peak = weiquan::bench::peak_rss_bytes().unwrap_or(0) as f64 / 1e6;
        let rss = weiquan::bench::rss_bytes().unwrap_or(0) as f64 / 1e6;
        let size: usize = ds.tables.values().map(|t| t.frame.estimated_size()).sum();
        println!(
            "load wall {wall:.2}s cpu {:.2}s (user {:.2} sys {:.2}) peak {peak:.0} MB, rss after {rss:.0} MB, frames {:.0} MB, {} rows",
            (u1 - u0) + (s1 - s0),
            u1 - u0,
            s1 - s0,
            size as f64 / 1e6,
            ds.total_rows()
        );
        if digest {
            for (k, tb) in &ds.tables {
                let mut df = tb.frame.clone();
                let mut buf = Vec::new();
                CsvWriter::new(&mut buf).finish(&mut df).expect("writes");
                let dtypes: Vec<String> = df.dtypes().iter().map(|d| d.to_string()).collect();
                let mut h = Sha256::new();
                h.update(dtypes.join(",").as_bytes());
                h.update(&buf);
                println!(
                    "  {:<12} {:>8} rows  {:x}  {}",
                    k.canonical(),
                    df.height(),
                    h.finalize(),
                    tb.source.sha256
                );
            }
            let mut h = Sha256::new();
            for i in &ds.issues {
                h.update(format!("{:?}\n", i).as_bytes());
            }
            println!("  {} load issues  {:x}", ds.issues.len(), h.finalize());
        }
        if let Some(prefix) = villages.as_deref()
            && args.iter().any(|a| a == "--check")
        {
            let whole = weiquan::Dataset::load(dir, &Default::default()).expect("loads");
            for (k, t) in &whole.tables {
                let s = &ds.tables[k];
                let expected = match t.frame.column("village_code") {
                    Ok(v) => {
                        let v = v.cast(&DataType::String).expect("text");
                        let mask: BooleanChunked = v
                            .str()
                            .expect("text")
                            .iter()
                            .map(|v| v.is_none_or(|v| v.starts_with(prefix)))
                            .collect();
                        t.frame.filter(&mask).expect("filters")
                    }
                    Err(_) => t.frame.clone(),
                };
                let same = expected.dtypes() == s.frame.dtypes()
                    && expected.equals_missing(&s.frame)
                    && t.source.sha256 == s.source.sha256;
                println!(
                    "  check {:<12} {:>8} of {:>8} rows: {}",
                    k.canonical(),
                    s.frame.height(),
                    t.frame.height(),
                    if same { "same" } else { "DIFFERENT" }
                );
            }
        }
    }
}
