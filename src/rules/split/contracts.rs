//! SPL001 化整为零 on contracts.

use std::collections::BTreeMap;

use polars::prelude::StringChunked;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Episode, Line, Piece, Signals, SplitParams, find_episodes, signals, signals_json,
    split_message, vendor_json, vendor_phrase,
};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::matching::vendor::{LinkOptions, VendorGroup, VendorRecord, Vendors, party_ids};
use crate::money::fen_to_yuan_string;
use crate::rules::common::decisions::DecisionIndex;
use crate::rules::common::util;
use crate::rules::common::views::ContractsView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
化整为零 in the contract list: contracts of one village with one vendor,
each below a line, whose sum within a sliding window of `window-days`
crosses that line. Two lines are checked: the public-tender line
(`tender-threshold`) and the 四议两公开 decision line (`decision-threshold`).
One vendor is one credit code, one id number, one normalised name (company
suffix variants and bracketed place names folded), or companies sharing a
legal representative (`src/matching/vendor.rs`). A row without a code joins
the vendor carrying its name when only one does; two different credit codes
under one name stay two vendors, and persons never join on a name alone
against an id. The finding's subject is the vendor key of the data contract
(credit code, else id number, else name); the other identities, every
contract number and decision number are its related ids. The window slides over signing dates (it is not a
calendar month or quarter): pieces at most `window-days` apart can form a
split, pieces further apart cannot. Overlapping windows of one vendor are one
episode and one finding, listing every piece.

A piece procured by one of `tendered-methods` did not dodge the tender and
does not count toward the tender line; a piece that carries a decision
number that exists in `decisions` (any number when that table is absent) did
not dodge the decision and does not count toward the decision line, when
`decided-pieces-exempt` is on.

The score starts at `score-base` and rises with the share of pieces at
`near-line-share` or more of the line (`score-near-line`), the share of
pieces whose project names are near-identical once phase markers (一期/二期,
东段/西段, 第一标段, (一)) are removed (`score-similar-names`, similarity at
least `name-similarity`), the share of consecutive pieces signed at most
`close-days` apart (`score-close-dates`), and a link through a legal
representative (`score-legal-rep`).

## Why it matters
《招标投标法》第四条 and 《招标投标法实施条例》第二十四条 forbid splitting
a project to avoid tendering; the 四议两公开 procedure applies from the
decision line. Real cases: two payments of 9.05万 and 9.34万 to one company
for one 自然村 under a 10万 line.

## Parameters
- `tender-threshold` (100000.0): yuan; the public-tender line.
- `decision-threshold` (50000.0): yuan; the 四议两公开 line (0 disables it).
- `window-days` (90): pieces at most this many days apart can form a split.
- `min-pieces` (2): pieces needed in a window.
- `tendered-methods` ([\"公开招标\"]): 发包方式 text that satisfies the
  public-tender line (contained: `公开招标（网上）` counts); such pieces are
  not counted toward it. 邀请招标 is not in the default: the line is for
  *public* tender, and pieces each sent to invited bidders still keep the
  whole from public tender.
- `decided-pieces-exempt` (true): a piece with a valid decision number is not
  counted toward the decision line.
- `link-legal-rep` (true): companies sharing a legal representative (by id;
  an individual vendor who represents a company) are one vendor.
- `link-legal-rep-by-name` (true): also by the representative's name when no
  id is given and the name maps to at most one representative id.
- `near-line-share` (0.8): a piece at or above this share of the line is
  \"just under\" it.
- `name-similarity` (0.8): normalised edit similarity (0–1) above which two
  project names, phase markers removed, are near-identical.
- `close-days` (7): consecutive pieces at most this many days apart are close.
- `score-base` (40.0), `score-near-line` (20.0), `score-similar-names` (20.0),
  `score-close-dates` (15.0), `score-legal-rep` (10.0): score weights (0–100
  in total).
- `strong-score` (60.0): from this score on a finding is `high` on the
  tender line and `medium` on the decision line; below it one step lower
  (pieces with no sign of intent beyond adding up: often a village's
  regular contractor).
- `min-score` (0.0): episodes scoring below it are not reported (0: all).

## Known false positives
Genuinely separate works by a village's only contractor (one 施工队 doing
every small job); framework agreements written as several contracts. Pieces
with unrelated project names, far apart and far below the line score low.
";

/// 化整为零 on contracts.
pub struct SplitContracts;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub tender_threshold: f64,
    pub decision_threshold: f64,
    pub window_days: i64,
    pub min_pieces: usize,
    pub tendered_methods: Vec<String>,
    pub decided_pieces_exempt: bool,
    pub link_legal_rep: bool,
    pub link_legal_rep_by_name: bool,
    pub near_line_share: f64,
    pub name_similarity: f64,
    pub close_days: i64,
    pub score_base: f64,
    pub score_near_line: f64,
    pub score_similar_names: f64,
    pub score_close_dates: f64,
    pub score_legal_rep: f64,
    pub strong_score: f64,
    pub min_score: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tender_threshold: 100_000.0,
            decision_threshold: 50_000.0,
            window_days: 90,
            min_pieces: 2,
            tendered_methods: vec!["公开招标".to_string()],
            decided_pieces_exempt: true,
            link_legal_rep: true,
            link_legal_rep_by_name: true,
            near_line_share: 0.8,
            name_similarity: 0.8,
            close_days: 7,
            score_base: 40.0,
            score_near_line: 20.0,
            score_similar_names: 20.0,
            score_close_dates: 15.0,
            score_legal_rep: 10.0,
            strong_score: 60.0,
            min_score: 0.0,
        }
    }
}

