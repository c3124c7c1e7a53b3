//! The weiquan command line. Only argument handling lives here; the work is
//! in the library.

// jemalloc, not glibc's malloc: 8–11 % less cpu for a scan (README, Speed).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: the pages a finished rule
/// frees go back to the system after half a second, not ten, so that the
/// next rules' working sets do not stack on the last ones' freed pages.
/// A scan at 2,000 villages peaks 1,436–1,473 MB instead of 1,614–1,664,
/// cpu within noise (README, Speed). `_RJEM_MALLOC_CONF` in the
/// environment still overrides it.
#[cfg(target_os = "linux")]
#[unsafe(export_name = "_rjem_malloc_conf")]
#[allow(non_upper_case_globals)]
pub static malloc_conf: &[u8; 19] = b"dirty_decay_ms:500\0";

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use weiquan::config::RulesConfig;
use weiquan::dataset::{Aliases, LoadOptions};
use weiquan::finding::Severity;
use weiquan::scan::{self, ScanOptions};
use weiquan::triage::{self, CaseFilter, CaseUpdate, Mark, Status, Store};
use weiquan::{Category, Error, rules};

/// Console output through a locked stdout. When the reader goes away
/// (`weiquan coverage | head -1`) the command stops quietly with exit 0
/// instead of panicking as `println!` does; any other write error is exit 4.
fn write_stdout(s: &str) {
    use std::io::Write;
    let mut lock = std::io::stdout().lock();
    if let Err(e) = lock.write_all(s.as_bytes()).and_then(|()| lock.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: <stdout>: {e}");
        std::process::exit(4);
    }
}

macro_rules! out {
    ($($t:tt)*) => { write_stdout(&format!($($t)*)) };
}
macro_rules! outln {
    () => { write_stdout("\n") };
    ($($t:tt)*) => { write_stdout(&format!("{}\n", format_args!($($t)*))) };
}

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

