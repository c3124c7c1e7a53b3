//! Triage for discipline officers: a SQLite case store that remembers what
//! officers decided across nightly scans.
//!
//! - A **case** is one lead followed over time, keyed on
//!   [`Finding::case_key`] (rule + village + subject). Its **fingerprint** is
//!   the finding id (a hash of the facts) of what the latest run saw; when a
//!   rule reports one subject more than once in a run, the fingerprint is a
//!   hash of all those finding ids.
//! - Each scan marks every case it sees as `new`, `recurring` or `reopened`
//!   (a dismissed or rectified case whose facts changed since it was closed),
//!   and every open case of the rules that ran and villages present in the
//!   export that it no longer sees as `gone`. A closed case whose facts did
//!   not change stays closed and is hidden from the queue.
//! - Officers change status, assignee, deadline and note with `cases set` or
//!   through an Excel round trip; every change lands in `history` with time,
//!   who and why. Every write is one transaction.
//!
//! Store location: `scan` defaults to `weiquan.db` beside the output folder
//! (`--out out/demo` → `out/weiquan.db`); `cases` defaults to `./weiquan.db`,
//! which is the same file for the default `--out out`.

mod render;
mod schema;
mod store;
mod xlsx;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use render::{render_case, render_list};
pub use schema::SCHEMA_VERSION;
pub use store::{
    CaseFilter, CaseRecord, CaseRow, CaseRun, CaseUpdate, Change, FindingTriage, HistoryEntry,
    MarkCounts, PendingRun, QueuePage, QueueSort, Role, RunInput, RunRow, RunTriage, Saved, Store,
    User,
};
pub use xlsx::{ImportReport, export_xlsx, import_xlsx};

use crate::dataset::Dataset;

/// Where an officer is in handling a case (线索处置状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not yet looked at (新线索).
    New,
    /// Being handled (处理中).
    Open,
    /// Checked and true (已查实).
    Confirmed,
    /// Checked and not a problem (已排除): hidden while its facts stay the same.
    Dismissed,
    /// The problem was put right (已整改): hidden while its facts stay the same.
    Rectified,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::Confirmed,
        Status::Dismissed,
        Status::Rectified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Confirmed => "confirmed",
            Status::Dismissed => "dismissed",
            Status::Rectified => "rectified",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::New => "新线索",
            Status::Open => "处理中",
            Status::Confirmed => "已查实",
            Status::Dismissed => "已排除",
            Status::Rectified => "已整改",
        }
    }

    /// The English code or the Chinese label, as typed by an officer.
    pub fn parse(s: &str) -> Option<Status> {
        let t = s.trim();
        Status::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(t) || x.label_zh() == t)
    }

    /// Closed cases leave the queue until their facts change.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Dismissed | Status::Rectified)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one scan saw of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// First time this case is seen.
    New,
    /// Seen before (its facts may have changed: see the history).
    Recurring,
    /// A dismissed or rectified case whose facts changed: back in the queue.
    Reopened,
    /// Open in the store, but this run no longer finds it in the data.
    Gone,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Recurring => "recurring",
            Mark::Reopened => "reopened",
            Mark::Gone => "gone",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Mark::New => "新增",
            Mark::Recurring => "复现",
            Mark::Reopened => "重开",
            Mark::Gone => "消失",
        }
    }

    pub fn parse(s: &str) -> Option<Mark> {
        let t = s.trim();
        [Mark::New, Mark::Recurring, Mark::Reopened, Mark::Gone]
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(t) || x.label_zh() == t)
    }
}

/// `scan`'s default store: `weiquan.db` beside the output folder, so that
/// every street's output under one folder shares one store and replacing
/// the output folder never deletes it.
pub fn default_db_path(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("weiquan.db"),
        _ => PathBuf::from("weiquan.db"),
    }
}

/// Who is making a change: `--by`, else the OS user.
pub fn current_user(by: Option<&str>) -> String {
    if let Some(b) = by.map(str::trim).filter(|b| !b.is_empty()) {
        return b.to_string();
    }
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(unix_login)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The login name of the process's uid (services and cron jobs often run
/// without USER set).
#[cfg(unix)]
fn unix_login() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(not(unix))]
fn unix_login() -> Option<String> {
    None
}

/// Village codes present anywhere in the export: a case of a village that
/// is not in tonight's export is not "gone", it was just not looked at.
pub fn dataset_villages(ds: &Dataset) -> BTreeSet<String> {
    // Borrowed codes, hashed: an export in another order (a roll by month,
    // a ledger by date) changes village on most rows.
    let mut seen: polars::prelude::PlHashSet<&str> = Default::default();
    for t in ds.tables.values() {
        // Plain text or dictionary codes (dataset::dictionary): a column of
        // either form counts; none is skipped for its form.
        let Ok(s) = crate::dataset::dictionary::Text::of(&t.frame, "village_code") else {
            continue;
        };
        // Exports list a village's rows together: comparing with the
        // previous row's code is cheaper than hashing every row (`unique`
        // over 6.5 million rows at 2,000 villages).
        let mut last: Option<&str> = None;
        for v in s.iter().flatten() {
            if last != Some(v) {
                seen.insert(v);
                last = Some(v);
            }
        }
    }
    seen.into_iter().map(str::to_string).collect()
}

pub(crate) fn now_string() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{SourceInfo, Table, TableKind};
    use polars::prelude::*;

    fn table(kind: TableKind, codes: &[Option<&str>]) -> Table {
        Table {
            kind,
            source: SourceInfo {
                table: kind.canonical().to_string(),
                path: PathBuf::from("x.csv"),
                format: "csv",
                encoding: "utf-8",
                bytes: 0,
                sha256: String::new(),
                rows: codes.len(),
                extra_headers: Vec::new(),
                layout: None,
            },
            frame: df!("village_code" => codes).unwrap(),
        }
    }

    #[test]
    fn every_village_of_every_table_counts_in_any_order() {
        let mut tables = std::collections::BTreeMap::new();
        let rows = [
            Some("V1"),
            Some("V1"),
            Some("V2"),
            None,
            Some("V1"),
            Some("V3"),
            Some("V3"),
        ];
        tables.insert(TableKind::Ledger, table(TableKind::Ledger, &rows));
        tables.insert(
            TableKind::Hires,
            table(TableKind::Hires, &[Some("V4"), Some("V2")]),
        );
        let ds = Dataset {
            dir: PathBuf::from("d"),
            tables,
            issues: Vec::new(),
            ignored: Vec::new(),
            derived: Default::default(),
            sheets: Vec::new(),
        };
        let got: Vec<String> = dataset_villages(&ds).into_iter().collect();
        assert_eq!(got, ["V1", "V2", "V3", "V4"]);
    }
}
