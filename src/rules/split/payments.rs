//! SPL002 化整为零 in the ledger: payments without a contract to one payee.

use std::collections::HashMap;

use polars::prelude::{PlHashMap, PlHashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Episode, Line, Piece, Signals, SplitParams, find_episodes, signals, signals_json,
    split_message, vendor_json,
};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::matching::vendor::{LinkOptions, VendorGroup, VendorRecord, Vendors, party_ids};
use crate::money::fen_to_yuan_string;
use crate::rules::common::decisions::DecisionIndex;
use crate::rules::common::keywords::{KeywordMemo, Keywords};
use crate::rules::common::ledger::{Options, Payment, payments_of};
use crate::rules::common::util;
use crate::rules::common::util::rows_by_village;
use crate::rules::common::views::{ContractsView, HiresView, LedgerView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
化整为零 in the ledger: 支出 without a contract number (合同编号) to one
payee in one village, each payment (one voucher's lines to the payee,
summed) below a line, whose sum within a sliding window of `window-days`
crosses it: the tender line (`tender-threshold`) or the 四议两公开 line
(`decision-threshold`). One payee is one 对方证件号码 (an id number or a
credit code), else one 对方账号, else one normalised name (company suffix
variants folded); a company known by its account here and by its credit
code in `contracts` is one payee when the names agree. One finding per payee
episode, listing every voucher; the subject is the payee's key (credit code
or id number, else the name), the vouchers and other identities are related
ids.