#[derive(clap::Args, Clone)]
struct RuleArgs {
    /// Rules file (default: the shipped rules/default.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Header/file-name alias table (default: the shipped rules/aliases.toml).
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
    /// Switch rules off by code or name (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    disable: Vec<String>,
    /// Switch rules on that the rules file disables.
    #[arg(long, value_delimiter = ',')]
    enable: Vec<String>,
    /// Run only these rules.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scan a dataset folder and write findings.csv, findings.jsonl and run.json.
    Scan {
        /// The dataset folder (one export).
        dataset: PathBuf,
        /// Output folder (replaced atomically).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        rule_args: RuleArgs,
        /// Read unreadable values as blank and report them instead of stopping.
        #[arg(long)]
        lenient: bool,
        /// Only the villages whose code starts with this prefix (a county:
        /// 6 digits, a street: 9): one shard of a larger export, read piece
        /// by piece.
        #[arg(long, value_name = "PREFIX")]
        villages: Option<String>,
        /// Mask id and account numbers in every output (370102********123X).
        #[arg(long)]
        mask_pii: bool,
        /// Exit 3 when findings of this severity or higher exist.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// No summary on the console.
        #[arg(long, short)]
        quiet: bool,
        /// After the scan, grade the findings against the dataset's own
        /// labels.csv (and negatives.csv) when it has them (generated data).
        #[arg(long)]
        eval: bool,
        /// Case store to record the run in (default: weiquan.db beside the
        /// output folder, e.g. `--out out/demo` → out/weiquan.db).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// Do not record the run in a case store.
        #[arg(long, conflicts_with = "db")]
        no_db: bool,
    },
    /// Work the case store: list, show and update cases, Excel round trip.
    Cases {
        /// The case store (default: ./weiquan.db, where `scan --out out` keeps it).
        #[arg(long, global = true, value_name = "FILE", default_value = "weiquan.db")]
        db: PathBuf,
        #[command(subcommand)]
        cmd: CasesCmd,
    },
    /// List the rules: code, category, severity, name.
    Rules,
    /// Print a rule's documentation.
    Explain { code: String },
    /// Which of the 31 policy processes the rules watch.
    Coverage,
    /// Generate a synthetic street export with known cases (labels.csv, negatives.csv).
    Gen {
        /// Number of villages (~300 households each).
        #[arg(long, default_value_t = 12)]
        villages: usize,
        /// Seed: the same seed gives byte-identical files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// `clean` (canonical UTF-8 CSV) or `messy` (Chinese names and headers, GBK, xlsx, mixed forms).
        #[arg(long, default_value = "clean")]
        style: String,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Replace the tables, labels and negatives of an existing folder.
        #[arg(long)]
        force: bool,
        /// No summary on the console.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Time a scan phase by phase and rule by rule (rows/s, MB/s, peak
    /// memory, cores busy) against a plain polars read of the same files.
    /// Writes nothing but the optional JSON report.
    Bench {
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
    },
    /// Score findings against known cases: precision, recall, F1 per category.
    Eval {
        /// findings.csv (or findings.jsonl) written by `scan`.
        #[arg(long)]
        findings: PathBuf,
        /// labels.csv: category, village_code, subject_id, note.
        #[arg(long)]
        labels: PathBuf,
        /// negatives.csv: kind, village_code, subject_id, note.
        #[arg(long)]
        negatives: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sweep a rule parameter (or a grid of two) on a dataset: queue size
    /// and, with labels, precision, recall and F1 at each value; writes
    /// tune.csv, tune.png and tune.svg.
    Tune(TuneArgs),
}

#[derive(clap::Args)]
struct TuneArgs {
    /// The dataset folder (loaded once).
    dataset: PathBuf,
    /// The rule to tune, by code or name (e.g. SPL001).
    #[arg(long, value_name = "CODE")]
    rule: String,
    /// NAME=FROM..TO[:STEP] or NAME=V1,V2,… with NAME the key in the rules
    /// file (e.g. tender-threshold=50000..150000:10000; money in yuan).
    /// Give it twice for a grid.
    #[arg(long, value_name = "NAME=FROM..TO[:STEP]", required = true)]
    param: Vec<String>,
    /// Known cases (default: DATASET/labels.csv when present).
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
    /// Hard negatives (default: DATASET/negatives.csv when present).
    #[arg(long, value_name = "FILE")]
    negatives: Option<PathBuf>,
    /// Do not grade, even if DATASET/labels.csv exists.
    #[arg(long)]
    no_labels: bool,
    /// Grade the rule's findings alone, without the other rules of its category.
    #[arg(long)]
    alone: bool,
    /// Base rules file (default: the shipped rules/default.toml).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Header/file-name alias table.
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
    /// Read unreadable values as blank instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Output folder for tune.csv and the plots (replaced atomically).
    #[arg(long, default_value = "out/tune")]
    out: PathBuf,
    /// Write a complete rules file with the chosen value (--choose, else the best F1).
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
    /// The value to write (one per --param, comma-separated).
    #[arg(long, value_name = "VALUE")]
    choose: Option<String>,
}

#[derive(clap::Args, Clone)]
struct CaseFilterArgs {
    /// Status(es): new, open, confirmed, dismissed, rectified (or 新线索, 处理中,
    /// 已查实, 已排除, 已整改). Default: every status but dismissed and rectified.
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Every status.
    #[arg(long, conflicts_with = "status")]
    all: bool,
    /// Village code.
    #[arg(long)]
    village: Option<String>,
    /// Rule code or name.
    #[arg(long)]
    rule: Option<String>,
    /// high, medium or low.
    #[arg(long)]
    severity: Option<String>,
    /// Category (e.g. kinship).
    #[arg(long)]
    category: Option<String>,
    /// Only cases the latest run marked new, recurring, reopened or gone.
    #[arg(long)]
    mark: Option<String>,
}

#[derive(Subcommand)]
enum CasesCmd {
    /// The queue, highest score first.
    List {
        #[command(flatten)]
        filter: CaseFilterArgs,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Mask id and account numbers.
        #[arg(long)]
        mask_pii: bool,
    },
    /// One case: facts, evidence and full history.
    Show {
        /// Case id (线索编号) or a unique prefix.
        id: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        mask_pii: bool,
    },
    /// Change a case's status, assignee, deadline or note (recorded in its history).
    Set {
        /// Case id (线索编号) or a unique prefix.
        id: String,
        #[arg(long)]
        status: Option<String>,
        /// Empty to clear.
        #[arg(long)]
        assignee: Option<String>,
        /// YYYY-MM-DD; empty to clear.
        #[arg(long)]
        deadline: Option<String>,
        /// Empty to clear.
        #[arg(long)]
        note: Option<String>,
        /// Who is making the change (default: the OS user).
        #[arg(long)]
        by: Option<String>,
    },
    /// Write the cases to a workbook for officers (Excel/WPS).
    Export {
        #[arg(long, value_name = "FILE")]
        xlsx: PathBuf,
        #[command(flatten)]
        filter: CaseFilterArgs,
        #[arg(long)]
        mask_pii: bool,
    },
    /// Read officers' edits back from an exported workbook: all rows or none.
    Import {
        file: PathBuf,
        /// Who made the edits (default: the OS user).
        #[arg(long)]
        by: Option<String>,
    },
    /// The runs recorded in the store.
    Runs,
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
    // A panic is a bug: one line on stderr, exit 4, and the unwinding
    // removes any half-written output folder (StagedDir's Drop). The hook
    // only records the message: a panic caught on the way (a reader turning
    // a panic in a parsing crate into a bad-file error) prints nothing.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut m) = PANIC.lock() {
            *m = Some(format!("internal error{at}: {what} (please report this)"));
        }
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            let msg = e.to_string();
            if MASK_ERRORS.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!("error: {}", weiquan::report::mask_text(&msg));
            } else {
                eprintln!("error: {msg}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            let msg = PANIC.lock().ok().and_then(|mut m| m.take());
            eprintln!("error: {}", msg.unwrap_or_else(|| "internal error".into()));
            ExitCode::from(4)
        }
    }
}

