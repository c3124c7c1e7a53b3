use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::common::keywords::contains_any;
use super::common::paid_rows::paid_rows;
use super::common::people::{Death, death_register, month_of, month_ranges, month_string};
use super::common::util;
use super::common::views::{HiresView, LedgerView, SubsidiesView};
use super::common::wages;
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
Money paid for a period after the month a person died, by the death register
(`deaths`):
- subsidy rows whose 发放期间 is after the month of death;
- wages: ledger 支出 lines to a dead person (by 对方证件号码, or by the account
  of their hire record in `hires`; a line with neither is matched by name to
  the village's only hire of that name when its 摘要 names the post) that pay
  a month after the month of death.
  The month is the one the 摘要 states (`2025年3月工资`, `3月份`); when it
  states none, the village's payment lag learnt from the data (lines that
  state their month, hires' first wages) places it, else
  `wage-arrears-months` before its date (wages are paid in arrears);
- land-acquisition compensation and crop-insurance claims paid to the dead
  person's id in a month after the month of death (paid to an heir, the row
  should name the heir).
The month of death itself is normal. A line counts as wages when its 摘要 or
科目 mentions one of `wage-keywords` or, for a hire, their post (保洁 …) or
nothing at all. Payments that follow a death by design (丧葬, 抚恤 …:
`after-death-keywords`) are left out, and so are reversals. One finding per
village and person, listing every row, the months overpaid and their total.

Ids are matched exactly: numbers failing the GB 11643 check match nobody;
15-digit numbers are upgraded by the loader and match their 18-digit form.

## Why it matters
Every 大数据监督 platform runs this check first: 低保, 特困 and 尊老金 paid for
months after death, or a hire's wage drawn by somebody else (one Jinan case:
6,610.8 yuan paid for four months after a 特困 person died). The money is
recovered (追缴) and the failure to update the roll is a 失职 lead.

