//! The weiquan command line. This file parses the arguments and hands each
//! command to its function in [`cli`]; the work is in the library.

// jemalloc, not glibc's malloc: 8–11 % less cpu for a scan (docs/performance.md).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: the pages a finished rule
/// frees go back to the system after half a second, not ten, so that the
/// next rules' working sets do not stack on the last ones' freed pages.
/// A scan at 2,000 villages peaks 1,436–1,473 MB instead of 1,614–1,664,
/// cpu within noise (docs/performance.md). `_RJEM_MALLOC_CONF` in the
/// environment still overrides it.
#[cfg(target_os = "linux")]
#[unsafe(export_name = "_rjem_malloc_conf")]
#[allow(non_upper_case_globals)]
pub static malloc_conf: &[u8; 19] = b"dirty_decay_ms:500\0";

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use weiquan::Error;

const EXIT_CODES: &str = "Exit codes:
  0  ran (with or without findings); also when the reader of stdout goes away
  1  bad input: unreadable, empty or malformed table, missing column, bad value
  2  bad configuration or arguments: rules file, aliases, flags
  3  `scan --fail-on SEVERITY` and findings of that severity or higher exist
  4  internal error or an output could not be written (nothing half-written is left)";

#[derive(Parser)]
#[command(
    name = "weiquan",
    version,
    about = "微权: watch village micro power (村（居）小微权力) in street exports",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scan a dataset folder and write findings.csv, findings.jsonl and run.json.
    Scan(cli::scan::ScanArgs),
    /// Work the case store in a browser, several officers at once (http://127.0.0.1:8765).
    Serve(cli::serve::ServeArgs),
    /// Who may sign in to `serve`: add, list, remove users and their roles.
    Users(cli::users::UsersArgs),
    /// Work the case store: list, show and update cases, Excel round trip.
    Cases(cli::cases::CasesArgs),
    /// List the rules: code, category, severity, name.
    Rules,
    /// Print a rule's documentation.
    Explain { code: String },
    /// Which of the 31 policy processes the rules watch.
    Coverage,
    /// Generate a synthetic street export with known cases (labels.csv, negatives.csv).
    Gen(cli::r#gen::GenArgs),
    /// Time a scan phase by phase and rule by rule (rows/s, MB/s, peak
    /// memory, cores busy) against a plain polars read of the same files.
    /// Writes nothing but the optional JSON report.
    Bench(cli::bench::BenchArgs),
    /// Score findings against known cases: precision, recall, F1 per category.
    Eval(cli::eval::EvalArgs),
    /// Sweep a rule parameter (or a grid of two) on a dataset: queue size
    /// and, with labels, precision, recall and F1 at each value; writes
    /// tune.csv, tune.png and tune.svg.
    Tune(cli::tune::TuneArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout (exit 0); usage errors are exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    cli::guard(|| run(cli.cmd))
}

fn run(cmd: Cmd) -> Result<ExitCode, Error> {
    match cmd {
        Cmd::Scan(a) => cli::scan::run(a),
        Cmd::Serve(a) => cli::serve::run(a),
        Cmd::Users(a) => cli::users::run(a),
        Cmd::Cases(a) => cli::cases::run(a),
        Cmd::Rules => cli::rules::list(),
        Cmd::Explain { code } => cli::rules::explain(&code),
        Cmd::Coverage => cli::rules::coverage(),
        Cmd::Gen(a) => cli::r#gen::run(a),
        Cmd::Bench(a) => cli::bench::run(a),
        Cmd::Eval(a) => cli::eval::run(a),
        Cmd::Tune(a) => cli::tune::run(a),
    }
}
