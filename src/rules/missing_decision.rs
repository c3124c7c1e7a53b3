//! DEC001: spending or a contract at or above the 四议两公开 line without a
//! valid decision.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::decisions::DecisionIndex;
use super::common::keywords::{KeywordMemo, Keywords};
use super::common::ledger::{Options, Payment, payments_of};
use super::common::util;
use super::common::util::rows_by_village;
use super::common::views::{ContractsView, LandCompensationView, LeasesView, LedgerView};
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
四议两公开 not followed: a contract, or a ledger 支出 (one voucher's lines to
one payee, summed), at or above `threshold` that carries no decision number
(决议编号), or one naming a decision that does not exist in `decisions` for
that village.

A ledger payment that cites a lease (`leases.contract_no`) or a
compensation batch (`land_compensation.batch_no`) in its 合同编号 is left to
LSE004 and LND003, which judge the lease's or batch's decision. A ledger
payment that cites a contract (合同编号) found in `contracts` is
judged through that contract: the contract is the case, and the payment's
voucher joins the contract's finding instead of making a second one. A
payment citing a contract number that is not in `contracts` is judged on its
own, under that contract number. Payments whose 摘要 contains one of
`exempt-summary-keywords` or whose 科目 contains one of `exempt-categories`
(money passed through, wages, taxes, transfers between the village's own
accounts) are not village decisions and are skipped.

The subject is the contract number, else the voucher number; the decision
number given, the payment vouchers and the vendor are related ids. Contracts
or the ledger: either table is enough to run.

Without a `decisions` table only missing numbers are flagged. A ledger that
carries no decision number on any line (the column was not exported) cannot
name its decisions; `ledger-without-decision-column` says what to do then:
`match` (default) counts a payment as decided when a decision of its village
has an amount within `match-amount-tolerance` of the payment or a 事项 that
is near-identical to its 摘要 (and skips the ledger when there is no
`decisions` table); `skip` does not judge such a ledger; `flag` flags every
payment at or above the line.

