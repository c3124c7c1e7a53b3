//! What officers read: the queue (which cases a filter selects, in which
//! order, a page at a time) and one case with its findings and history. `cases list` and `cases export` read it whole; `serve` reads a
//! page with its total, from the indexes of schema version 5 (the default
//! order is an index walk that stops at the page; docs/performance.md has
//! the figures at 100,000 cases).

use rusqlite::params_from_iter;
use serde::Serialize;

use super::{CASE_COL_COUNT, CASE_COLS, CaseFilter, CaseRow, Store, case_from_row};
use crate::error::Result;

/// The orders the queue offers. Every one ends on the case id, so a page
/// boundary never splits ties differently between two requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueSort {
    /// Score, severity, rule, village, subject: the order of findings.csv.
    #[default]
    Score,
    /// Money involved, largest first.
    Amount,
    /// Nearest deadline first; cases without one last.
    Deadline,
    /// Most recently changed first.
    Updated,
    /// By village code, then by score.
    Village,
}

impl QueueSort {
    pub fn parse(s: &str) -> Option<QueueSort> {
        Some(match s.trim() {
            "" | "score" => QueueSort::Score,
            "amount" => QueueSort::Amount,
            "deadline" => QueueSort::Deadline,
            "updated" => QueueSort::Updated,
            "village" => QueueSort::Village,
            _ => return None,
        })
    }

    fn order_by(self) -> &'static str {
        // The first form is the `cases_rank` index's expression, verbatim,
        // so that SQLite walks the index instead of sorting.
        const RANK: &str = "score DESC, (CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END), \
             rule, village_code, subject_id, case_id";
        match self {
            QueueSort::Score => RANK,
            QueueSort::Amount => "amount_fen DESC, case_id",
            QueueSort::Deadline => "deadline IS NULL, deadline, score DESC, case_id",
            QueueSort::Updated => "updated_at DESC, case_id",
            QueueSort::Village => "village_code, score DESC, case_id",
        }
    }
}

/// One page of the queue and how many cases the filter selects in all.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub total: i64,
    pub cases: Vec<CaseRow>,
}

/// How the latest run's marks join the filter: `In` reads the run's
/// cases with that mark first (best when few match), `Exists` looks each
/// case up while walking the queue's order (best when many match: a page
/// stops after its rows).
#[derive(Clone, Copy, PartialEq)]
enum MarkJoin {
    In,
    Exists,
}

/// Above this many matches a page walks the order instead of sorting them.
const WALK_ABOVE: i64 = 2_000;

/// `WHERE …` for a filter, with its arguments in order.
fn where_clause(f: &CaseFilter) -> (String, Vec<String>) {
    where_with(f, MarkJoin::In)
}

fn where_with(f: &CaseFilter, join: MarkJoin) -> (String, Vec<String>) {
    let mut sql = String::from(" WHERE 1=1");
    let mut args: Vec<String> = Vec::new();
    if !f.statuses.is_empty() {
        let marks = vec!["?"; f.statuses.len()].join(", ");
        sql.push_str(&format!(" AND status IN ({marks})"));
        args.extend(f.statuses.iter().map(|s| s.as_str().to_string()));
    } else if !f.all {
        sql.push_str(" AND status NOT IN ('dismissed', 'rectified')");
    }
    if let Some(v) = &f.village {
        sql.push_str(" AND village_code = ?");
        args.push(v.trim().to_string());
    }
    if let Some(r) = &f.rule {
        sql.push_str(" AND rule = ?");
        args.push(r.trim().to_ascii_uppercase());
    }
    if let Some(s) = f.severity {
        sql.push_str(" AND severity = ?");
        args.push(s.as_str().to_string());
    }
    if let Some(c) = f.category {
        sql.push_str(" AND category = ?");
        args.push(c.as_str().to_string());
    }
    if let Some(m) = f.mark {
        sql.push_str(match join {
            MarkJoin::In => {
                " AND case_id IN (SELECT case_id FROM run_cases
                    WHERE run_id = (SELECT max(run_id) FROM runs) AND mark = ? AND hidden = 0)"
            }
            MarkJoin::Exists => {
                " AND EXISTS (SELECT 1 FROM run_cases rc
                    WHERE rc.run_id = (SELECT max(run_id) FROM runs) AND rc.case_id = cases.case_id
                      AND rc.mark = ? AND rc.hidden = 0)"
            }
        });
        args.push(m.as_str().to_string());
    }
    if let Some(a) = &f.assignee {
        sql.push_str(" AND assignee = ?");
        args.push(a.trim().to_string());
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // LIKE with its wildcards escaped: the officer's text is literal.
        let pat = format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let cols = [
            "message",
            "subject_id",
            "case_id",
            "assignee",
            "note",
            "related_ids",
        ];
        let any: Vec<String> = cols
            .iter()
            .map(|c| format!("{c} LIKE ? ESCAPE '\\'"))
            .collect();
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        args.extend(std::iter::repeat_n(pat, cols.len()));
    }
    (sql, args)
}

