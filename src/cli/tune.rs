//! `weiquan tune`: sweep a rule parameter and grade each value.

use std::path::PathBuf;
use std::process::ExitCode;

use weiquan::Error;
use weiquan::config::RulesConfig;
use weiquan::dataset::{Aliases, LoadOptions};
use weiquan::tune::{self, RunOptions};

#[derive(clap::Args)]
pub struct TuneArgs {
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

pub fn run(a: TuneArgs) -> Result<ExitCode, Error> {
    let base = match &a.rules {
        Some(p) => RulesConfig::from_file(p)?,
        None => RulesConfig::builtin(),
    };
    let aliases = a.aliases.as_deref().map(Aliases::from_file).transpose()?;
    let opts = RunOptions {
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
    let o = tune::run(&base, &opts)?;
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
            .map(|(ax, v)| format!("{} = {}", ax.key, tune::show(*v)))
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
