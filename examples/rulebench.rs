//! Time each rule alone on one loaded dataset:
//! `cargo run --release --example rulebench DIR [CODE ...]`.
//! Prints wall and process cpu (user+sys, all threads) per rule, and the
//! chunk counts of the loaded frames.
use std::path::Path;
use std::time::Instant;

fn cpu_secs() -> f64 {
    // utime + stime of this process, in clock ticks (100 Hz).
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[1]);
    let t = Instant::now();
    let c = cpu_secs();
    let ds = weiquan::Dataset::load(dir, &Default::default()).expect("loads");
    println!(
        "load wall {:.2}s cpu {:.2}s, {} rows",
        t.elapsed().as_secs_f64(),
        cpu_secs() - c,
        ds.total_rows()
    );
    for (k, tb) in &ds.tables {
        println!(
            "  {:?}: {} rows, {} chunks",
            k,
            tb.frame.height(),
            tb.frame
                .columns()
                .iter()
                .map(|c| c.n_chunks())
                .max()
                .unwrap_or(0)
        );
    }
    let all = weiquan::RulesConfig::builtin();
    let codes: Vec<String> = if args.len() > 2 {
        args[2..].to_vec()
    } else {
        all.rules
            .iter()
            .map(|s| s.rule.code().to_string())
            .collect()
    };
    let mut tw = 0.0;
    let mut tc = 0.0;
    for code in &codes {
        let mut cfg = all.clone();
        cfg.only(std::slice::from_ref(code)).unwrap();
        let t = Instant::now();
        let c = cpu_secs();
        let out = weiquan::engine::run(&ds, &cfg, &|_| {}).unwrap();
        let (w, cp) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
        tw += w;
        tc += cp;
        println!(
            "{code:7} wall {w:8.3}s cpu {cp:8.2}s findings {}",
            out.findings.len()
        );
    }
    println!("sum     wall {tw:8.3}s cpu {tc:8.2}s");
    if args.len() == 2 {
        let t = Instant::now();
        let c = cpu_secs();
        let out = weiquan::engine::run(&ds, &all, &|_| {}).unwrap();
        println!(
            "ALL     wall {:8.3}s cpu {:8.2}s findings {}",
            t.elapsed().as_secs_f64(),
            cpu_secs() - c,
            out.findings.len()
        );
    }
}
