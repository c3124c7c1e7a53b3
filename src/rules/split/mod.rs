//! 化整为零: SPL001 on contracts, SPL002 on ledger payments. What both
//! share: the lines a split dodges, the episode search, the signals that
//! score an episode, and the message.

mod contracts;
mod payments;

pub use contracts::SplitContracts;
pub use payments::SplitPayments;

use std::collections::BTreeSet;

use serde_json::json;

use crate::rules::common::stems::{project_stem, stem_similarity};

use crate::matching::vendor::VendorGroup;
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

/// A rule's `Params` (yuan, days, as configured) as [`SplitParams`]: both
/// rules name the shared parameters alike, and the units and bounds are
/// applied here once. `legal_rep` is the weight of a legal-representative
/// link (SPL002's payees have none).
macro_rules! split_params {
    ($p:expr, legal_rep: $legal_rep:expr) => {
        $crate::rules::split::SplitParams {
            tender: $crate::money::yuan_to_fen($p.tender_threshold),
            decision: $crate::money::yuan_to_fen($p.decision_threshold),
            window_days: $p.window_days.clamp(0, i32::MAX as i64) as i32,
            min_pieces: $p.min_pieces.max(2),
            near_line_share: $p.near_line_share,
            name_similarity: $p.name_similarity,
            close_days: $p.close_days.clamp(0, i32::MAX as i64) as i32,
            score_base: $p.score_base,
            score_near_line: $p.score_near_line,
            score_similar_names: $p.score_similar_names,
            score_close_dates: $p.score_close_dates,
            score_legal_rep: $legal_rep,
            strong_score: $p.strong_score,
            min_score: $p.min_score,
        }
    };
}
use split_params;

/// What SPL001 and SPL002 share: lines, window and score weights, in fen
/// and days.
#[derive(Debug, Clone)]
pub struct SplitParams {
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
pub enum Line {
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
pub struct Piece<'a> {
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
pub struct Episode {
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

/// Episodes for both lines, merged where they share a piece.
pub fn find_episodes(pieces: &[Piece], sp: &SplitParams) -> Vec<Episode> {
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

/// Signals that raise an episode's score, and the score.
#[derive(Debug, Clone)]
pub struct Signals {
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

pub fn signals(pieces: &[Piece], ep: &Episode, legal_rep: bool, sp: &SplitParams) -> Signals {
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
pub fn split_message(
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

pub fn signals_json(s: &Signals, sp: &SplitParams) -> serde_json::Value {
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
pub fn vendor_phrase<'a>(g: &VendorGroup, names: impl Iterator<Item = &'a str>) -> String {
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

pub fn vendor_json(g: &VendorGroup) -> serde_json::Value {
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