/// `--mask-pii` also masks the values quoted in an error line.
static MASK_ERRORS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The message of the last panic, printed if it reaches `main`.
static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

fn rules_config(a: &RuleArgs) -> Result<RulesConfig, Error> {
    let mut cfg = match &a.rules {
        Some(p) => RulesConfig::from_file(p)?,
        None => RulesConfig::builtin(),
    };
    if !a.only.is_empty() {
        cfg.only(&a.only)?;
    }
    cfg.set_enabled(&a.enable, true)?;
    cfg.set_enabled(&a.disable, false)?;
    Ok(cfg)
}

fn aliases(a: &RuleArgs) -> Result<Option<Aliases>, Error> {
    a.aliases.as_deref().map(Aliases::from_file).transpose()
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.cmd {
        Cmd::Scan {
            dataset,
            out,
            rule_args,
            lenient,
            villages,
            mask_pii,
            fail_on,
            quiet,
            eval,
            db,
            no_db,
        } => {
            let fail_on = match fail_on.as_deref() {
                None => None,
                Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                    Error::config(
                        std::path::Path::new("--fail-on"),
                        format!("`{s}` is not high, medium or low"),
                    )
                })?),
            };
            MASK_ERRORS.store(mask_pii, std::sync::atomic::Ordering::Relaxed);
            let cfg = rules_config(&rule_args)?;
            let opts = ScanOptions {
                load: LoadOptions {
                    lenient,
                    aliases: aliases(&rule_args)?,
                    villages,
                    chunk_bytes: None,
                },
                mask_pii,
            };
            let enabled = cfg.rules.iter().filter(|r| r.enabled).count() as u64;
            let bar = if std::io::stderr().is_terminal() && !quiet {
                let b = indicatif::ProgressBar::new(enabled);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} rules {pos}/{len} {wide_bar} {msg}",
                    )
                    .expect("valid template"),
                );
                b
            } else {
                indicatif::ProgressBar::hidden()
            };
            let (ds, res) = scan::run_dataset(&dataset, &cfg, &opts, &|code| {
                bar.set_message(code.to_string());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            warn_blanked(&ds.issues, mask_pii);
            // The frames are not needed past this point: free them while
            // the write phase runs.
            let seen = scan::DatasetSeen::of(&ds);
            let freed = scan::drop_aside(ds);
            let tracked = if no_db {
                scan::write_outputs(&out, &res, mask_pii)?;
                None
            } else {
                let store = scan::StoreOptions {
                    db: db.unwrap_or_else(|| triage::default_db_path(&out)),
                    by: triage::current_user(None),
                };
                Some(scan::write_outputs_tracked(
                    &out, &seen, &res, mask_pii, &store,
                )?)
            };
            let _ = freed.join();
            if !quiet {
                out!("{}", scan::summary(&res));
                if let Some(t) = &tracked {
                    outln!("  {}", t.summary_line());
                }
                outln!("  written to {}", out.display());
            }
            if eval {
                let labels = dataset.join("labels.csv");
                if labels.is_file() {
                    let negatives = dataset.join("negatives.csv");
                    let negatives = negatives.is_file().then_some(negatives);
                    let report = weiquan::eval::run(
                        &out.join("findings.csv"),
                        &labels,
                        negatives.as_deref(),
                    )?;
                    out!("{}", report.render());
                } else {
                    outln!(
                        "  --eval: {} has no labels.csv; nothing to grade",
                        dataset.display()
                    );
                }
            }
            if let Some(sev) = fail_on
                && res.findings.iter().any(|f| f.severity <= sev)
            {
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench {
            dataset,
            rule_args,
            threads,
            json,
            no_isolate,
            no_yardstick,
            yardstick_only,
            villages,
            lenient,
        } => {
            if let Some(n) = threads.filter(|n| *n > 0) {
                // Before polars or rayon start their pools; no other thread runs yet.
                unsafe { std::env::set_var("POLARS_MAX_THREADS", n.to_string()) };
                let _ = rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_global();
            }
            let load = LoadOptions {
                lenient,
                aliases: aliases(&rule_args)?,
                villages,
                chunk_bytes: None,
            };
            if yardstick_only {
                let (p, skipped) = weiquan::bench::polars_yardstick(&dataset, &load)?;
                let y = weiquan::bench::YardstickOnly::of(&p, skipped);
                let text = serde_json::to_string_pretty(&y).expect("report serialises");
                outln!("{text}");
                if let Some(f) = json {
                    std::fs::write(&f, text).map_err(|e| Error::io(&f, e))?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let cfg = rules_config(&rule_args)?;
            let opts = weiquan::bench::BenchOptions {
                load,
                yardstick: !no_yardstick,
                yardstick_exe: std::env::current_exe().ok(),
                isolate: !no_isolate,
            };
            let report = weiquan::bench::run(&dataset, &cfg, &opts)?;
            out!("{}", weiquan::bench::render(&report));
            if let Some(p) = json {
                let text = serde_json::to_string_pretty(&report).expect("report serialises");
                std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Rules => {
            outln!("{:<8} {:<22} {:<8} name", "code", "category", "severity");
            for r in rules::registry() {
                outln!(
                    "{:<8} {:<22} {:<8} {}",
                    r.code(),
                    r.category().as_str(),
                    r.severity().as_str(),
                    r.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Explain { code } => {
            let r = rules::find(&code).ok_or_else(|| {
                Error::config(
                    std::path::Path::new("explain"),
                    format!("unknown rule `{code}` (see `weiquan rules`)"),
                )
            })?;
            outln!(
                "# {} {} ({}, {})\n",
                r.code(),
                r.name(),
                r.category(),
                r.severity()
            );
            outln!("{}", r.doc());
            outln!(
                "Tables needed: {}",
                r.needs()
                    .iter()
                    .map(|t| t.canonical())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            outln!(
                "\nDefaults:\n{}",
                toml::to_string(&r.default_params()).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Cases { db, cmd } => cases(&db, cmd),
        Cmd::Coverage => {
            out!("{}", weiquan::coverage::render());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Gen {
            villages,
            seed,
            style,
            out,
            force,
            quiet,
        } => {
            let style = match style.as_str() {
                "clean" => weiquan::r#gen::Style::Clean,
                "messy" => weiquan::r#gen::Style::Messy,
                other => {
                    return Err(Error::config(
                        std::path::Path::new("--style"),
                        format!("`{other}` is not clean or messy"),
                    ));
                }
            };
            weiquan::r#gen::prepare_out(&out, force)?;
            let report = weiquan::r#gen::generate(&weiquan::r#gen::GenOptions {
                villages,
                seed,
                style,
                out: out.clone(),
            })?;
            if !quiet {
                out!("{}", report.summary());
                outln!("  written to {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Tune(a) => tune(a),
        Cmd::Eval {
            findings,
            labels,
            negatives,
            json,
        } => {
            let report = weiquan::eval::run(&findings, &labels, negatives.as_deref())?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                out!("{}", report.render());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn tune(a: TuneArgs) -> Result<ExitCode, Error> {
    let base = match &a.rules {
        Some(p) => RulesConfig::from_file(p)?,
        None => RulesConfig::builtin(),
    };
    let aliases = a.aliases.as_deref().map(Aliases::from_file).transpose()?;
    let opts = weiquan::tune::RunOptions {
        dataset: a.dataset,
        rule: a.rule,
        params: a.param,
        labels: a.labels,
        negatives: a.negatives,
        no_labels: a.no_labels,
        alone: a.alone,
        out: a.out,
        write: a.write,
        choose: a.choose,
        load: LoadOptions {
            lenient: a.lenient,
            aliases,
            ..LoadOptions::default()
        },
    };
    let o = weiquan::tune::run(&base, &opts)?;
    let r = &o.result;
    out!("{}", r.preamble());
    out!("{}", r.render());
    outln!(
        "  loaded in {} ms, {} point(s) swept in {} ms; written to {}",
        o.load_ms,
        r.points.len(),
        r.sweep_ms,
        opts.out.display()
    );
    if let Some((values, path)) = &o.written {
        let what = r
            .axes
            .iter()
            .zip(values)
            .map(|(ax, v)| format!("{} = {}", ax.key, weiquan::tune::show(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        outln!(
            "  rules file with [{}] {what} written to {}",
            r.rule,
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `--lenient`: say on stderr which values were read as blank (they are
/// also counted in run.json), so that nothing is dropped silently.
fn warn_blanked(issues: &[weiquan::dataset::LoadIssue], mask_pii: bool) {
    const SHOWN: usize = 10;
    let blanked: Vec<_> = issues
        .iter()
        .filter(|i| i.kind == weiquan::dataset::IssueKind::BadValue)
        .collect();
    for i in blanked.iter().take(SHOWN) {
        let mut v: String = i.value.chars().take(60).collect();
        if mask_pii {
            v = weiquan::report::mask_text(&v);
        }
        let reason: String = i.reason.chars().take(120).collect();
        let reason = if mask_pii {
            weiquan::report::mask_text(&reason)
        } else {
            reason
        };
        eprintln!(
            "warning: {}: row {}, column {}: {} (value {:?}); read as blank (--lenient)",
            i.path.display(),
            i.row,
            i.column,
            reason,
            v
        );
    }
    if blanked.len() > SHOWN {
        eprintln!(
            "warning: {} more value(s) read as blank (--lenient); counts in run.json",
            blanked.len() - SHOWN
        );
    }
}

fn arg_error(flag: &str, msg: String) -> Error {
    Error::config(std::path::Path::new(flag), msg)
}

fn parse_arg<T>(
    flag: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, Error> {
    v.map(|s| parse(s).ok_or_else(|| arg_error(flag, format!("`{s}` is not {allowed}"))))
        .transpose()
}

const STATUSES: &str = "new, open, confirmed, dismissed or rectified";

fn case_filter(a: &CaseFilterArgs) -> Result<CaseFilter, Error> {
    let statuses = a
        .status
        .iter()
        .map(|s| {
            Status::parse(s)
                .ok_or_else(|| arg_error("--status", format!("`{s}` is not {STATUSES}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CaseFilter {
        statuses,
        all: a.all,
        village: a.village.clone(),
        rule: a.rule.clone(),
        severity: parse_arg(
            "--severity",
            a.severity.as_deref(),
            Severity::parse,
            "high, medium or low",
        )?,
        category: parse_arg(
            "--category",
            a.category.as_deref(),
            Category::parse,
            "a category (see the data contract)",
        )?,
        mark: parse_arg(
            "--mark",
            a.mark.as_deref(),
            Mark::parse,
            "new, recurring, reopened or gone",
        )?,
    })
}

fn print_changes(changes: &[triage::Change]) {
    for c in changes {
        outln!(
            "  {} {}: {} -> {}",
            c.case_id,
            c.field,
            c.old.as_deref().unwrap_or("-"),
            c.new.as_deref().unwrap_or("-")
        );
    }
}

fn cases(db: &std::path::Path, cmd: CasesCmd) -> Result<ExitCode, Error> {
    match cmd {
        CasesCmd::List {
            filter,
            json,
            mask_pii,
        } => {
            let store = Store::open_existing(db)?;
            let mut list = store.list(&case_filter(&filter)?)?;
            if mask_pii {
                let key = store.pii_key()?;
                list = list.iter().map(|c| c.masked(&key)).collect();
            }
            if json {
                for c in &list {
                    outln!("{}", serde_json::to_string(c).unwrap_or_default());
                }
            } else {
                out!("{}", triage::render_list(&list));
            }
        }
        CasesCmd::Show { id, json, mask_pii } => {
            let store = Store::open_existing(db)?;
            let mut case = store.case(&id)?;
            let mut findings = store.case_findings(&case.case_id)?;
            let mut history = store.history(&case.case_id)?;
            if mask_pii {
                let key = store.pii_key()?;
                case = case.masked(&key);
                findings = findings
                    .iter()
                    .map(|f| weiquan::report::mask_finding(f, &key))
                    .collect();
                history = history.iter().map(|h| h.masked(&key)).collect();
            }
            if json {
                let v = serde_json::json!({
                    "case": case,
                    "findings": findings.iter().map(weiquan::report::finding_json).collect::<Vec<_>>(),
                    "history": history,
                });
                outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                out!("{}", triage::render_case(&case, &findings, &history));
            }
        }
        CasesCmd::Set {
            id,
            status,
            assignee,
            deadline,
            note,
            by,
        } => {
            let mut store = Store::open_existing(db)?;
            let case_id = store.resolve_id(&id)?;
            let status = parse_arg("--status", status.as_deref(), Status::parse, STATUSES)?;
            let deadline = deadline
                .as_deref()
                .map(|d| {
                    if d.trim().is_empty() {
                        return Ok(None);
                    }
                    weiquan::dataset::normalize::parse_date(d)
                        .map(|x| Some(x.format("%Y-%m-%d").to_string()))
                        .map_err(|e| arg_error("--deadline", format!("`{d}`: {e}")))
                })
                .transpose()?;
            let update = CaseUpdate {
                case_id,
                status,
                assignee,
                deadline,
                note,
            };
            let changes =
                store.apply_updates(&[update], &triage::current_user(by.as_deref()), "cli")?;
            if changes.is_empty() {
                outln!("no change");
            }
            print_changes(&changes);
        }
        CasesCmd::Export {
            xlsx,
            filter,
            mask_pii,
        } => {
            let store = Store::open_existing(db)?;
            let n = triage::export_xlsx(&store, &case_filter(&filter)?, &xlsx, mask_pii)?;
            outln!("{n} case(s) written to {}", xlsx.display());
        }
        CasesCmd::Import { file, by } => {
            let mut store = Store::open_existing(db)?;
            let r = triage::import_xlsx(&mut store, &file, &triage::current_user(by.as_deref()))?;
            outln!(
                "{} row(s) read, {} case(s) changed, {} field(s)",
                r.rows,
                r.cases_changed(),
                r.changes.len()
            );
            print_changes(&r.changes);
        }
        CasesCmd::Runs => {
            let store = Store::open_existing(db)?;
            outln!(
                "run  started                    new  recurring  reopened  hidden  gone  findings  dataset"
            );
            for r in store.runs()? {
                let c = r.counts;
                outln!(
                    "{:<4} {:<26} {:>4} {:>10} {:>9} {:>7} {:>5} {:>9}  {}",
                    r.run_id,
                    r.started_at,
                    c.new,
                    c.recurring,
                    c.reopened,
                    c.hidden,
                    c.gone,
                    c.findings,
                    r.dataset
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