Not procurement, so not counted:
- lines whose 摘要 contains one of `exclude-summary-keywords` or whose 科目
  contains one of `exclude-categories` (wages, subsidies passed through,
  transfers between the village's own accounts, loans, taxes);
- with `exclude-hires`, payments to a person in `hires` of that village
  (same id number or bank account; by name only when the line has neither):
  wages of village hires are paid monthly and add up by design;
- with `attribute-to-contracts`, payments to a vendor that holds contracts
  with the village (same identity as in SPL001), up to the amount of its
  contracts signed by the payment date: they are installments of those
  contracts written without the number, and SPL001 judges the contracts.
A payment that carries a valid decision number (see `decided-pieces-exempt`)
does not count toward the decision line.

The score is SPL001's: `score-base`, plus `score-near-line` by the share of
payments at `near-line-share` of the line or more, `score-similar-names` by
the share of near-identical 摘要 (phase markers removed, similarity at least
`name-similarity`), and `score-close-dates` by the share of consecutive
payments at most `close-days` apart.

## Why it matters
Paying a job in slices without any contract is the same 化整为零 as
splitting the contract, one step further from the books: 《招标投标法》第四条,
《招标投标法实施条例》第二十四条, and the 四议两公开 line.

## Parameters
- `tender-threshold` (100000.0): yuan; the public-tender line.
- `decision-threshold` (50000.0): yuan; the 四议两公开 line (0 disables it).
- `window-days` (90): payments at most this many days apart can form a split.
- `min-pieces` (2): payments needed in a window.
- `exclude-summary-keywords` ([\"工资\", \"薪酬\", \"补贴\", \"补助\", \"低保\",
  \"特困\", \"救助\", \"慰问\", \"尊老金\", \"高龄\", \"备用金\", \"借款\", \"还款\",
  \"转存\", \"划转\", \"上缴\", \"税费\", \"缴税\", \"社保\", \"电费\", \"水费\"]):
  摘要 text of payments that are not procurement.
- `exclude-categories` ([\"应付工资\", \"应付福利费\", \"内部往来\", \"代收代付\",
  \"银行存款\", \"库存现金\"]): 科目 text with the same meaning.
- `exclude-hires` (true): skip payments to village hires.
- `attribute-to-contracts` (true): payments to a contract holder count
  against its contracts first.
- `decided-pieces-exempt` (true): a payment with a valid decision number is
  not counted toward the decision line.
- `near-line-share` (0.8), `name-similarity` (0.8), `close-days` (7): as in
  SPL001.
- `score-base` (40.0), `score-near-line` (20.0), `score-similar-names` (20.0),
  `score-close-dates` (15.0): score weights.
- `strong-score` (60.0): from this score on a finding is `high` on the
  tender line and `medium` on the decision line; below it one step lower
  (pieces with no sign of intent beyond adding up: often a village's
  regular contractor).
- `min-score` (0.0): episodes scoring below it are not reported (0: all).

## Known false positives
Recurring services paid monthly without a contract (a 保洁 company, a
canteen) add up past the decision line: add their 摘要 keyword, or give them
a contract. A 摘要 that says nothing (`付款`) gives no name signal.
";

/// 化整为零 in ledger payments.
pub struct SplitPayments;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub tender_threshold: f64,
    pub decision_threshold: f64,
    pub window_days: i64,
    pub min_pieces: usize,
    pub exclude_summary_keywords: Vec<String>,
    pub exclude_categories: Vec<String>,
    pub exclude_hires: bool,
    pub attribute_to_contracts: bool,
    pub decided_pieces_exempt: bool,
    pub near_line_share: f64,
    pub name_similarity: f64,
    pub close_days: i64,
    pub score_base: f64,
    pub score_near_line: f64,
    pub score_similar_names: f64,
    pub score_close_dates: f64,
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
            exclude_summary_keywords: [
                "工资",
                "薪酬",
                "补贴",
                "补助",
                "低保",
                "特困",
                "救助",
                "慰问",
                "尊老金",
                "高龄",
                "备用金",
                "借款",
                "还款",
                "转存",
                "划转",
                "上缴",
                "税费",
                "缴税",
                "社保",
                "电费",
                "水费",
            ]
            .map(String::from)
            .to_vec(),
            exclude_categories: [
                "应付工资",
                "应付福利费",
                "内部往来",
                "代收代付",
                "银行存款",
                "库存现金",
            ]
            .map(String::from)
            .to_vec(),
            exclude_hires: true,
            attribute_to_contracts: true,
            decided_pieces_exempt: true,
            near_line_share: 0.8,
            name_similarity: 0.8,
            close_days: 7,
            score_base: 40.0,
            score_near_line: 20.0,
            score_similar_names: 20.0,
            score_close_dates: 15.0,
            strong_score: 60.0,
            min_score: 0.0,
        }
    }
}

impl Params {
    fn split(&self) -> SplitParams {
        super::split_params!(self, legal_rep: 0.0)
    }
}

/// A contract as a vendor identity with money to absorb installments.
#[derive(Debug, Clone)]
struct Held {
    date: i32,
    amount: i64,
}

/// What a village's payments are checked against.
#[derive(Default)]
struct Context<'a> {
    contracts: Vec<(VendorRecord<'a>, Held)>,
    hire_ids: PlHashSet<&'a str>,
    hire_accounts: PlHashSet<&'a str>,
    hire_names: PlHashSet<&'a str>,
}

const META: RuleMeta = RuleMeta {
    code: "SPL002",
    name: "split_payments",
    category: Category::SplitContract,
    severity: Severity::High,
    summary: "the same on ledger payments without a contract",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[2, 3],
};

impl Rule for SplitPayments {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let sp = p.split();
        let Some(cols) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let decisions = DecisionIndex::shared(ds)?;

        let LedgerView {
            df,
            village,
            direction,
            summary,
            category,
            contract,
            ..
        } = cols;
        let excluded_summary = Keywords::new(&p.exclude_summary_keywords);
        let excluded_category = Keywords::new(&p.exclude_categories);
        let mut excluded_summary = KeywordMemo::new(&excluded_summary);
        let mut excluded_category = KeywordMemo::new(&excluded_category);
        let keep: Vec<bool> = (0..df.height())
            .map(|i| {
                direction.get(i) == Some("支出")
                    && contract.get(i).is_none_or(|c| c.is_empty())
                    && !excluded_summary.found_in(summary.get(i))
                    && !excluded_category.found_in(category.get(i))
            })
            .collect();
        let by_village = rows_by_village(village, |i| keep[i]);
        if by_village.is_empty() {
            return Ok(vec![]);
        }
        let mut context: HashMap<&str, Context> = HashMap::new();
        let hires = if p.exclude_hires {
            HiresView::load(ds)?
        } else {
            None
        };
        if let Some(h) = hires {
            let HiresView {
                village,
                id,
                account: acct,
                name,
                ..
            } = h;
            for i in 0..h.height() {
                let Some(v) = village.get(i) else { continue };
                let c = context.entry(v).or_default();
                c.hire_ids.extend(id.get(i));
                c.hire_accounts.extend(acct.get(i));
                c.hire_names.extend(name.get(i));
            }
        }
        let contracts = if p.attribute_to_contracts {
            ContractsView::load(ds)?
        } else {
            None
        };
        if let Some(c) = contracts {
            let ContractsView {
                village,
                vendor,
                vendor_credit_code: credit,
                vendor_id: vid,
                amount,
                signed,
                ..
            } = c;
            fn o(s: Option<&str>) -> Option<&str> {
                s.filter(|s| !s.is_empty())
            }
            for i in 0..c.height() {
                let (Some(v), Some(a), Some(d)) = (village.get(i), amount.get(i), signed.get(i))
                else {
                    continue;
                };
                context.entry(v).or_default().contracts.push((
                    VendorRecord {
                        credit_code: o(credit.get(i)),
                        id_number: o(vid.get(i)),
                        account: None,
                        name: o(vendor.get(i)),
                        legal_rep: None,
                        legal_rep_id: None,
                    },
                    Held { date: d, amount: a },
                ));
            }
        }
        let empty = Context::default();
        let out: Vec<Finding> = by_village
            .into_par_iter()
            .flat_map_iter(|(v, idx)| {
                let payments = payments(&cols, v, &idx);
                let ctx = context.get(v).unwrap_or(&empty);
                village_findings(v, payments, ctx, &p, &sp, &decisions)
            })
            .collect();
        Ok(out)
    }
}

/// A village's payments; positive totals only (a voucher reversed in full
/// is no payment).
fn payments<'a>(ledger: &LedgerView<'a>, village: &'a str, idx: &[usize]) -> Vec<Payment<'a>> {
    let opts = Options {
        by_account: true,
        dated_only: true,
    };
    let mut out = payments_of(ledger, village, idx, opts);
    out.retain(|p| p.amount > 0);
    out
}

/// The payments of one vendor group (`pay_idx`, in date order) that are
/// not installments of its contracts: each payment, in date order, is
/// allotted to the contract money signed by its date while some is left.
fn not_installments<'p, 'a>(
    payments: &'p [Payment<'a>],
    pay_idx: &[usize],
    members: &[usize],
    np: usize,
    ctx: &Context<'a>,
) -> Vec<&'p Payment<'a>> {
    let mut held: Vec<&Held> = members
        .iter()
        .filter(|&&m| m >= np)
        .map(|&m| &ctx.contracts[m - np].1)
        .collect();
    held.sort_by_key(|h| h.date);
    // Installments of the vendor's contracts: allot each payment, in
    // date order, to the contract money signed by its date.
    let mut attributed = vec![false; pay_idx.len()];
    if !held.is_empty() {
        let mut used: i64 = 0;
        for (k, &pi) in pay_idx.iter().enumerate() {
            let pay = &payments[pi];
            let signed: i64 = held
                .iter()
                .filter(|h| h.date <= pay.date)
                .map(|h| h.amount)
                .sum();
            if used + pay.amount <= signed {
                used += pay.amount;
                attributed[k] = true;
            }
        }
    }
    let kept: Vec<&Payment> = pay_idx
        .iter()
        .zip(&attributed)
        .filter(|(_, a)| !**a)
        .map(|(&pi, _)| &payments[pi])
        .collect();
    kept
}