impl Params {
    fn split(&self) -> SplitParams {
        super::split_params!(self, legal_rep: self.score_legal_rep)
    }
}

struct ContractRow {
    row: u32,
    contract_no: String,
    project: String,
    vendor: String,
    credit_code: String,
    vendor_id: String,
    legal_rep: String,
    legal_rep_id: String,
    date: i32,
    amount: i64,
    procurement: String,
    decision_no: String,
}

const META: RuleMeta = RuleMeta {
    code: "SPL001",
    name: "split_contracts",
    category: Category::SplitContract,
    severity: Severity::High,
    summary: "化整为零: one vendor's contracts each under the tender or decision line, together over it within 90 days",
    doc: DOC,
    needs: &[TableKind::Contracts],
    processes: &[2],
};

impl Rule for SplitContracts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let sp = p.split();
        let Some(contracts) = ContractsView::load(ds)? else {
            return Ok(vec![]);
        };
        let decisions = DecisionIndex::shared(ds)?;
        let ContractsView {
            df,
            village,
            contract: contract_no,
            project,
            vendor,
            vendor_credit_code: credit,
            vendor_id,
            legal_rep: rep,
            legal_rep_id: rep_id,
            amount,
            signed,
            procurement,
            decision: decision_no,
            row: rows,
        } = contracts;

        let s = |c: &StrCol, i: usize| c.get(i).unwrap_or_default().to_string();
        let mut by_village: BTreeMap<String, Vec<ContractRow>> = BTreeMap::new();
        for i in 0..df.height() {
            let (Some(v), Some(a), Some(d)) = (village.get(i), amount.get(i), signed.get(i)) else {
                continue;
            };
            by_village
                .entry(v.to_string())
                .or_default()
                .push(ContractRow {
                    row: rows.get(i).unwrap_or_default(),
                    contract_no: s(contract_no, i),
                    project: s(project, i),
                    vendor: s(vendor, i),
                    credit_code: s(credit, i),
                    vendor_id: s(vendor_id, i),
                    legal_rep: s(rep, i),
                    legal_rep_id: s(rep_id, i),
                    date: d,
                    amount: a,
                    procurement: s(procurement, i),
                    decision_no: s(decision_no, i),
                });
        }
        let link = LinkOptions {
            by_legal_rep: p.link_legal_rep,
            legal_rep_by_name: p.link_legal_rep_by_name,
            by_account: false,
            organisations_by_name: true,
        };
        let out: Vec<Finding> = by_village
            .into_par_iter()
            .flat_map_iter(|(v, mut rows)| {
                rows.sort_by(|a, b| {
                    (a.date, &a.contract_no, a.row).cmp(&(b.date, &b.contract_no, b.row))
                });
                village_findings(&v, &rows, &p, &sp, &link, &decisions)
            })
            .collect();
        Ok(out)
    }
}

type StrCol = StringChunked;

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn village_findings(
    village: &str,
    rows: &[ContractRow],
    p: &Params,
    sp: &SplitParams,
    link: &LinkOptions,
    decisions: &DecisionIndex,
) -> Vec<Finding> {
    let records: Vec<VendorRecord> = rows
        .iter()
        .map(|r| (r, party_ids(opt(&r.credit_code), opt(&r.vendor_id))))
        .map(|(r, (credit_code, id_number))| VendorRecord {
            credit_code,
            id_number,
            account: None,
            name: opt(&r.vendor),
            legal_rep: opt(&r.legal_rep),
            legal_rep_id: opt(&r.legal_rep_id),
        })
        .collect();
    let vendors = Vendors::group(&records, link);
    let mut out = Vec::new();
    for (gi, members) in vendors.members.iter().enumerate() {
        if members.len() < sp.min_pieces {
            continue;
        }
        // Members are ascending row indexes of `rows`, which are date-sorted.
        let pieces: Vec<Piece> = members
            .iter()
            .map(|&i| {
                let r = &rows[i];
                Piece {
                    date: r.date,
                    amount: r.amount,
                    tender_eligible: !p
                        .tendered_methods
                        .iter()
                        .any(|m| !m.is_empty() && r.procurement.contains(m.as_str())),
                    decision_eligible: !(p.decided_pieces_exempt
                        && decisions.covers(village, &r.decision_no)),
                    name: &r.project,
                }
            })
            .collect();
        let episodes = find_episodes(&pieces, sp);
        if episodes.is_empty() {
            continue;
        }
        let g = vendors.describe(&records, gi);
        for ep in episodes {
            let sig = signals(&pieces, &ep, g.linked_by_legal_rep, sp);
            if sig.score < sp.min_score {
                continue;
            }
            let crs: Vec<&ContractRow> = ep.pieces.iter().map(|&k| &rows[members[k]]).collect();
            out.push(finding(village, &g, &crs, &ep, &sig, sp));
        }
    }
    out
}

