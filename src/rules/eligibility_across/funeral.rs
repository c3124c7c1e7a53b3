use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Faulted, listed, standing_rows};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::people::death_register;
use crate::rules::common::programs::{FUNERAL, Programs};
use crate::rules::common::util::day_string;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A 惠民殡葬补贴 (the roll's id number is the deceased's) for someone the
death register (死亡人员信息) does not list, or paid (发放日期) before the
death date the register gives. Paid on the day of death or after is right.
One finding per village, person and reason. The subsidy paid after the
month of death is never a `deceased_beneficiary` (DEA001 exempts it by its
`after-death-keywords`); twice for one person is DUP006.

## Why it matters
The subsidy is paid once, after a death, to the family (民政部 惠民殡葬
policy; the 死亡医学证明 or 火化证明 is its basis). For someone the register
does not know as dead, or paid before the death, the papers were not
checked: a living person's id used to claim it.

## Parameters
- `programs` ([\"惠民殡葬\", \"殡葬补贴\", \"殡葬惠民\", \"基本殡葬\"]): program names (a roll program containing one of them).

## Known false positives
A death not yet in the register when it was exported (a death in the last
days of the period), or registered under another id number (a 15-digit
number is read as its 18-digit form and matches).
";

/// 惠民殡葬补贴 for someone not dead, or before the death.
pub struct FuneralSubsidy;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: FUNERAL.map(String::from).to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ELG006",
    name: "funeral_subsidy",
    category: Category::Eligibility,
    severity: Severity::High,
    summary: "惠民殡葬补贴 for someone not in the death register, or paid before the death",
    doc: DOC,
    needs: &[TableKind::Subsidies, TableKind::Deaths],
    processes: &[30],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    NotInRegister,
    BeforeDeath,
}

impl Rule for FuneralSubsidy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let deaths = death_register(ds)?;
        let mut programs = Programs::new(&p.programs);
        let mut faulted = Faulted::new();
        for i in standing_rows(&roll, |i| programs.has(roll.program.get(i))) {
            let Some(id) = roll.id.get(i) else { continue };
            match deaths.get(id) {
                None => faulted.add(&roll, i, Reason::NotInRegister),
                Some(d) if roll.paid.get(i).is_some_and(|paid| paid < d.day) => {
                    faulted.add(&roll, i, Reason::BeforeDeath)
                }
                Some(_) => {}
            }
        }
        let mut out = Vec::new();
        for ((v, id, reason), rows) in faulted.groups {
            let l = listed(&roll, rows);
            let first = l.rows[0];
            let name = roll.name.get(first).unwrap_or_default();
            let payee = roll
                .payee
                .get(first)
                .map(|p| format!("（领取人{p}）"))
                .unwrap_or_default();
            let death = deaths.get(&id);
            let paid = roll.paid.get(first).map(day_string).unwrap_or_default();
            let message = match (reason, death) {
                (Reason::BeforeDeath, Some(d)) => format!(
                    "{name}的惠民殡葬补贴{}于{paid}发放{payee}，早于死亡登记日期{}，请核实死亡证明、火化证明及发放依据",
                    fen_to_yuan_display(l.total),
                    day_string(d.day),
                ),
                _ => format!(
                    "{name}的惠民殡葬补贴{}于{paid}发放{payee}，但死亡人员信息中无此人，请核实其是否死亡及是否冒领",
                    fen_to_yuan_display(l.total),
                ),
            };
            out.push(
                META.finding(&v, &id)
                    .score(if reason == Reason::BeforeDeath {
                        65.0
                    } else {
                        70.0
                    })
                    .amount(l.total)
                    .message(message)
                    .evidence(json!({
                        "reason": match reason {
                            Reason::NotInRegister => "not_in_death_register",
                            Reason::BeforeDeath => "paid_before_death",
                        },
                        "name": name,
                        "death": death.map(|d| json!({
                            "table": "deaths",
                            "row": d.row,
                            "name": d.name,
                            "death_date": day_string(d.day),
                        })),
                        "total": fen_to_yuan_string(l.total),
                        "payments": l.payments,
                    })),
            );
        }
        Ok(out)
    }
}