fn village_findings<'a>(
    village: &str,
    mut payments: Vec<Payment<'a>>,
    ctx: &Context<'a>,
    p: &Params,
    sp: &SplitParams,
    decisions: &DecisionIndex,
) -> Vec<Finding> {
    if p.exclude_hires {
        payments.retain(|pay| {
            let by_id = !pay.payee_id.is_empty() && ctx.hire_ids.contains(pay.payee_id);
            let by_account = !pay.account.is_empty() && ctx.hire_accounts.contains(pay.account);
            let by_name = pay.payee_id.is_empty()
                && pay.account.is_empty()
                && ctx.hire_names.contains(pay.payee);
            !(by_id || by_account || by_name)
        });
    }
    payments.sort_by(|a, b| (a.date, a.voucher, a.payee).cmp(&(b.date, b.voucher, b.payee)));
    // Payees and contract holders grouped together, so that a payment finds
    // the contracts of its vendor. One record per distinct payee as written:
    // a village pays the same few payees hundreds of times.
    let mut record_of: PlHashMap<(&str, &str, &str), usize> = PlHashMap::default();
    let mut records: Vec<VendorRecord> = Vec::new();
    let mut payee_record: Vec<usize> = Vec::with_capacity(payments.len());
    for pay in &payments {
        let r = *record_of
            .entry((pay.payee_id, pay.account, pay.payee))
            .or_insert_with(|| {
                let o = |s: &'a str| (!s.is_empty()).then_some(s);
                // 对方证件号码 holds a credit code for a company payee.
                let (credit_code, id_number) = party_ids(None, o(pay.payee_id));
                records.push(VendorRecord {
                    credit_code,
                    id_number,
                    account: o(pay.account),
                    name: o(pay.payee),
                    legal_rep: None,
                    legal_rep_id: None,
                });
                records.len() - 1
            });
        payee_record.push(r);
    }
    let np = records.len();
    records.extend(ctx.contracts.iter().map(|(r, _)| *r));
    let link = LinkOptions {
        by_legal_rep: false,
        legal_rep_by_name: false,
        by_account: true,
        organisations_by_name: true,
    };
    let vendors = Vendors::group(&records, &link);
    // Payments of each vendor group, in date order.
    let mut pays_of_group: Vec<Vec<usize>> = vec![Vec::new(); vendors.members.len()];
    for (pi, &r) in payee_record.iter().enumerate() {
        if let Some(g) = vendors.group_of[r] {
            pays_of_group[g].push(pi);
        }
    }
    let mut out = Vec::new();
    for (gi, pay_idx) in pays_of_group.into_iter().enumerate() {
        if pay_idx.len() < sp.min_pieces {
            continue;
        }
        let kept = not_installments(&payments, &pay_idx, &vendors.members[gi], np, ctx);
        if kept.len() < sp.min_pieces {
            continue;
        }
        let pieces: Vec<Piece> = kept
            .iter()
            .map(|pay| Piece {
                date: pay.date,
                amount: pay.amount,
                tender_eligible: true,
                decision_eligible: !(p.decided_pieces_exempt
                    && decisions.covers(village, pay.decision_no)),
                name: pay.summary,
            })
            .collect();
        let episodes = find_episodes(&pieces, sp);
        if episodes.is_empty() {
            continue;
        }
        let g = vendors.describe(&records, gi);
        for ep in episodes {
            let sig = signals(&pieces, &ep, false, sp);
            if sig.score < sp.min_score {
                continue;
            }
            let pays: Vec<&Payment> = ep.pieces.iter().map(|&k| kept[k]).collect();
            out.push(finding(village, &g, &pays, &ep, &sig, sp));
        }
    }
    out
}