impl Store {
    /// Cases matching the filter, highest score first.
    pub fn list(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let (cond, args) = where_clause(f);
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases{cond} ORDER BY {}",
            QueueSort::Score.order_by()
        );
        self.rows(&sql, &args)
    }

    /// One page of the queue (`offset` cases skipped, at most `limit`
    /// shown) and the filter's total.
    pub fn page(
        &self,
        f: &CaseFilter,
        sort: QueueSort,
        offset: u64,
        limit: u64,
    ) -> Result<QueuePage> {
        let order = sort.order_by();
        if f.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            // Text is searched by reading every case: one pass gives the
            // page and, alongside, the total.
            let (cond, args) = where_clause(f);
            let sql = format!(
                "SELECT {CASE_COLS}, count(*) OVER () FROM cases{cond}
                  ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            );
            let mut total = None;
            let cases = self.rows_with(&sql, &args, |r| {
                total = Some(r.get::<_, i64>(CASE_COL_COUNT)?);
                Ok(())
            })?;
            if let Some(total) = total {
                return Ok(QueuePage { total, cases });
            }
            // A page past the end: count apart.
        }
        let total = self.count(f)?;
        let join = if total > WALK_ABOVE {
            MarkJoin::Exists
        } else {
            MarkJoin::In
        };
        let (cond, args) = where_with(f, join);
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases{cond} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let cases = self.rows(&sql, &args)?;
        Ok(QueuePage { total, cases })
    }

    /// How many cases the filter selects. The queue as it opens (every
    /// status but the closed two, nothing else) is every case less the
    /// closed ones: SQLite counts a whole table from its page headers, and
    /// the closed from the status index, instead of reading 100,000 index
    /// entries on every page.
    fn count(&self, f: &CaseFilter) -> Result<i64> {
        let count = |sql: &str, args: &[String]| -> Result<i64> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut st| st.query_row(params_from_iter(args.iter()), |r| r.get(0)))
                .map_err(|e| self.read_err(e))
        };
        let only_status = f.village.is_none()
            && f.rule.is_none()
            && f.severity.is_none()
            && f.category.is_none()
            && f.mark.is_none()
            && f.assignee.is_none()
            && f.text.as_deref().is_none_or(|t| t.trim().is_empty());
        if only_status && f.statuses.is_empty() {
            let all = count("SELECT count(*) FROM cases", &[])?;
            if f.all {
                return Ok(all);
            }
            let closed = count(
                "SELECT count(*) FROM cases WHERE status IN ('dismissed', 'rectified')",
                &[],
            )?;
            return Ok(all - closed);
        }
        let (cond, args) = where_clause(f);
        count(&format!("SELECT count(*) FROM cases{cond}"), &args)
    }

    fn rows(&self, sql: &str, args: &[String]) -> Result<Vec<CaseRow>> {
        self.rows_with(sql, args, |_| Ok(()))
    }

    /// The cases a query selects, `also` seeing each row (extra columns).
    fn rows_with(
        &self,
        sql: &str,
        args: &[String],
        mut also: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<Vec<CaseRow>> {
        // Not cached: LIMIT and OFFSET are in the text.
        let mut st = self.conn.prepare(sql).map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map(params_from_iter(args.iter()), |r| {
                also(r)?;
                case_from_row(r)
            })
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }
}

impl Store {
    /// The distinct values of a column the queue filters on (`village_code`
    /// or `assignee`, both indexed), sorted.
    pub fn distinct(&self, column: &str) -> Result<Vec<String>> {
        if !matches!(column, "village_code" | "assignee") {
            return Err(self.read_err(format!("no list of `{column}`")));
        }
        let sql = format!("SELECT DISTINCT {column} FROM cases ORDER BY 1");
        let mut st = self.conn.prepare(&sql).map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([], |r| r.get(0))
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .map_err(|e| self.read_err(e))
    }

    /// Cases in each run's queue (seen, not hidden) from run `from` on, by
    /// run, village and category: `(run, village, category, count)`.
    pub fn run_series(&self, from: i64) -> Result<Vec<(i64, String, String, i64)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT rc.run_id, c.village_code, c.category, count(*)
                   FROM run_cases rc JOIN cases c ON c.case_id = rc.case_id
                  WHERE rc.run_id >= ?1 AND rc.hidden = 0 AND rc.mark <> 'gone'
                  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            )
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }
}

/// One case as an officer opens it: the case, the findings of the latest
/// run that saw it, and its history; masked as `--mask-pii` masks them
/// (and as `serve` shows them to viewers) when asked.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub case: CaseRow,
    pub findings: Vec<crate::finding::Finding>,
    pub history: Vec<super::HistoryEntry>,
}

impl Store {
    /// The case behind any id an officer has ([`Store::resolve_id`]).
    pub fn case_record(&self, id: &str, mask: bool) -> Result<CaseRecord> {
        let case = self.case(id)?;
        let findings = self.case_findings(&case.case_id)?;
        let history = self.history(&case.case_id)?;
        if !mask {
            return Ok(CaseRecord {
                case,
                findings,
                history,
            });
        }
        let key = self.pii_key()?;
        Ok(CaseRecord {
            case: case.masked(&key),
            findings: findings
                .iter()
                .map(|f| crate::report::mask_finding(f, &key))
                .collect(),
            history: history.iter().map(|h| h.masked(&key)).collect(),
        })
    }
}