fn finding(
    village: &str,
    g: &VendorGroup,
    crs: &[&ContractRow],
    ep: &Episode,
    sig: &Signals,
    sp: &SplitParams,
) -> Finding {
    let n = crs.len();
    let message = split_message(
        &vendor_phrase(g, crs.iter().map(|c| c.vendor.as_str())),
        &format!("{n}份合同"),
        "单份",
        n,
        sig,
        sp,
    );
    let strong = sig.score >= sp.strong_score;
    let severity = match (sig.line, strong) {
        (Line::Tender, true) => Severity::High,
        (Line::Tender, false) | (Line::Decision, true) => Severity::Medium,
        (Line::Decision, false) => Severity::Low,
    };
    let mut related: Vec<String> = crs.iter().map(|c| c.contract_no.clone()).collect();
    related.extend(
        crs.iter()
            .filter(|c| !c.decision_no.is_empty())
            .map(|c| c.decision_no.clone()),
    );
    related.extend(g.other_identities());
    META.finding(village, &g.key).severity(severity)
        .score(sig.score)
        .amount(sig.total)
        .related(related)
        .message(message)
        .evidence(json!({
            "vendor": vendor_json(g),
            "lines_crossed": ep.lines.iter().map(|l| l.key()).collect::<Vec<_>>(),
            "signals": signals_json(sig, sp),
            "pieces": crs.iter().map(|c| json!({
                "row": c.row,
                "contract_no": c.contract_no,
                "project_name": c.project,
                "vendor": c.vendor,
                "vendor_credit_code": c.credit_code,
                "vendor_id_number": c.vendor_id,
                "vendor_legal_rep": c.legal_rep,
                "signed_date": util::day_string(c.date),
                "amount": fen_to_yuan_string(c.amount),
                "share_of_line": ((c.amount as f64 / sig.threshold.max(1) as f64) * 100.0).round() / 100.0,
                "procurement": c.procurement,
                "decision_no": c.decision_no,
            })).collect::<Vec<_>>(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn piece(date: i32, yuan: i64) -> Piece<'static> {
        Piece {
            date,
            amount: yuan * 100,
            tender_eligible: true,
            decision_eligible: true,
            name: "",
        }
    }

    fn sp() -> SplitParams {
        Params::default().split()
    }

    #[test]
    fn sliding_window_not_calendar() {
        // 31 Mar and 1 Apr fall in different months and quarters: still one window.
        let ps = [piece(89, 60_000), piece(90, 60_000)];
        let e = find_episodes(&ps, &sp());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].pieces, [0, 1]);
        assert!(e[0].lines.contains(&Line::Tender));
    }

    #[test]
    fn ninety_days_fire_ninety_one_do_not() {
        let e = find_episodes(&[piece(0, 60_000), piece(90, 60_000)], &sp());
        assert_eq!(e.len(), 1);
        let e = find_episodes(&[piece(0, 60_000), piece(91, 60_000)], &sp());
        assert!(e.is_empty());
    }

    #[test]
    fn lone_piece_and_over_line_pieces_do_not_fire() {
        assert!(find_episodes(&[piece(0, 99_000)], &sp()).is_empty());
        // One piece at the line is not a piece under it.
        assert!(find_episodes(&[piece(0, 100_000), piece(3, 10_000)], &sp()).is_empty());
    }

    #[test]
    fn overlapping_windows_are_one_episode_and_gaps_split_episodes() {
        let ps = [
            piece(0, 60_000),
            piece(80, 60_000),
            piece(160, 60_000),
            piece(400, 60_000),
            piece(420, 60_000),
        ];
        let e = find_episodes(&ps, &sp());
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].pieces, [0, 1, 2]);
        assert_eq!(e[1].pieces, [3, 4]);
    }

    #[test]
    fn decision_line_alone_and_exemptions() {
        let mut ps = vec![piece(0, 30_000), piece(10, 30_000)];
        let e = find_episodes(&ps, &sp());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].lines, BTreeSet::from([Line::Decision]));
        ps[1].decision_eligible = false;
        assert!(find_episodes(&ps, &sp()).is_empty());
        let mut ps = vec![piece(0, 60_000), piece(10, 60_000)];
        ps[0].tender_eligible = false;
        assert!(find_episodes(&ps, &sp()).is_empty());
    }
}
