//! `weiquan cases`: the officers' side of the case store (list, show, set,
//! the Excel round trip, the runs).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use weiquan::Error;
use weiquan::triage::{self, CaseFilter, CaseUpdate, Store};

use super::arg_error;
use super::values::{CategoryArg, MarkArg, SeverityArg, StatusArg};

#[derive(clap::Args)]
pub struct CasesArgs {
    /// The case store (default: ./weiquan.db, where `scan --out out` keeps it).
    #[arg(long, global = true, value_name = "FILE", default_value = "weiquan.db")]
    db: PathBuf,
    #[command(subcommand)]
    cmd: CasesCmd,
}

#[derive(clap::Args, Clone)]
struct CaseFilterArgs {
    /// Status(es): new, open, confirmed, dismissed, rectified (or 新线索, 处理中,
    /// 已查实, 已排除, 已整改). Default: every status but dismissed and rectified.
    #[arg(long, value_delimiter = ',', value_enum, ignore_case = true)]
    status: Vec<StatusArg>,
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
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// Category (e.g. kinship).
    #[arg(long, value_enum)]
    category: Option<CategoryArg>,
    /// Only cases the latest run marked new, recurring, reopened or gone.
    #[arg(long, value_enum, ignore_case = true)]
    mark: Option<MarkArg>,
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
        /// Case id (线索编号) or a unique prefix, or the finding_id of a findings.csv row (plain or --mask-pii).
        id: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        mask_pii: bool,
    },
    /// Change a case's status, assignee, deadline or note (recorded in its history).
    Set(SetArgs),
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

#[derive(clap::Args)]
struct SetArgs {
    /// Case id (线索编号) or a unique prefix, or the finding_id of a findings.csv row (plain or --mask-pii).
    id: String,
    #[arg(long, value_enum, ignore_case = true)]
    status: Option<StatusArg>,
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
}

pub fn run(a: CasesArgs) -> Result<ExitCode, Error> {
    let db = a.db.as_path();
    match a.cmd {
        CasesCmd::List {
            filter,
            json,
            mask_pii,
        } => list(db, &filter, json, mask_pii)?,
        CasesCmd::Show { id, json, mask_pii } => show(db, &id, json, mask_pii)?,
        CasesCmd::Set(s) => set(db, s)?,
        CasesCmd::Export {
            xlsx,
            filter,
            mask_pii,
        } => {
            let store = Store::open_existing(db)?;
            let n = triage::export_xlsx(&store, &case_filter(&filter), &xlsx, mask_pii)?;
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
        CasesCmd::Runs => runs(db)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn case_filter(a: &CaseFilterArgs) -> CaseFilter {
    CaseFilter {
        statuses: a.status.iter().map(|s| s.0).collect(),
        all: a.all,
        village: a.village.clone(),
        // A rule named by code or name (`kinship`), as the store keeps codes.
        rule: a.rule.as_deref().map(|r| {
            weiquan::rules::find(r)
                .map(|x| x.code().to_string())
                .unwrap_or_else(|| r.trim().to_ascii_uppercase())
        }),
        severity: a.severity.map(|s| s.0),
        category: a.category.map(|c| c.0),
        mark: a.mark.map(|m| m.0),
        assignee: None,
        text: None,
    }
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

fn list(db: &Path, filter: &CaseFilterArgs, json: bool, mask_pii: bool) -> Result<(), Error> {
    let store = Store::open_existing(db)?;
    let mut list = store.list(&case_filter(filter))?;
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
    Ok(())
}

fn show(db: &Path, id: &str, json: bool, mask_pii: bool) -> Result<(), Error> {
    let store = Store::open_existing(db)?;
    let triage::CaseRecord {
        case,
        findings,
        history,
    } = store.case_record(id, mask_pii)?;
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
    Ok(())
}

fn set(db: &Path, a: SetArgs) -> Result<(), Error> {
    let mut store = Store::open_existing(db)?;
    let case_id = store.resolve_id(&a.id)?;
    let deadline = a
        .deadline
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
        status: a.status.map(|s| s.0),
        assignee: a.assignee,
        deadline,
        note: a.note,
    };
    let changes = store.apply_updates(&[update], &triage::current_user(a.by.as_deref()), "cli")?;
    if changes.is_empty() {
        outln!("no change");
    }
    print_changes(&changes);
    Ok(())
}

fn runs(db: &Path) -> Result<(), Error> {
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
    Ok(())
}