fn finding(
    village: &str,
    g: &VendorGroup,
    pays: &[&Payment],
    ep: &Episode,
    sig: &Signals,
    sp: &SplitParams,
) -> Finding {
    let n = pays.len();
    let message = split_message(
        &format!("无合同向“{}”", g.display_name()),
        &format!("支付{n}笔"),
        "单笔",
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
    let mut related: Vec<String> = pays.iter().map(|p| p.voucher.to_string()).collect();
    related.extend(pays.iter().map(|p| p.decision_no.to_string()));
    related.extend(g.other_identities());
    META.finding(village, &g.key)
        .severity(severity)
        .score(sig.score)
        .amount(sig.total)
        .related(related)
        .message(message)
        .evidence(json!({
            "payee": vendor_json(g),
            "lines_crossed": ep.lines.iter().map(|l| l.key()).collect::<Vec<_>>(),
            "signals": signals_json(sig, sp),
            "payments": pays.iter().map(|p| json!({
                "rows": p.rows.as_slice(),
                "voucher_no": p.voucher,
                "date": util::day_string(p.date),
                "payee": p.payee,
                "payee_id": p.payee_id,
                "account": p.account,
                "amount": fen_to_yuan_string(p.amount),
                "summary": p.summary,
                "decision_no": p.decision_no,
            })).collect::<Vec<_>>(),
        }))
}
