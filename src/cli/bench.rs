//! `weiquan bench`: time a scan phase by phase and rule by rule.

use std::path::PathBuf;
use std::process::ExitCode;

use weiquan::Error;
use weiquan::bench::{self, BenchOptions, YardstickOnly};
use weiquan::dataset::LoadOptions;

use super::RuleArgs;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The dataset folder (e.g. from `weiquan gen --style clean`).
    dataset: PathBuf,
    #[command(flatten)]
    rule_args: RuleArgs,
    /// Threads for the rules and for polars (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Also write the report as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Do not run each rule alone after the concurrent run.
    #[arg(long)]
    no_isolate: bool,
    /// Only the villages whose code starts with this prefix (see `scan`).
    #[arg(long, value_name = "PREFIX")]
    villages: Option<String>,
    /// Do not time the plain polars read.
    #[arg(long)]
    no_yardstick: bool,
    /// Only time the plain polars read (what `bench` runs in a child).
    #[arg(long, hide = true, conflicts_with = "no_yardstick")]
    yardstick_only: bool,
    #[arg(long)]
    lenient: bool,
}

pub fn run(a: BenchArgs) -> Result<ExitCode, Error> {
    if let Some(n) = a.threads.filter(|n| *n > 0) {
        // Before polars or rayon start their pools; no other thread runs yet.
        unsafe { std::env::set_var("POLARS_MAX_THREADS", n.to_string()) };
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let load = LoadOptions {
        lenient: a.lenient,
        aliases: a.rule_args.aliases()?,
        villages: a.villages,
        chunk_bytes: None,
    };
    if a.yardstick_only {
        let (p, skipped) = bench::polars_yardstick(&a.dataset, &load)?;
        let y = YardstickOnly::of(&p, skipped);
        let text = serde_json::to_string_pretty(&y).expect("report serialises");
        outln!("{text}");
        if let Some(f) = a.json {
            std::fs::write(&f, text).map_err(|e| Error::io(&f, e))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = a.rule_args.config()?;
    let opts = BenchOptions {
        load,
        yardstick: !a.no_yardstick,
        yardstick_exe: std::env::current_exe().ok(),
        isolate: !a.no_isolate,
    };
    let report = bench::run(&a.dataset, &cfg, &opts)?;
    out!("{}", bench::render(&report));
    if let Some(p) = a.json {
        let text = serde_json::to_string_pretty(&report).expect("report serialises");
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
    }
    Ok(ExitCode::SUCCESS)
}
