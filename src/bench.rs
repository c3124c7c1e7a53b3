//! `weiquan bench`: how fast a scan is, phase by phase and rule by rule,
//! and against the time polars alone takes to read the same files.
//!
//! Figures per phase and per rule: wall time, input rows/s and MB/s
//! (MB = 10^6 bytes; a rule's input is the tables it needs), peak resident
//! memory (`VmHWM` from /proc/self/status, reset between phases through
//! /proc/self/clear_refs) and cores busy (process cpu time, user + system
//! from /proc/self/stat, divided by wall time). Without /proc (not Linux)
//! the memory and cpu figures are absent, the timings are still given.
//!
//! Phases, in order: `load` (Dataset::load), `rules` (every rule at once,
//! as `scan` runs them), `write` (findings.csv/jsonl, run.json and
//! report.html, and the run recorded in a fresh case store, as `scan` does
//! by default, with the frames freed first as `scan` frees them, unless the
//! rules are to run alone afterwards; all in a temporary folder, removed
//! afterwards), then each rule
//! alone (unless `isolate` is off), then the yardstick: every table file read
//! by polars' own CSV/parquet reader with its own type inference and nothing
//! else, one file after the other (polars parallelises inside a file).
//! The yardstick runs last so that it does not warm anything for the scan;
//! from the command line it runs in a fresh process of its own, so that its
//! peak memory is not what the allocator kept from the scan.

use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::Serialize;

use crate::config::RulesConfig;
use crate::dataset::{self, Aliases, Dataset, LoadOptions, TableKind};
use crate::engine::{self, RuleStatus};
use crate::error::{Error, Result};
use crate::scan;

const MB: f64 = 1e6;

