//! `weiquan gen`: a synthetic street export with known cases.

use std::path::PathBuf;
use std::process::ExitCode;

use weiquan::Error;
use weiquan::r#gen::{self, GenOptions};

use super::values::StyleArg;

#[derive(clap::Args)]
pub struct GenArgs {
    /// Number of villages (~300 households each).
    #[arg(long, default_value_t = 12)]
    villages: usize,
    /// Seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// `clean` (canonical UTF-8 CSV) or `messy` (Chinese names and headers, GBK, xlsx, mixed forms).
    #[arg(long, value_enum, default_value = "clean")]
    style: StyleArg,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Replace the tables, labels and negatives of an existing folder.
    #[arg(long)]
    force: bool,
    /// No summary on the console.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(a: GenArgs) -> Result<ExitCode, Error> {
    r#gen::prepare_out(&a.out, a.force)?;
    let report = r#gen::generate(&GenOptions {
        villages: a.villages,
        seed: a.seed,
        style: a.style.style(),
        out: a.out.clone(),
    })?;
    if !a.quiet {
        out!("{}", report.summary());
        outln!("  written to {}", a.out.display());
    }
    Ok(ExitCode::SUCCESS)
}
