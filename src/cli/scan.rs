//! `weiquan scan`: load one export, run the rules, write the outputs and
//! record the run in the case store.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use weiquan::Error;
use weiquan::dataset::LoadOptions;
use weiquan::scan::{self, ScanOptions};
use weiquan::triage;

use super::RuleArgs;
use super::values::SeverityArg;

#[derive(clap::Args)]
pub struct ScanArgs {
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
    #[arg(long, value_name = "SEVERITY", value_enum)]
    fail_on: Option<SeverityArg>,
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
}

pub fn run(a: ScanArgs) -> Result<ExitCode, Error> {
    super::mask_errors(a.mask_pii);
    let cfg = a.rule_args.config()?;
    let opts = ScanOptions {
        load: LoadOptions {
            lenient: a.lenient,
            aliases: a.rule_args.aliases()?,
            villages: a.villages,
            chunk_bytes: None,
        },
        mask_pii: a.mask_pii,
    };
    let enabled = cfg.rules.iter().filter(|r| r.enabled).count() as u64;
    let bar = progress_bar(enabled, a.quiet);
    let (ds, res) = scan::run_dataset(&a.dataset, &cfg, &opts, &|code| {
        bar.set_message(code.to_string());
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    warn_blanked(&ds.issues, a.mask_pii);
    // The frames are not needed past this point: free them while
    // the write phase runs.
    let seen = scan::DatasetSeen::of(&ds);
    let freed = scan::drop_aside(ds);
    let tracked = if a.no_db {
        scan::write_outputs(&a.out, &res, a.mask_pii)?;
        None
    } else {
        let store = scan::StoreOptions {
            db: a.db.unwrap_or_else(|| triage::default_db_path(&a.out)),
            by: triage::current_user(None),
        };
        Some(scan::write_outputs_tracked(
            &a.out, &seen, &res, a.mask_pii, &store,
        )?)
    };
    let _ = freed.join();
    if !a.quiet {
        out!("{}", scan::summary(&res));
        if let Some(t) = &tracked {
            outln!("  {}", t.summary_line());
        }
        outln!("  written to {}", a.out.display());
    }
    if a.eval {
        grade(&a.dataset, &a.out)?;
    }
    if let Some(SeverityArg(sev)) = a.fail_on
        && res.findings.iter().any(|f| f.severity <= sev)
    {
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

/// Rules done so far, on an interactive stderr only.
fn progress_bar(rules: u64, quiet: bool) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() && !quiet {
        let b = indicatif::ProgressBar::new(rules);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} rules {pos}/{len} {wide_bar} {msg}")
                .expect("valid template"),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// `--eval`: grade the written findings against the dataset's own labels.
fn grade(dataset: &Path, out: &Path) -> Result<(), Error> {
    let labels = dataset.join("labels.csv");
    if labels.is_file() {
        let negatives = dataset.join("negatives.csv");
        let negatives = negatives.is_file().then_some(negatives);
        let report = weiquan::eval::run(&out.join("findings.csv"), &labels, negatives.as_deref())?;
        out!("{}", report.render());
    } else {
        outln!(
            "  --eval: {} has no labels.csv; nothing to grade",
            dataset.display()
        );
    }
    Ok(())
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
