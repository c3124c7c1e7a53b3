//! SPL001 化整为零 on contracts, and the episode search and scoring that
//! SPL002 (ledger payments) shares.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use polars::prelude::{PlHashMap, StringChunked};
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::missing_decision::DecisionIndex;
use super::{Rule, parse_params, rule_params, util};
use crate::dataset::normalize::{fen_to_yuan_display, fen_to_yuan_string};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::matching::LastKey;
use crate::matching::vendor::{LinkOptions, VendorGroup, VendorRecord, Vendors};

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
        SplitParams {
            tender: util::yuan_to_fen(self.tender_threshold),
            decision: util::yuan_to_fen(self.decision_threshold),
            window_days: self.window_days.clamp(0, i32::MAX as i64) as i32,
            min_pieces: self.min_pieces.max(2),
            near_line_share: self.near_line_share,
            name_similarity: self.name_similarity,
            close_days: self.close_days.clamp(0, i32::MAX as i64) as i32,
            score_base: self.score_base,
            score_near_line: self.score_near_line,
            score_similar_names: self.score_similar_names,
            score_close_dates: self.score_close_dates,
            score_legal_rep: self.score_legal_rep,
            strong_score: self.strong_score,
            min_score: self.min_score,
        }
    }
}

/// What SPL001 and SPL002 share: lines, window and score weights, in fen
/// and days.
#[derive(Debug, Clone)]
pub(super) struct SplitParams {
    pub tender: i64,
    pub decision: i64,
    pub window_days: i32,
    pub min_pieces: usize,
    pub near_line_share: f64,
    pub name_similarity: f64,
    pub close_days: i32,
    pub score_base: f64,
    pub score_near_line: f64,
    pub score_similar_names: f64,
    pub score_close_dates: f64,
    pub score_legal_rep: f64,
    pub strong_score: f64,
    pub min_score: f64,
}

/// The line a split dodges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Line {
    /// Public tender (招标限额).
    Tender,
    /// 四议两公开 decision.
    Decision,
}

impl Line {
    pub fn label(self) -> &'static str {
        match self {
            Line::Tender => "招标限额",
            Line::Decision => "四议两公开限额",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Line::Tender => "tender",
            Line::Decision => "decision",
        }
    }
}

/// One candidate piece of a split: a contract or a payment.
#[derive(Debug, Clone)]
pub(super) struct Piece<'a> {
    pub date: i32,
    pub amount: i64,
    /// Counts toward the tender line (not itself tendered).
    pub tender_eligible: bool,
    /// Counts toward the decision line (no valid decision of its own).
    pub decision_eligible: bool,
    /// Project name or summary, for near-identity.
    pub name: &'a str,
}

/// A run of pieces of one vendor that crosses a line within the window.
#[derive(Debug, Clone)]
pub(super) struct Episode {
    /// Indexes into the pieces, ascending by date.
    pub pieces: Vec<usize>,
    /// Lines crossed, highest first (tender before decision).
    pub lines: BTreeSet<Line>,
}

/// Maximal runs of pieces (sorted by date) where some window of
/// `window_days` holds at least `min_pieces` eligible pieces, each under
/// `threshold`, summing to at least `threshold`. Two-pointer sweep: linear.
fn runs_for_line(
    pieces: &[Piece],
    eligible: impl Fn(&Piece) -> bool,
    threshold: i64,
    window_days: i32,
    min_pieces: usize,
) -> Vec<Vec<usize>> {
    if threshold <= 0 {
        return vec![];
    }
    let cand: Vec<usize> = (0..pieces.len())
        .filter(|&i| {
            let p = &pieces[i];
            p.amount > 0 && p.amount < threshold && eligible(p)
        })
        .collect();
    let mut runs: Vec<Vec<usize>> = Vec::new();
    // Current run as a range over `cand`.
    let mut current: Option<(usize, usize)> = None;
    let mut j = 0usize;
    let mut sum: i64 = 0;
    for i in 0..cand.len() {
        if j < i {
            j = i;
            sum = 0;
        }
        while j < cand.len() && pieces[cand[j]].date - pieces[cand[i]].date <= window_days {
            sum += pieces[cand[j]].amount;
            j += 1;
        }
        // Window is cand[i..j].
        if j - i >= min_pieces && sum >= threshold {
            current = match current {
                Some((a, b)) if i < b => Some((a, b.max(j))),
                Some((a, b)) => {
                    runs.push(cand[a..b].to_vec());
                    Some((i, j))
                }
                None => Some((i, j)),
            };
        }
        sum -= pieces[cand[i]].amount;
    }
    if let Some((a, b)) = current {
        runs.push(cand[a..b].to_vec());
    }
    runs
}