## Parameters
- `after-death-keywords` ([\"丧葬\", \"殡葬\", \"抚恤\", \"遗属\", \"善后\"]): programs and summaries paid because of a death.
- `wage-keywords` ([\"工资\", \"劳务\", \"报酬\", \"薪\", \"工钱\"]): summaries of wage lines.
- `non-wage-keywords` ([\"购\", \"报销\", \"材料\", \"工具\", \"维修\", \"租\"]): a summary naming the post but also one of these (保洁工具采购) is not a wage.
- `wage-arrears-months` (1): months a wage without a stated month is taken to lag its payment date, when no lag can be learnt from the data.

## Known false positives
A wrong death date in the register, or a person wrongly registered dead
(the name on the death record is quoted when it differs from the roll's).
Arrears for months before death paid late but booked under a later period.
";

/// 死亡人员领取: subsidy or wage for a period after the month of death.
pub struct Deceased;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub after_death_keywords: Vec<String>,
    pub wage_keywords: Vec<String>,
    pub non_wage_keywords: Vec<String>,
    pub wage_arrears_months: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            after_death_keywords: ["丧葬", "殡葬", "抚恤", "遗属", "善后"]
                .map(String::from)
                .to_vec(),
            wage_keywords: ["工资", "劳务", "报酬", "薪", "工钱"]
                .map(String::from)
                .to_vec(),
            non_wage_keywords: ["购", "报销", "材料", "工具", "维修", "租"]
                .map(String::from)
                .to_vec(),
            wage_arrears_months: 1,
        }
    }
}

/// What was paid to one dead person in one village after their death.
#[derive(Default)]
struct Overpaid {
    names: BTreeSet<String>,
    months: BTreeSet<i32>,
    total: i64,
    rows: Vec<Value>,
    programs: BTreeSet<String>,
    wages: bool,
    vouchers: BTreeSet<String>,
}

const META: RuleMeta = RuleMeta {
    code: "DEA001",
    name: "deceased",
    category: Category::DeceasedBeneficiary,
    severity: Severity::High,
    summary: "subsidy or wage for a period after the month of death",
    doc: DOC,
    needs: &[TableKind::Deaths],
    processes: &[6, 7, 10, 12, 13, 14, 15, 16, 28, 29],
};

impl Rule for Deceased {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let deaths = death_register(ds)?;
        if deaths.is_empty() {
            return Ok(vec![]);
        }
        let mut found: BTreeMap<(String, String), Overpaid> = BTreeMap::new();
        if let Some(roll) = SubsidiesView::load(ds)? {
            subsidies(&p, &roll, &deaths, &mut found)?;
        }
        if let Some(ledger) = LedgerView::load(ds)? {
            wages(&p, ds, &ledger, &deaths, &mut found)?;
        }
        // Compensation and claims paid after the month of death.
        for r in paid_rows(ds)? {
            let (Some(d), Some(m)) = (deaths.get(&r.id), month_of(r.paid)) else {
                continue;
            };
            if m <= d.month {
                continue;
            }
            let o = found.entry((r.village.clone(), r.id.clone())).or_default();
            o.months.insert(m);
            o.programs.insert(r.program.to_string());
            o.total += r.amount;
            o.names.insert(r.name.clone());
            o.rows.push(r.evidence());
        }

        let mut out = Vec::new();
        for ((village, id), o) in found {
            if o.months.is_empty() || o.total <= 0 {
                continue;
            }
            let Some(d) = deaths.get(&id) else { continue };
            let on_roll = o.names.iter().cloned().collect::<Vec<_>>().join("/");
            let name_differs = !d.name.is_empty() && !o.names.contains(&d.name);
            let what = {
                let mut w: Vec<String> = o.programs.iter().cloned().collect();
                if o.wages {
                    w.push("工资".into());
                }
                w.join("、")
            };
            let check_name = if name_differs {
                format!("（死亡登记姓名为{}，请先核对身份）", d.name)
            } else {
                String::new()
            };
            let n = o.months.len();
            // Evidence follows the files' row numbers, never the order the
            // rows were read in (a shuffled export gives the same finding).
            let mut rows = o.rows;
            rows.sort_by_cached_key(|v| {
                (v["table"].as_str().map(str::to_string), v["row"].as_u64())
            });
            let message = format!(
                "{on_roll}（身份证号{id}）已于{}死亡，死亡次月起仍发放{what}{n}个月（{}）共{}{check_name}，请核实并追缴",
                util::day_string(d.day),
                month_ranges(&o.months),
                fen_to_yuan_display(o.total)
            );
            let score = if name_differs {
                60.0
            } else {
                80.0 + 3.0 * (n.min(6) as f64 - 1.0)
            };
            out.push(
                META.finding(&village, &id)
                    .score(score.min(95.0))
                    .amount(o.total)
                    .related(o.vouchers.iter().cloned())
                    .message(message)
                    .evidence(json!({
                        "id_number": id,
                        "name_on_rolls": o.names,
                        "death_date": util::day_string(d.day),
                        "death_record": {"table": "deaths", "row": d.row, "name": d.name},
                        "months_after_death": o.months.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
                        "months": n,
                        "total_overpaid": fen_to_yuan_string(o.total),
                        "payments": rows,
                    })),
            );
        }
        Ok(out)
    }
}

fn subsidies(
    p: &Params,
    roll: &SubsidiesView,
    deaths: &BTreeMap<String, Death>,
    found: &mut BTreeMap<(String, String), Overpaid>,
) -> Result<()> {
    // The rows of dead people's numbers, in row order (a semi-join, by
    // hash probes on borrowed strings).
    let dead: PlHashSet<&str> = deaths.keys().map(String::as_str).collect();
    let wanted: Vec<IdxSize> = roll
        .id
        .iter()
        .enumerate()
        .filter(|(_, id)| id.is_some_and(|id| dead.contains(id)))
        .map(|(i, _)| i as IdxSize)
        .collect();
    let cand = roll
        .df
        .take(&IdxCa::from_vec("__i".into(), wanted))
        .map_err(Error::in_a_rule)?;
    let r = SubsidiesView::of(&cand)?;
    // (village, id, program, month) -> rows after death
    let mut after: BTreeMap<(String, String, String, i32), Vec<usize>> = BTreeMap::new();
    for i in 0..r.height() {
        let id = r.str(r.id, i);
        let (Some(d), Some(m)) = (deaths.get(id), r.month(i)) else {
            continue;
        };
        let program = r.program.get(i).unwrap_or_default();
        if m <= d.month || contains_any(program, &p.after_death_keywords) {
            continue;
        }
        after
            .entry((
                r.str(r.village, i).to_string(),
                id.to_string(),
                program.to_string(),
                m,
            ))
            .or_default()
            .push(i);
    }
    for ((village, id, program, m), mut idx) in after {
        let standing = r.standing(&mut idx);
        if standing.is_empty() {
            continue;
        }
        let o = found.entry((village, id)).or_default();
        o.months.insert(m);
        o.programs.insert(program);
        for &i in &standing {
            o.total += r.amount(i);
            o.names.insert(r.str(r.name, i).to_string());
            o.rows.push(r.payment(i));
        }
    }
    Ok(())
}

/// A dead person's hire record, for matching ledger lines by account.
struct DeadHire {
    id: String,
    post_word: String,
    name: String,
    account: Option<String>,
}

/// Dead people's hire records by (village, key).
type DeadHires = PlHashMap<(String, String), DeadHire>;

/// Dead people's hire records by (village, id number), (village, account)
/// and (village, name); a name only when one person of the village bears it.
fn dead_hires(ds: &Dataset, deaths: &BTreeMap<String, Death>) -> Result<[DeadHires; 3]> {
    // (village, id) and (village, account) of dead people's hire records.
    let mut by_id: DeadHires = PlHashMap::default();
    let mut by_account: DeadHires = PlHashMap::default();
    let mut by_name: DeadHires = PlHashMap::default();
    if let Some(h) = HiresView::load(ds)? {
        // A name stands for a hire only when one person of the village bears it.
        let mut bearers: PlHashMap<(&str, &str), BTreeSet<&str>> = PlHashMap::default();
        for i in 0..h.height() {
            if let (Some(v), Some(n)) = (h.village.get(i), h.name.get(i)) {
                bearers
                    .entry((v, n))
                    .or_default()
                    .insert(h.id.get(i).unwrap_or_default());
            }
        }
        for i in 0..h.height() {
            let id = h.id.get(i).unwrap_or_default();
            if !deaths.contains_key(id) {
                continue;
            }
            let village = h.village.get(i).unwrap_or_default().to_string();
            let mk = || DeadHire {
                id: id.to_string(),
                post_word: h.post_word(i),
                name: h.name.get(i).unwrap_or_default().to_string(),
                account: None,
            };
            if let Some(a) = h.account.get(i) {
                by_account.insert((village.clone(), a.to_string()), mk());
            }
            let name = h.name.get(i).unwrap_or_default();
            if bearers
                .get(&(village.as_str(), name))
                .is_some_and(|b| b.len() == 1)
            {
                let mut dh = mk();
                dh.account = h.account.get(i).map(str::to_string);
                by_name.insert((village.clone(), name.to_string()), dh);
            }
            by_id.insert((village, id.to_string()), mk());
        }
    }
    Ok([by_id, by_account, by_name])
}

/// The 支出 lines that may pay a dead person, each kind in row order and
/// one kind after the other.
fn candidate_lines(
    ledger: &LedgerView,
    deaths: &BTreeMap<String, Death>,
    by_account: &DeadHires,
    by_name: &DeadHires,
) -> Vec<IdxSize> {
    // Candidate 支出 lines, each kind in row order and one kind after the
    // other (semi-joins by payee id, account, then village and name of
    // lines without an id), by hash probes on borrowed strings.
    let dead: PlHashSet<&str> = deaths.keys().map(String::as_str).collect();
    let accounts: PlHashSet<&str> = by_account.keys().map(|k| k.1.as_str()).collect();
    let names: PlHashSet<(&str, &str)> = by_name
        .keys()
        .map(|(v, n)| (v.as_str(), n.as_str()))
        .collect();
    let LedgerView {
        direction,
        village,
        payee,
        payee_id,
        payee_account,
        ..
    } = *ledger;
    let (mut by_payee_id, mut by_payee_account, mut by_payee_name) =
        (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ledger.height() {
        if direction.get(i) != Some("支出") {
            continue;
        }
        let id = payee_id.get(i);
        if id.is_some_and(|x| dead.contains(x)) {
            by_payee_id.push(i as IdxSize);
        }
        if payee_account.get(i).is_some_and(|a| accounts.contains(a)) {
            by_payee_account.push(i as IdxSize);
        }
        if id.is_none()
            && !names.is_empty()
            && let (Some(v), Some(n)) = (village.get(i), payee.get(i))
            && names.contains(&(v, n))
        {
            by_payee_name.push(i as IdxSize);
        }
    }
    by_payee_id.append(&mut by_payee_account);
    by_payee_id.append(&mut by_payee_name);
    by_payee_id
}

fn wages(
    p: &Params,
    ds: &Dataset,
    ledger: &LedgerView,
    deaths: &BTreeMap<String, Death>,
    found: &mut BTreeMap<(String, String), Overpaid>,
) -> Result<()> {
    let [by_id, by_account, by_name] = dead_hires(ds, deaths)?;
    let wanted = candidate_lines(ledger, deaths, &by_account, &by_name);
    let cand = ledger
        .df
        .take(&IdxCa::from_vec("__i".into(), wanted))
        .map_err(Error::in_a_rule)?;
    let l = LedgerView::of(&cand)?;
    let lag = wages::WageLag::shared(ds)?;
    let mut seen = PlHashSet::default();
    for i in 0..l.height() {
        if !seen.insert(l.row.get(i)) {
            continue;
        }
        let village = l.village.get(i).unwrap_or_default().to_string();
        let payee_id = l.payee_id.get(i).unwrap_or_default();
        let by_number = by_id
            .get(&(village.clone(), payee_id.to_string()))
            .or_else(|| {
                l.payee_account
                    .get(i)
                    .and_then(|a| by_account.get(&(village.clone(), a.to_string())))
            });
        // Neither id number nor known account on the line: the village's only
        // hire of that name, unless the line's account says somebody else.
        let by_name_only = match by_number {
            Some(_) => None,
            None if !payee_id.is_empty() => None,
            None => l
                .payee
                .get(i)
                .and_then(|n| by_name.get(&(village.clone(), n.to_string())))
                .filter(|h| l.payee_account.get(i).is_none() || h.account.is_none()),
        };
        let hire = by_number.or(by_name_only);
        let id = match hire {
            Some(h) => h.id.clone(),
            None if deaths.contains_key(payee_id) => payee_id.to_string(),
            None => continue,
        };
        let Some(d) = deaths.get(&id) else { continue };
        let text = l.text(i);
        if contains_any(&text, &p.after_death_keywords) || l.amount(i) <= 0 {
            continue;
        }
        let summary_blank = l.summary.get(i).is_none_or(str::is_empty);
        let names_post = hire.is_some_and(|h| {
            !h.post_word.is_empty()
                && text.contains(h.post_word.as_str())
                && !contains_any(&text, &p.non_wage_keywords)
        });
        // Matched by name alone, the line must name the post itself.
        let is_wage = if by_name_only.is_some() {
            names_post
        } else {
            contains_any(&text, &p.wage_keywords) || names_post || (hire.is_some() && summary_blank)
        };
        let Some(day) = l.date.get(i) else { continue };
        if !is_wage {
            continue;
        }
        let (first, last) = match wages::wage_months(&text, day) {
            Some(m) => m,
            None => {
                let k = lag.get(&village).unwrap_or(p.wage_arrears_months.max(0));
                let m = month_of(day).unwrap_or_default() - k;
                (m, m)
            }
        };
        let months: Vec<i32> = (first..=last).filter(|&m| m > d.month).collect();
        if months.is_empty() {
            continue;
        }
        // A line paying several months, some before death: only the share after.
        let span = (last - first + 1) as i64;
        let share = l.amount(i) * months.len() as i64 / span.max(1);
        let o = found.entry((village, id)).or_default();
        o.months.extend(months);
        o.total += share;
        o.wages = true;
        o.names.insert(match hire {
            Some(h) => h.name.clone(),
            None => l.payee.get(i).unwrap_or_default().to_string(),
        });
        o.vouchers
            .insert(l.voucher.get(i).unwrap_or_default().to_string());
        o.rows.push(l.line(i));
    }
    Ok(())
}