## Why it matters
村级重大事项 (projects, large spending) must go through 四议两公开: the Party
branch proposes, both committees consult, Party members review, the villagers'
(representatives') meeting resolves, and the resolution and result are
published. Spending above the line without a resolution is the most common
finding of village audits.

## Parameters
- `threshold` (50000.0): yuan; at or above it a decision is required.
- `check-contracts` (true): judge contracts.
- `check-ledger` (true): judge ledger 支出.
- `exempt-summary-keywords` ([\"代发\", \"代付\", \"低保\", \"特困\", \"救助金\",
  \"工资\", \"上缴\", \"税费\", \"社保\", \"转存\", \"存入定期\", \"归还借款\"]):
  ledger 摘要 text marking payments that are not village decisions.
- `exempt-categories` ([\"应付工资\", \"内部往来\", \"代收代付\", \"银行存款\",
  \"库存现金\"]): ledger 科目 text with the same meaning.
- `ledger-without-decision-column` (\"match\"): `match`, `skip` or `flag`, for
  a ledger in which no line carries a decision number.
- `match-amount-tolerance` (0.01): share of the payment within which a
  decision's amount matches it, in `match` mode.

## Known false positives
Decisions recorded under a number the export writes differently from the
ledger (bracket styles `〔2025〕`/`[2025]`/`（2025）` and a trailing `号` are
unified; `2025-3` against `〔2025〕3号` is not); payments approved by a street-level
procedure instead of the village's; an exempt payment whose 摘要 does not say
so (add the keyword).
";

/// 未履行四议两公开: no decision, or a decision that does not exist.
pub struct MissingDecision;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub threshold: f64,
    pub check_contracts: bool,
    pub check_ledger: bool,
    pub exempt_summary_keywords: Vec<String>,
    pub exempt_categories: Vec<String>,
    pub ledger_without_decision_column: String,
    pub match_amount_tolerance: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold: 50_000.0,
            check_contracts: true,
            check_ledger: true,
            exempt_summary_keywords: [
                "代发",
                "代付",
                "低保",
                "特困",
                "救助金",
                "工资",
                "上缴",
                "税费",
                "社保",
                "转存",
                "存入定期",
                "归还借款",
            ]
            .map(String::from)
            .to_vec(),
            exempt_categories: ["应付工资", "内部往来", "代收代付", "银行存款", "库存现金"]
                .map(String::from)
                .to_vec(),
            ledger_without_decision_column: "match".to_string(),
            match_amount_tolerance: 0.01,
        }
    }
}

/// Why an item has no valid decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    NoNumber,
    NotFound,
}

struct ContractCase {
    village: String,
    contract_no: String,
    project: String,
    vendor: String,
    vendor_key: String,
    amount: i64,
    date: i32,
    decision_no: String,
    row: u32,
    problem: Problem,
}

const META: RuleMeta = RuleMeta {
    code: "DEC001",
    name: "missing_decision",
    category: Category::MissingDecision,
    severity: Severity::High,
    summary: "contract or 支出 ≥ 50,000 with no 四议两公开 decision, or citing one that does not exist",
    doc: DOC,
    // Contracts or the ledger, either will do: checked in `check`.
    needs: &[],
    processes: &[1, 2, 3],
};

impl Rule for MissingDecision {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let threshold = crate::money::yuan_to_fen(p.threshold);
        let decisions = DecisionIndex::shared(ds)?;
        let judge = |village: &str, no: &str| -> Option<Problem> {
            if no.is_empty() {
                Some(Problem::NoNumber)
            } else if decisions.exists(village, no) == Some(false) {
                Some(Problem::NotFound)
            } else {
                None
            }
        };

        // Every contract, by village and number: payments citing one are
        // judged through it.
        let (mut contract_known, cases) = match ContractsView::load(ds)? {
            Some(c) => contract_cases(c, p.check_contracts, threshold, &judge),
            None => (HashSet::new(), Vec::new()),
        };
        // Money citing a lease or a compensation batch is judged with it,
        // by LSE004 and LND003 (one fact, one finding).
        if let Some(l) = LeasesView::load(ds)? {
            contract_known
                .extend((0..l.height()).filter_map(|i| l.village.get(i).zip(l.contract.get(i))));
        }
        if let Some(c) = LandCompensationView::load(ds)? {
            contract_known
                .extend((0..c.height()).filter_map(|i| c.village.get(i).zip(c.batch.get(i))));
        }

        // Ledger payments, per village in parallel: the vouchers citing a
        // contract of a case, and the payments judged on their own.
        let case_contracts: HashSet<(&str, &str)> = cases
            .iter()
            .map(|c| (c.village.as_str(), c.contract_no.as_str()))
            .collect();
        let mut vouchers_of_contract: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        // (village, subject) -> payments; subject is the contract number
        // cited, else the voucher.
        let mut own: BTreeMap<(&str, &str), Vec<(Payment, Problem)>> = BTreeMap::new();
        let ledger = if p.check_ledger {
            LedgerView::load(ds)?
        } else {
            None
        };
        if let Some(cols) = ledger {
            let decision = cols.decision;
            // A ledger without any decision number: see the doc.
            let numbered = decision.null_count() < decision.len();
            let mode = p.ledger_without_decision_column.as_str();
            if !matches!(mode, "match" | "skip" | "flag") {
                return Err(Error::in_a_rule(format!(
                    "ledger-without-decision-column must be match, skip or flag, not `{mode}`"
                )));
            }
            let judge_ledger =
                numbered || mode == "flag" || (mode == "match" && decisions.present());
            let match_by_content = !numbered && mode == "match";
            let keep = not_exempt(&p, &cols);
            let by_village = rows_by_village(cols.village, |i| keep[i]);
            let per_village: Vec<Judged> = by_village
                .into_par_iter()
                .map(|(v, idx)| {
                    let mut cited = Vec::new();
                    let mut judged = Vec::new();
                    for pay in payments_of(&cols, v, &idx, Options::default()) {
                        if !pay.contract_no.is_empty()
                            && contract_known.contains(&(v, pay.contract_no))
                        {
                            if case_contracts.contains(&(v, pay.contract_no)) {
                                cited.push((v, pay.contract_no, pay.voucher));
                            }
                            continue;
                        }
                        if !judge_ledger || pay.amount < threshold {
                            continue;
                        }
                        if match_by_content
                            && decisions.matches_content(
                                v,
                                pay.amount,
                                pay.summary,
                                p.match_amount_tolerance,
                            )
                        {
                            continue;
                        }
                        if let Some(problem) = judge(v, pay.decision_no) {
                            judged.push((pay, problem));
                        }
                    }
                    (cited, judged)
                })
                .collect();
            gather(per_village, &mut vouchers_of_contract, &mut own);
        }

        let mut out = Vec::new();
        for c in &cases {
            let vouchers: Vec<String> = vouchers_of_contract
                .get(&(c.village.as_str(), c.contract_no.as_str()))
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            out.push(contract_finding(
                c,
                vouchers,
                threshold,
                decisions.present(),
            ));
        }
        for ((village, subject), pays) in own {
            out.push(payments_finding(
                village,
                subject,
                &pays,
                threshold,
                decisions.present(),
            ));
        }
        Ok(out)
    }
}

/// The village's vouchers citing a contract of a case (village, contract,
/// voucher), and its payments judged on their own.
type Judged<'a> = (
    Vec<(&'a str, &'a str, &'a str)>,
    Vec<(Payment<'a>, Problem)>,
);

/// The ledger's 支出 lines that no exempt 摘要 word or 科目 excuses.
fn not_exempt(p: &Params, ledger: &LedgerView) -> Vec<bool> {
    let exempt_summary = Keywords::new(&p.exempt_summary_keywords);
    let exempt_category = Keywords::new(&p.exempt_categories);
    let mut exempt_summary = KeywordMemo::new(&exempt_summary);
    let mut exempt_category = KeywordMemo::new(&exempt_category);
    (0..ledger.height())
        .map(|i| {
            ledger.direction.get(i) == Some("支出")
                && !exempt_summary.found_in(ledger.summary.get(i))
                && !exempt_category.found_in(ledger.category.get(i))
        })
        .collect()
}

/// The villages' judgements together: vouchers by the contract they cite,
/// and payments by (village, subject), the subject being the contract
/// number cited, else the voucher.
#[allow(clippy::type_complexity)]
fn gather<'a>(
    per_village: Vec<Judged<'a>>,
    vouchers_of_contract: &mut HashMap<(&'a str, &'a str), Vec<&'a str>>,
    own: &mut BTreeMap<(&'a str, &'a str), Vec<(Payment<'a>, Problem)>>,
) {
    for (cited, judged) in per_village {
        for (v, c, vo) in cited {
            vouchers_of_contract.entry((v, c)).or_default().push(vo);
        }
        for (pay, problem) in judged {
            let subject = if pay.contract_no.is_empty() {
                pay.voucher
            } else {
                pay.contract_no
            };
            own.entry((pay.village, subject))
                .or_default()
                .push((pay, problem));
        }
    }
}

/// Every contract by village and number (payments citing one are judged
/// through it), and with `check` the contracts at or above `threshold`
/// without a valid decision.
fn contract_cases<'a>(
    contracts: ContractsView<'a>,
    check: bool,
    threshold: i64,
    judge: &dyn Fn(&str, &str) -> Option<Problem>,
) -> (HashSet<(&'a str, &'a str)>, Vec<ContractCase>) {
    let mut contract_known: HashSet<(&str, &str)> = HashSet::new();
    let mut cases: Vec<ContractCase> = Vec::new();
    let ContractsView {
        village,
        contract: no,
        project,
        vendor,
        vendor_credit_code: credit,
        vendor_id,
        amount,
        signed,
        decision,
        row: rows,
        ..
    } = contracts;
    for i in 0..contracts.height() {
        let (Some(v), Some(n)) = (village.get(i), no.get(i)) else {
            continue;
        };
        contract_known.insert((v, n));
        if !check {
            continue;
        }
        let Some(a) = amount.get(i).filter(|a| *a >= threshold) else {
            continue;
        };
        let d = decision.get(i).unwrap_or_default();
        let Some(problem) = judge(v, d) else {
            continue;
        };
        let vendor_key =
            crate::matching::vendor::vendor_key(credit.get(i), vendor_id.get(i), vendor.get(i))
                .map(|(_, k)| k)
                .unwrap_or_default();
        cases.push(ContractCase {
            village: v.to_string(),
            contract_no: n.to_string(),
            project: project.get(i).unwrap_or_default().to_string(),
            vendor: vendor.get(i).unwrap_or_default().to_string(),
            vendor_key,
            amount: a,
            date: signed.get(i).unwrap_or_default(),
            decision_no: d.to_string(),
            row: rows.get(i).unwrap_or_default(),
            problem,
        });
    }
    (contract_known, cases)
}

/// The finding of a contract without a valid decision; `vouchers` are the
/// payments citing it.
fn contract_finding(
    c: &ContractCase,
    mut vouchers: Vec<String>,
    threshold: i64,
    decisions_loaded: bool,
) -> Finding {
    vouchers.sort();
    vouchers.dedup();
    let (why, extra) = match c.problem {
        Problem::NoNumber => ("未填写决议编号".to_string(), 0.0),
        Problem::NotFound => (
            format!("所填决议编号{}在决策记录中不存在", c.decision_no),
            5.0,
        ),
    };
    let mut related = vec![c.vendor_key.clone(), c.decision_no.clone()];
    related.extend(vouchers.iter().cloned());
    META.finding(&c.village, &c.contract_no)
        .score(score(c.amount, threshold) + extra)
        .amount(c.amount)
        .related(related)
        .message(format!(
            "合同{}（{}，{}）金额{}，达到四议两公开限额{}，但{}，请核实是否经村民（代表）会议决议",
            c.contract_no,
            c.project,
            c.vendor,
            fen_to_yuan_display(c.amount),
            fen_to_yuan_display(threshold),
            why
        ))
        .evidence(json!({
            "problem": problem_key(c.problem),
            "threshold": fen_to_yuan_string(threshold),
            "decisions_loaded": decisions_loaded,
            "contract": {
                "row": c.row,
                "contract_no": c.contract_no,
                "project_name": c.project,
                "vendor": c.vendor,
                "vendor_key": c.vendor_key,
                "amount": fen_to_yuan_string(c.amount),
                "signed_date": util::day_string(c.date),
                "decision_no": c.decision_no,
            },
            "payment_vouchers": vouchers,
        }))
}

/// The finding of one subject's payments without a valid decision.
fn payments_finding(
    village: &str,
    subject: &str,
    pays: &[(Payment, Problem)],
    threshold: i64,
    decisions_loaded: bool,
) -> Finding {
    let total: i64 = pays.iter().map(|(p, _)| p.amount).sum();
    let first = &pays[0].0;
    let not_found: Vec<&str> = pays
        .iter()
        .filter(|(_, pr)| *pr == Problem::NotFound)
        .map(|(p, _)| p.decision_no)
        .collect();
    let why = if not_found.is_empty() {
        "未填写决议编号".to_string()
    } else {
        format!("所填决议编号{}在决策记录中不存在", not_found.join("、"))
    };
    let what = if first.contract_no.is_empty() {
        format!("凭证{}", first.voucher)
    } else {
        format!("合同{}的付款凭证", first.contract_no)
    };
    let mut related: Vec<String> = Vec::new();
    for (pay, _) in pays {
        related.push(pay.voucher.to_string());
        related.push(pay.decision_no.to_string());
        related.push(pay.payee_id.to_string());
    }
    let extra = if not_found.is_empty() { 0.0 } else { 5.0 };
    META.finding(village, subject)
            .score(score(total, threshold) + extra)
            .amount(total)
            .related(related)
            .message(format!(
                "{what}向“{}”支出{}（{}），达到四议两公开限额{}，但{}，请核实是否经村民（代表）会议决议",
                first.payee,
                fen_to_yuan_display(total),
                first.summary,
                fen_to_yuan_display(threshold),
                why
            ))
            .evidence(json!({
                "problem": if not_found.is_empty() { "no_number" } else { "not_found" },
                "threshold": fen_to_yuan_string(threshold),
                "decisions_loaded": decisions_loaded,
                "payments": pays.iter().map(|(p, pr)| json!({
                    "rows": p.rows.as_slice(),
                    "voucher_no": p.voucher,
                    "date": util::day_string(p.date),
                    "payee": p.payee,
                    "payee_id": p.payee_id,
                    "amount": fen_to_yuan_string(p.amount),
                    "summary": p.summary,
                    "contract_no": p.contract_no,
                    "decision_no": p.decision_no,
                    "problem": problem_key(*pr),
                })).collect::<Vec<_>>(),
            }))
}

fn problem_key(p: Problem) -> &'static str {
    match p {
        Problem::NoNumber => "no_number",
        Problem::NotFound => "not_found",
    }
}

/// 55 at the line, rising with the amount: 2× the line ≈ 64, 10× ≈ 85.
fn score(amount: i64, threshold: i64) -> f64 {
    let ratio = amount as f64 / threshold.max(1) as f64;
    (55.0 + 30.0 * ratio.max(1.0).log10()).min(90.0)
}