/// Text keywords (摘要, 科目 exclusions) matched in one pass: millions of
/// lines times tens of keywords is too slow as separate `contains`.
pub(super) struct Keywords {
    re: Option<Regex>,
    words: Vec<String>,
}

impl Keywords {
    pub fn new(words: &[String]) -> Keywords {
        let words: Vec<String> = words.iter().filter(|w| !w.is_empty()).cloned().collect();
        let alts: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        let re = (!alts.is_empty())
            .then(|| Regex::new(&alts.join("|")).ok())
            .flatten();
        Keywords { re, words }
    }

    /// The text contains one of the keywords.
    pub fn found_in(&self, text: Option<&str>) -> bool {
        let Some(t) = text else { return false };
        match &self.re {
            Some(re) => re.is_match(t),
            None => self.words.iter().any(|w| t.contains(w.as_str())),
        }
    }
}

/// [`Keywords::found_in`] with each distinct text judged once: a ledger's
/// 摘要 and 科目 repeat a few hundred texts over millions of lines.
pub(super) struct KeywordMemo<'k, 't> {
    keywords: &'k Keywords,
    seen: PlHashMap<&'t str, bool>,
}

/// Distinct texts remembered at most (free text would only fill memory).
const MEMO_MAX: usize = 1 << 16;

impl<'k, 't> KeywordMemo<'k, 't> {
    pub fn new(keywords: &'k Keywords) -> Self {
        KeywordMemo {
            keywords,
            seen: PlHashMap::default(),
        }
    }

    pub fn found_in(&mut self, text: Option<&'t str>) -> bool {
        let Some(t) = text else { return false };
        if let Some(&f) = self.seen.get(t) {
            return f;
        }
        let f = self.keywords.found_in(Some(t));
        if self.seen.len() < MEMO_MAX {
            self.seen.insert(t, f);
        }
        f
    }
}

/// Row indexes per village, in row order, for the rows `keep` accepts;
/// villages sorted, so that output order never depends on hashing.
pub(super) fn rows_by_village(
    village: &StringChunked,
    keep: impl Fn(usize) -> bool,
) -> Vec<(&str, Vec<usize>)> {
    // Rows come in runs of one village: the last one's slot is remembered.
    let mut m: PlHashMap<&str, usize> = PlHashMap::default();
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut last = LastKey::default();
    for (i, v) in village.iter().enumerate() {
        let Some(v) = v else { continue };
        if !keep(i) {
            continue;
        }
        let slot = last.get(v, |v| {
            *m.entry(v).or_insert_with(|| {
                out.push((v, Vec::new()));
                out.len() - 1
            })
        });
        out[slot].1.push(i);
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// Episodes for both lines, merged where they share a piece.
pub(super) fn find_episodes(pieces: &[Piece], sp: &SplitParams) -> Vec<Episode> {
    let mut runs: Vec<(Line, Vec<usize>)> = Vec::new();
    for r in runs_for_line(
        pieces,
        |p| p.tender_eligible,
        sp.tender,
        sp.window_days,
        sp.min_pieces,
    ) {
        runs.push((Line::Tender, r));
    }
    for r in runs_for_line(
        pieces,
        |p| p.decision_eligible,
        sp.decision,
        sp.window_days,
        sp.min_pieces,
    ) {
        runs.push((Line::Decision, r));
    }
    // Union runs sharing a piece (few runs per vendor: quadratic is fine).
    let mut episodes: Vec<(BTreeSet<usize>, BTreeSet<Line>)> = Vec::new();
    for (line, run) in runs {
        let mut set: BTreeSet<usize> = run.into_iter().collect();
        let mut lines = BTreeSet::from([line]);
        let mut k = 0;
        while k < episodes.len() {
            if !episodes[k].0.is_disjoint(&set) {
                let (s, l) = episodes.swap_remove(k);
                set.extend(s);
                lines.extend(l);
                k = 0;
            } else {
                k += 1;
            }
        }
        episodes.push((set, lines));
    }
    let mut out: Vec<Episode> = episodes
        .into_iter()
        .map(|(s, lines)| Episode {
            pieces: s.into_iter().collect(),
            lines,
        })
        .collect();
    out.sort_by_key(|e| e.pieces.first().copied());
    out
}

static PHASE_MARKERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // 一期, 第二期, 3标段, 第一批, 二号, (一), 1#
        r"第?[0-9一二三四五六七八九十百零〇两]+(期|标段|标|段|批次|批|部分|号|#|次)",
        r"\([0-9一二三四五六七八九十]+\)",
        // 东段, 西侧, 南片, 北区, 上半段, 前段
        r"[东西南北中上下前后左右]+(半段|段|侧|片|区|线|部|头)",
        r"[A-Z](段|区|标|片)",
        r"(续建|延伸|补充|剩余|追加)",
        r"\(\)",
        r"[0-9]+$",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("phase marker pattern compiles"))
    .collect()
});

