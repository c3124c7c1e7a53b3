//! The weiquan command line. Only argument handling lives here; the work is
//! in the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use weiquan::config::RulesConfig;
use weiquan::dataset::{Aliases, LoadOptions};
use weiquan::finding::Severity;
use weiquan::scan::{self, ScanOptions};
use weiquan::{Error, rules};

#[derive(Parser)]
#[command(
    name = "weiquan",
    version,
    about = "微权: watch village micro power (村（居）小微权力) in street exports"
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
        /// Mask id and account numbers in every output (370102********123X).
        #[arg(long)]
        mask_pii: bool,
        /// Exit 3 when findings of this severity or higher exist.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// No summary on the console.
        #[arg(long, short)]
        quiet: bool,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

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
            mask_pii,
            fail_on,
            quiet,
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
            let cfg = rules_config(&rule_args)?;
            let opts = ScanOptions {
                load: LoadOptions {
                    lenient,
                    aliases: aliases(&rule_args)?,
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
            let (_ds, res) = scan::run_dataset(&dataset, &cfg, &opts, &|code| {
                bar.set_message(code.to_string());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            scan::write_outputs(&out, &res, mask_pii)?;
            if !quiet {
                print!("{}", scan::summary(&res));
                println!("  written to {}", out.display());
            }
            if let Some(sev) = fail_on {
                if res.findings.iter().any(|f| f.severity <= sev) {
                    return Ok(ExitCode::from(3));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Rules => {
            println!("{:<8} {:<22} {:<8} name", "code", "category", "severity");
            for r in rules::registry() {
                println!(
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
            println!(
                "# {} {} ({}, {})\n",
                r.code(),
                r.name(),
                r.category(),
                r.severity()
            );
            println!("{}", r.doc());
            println!(
                "Tables needed: {}",
                r.needs()
                    .iter()
                    .map(|t| t.canonical())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "\nDefaults:\n{}",
                toml::to_string(&r.default_params()).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Coverage => {
            print!("{}", weiquan::coverage::render());
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
                print!("{}", report.summary());
                println!("  written to {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Eval {
            findings,
            labels,
            negatives,
            json,
        } => {
            let report = weiquan::eval::run(&findings, &labels, negatives.as_deref())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{}", report.render());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
