//! `weiquan eval`: grade a scan's findings against known cases.

use std::path::PathBuf;
use std::process::ExitCode;

use weiquan::Error;

#[derive(clap::Args)]
pub struct EvalArgs {
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
}

pub fn run(a: EvalArgs) -> Result<ExitCode, Error> {
    let report = weiquan::eval::run(&a.findings, &a.labels, a.negatives.as_deref())?;
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        out!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}