/// A project name without its phase markers: `村道硬化一期工程` and
/// `村道硬化二期工程` share the stem `村道硬化工程`.
pub(super) fn project_stem(name: &str) -> String {
    let mut s = crate::dataset::normalize::clean_name(name);
    for re in PHASE_MARKERS.iter() {
        s = re.replace_all(&s, "").into_owned();
    }
    s
}

/// Normalised edit similarity of two stems (1 = identical); empty stems are
/// never similar.
pub(super) fn stem_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

/// Signals that raise an episode's score, and the score.
#[derive(Debug, Clone)]
pub(super) struct Signals {
    /// The highest line crossed (tender before decision).
    pub line: Line,
    pub threshold: i64,
    /// Both lines crossed.
    pub both_lines: bool,
    pub total: i64,
    pub span_days: i32,
    pub min_gap_days: i32,
    /// The line the pieces sit just under (the crossed line giving the
    /// larger share), and that share.
    pub near_line: Line,
    pub near_line_share: f64,
    pub similar_name_share: f64,
    pub close_share: f64,
    pub legal_rep: bool,
    pub score: f64,
}

fn line_threshold(line: Line, sp: &SplitParams) -> i64 {
    match line {
        Line::Tender => sp.tender,
        Line::Decision => sp.decision,
    }
}

pub(super) fn signals(
    pieces: &[Piece],
    ep: &Episode,
    legal_rep: bool,
    sp: &SplitParams,
) -> Signals {
    let line = ep.lines.iter().next().copied().unwrap_or(Line::Decision);
    let threshold = line_threshold(line, sp);
    let ps: Vec<&Piece> = ep.pieces.iter().map(|&i| &pieces[i]).collect();
    let n = ps.len().max(1) as f64;
    let total: i64 = ps.iter().map(|p| p.amount).sum();
    let near_share = |t: i64| {
        ps.iter()
            .filter(|p| p.amount < t && p.amount as f64 >= sp.near_line_share * t as f64)
            .count() as f64
            / n
    };
    let (near_line, near) = ep
        .lines
        .iter()
        .map(|&l| (l, near_share(line_threshold(l, sp))))
        .fold(
            (line, 0.0),
            |best, cur| if cur.1 > best.1 { cur } else { best },
        );
    // Cap the pairwise name comparison: a vendor with hundreds of pieces in
    // one episode is judged on its first ones.
    let stems: Vec<String> = ps.iter().take(60).map(|p| project_stem(p.name)).collect();
    let mut similar = vec![false; stems.len()];
    for a in 0..stems.len() {
        for b in a + 1..stems.len() {
            if stem_similarity(&stems[a], &stems[b]) >= sp.name_similarity {
                similar[a] = true;
                similar[b] = true;
            }
        }
    }
    let similar_share = similar.iter().filter(|s| **s).count() as f64 / stems.len().max(1) as f64;
    let gaps: Vec<i32> = ps.windows(2).map(|w| w[1].date - w[0].date).collect();
    let close =
        gaps.iter().filter(|g| **g <= sp.close_days).count() as f64 / gaps.len().max(1) as f64;
    let span = match (ps.first(), ps.last()) {
        (Some(a), Some(b)) => b.date - a.date,
        _ => 0,
    };
    let score = sp.score_base
        + sp.score_near_line * near
        + sp.score_similar_names * similar_share
        + sp.score_close_dates * close
        + if legal_rep { sp.score_legal_rep } else { 0.0 };
    Signals {
        line,
        threshold,
        both_lines: ep.lines.len() > 1,
        total,
        span_days: span,
        min_gap_days: gaps.iter().copied().min().unwrap_or(0),
        near_line,
        near_line_share: near,
        similar_name_share: similar_share,
        close_share: close,
        legal_rep,
        score,
    }
}