/// Process cpu time (user + system) in seconds, from /proc/self/stat.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux ABI.
    Some((utime + stime) / 100.0)
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident set size of this process in bytes (`VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// Current resident set size in bytes (`VmRSS`).
pub fn rss_bytes() -> Option<u64> {
    status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// Reset the peak resident set size to the current one (Linux ≥ 4.0).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Wall time, cpu time and peak memory of one stretch of work.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub wall_s: f64,
    pub cpu_s: Option<f64>,
    /// cpu time / wall time.
    pub cores_busy: Option<f64>,
    /// Peak resident memory of the process during the stretch, MB.
    pub peak_rss_mb: Option<f64>,
}

struct Meter {
    wall: Instant,
    cpu: Option<f64>,
    peak_reset: bool,
}

impl Meter {
    fn start() -> Meter {
        let peak_reset = reset_peak_rss();
        Meter {
            wall: Instant::now(),
            cpu: cpu_seconds(),
            peak_reset,
        }
    }

    fn stop(self) -> Usage {
        let wall_s = self.wall.elapsed().as_secs_f64();
        let cpu_s = match (self.cpu, cpu_seconds()) {
            (Some(a), Some(b)) => Some((b - a).max(0.0)),
            _ => None,
        };
        Usage {
            wall_s,
            cpu_s,
            cores_busy: cpu_s.map(|c| c / wall_s.max(1e-9)),
            peak_rss_mb: if self.peak_reset {
                peak_rss_bytes().map(|b| b as f64 / MB)
            } else {
                None
            },
        }
    }
}

/// One phase: its usage and its throughput over the input it reads.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub phase: String,
    pub rows: usize,
    pub bytes: u64,
    pub rows_per_s: f64,
    pub mb_per_s: f64,
    #[serde(flatten)]
    pub usage: Usage,
}

impl Phase {
    fn new(phase: &str, rows: usize, bytes: u64, usage: Usage) -> Phase {
        let w = usage.wall_s.max(1e-9);
        Phase {
            phase: phase.into(),
            rows,
            bytes,
            rows_per_s: rows as f64 / w,
            mb_per_s: bytes as f64 / MB / w,
            usage,
        }
    }
}

/// One rule: its time in the concurrent run and, alone, its own usage.
#[derive(Debug, Clone, Serialize)]
pub struct RuleBench {
    pub code: &'static str,
    pub name: &'static str,
    /// `ran`, `skipped` or `disabled`.
    pub status: &'static str,
    pub findings: usize,
    /// The tables the rule needs; rows and bytes are theirs.
    pub tables: Vec<&'static str>,
    pub rows: usize,
    pub bytes: u64,
    /// Wall time inside the concurrent run (rules share the cores there).
    pub together_s: f64,
    /// The rule run alone: wall, cpu, cores busy, peak memory.
    pub alone: Option<Phase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub dataset: PathBuf,
    pub tables: usize,
    pub rows: usize,
    pub bytes: u64,
    /// Size of the loaded frames in memory, MB: every string's 16-byte
    /// view, each shared text buffer once, and the other columns' values
    /// (polars' `estimated_size` counts a string column's text but not its
    /// views, ≈ half of the real size here).
    pub frames_mb: f64,
    /// Threads in the rayon pool the rules and the loader run on.
    pub threads: usize,
    /// load, rules, write, and scan (their sum, as one `weiquan scan`).
    pub phases: Vec<Phase>,
    pub rules: Vec<RuleBench>,
    /// Plain polars read of the same files (absent with `yardstick: false`).
    pub yardstick: Option<Phase>,
    /// Files polars cannot read plainly (xlsx, GBK CSV), left out of the yardstick.
    pub yardstick_skipped: Vec<PathBuf>,
    /// scan wall time / yardstick wall time.
    pub scan_over_yardstick: Option<f64>,
    /// scan cpu time / yardstick cpu time (steadier on a shared machine).
    pub scan_over_yardstick_cpu: Option<f64>,
    /// load wall time / yardstick wall time: the loader (typing, checking
    /// and hashing every cell) against polars reading the same files.
    pub load_over_yardstick: Option<f64>,
    /// load cpu time / yardstick cpu time.
    pub load_over_yardstick_cpu: Option<f64>,
    /// Peak resident memory of the scan (load + rules + write), MB.
    pub scan_peak_rss_mb: Option<f64>,
    /// scan_peak_rss_mb / input MB.
    pub peak_rss_over_input: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub load: LoadOptions,
    /// Time the polars yardstick.
    pub yardstick: bool,
    /// Time the yardstick in a fresh process of this program
    /// (`EXE bench DIR --yardstick-only --json FILE`), so that its peak
    /// memory is its own and not what the allocator kept from the scan.
    /// `None`: in this process, after the scan.
    pub yardstick_exe: Option<PathBuf>,
    /// Run each rule alone after the concurrent run.
    pub isolate: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            load: LoadOptions::default(),
            yardstick: true,
            yardstick_exe: None,
            isolate: true,
        }
    }
}

fn table_input(ds: &Dataset, tables: &[TableKind]) -> (usize, u64) {
    tables
        .iter()
        .filter_map(|t| ds.tables.get(t))
        .fold((0, 0), |(r, b), t| {
            (r + t.frame.height(), b + t.source.bytes)
        })
}

/// Bytes the frames hold in memory. A string column is its views (16
/// bytes a row, short strings inside) plus the buffers holding the longer
/// strings; a buffer shared by several columns or chunks counts once.
pub fn frames_bytes<'a>(frames: impl Iterator<Item = &'a DataFrame>) -> usize {
    let mut buffers = std::collections::HashSet::new();
    let mut total = 0;
    for frame in frames {
        for col in frame.columns() {
            let s = col.as_materialized_series();
            match s.str() {
                Ok(ca) => {
                    if ca.null_count() > 0 {
                        total += ca.len().div_ceil(8); // the validity bitmap
                    }
                    for arr in ca.downcast_iter() {
                        total += std::mem::size_of_val(arr.views().as_slice());
                        for b in arr.data_buffers().iter() {
                            if buffers.insert((b.as_slice().as_ptr() as usize, b.len())) {
                                total += b.len();
                            }
                        }
                    }
                }
                Err(_) => match s.dtype() {
                    // Dictionary codes: 4 bytes a cell, and each dictionary
                    // (one copy of every value) once.
                    DataType::Categorical(_, mapping) => {
                        total += s.estimated_size();
                        if buffers.insert((std::sync::Arc::as_ptr(mapping) as usize, 0)) {
                            total += (0..mapping.num_cats_upper_bound())
                                .filter_map(|k| mapping.cat_to_str(k as u32))
                                .map(|v| v.len() + std::mem::size_of::<(&str, u64)>())
                                .sum::<usize>();
                        }
                    }
                    _ => total += s.estimated_size(),
                },
            }
        }
    }
    total
}

/// Load, run and write as `scan` does, measuring every phase.
pub fn run(dir: &Path, cfg: &RulesConfig, opts: &BenchOptions) -> Result<BenchReport> {
    let m = Meter::start();
    let ds = Dataset::load(dir, &opts.load)?;
    let load = m.stop();
    let (rows, bytes) = (ds.total_rows(), ds.total_bytes());
    let frames_mb = frames_bytes(ds.tables.values().map(|t| &t.frame)) as f64 / MB;

    let m = Meter::start();
    let out = engine::run(&ds, cfg, &|_| {})?;
    let rules_usage = m.stop();

    let ms = |u: &Usage| (u.wall_s * 1000.0) as u64;
    let res = scan::scan_result(&ds, cfg, out, ms(&load), ms(&rules_usage));
    let mut rules = rule_benches(&ds, &res);
    let tables = ds.tables.len();
    let tmp = std::env::temp_dir().join(format!("weiquan-bench-{}", std::process::id()));
    let (ds, write) = write_phase(ds, &res, opts.isolate, &tmp)?;
    let scan_usage = scan_usage(&load, &rules_usage, &write);
    drop(res);

    if let Some(ds) = &ds {
        run_rules_alone(ds, cfg, &mut rules)?;
    }
    drop(ds);

    let mut phases = vec![
        Phase::new("load", rows, bytes, load),
        Phase::new("rules", rows, bytes, rules_usage),
        Phase::new("write", rows, bytes, write),
        Phase::new("scan", rows, bytes, scan_usage.clone()),
    ];
    phases.shrink_to_fit();

    let (yardstick, yardstick_skipped) = if opts.yardstick {
        let (p, skipped) = match &opts.yardstick_exe {
            Some(exe) => yardstick_in_child(exe, dir, &tmp)?,
            None => polars_yardstick(dir, &opts.load)?,
        };
        (Some(p), skipped)
    } else {
        (None, vec![])
    };
    let (scan_over_yardstick, scan_over_yardstick_cpu) =
        over_yardstick(yardstick.as_ref(), &scan_usage);
    let (load_over_yardstick, load_over_yardstick_cpu) =
        over_yardstick(yardstick.as_ref(), &phases[0].usage);
    let scan_peak = scan_usage.peak_rss_mb;
    Ok(BenchReport {
        dataset: dir.to_path_buf(),
        tables,
        rows,
        bytes,
        frames_mb,
        threads: rayon::current_num_threads(),
        phases,
        rules,
        yardstick,
        yardstick_skipped,
        scan_over_yardstick,
        scan_over_yardstick_cpu,
        load_over_yardstick,
        load_over_yardstick_cpu,
        scan_peak_rss_mb: scan_peak,
        peak_rss_over_input: scan_peak.map(|p| p / (bytes as f64 / MB).max(1e-9)),
    })
}

/// Each rule's line of the report from the concurrent run: its status,
/// findings, the input it needs and its time there (alone: not yet).
fn rule_benches(ds: &Dataset, res: &scan::ScanResult) -> Vec<RuleBench> {
    res.rules
        .iter()
        .map(|r| {
            let rule = crate::rules::registry()
                .iter()
                .find(|x| x.code() == r.code)
                .expect("a registered rule");
            let (rrows, rbytes) = table_input(ds, rule.needs());
            let (status, findings, millis) = match &r.status {
                RuleStatus::Ran { findings, millis } => ("ran", *findings, *millis),
                RuleStatus::Skipped { .. } => ("skipped", 0, 0),
                RuleStatus::Disabled => ("disabled", 0, 0),
            };
            RuleBench {
                code: r.code,
                name: r.name,
                status,
                findings,
                tables: rule.needs().iter().map(|t| t.canonical()).collect(),
                rows: rrows,
                bytes: rbytes,
                together_s: millis as f64 / 1000.0,
                alone: None,
            }
        })
        .collect()
}

/// The `write` phase, into `tmp` (removed afterwards). As `scan` does by
/// default: the frames freed (unless the rules are to run alone
/// afterwards: then the dataset is handed back), then the outputs and the
/// case store (a first run into a fresh store: every finding new).
fn write_phase(
    ds: Dataset,
    res: &scan::ScanResult,
    isolate: bool,
    tmp: &Path,
) -> Result<(Option<Dataset>, Usage)> {
    let m = Meter::start();
    let seen = scan::DatasetSeen::of(&ds);
    let (ds, freed) = if isolate {
        (Some(ds), None)
    } else {
        (None, Some(scan::drop_aside(ds)))
    };
    let store = scan::StoreOptions {
        db: tmp.join("weiquan.db"),
        by: "bench".into(),
    };
    let written = std::fs::create_dir_all(tmp)
        .map_err(|e| Error::io(tmp, e))
        .and_then(|()| scan::write_outputs_tracked(&tmp.join("out"), &seen, res, false, &store));
    if let Some(freed) = freed {
        let _ = freed.join();
    }
    let write = m.stop();
    let _ = std::fs::remove_dir_all(tmp);
    written?;
    Ok((ds, write))
}

/// The `scan` phase: load, rules and write added up, its peak the highest
/// of theirs.
fn scan_usage(load: &Usage, rules: &Usage, write: &Usage) -> Usage {
    let sum =
        |f: fn(&Usage) -> Option<f64>| -> Option<f64> { Some(f(load)? + f(rules)? + f(write)?) };
    let scan_wall = load.wall_s + rules.wall_s + write.wall_s;
    let scan_cpu = sum(|u| u.cpu_s);
    let scan_peak = [load, rules, write]
        .iter()
        .map(|u| u.peak_rss_mb)
        .try_fold(0.0f64, |a, p| p.map(|p| a.max(p)));
    Usage {
        wall_s: scan_wall,
        cpu_s: scan_cpu,
        cores_busy: scan_cpu.map(|c| c / scan_wall.max(1e-9)),
        peak_rss_mb: scan_peak,
    }
}

/// Run each rule that ran alone, measuring it.
fn run_rules_alone(ds: &Dataset, cfg: &RulesConfig, rules: &mut [RuleBench]) -> Result<()> {
    for r in rules.iter_mut().filter(|r| r.status == "ran") {
        let mut one = cfg.clone();
        one.only(&[r.code.to_string()])?;
        // Values rules share (`Dataset::derived`) are made again: a
        // rule alone pays for what it needs.
        ds.derived.clear();
        let m = Meter::start();
        engine::run(ds, &one, &|_| {})?;
        r.alone = Some(Phase::new(r.code, r.rows, r.bytes, m.stop()));
    }
    Ok(())
}

/// A stretch of work against the yardstick: wall time over wall time, and
/// cpu time over cpu time (absent when the yardstick took no cpu time).
fn over_yardstick(yardstick: Option<&Phase>, u: &Usage) -> (Option<f64>, Option<f64>) {
    let wall = yardstick.map(|y| u.wall_s / y.usage.wall_s.max(1e-9));
    let cpu = yardstick.and_then(|y| {
        let c = y.usage.cpu_s?;
        (c > 0.0).then(|| u.cpu_s.map(|s| s / c)).flatten()
    });
    (wall, cpu)
}

/// Read every table file of the folder with polars alone: its CSV reader
/// with header and its own dtype inference (or the parquet reader), no
/// alias matching, no normalisation. A CSV whose inferred types do not hold
/// further down is read again with every column as text; files polars
/// cannot read (xlsx, GBK) are left out and listed.
pub fn polars_yardstick(dir: &Path, load: &LoadOptions) -> Result<(Phase, Vec<PathBuf>)> {
    let aliases = load.aliases.clone().unwrap_or_else(Aliases::builtin);
    let (files, _) = dataset::table_files(dir, &aliases)?;
    let mut skipped = Vec::new();
    let (mut rows, mut bytes) = (0usize, 0u64);
    let m = Meter::start();
    for path in files.values() {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let df = match ext.as_str() {
            "csv" => read_csv_plain(path),
            "parquet" => {
                let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                ParquetReader::new(f).finish().ok()
            }
            _ => None,
        };
        // xlsx, and CSV that is not UTF-8 (GBK): not a plain polars read.
        let Some(df) = df else {
            skipped.push(path.clone());
            continue;
        };
        rows += df.height();
        bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        drop(df);
    }
    Ok((Phase::new("polars read", rows, bytes, m.stop()), skipped))
}

/// The yardstick and the files it left out, as `--yardstick-only` writes them.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct YardstickOnly {
    pub rows: usize,
    pub bytes: u64,
    pub wall_s: f64,
    pub cpu_s: Option<f64>,
    pub peak_rss_mb: Option<f64>,
    pub skipped: Vec<PathBuf>,
}

impl YardstickOnly {
    pub fn of(p: &Phase, skipped: Vec<PathBuf>) -> YardstickOnly {
        YardstickOnly {
            rows: p.rows,
            bytes: p.bytes,
            wall_s: p.usage.wall_s,
            cpu_s: p.usage.cpu_s,
            peak_rss_mb: p.usage.peak_rss_mb,
            skipped,
        }
    }
}

fn yardstick_in_child(exe: &Path, dir: &Path, tmp: &Path) -> Result<(Phase, Vec<PathBuf>)> {
    std::fs::create_dir_all(tmp).map_err(|e| Error::io(tmp, e))?;
    let json = tmp.join("yardstick.json");
    let st = std::process::Command::new(exe)
        .arg("bench")
        .arg(dir)
        .arg("--yardstick-only")
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::io(exe, e))?;
    let read = std::fs::read(&json);
    let _ = std::fs::remove_dir_all(tmp);
    if !st.success() {
        return Err(Error::format(
            exe,
            format!("yardstick process failed ({st})"),
        ));
    }
    let y: YardstickOnly = serde_json::from_slice(&read.map_err(|e| Error::io(&json, e))?)
        .map_err(|e| Error::format(&json, e))?;
    let usage = Usage {
        wall_s: y.wall_s,
        cpu_s: y.cpu_s,
        cores_busy: y.cpu_s.map(|c| c / y.wall_s.max(1e-9)),
        peak_rss_mb: y.peak_rss_mb,
    };
    Ok((Phase::new("polars read", y.rows, y.bytes, usage), y.skipped))
}

fn read_csv_plain(path: &Path) -> Option<DataFrame> {
    // Through an open file handle, as the loader does: a path handed to
    // polars could be taken for a cloud address (tests/trust.rs).
    let read = |infer: Option<usize>| {
        let file = std::fs::File::open(path).map_err(PolarsError::from)?;
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(infer)
            .into_reader_with_file_handle(file)
            .finish()
    };
    read(Some(100)).or_else(|_| read(Some(0))).ok()
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.prec$}"))
}

/// The report as a console table.
pub fn render(r: &BenchReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "weiquan bench {}: {} tables, {} rows, {:.1} MB ({:.0} MB as frames), {} threads",
        r.dataset.display(),
        r.tables,
        r.rows,
        r.bytes as f64 / MB,
        r.frames_mb,
        r.threads
    );
    render_phases(&mut s, r);
    render_rules(&mut s, r);
    render_ratios(&mut s, r);
    s
}

/// The phases, then the yardstick, one line each.
fn render_phases(s: &mut String, r: &BenchReport) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "\n{:<12} {:>9} {:>9} {:>6} {:>12} {:>8} {:>10}",
        "phase", "wall s", "cpu s", "cores", "rows/s", "MB/s", "peak MB"
    );
    let line = |s: &mut String, p: &Phase| {
        let _ = writeln!(
            s,
            "{:<12} {:>9.2} {:>9} {:>6} {:>12.0} {:>8.1} {:>10}",
            p.phase,
            p.usage.wall_s,
            opt(p.usage.cpu_s, 2),
            opt(p.usage.cores_busy, 2),
            p.rows_per_s,
            p.mb_per_s,
            opt(p.usage.peak_rss_mb, 0)
        );
    };
    for p in &r.phases {
        line(s, p);
    }
    if let Some(y) = &r.yardstick {
        line(s, y);
    }
}

/// One line a rule: its time in the concurrent run, then alone.
fn render_rules(s: &mut String, r: &BenchReport) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "\n{:<8} {:>9} {:>10} {:>11} {:>12} {:>8} | {:>8} {:>8} {:>6} {:>8}",
        "rule",
        "findings",
        "rows in",
        "together s",
        "rows/s",
        "MB/s",
        "alone s",
        "cpu s",
        "cores",
        "peak MB"
    );
    for rb in &r.rules {
        if rb.status != "ran" {
            let _ = writeln!(s, "{:<8} {}", rb.code, rb.status);
            continue;
        }
        let (rps, mbps) = match &rb.alone {
            Some(a) => (a.rows_per_s, a.mb_per_s),
            None => {
                let w = rb.together_s.max(1e-9);
                (rb.rows as f64 / w, rb.bytes as f64 / MB / w)
            }
        };
        let a = rb.alone.as_ref();
        // A rule that needs no particular table (it reads what is there).
        let (rps, mbps) = if rb.tables.is_empty() {
            ("-".to_string(), "-".to_string())
        } else {
            (format!("{rps:.0}"), format!("{mbps:.1}"))
        };
        let _ = writeln!(
            s,
            "{:<8} {:>9} {:>10} {:>11.2} {:>12} {:>8} | {:>8} {:>8} {:>6} {:>8}",
            rb.code,
            rb.findings,
            rb.rows,
            rb.together_s,
            rps,
            mbps,
            opt(a.map(|a| a.usage.wall_s), 2),
            opt(a.and_then(|a| a.usage.cpu_s), 2),
            opt(a.and_then(|a| a.usage.cores_busy), 2),
            opt(a.and_then(|a| a.usage.peak_rss_mb), 0),
        );
    }
    let _ = writeln!(
        s,
        "\n(rows/s and MB/s of a rule: the tables it needs, over its time alone when measured)"
    );
}

/// The scan and the load against the yardstick, and memory against input.
fn render_ratios(s: &mut String, r: &BenchReport) {
    use std::fmt::Write as _;
    if let Some(x) = r.scan_over_yardstick {
        let _ = writeln!(
            s,
            "scan / polars read: {:.2}× wall, {}× cpu{}",
            x,
            opt(r.scan_over_yardstick_cpu, 2),
            if r.yardstick_skipped.is_empty() {
                String::new()
            } else {
                format!(
                    " (polars read leaves out {} file(s) it cannot read: xlsx, GBK)",
                    r.yardstick_skipped.len()
                )
            }
        );
    }
    if let Some(x) = r.load_over_yardstick {
        let _ = writeln!(
            s,
            "load / polars read: {:.2}× wall, {}× cpu",
            x,
            opt(r.load_over_yardstick_cpu, 2),
        );
    }
    if let Some(x) = r.peak_rss_over_input {
        let _ = writeln!(
            s,
            "scan peak memory / input size: {:.2}× ({} MB / {:.1} MB)",
            x,
            opt(r.scan_peak_rss_mb, 0),
            r.bytes as f64 / MB
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_size_counts_views_and_each_buffer_once() {
        // Two strings longer than 12 bytes go to a buffer; "short" is inline.
        let long = "三十个字节的长字符串？"; // 33 bytes
        assert_eq!(long.len(), 33);
        let a = DataFrame::new(
            3,
            vec![
                Column::new("s".into(), [long, "short", long]),
                Column::new("n".into(), [1i64, 2, 3]),
            ],
        )
        .unwrap();
        let size = frames_bytes(std::iter::once(&a));
        // 3 views of 16 bytes, 66 bytes of text, 3 × 8 bytes of i64.
        assert_eq!(size, 3 * 16 + 66 + 24);
        // A column sharing its buffers with another frame counts them once.
        let b = DataFrame::new(3, vec![a.column("s").unwrap().clone()]).unwrap();
        assert_eq!(frames_bytes([&a, &b].into_iter()), size + 3 * 16);
    }
}
