//! Time KIN001 on a dataset folder: `cargo run --release --example kinbench DIR [RUNS]`.
use std::path::Path;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[1]);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let t = Instant::now();
    let ds = weiquan::Dataset::load(dir, &Default::default()).expect("loads");
    println!("load {:?}, {} rows", t.elapsed(), ds.total_rows());
    let mut cfg = weiquan::RulesConfig::builtin();
    cfg.only(&["KIN001".to_string()]).unwrap();
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let out = weiquan::engine::run(&ds, &cfg, &|_| {}).unwrap();
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        println!("KIN001 {:.3}s, {} findings", s, out.findings.len());
    }
    if runs > 0 {
        println!("best {best:.3}s");
    }
}