/// `（名称相近，最短间隔3天，2笔在招标限额的80%以上）`: why the score rose.
fn signal_note(s: &Signals, n: usize, unit: &str, sp: &SplitParams) -> String {
    let mut parts = Vec::new();
    if s.similar_name_share > 0.0 {
        parts.push("名称相近".to_string());
    }
    if n >= 2 && s.min_gap_days <= sp.close_days {
        parts.push(if s.min_gap_days == 0 {
            "有同日签订或支付".to_string()
        } else {
            format!("最短间隔{}天", s.min_gap_days)
        });
    }
    let near = (s.near_line_share * n as f64).round() as usize;
    if near > 0 {
        parts.push(format!(
            "{near}{unit}在{}的{:.0}%以上",
            s.near_line.label(),
            sp.near_line_share * 100.0
        ));
    }
    if s.legal_rep {
        parts.push("多家单位同一法定代表人".to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("（{}）", parts.join("，"))
    }
}

/// The message of a split finding, for contracts (`份合同`, `单份`) and
/// payments (`笔`, `单笔`):
/// `同一承包方“甲公司”5天内2份合同合计188,400元，单份均低于100,000元招标限额（…），请核实是否化整为零规避招标`.
pub(super) fn split_message(
    who: &str,
    count: &str,
    each: &str,
    n: usize,
    s: &Signals,
    sp: &SplitParams,
) -> String {
    let span = if s.span_days == 0 {
        "同日".to_string()
    } else {
        format!("{}天内", s.span_days)
    };
    let dodged = match (s.line, s.both_lines) {
        (_, true) => "招标和四议两公开",
        (Line::Tender, false) => "招标",
        (Line::Decision, false) => "四议两公开",
    };
    format!(
        "{who}{span}{count}合计{}，{each}均低于{}{}{}，请核实是否化整为零规避{dodged}",
        fen_to_yuan_display(s.total),
        fen_to_yuan_display(s.threshold),
        s.line.label(),
        signal_note(s, n, each.trim_start_matches('单'), sp),
    )
}

pub(super) fn signals_json(s: &Signals, sp: &SplitParams) -> serde_json::Value {
    json!({
        "line": s.line.key(),
        "threshold": fen_to_yuan_string(s.threshold),
        "window_days": sp.window_days,
        "total": fen_to_yuan_string(s.total),
        "span_days": s.span_days,
        "min_gap_days": s.min_gap_days,
        "near_line": s.near_line.key(),
        "near_line_share": (s.near_line_share * 100.0).round() / 100.0,
        "similar_name_share": (s.similar_name_share * 100.0).round() / 100.0,
        "close_share": (s.close_share * 100.0).round() / 100.0,
        "legal_rep_link": s.legal_rep,
    })
}

/// `同一承包方“宏达建筑有限公司”`, or for companies joined through their
/// legal representative `同一法定代表人（李明）名下的“甲公司”“乙公司”`.
pub(super) fn vendor_phrase<'a>(g: &VendorGroup, names: impl Iterator<Item = &'a str>) -> String {
    if g.linked_by_legal_rep {
        let names: BTreeSet<&str> = names.filter(|n| !n.is_empty()).collect();
        let reps: Vec<&str> = g.legal_reps.iter().map(String::as_str).collect();
        format!(
            "同一法定代表人{}名下的{}",
            if reps.is_empty() {
                String::new()
            } else {
                format!("（{}）", reps.join("、"))
            },
            names.iter().map(|n| format!("“{n}”")).collect::<String>()
        )
    } else {
        format!("同一承包方“{}”", g.display_name())
    }
}

pub(super) fn vendor_json(g: &VendorGroup) -> serde_json::Value {
    json!({
        "key": g.key,
        "key_kind": g.key_kind.as_str(),
        "names": g.names,
        "credit_codes": g.credit_codes,
        "id_numbers": g.id_numbers,
        "accounts": g.accounts,
        "legal_reps": g.legal_reps,
        "legal_rep_ids": g.legal_rep_ids,
    })
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

impl Rule for SplitContracts {
    fn code(&self) -> &'static str {
        "SPL001"
    }
    fn name(&self) -> &'static str {
        "split_contracts"
    }
    fn category(&self) -> Category {
        Category::SplitContract
    }
    fn severity(&self) -> Severity {
        Severity::High
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn needs(&self) -> &'static [TableKind] {
        &[TableKind::Contracts]
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let code = self.code();
        let p: Params = parse_params(params).map_err(|e| Error::rule(code, e))?;
        let sp = p.split();
        let Some(df) = ds.frame(TableKind::Contracts) else {
            return Ok(vec![]);
        };
        let decisions = DecisionIndex::build(code, ds)?;
        let village = util::str_col(code, df, "village_code")?;
        let contract_no = util::str_col(code, df, "contract_no")?;
        let project = util::str_col(code, df, "project_name")?;
        let vendor = util::str_col(code, df, "vendor")?;
        let credit = util::str_col(code, df, "vendor_credit_code")?;
        let vendor_id = util::str_col(code, df, "vendor_id_number")?;
        let rep = util::str_col(code, df, "vendor_legal_rep")?;
        let rep_id = util::str_col(code, df, "vendor_legal_rep_id")?;
        let amount = util::i64_col(code, df, "amount")?;
        let signed = util::date_col(code, df, "signed_date")?;
        let procurement = util::str_col(code, df, "procurement")?;
        let decision_no = util::str_col(code, df, "decision_no")?;
        let rows = util::u32_col(code, df, ROW)?;

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
                village_findings(code, &v, &rows, &p, &sp, &link, &decisions)
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
    code: &str,
    village: &str,
    rows: &[ContractRow],
    p: &Params,
    sp: &SplitParams,
    link: &LinkOptions,
    decisions: &DecisionIndex,
) -> Vec<Finding> {
    let records: Vec<VendorRecord> = rows
        .iter()
        .map(|r| VendorRecord {
            credit_code: opt(&r.credit_code),
            id_number: opt(&r.vendor_id),
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
            out.push(finding(code, village, &g, &crs, &ep, &sig, sp));
        }
    }
    out
}

fn finding(
    code: &str,
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
    Finding::new(code, Category::SplitContract, severity, village, &g.key)
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

    #[test]
    fn phase_markers_are_stripped() {
        let a = project_stem("张家庄村道硬化一期工程");
        assert_eq!(a, project_stem("张家庄村道硬化二期工程"));
        assert_eq!(a, "张家庄村道硬化工程");
        assert_eq!(project_stem("排水沟东段"), project_stem("排水沟西段"));
        assert_eq!(project_stem("路灯安装（一）"), project_stem("路灯安装(二)"));
        assert_eq!(
            project_stem("广场铺装第一标段"),
            project_stem("广场铺装第2标段")
        );
        assert!(stem_similarity(&a, &project_stem("村委会办公楼维修")) < 0.5);
        assert_eq!(stem_similarity("", ""), 0.0);
    }
}
