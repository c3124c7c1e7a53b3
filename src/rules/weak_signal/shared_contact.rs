use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::views::{CadresView, HiresView, HouseholdsView, SubsidiesView};
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::WEAK_SCORE;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
One phone number (`subsidies.phone`, `hires.phone`) or one address (the
`households.address` of the recipients) shared by recipients of at least
`min-households` different households in a village, none of whom is a
cadre (a cadre among them is 优亲厚友, KIN001's). A recipient's household is
the roll's `household_id`, else the register's by id number, else the
recipient alone. One finding per village (subject: the village code, the
recipients' id numbers related); the evidence lists each shared phone or
address with its recipients, households, tables and rows.

## Why it matters
Relief for several households that all give one phone number or one
address is the mark of 冒名顶替 and 虚报冒领: one person applying, and
collecting, in other people's names. It is not a case alone; it raises the
rank of the village's cases and of those about the recipients.

## Parameters
- `min-households` (3): different households a phone or address must be
  shared by.
- `ignore-phones` ([]): numbers to leave out (the village committee's own
  line, given for those without a phone).

## Known false positives
The village committee's phone or a 网格员's given for old people without
one (list it in `ignore-phones`); addresses written only to the 组
(`三组`), which many households share.
";

/// 多户共用电话或住址.
pub struct SharedContact;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_households: usize,
    pub ignore_phones: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_households: 3,
            ignore_phones: vec![],
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK007",
    name: "shared_contact",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "one phone or address for recipients of 3+ households, none a cadre",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[3, 12, 13, 14, 15, 17],
};

/// One recipient row: who, which household, where it is.
#[derive(Debug, Clone, Copy)]
struct Who<'a> {
    name: &'a str,
    household: &'a str,
    table: &'static str,
    row: u32,
}

type Whos<'a> = BTreeMap<&'a str, Who<'a>>;
/// (village, "phone"/"address", value) → recipients by id.
type Shared<'a> = HashMap<(&'a str, &'static str, &'a str), Whos<'a>>;

/// A recipient as one row of the roll or the hires gives them.
struct Row<'a> {
    table: &'static str,
    village: Option<&'a str>,
    id: Option<&'a str>,
    name: Option<&'a str>,
    household: Option<&'a str>,
    phone: Option<&'a str>,
    row: u32,
}

/// One row's recipient under its phone and its registered address.
fn add<'a>(
    shared: &mut Shared<'a>,
    register: &HashMap<&'a str, (&'a str, Option<&'a str>)>,
    r: Row<'a>,
) {
    let Row {
        table,
        village,
        id,
        name,
        household: hh,
        phone,
        row,
    } = r;
    let (Some(village), Some(id)) = (village, id) else {
        return;
    };
    let reg = register.get(id);
    let household = hh
        .filter(|h| !h.is_empty())
        .or(reg.map(|r| r.0))
        .unwrap_or(id);
    let who = Who {
        name: name.unwrap_or_default(),
        household,
        table,
        row,
    };
    if let Some(ph) = phone.filter(|x| x.len() >= 7) {
        shared
            .entry((village, "phone", ph))
            .or_default()
            .entry(id)
            .or_insert(who);
    }
    if let Some(addr) = reg.and_then(|r| r.1) {
        shared
            .entry((village, "address", addr))
            .or_default()
            .entry(id)
            .or_insert(who);
    }
}

impl Rule for SharedContact {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(s) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        // The register: id → (household, address).
        let mut register: HashMap<&str, (&str, Option<&str>)> = HashMap::new();
        if let Some(h) = HouseholdsView::load(ds)? {
            let rows = h.id.iter().zip(h.household.iter()).zip(h.address.iter());
            for ((id, hh), address) in rows {
                if let (Some(id), Some(hh)) = (id, hh) {
                    register.insert(id, (hh, address.filter(|a| !a.is_empty())));
                }
            }
        }
        let mut cadre_ids: BTreeSet<&str> = BTreeSet::new();
        let mut cadre_phones: BTreeSet<&str> = BTreeSet::new();
        if let Some(c) = CadresView::load(ds)? {
            cadre_ids.extend(c.id.iter().flatten());
            cadre_phones.extend(c.phone.iter().flatten().filter(|x| !x.is_empty()));
        }
        let hires = HiresView::load(ds)?;
        // (village, "phone"/"address", value) → recipients by id, each at
        // the first row that gives it (a person is on a roll every month).
        let mut shared: Shared = HashMap::new();
        // Zipped iterators, not `get(i)`: a loaded column is many chunks.
        let rows = s
            .village
            .iter()
            .zip(s.id.iter())
            .zip(s.name.iter())
            .zip(s.household.iter())
            .zip(s.phone.iter())
            .zip(s.row.iter());
        for (((((village, id), name), household), phone), row) in rows {
            let r = Row {
                table: "subsidies",
                village,
                id,
                name,
                household,
                phone,
                row: row.unwrap_or_default(),
            };
            add(&mut shared, &register, r);
        }
        if let Some(h) = &hires {
            for i in 0..h.height() {
                let r = Row {
                    table: "hires",
                    village: h.village.get(i),
                    id: h.id.get(i),
                    name: h.name.get(i),
                    household: None,
                    phone: h.phone.get(i),
                    row: h.row.get(i).unwrap_or_default(),
                };
                add(&mut shared, &register, r);
            }
        }
        // In key order, as the findings' evidence lists them.
        let shared: BTreeMap<_, _> = shared.into_iter().collect();
        let mut by_village: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
        let mut related: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut first: BTreeMap<&str, String> = BTreeMap::new();
        for (&(v, what, value), whos) in &shared {
            if what == "phone"
                && (p.ignore_phones.iter().any(|x| x == value) || cadre_phones.contains(value))
            {
                continue;
            }
            let households: BTreeSet<&str> = whos.values().map(|w| w.household).collect();
            if households.len() < p.min_households || whos.keys().any(|id| cadre_ids.contains(id)) {
                continue;
            }
            let people: BTreeSet<(&str, &str)> = whos.iter().map(|(id, w)| (*id, w.name)).collect();
            first.entry(v).or_insert_with(|| {
                let label = if what == "phone" { "电话" } else { "住址" };
                let names: Vec<&str> = people.iter().map(|(_, n)| *n).take(4).collect();
                format!(
                    "{label}“{value}”为{}户{}人共用（{}）",
                    households.len(),
                    people.len(),
                    names.join("、")
                )
            });
            related
                .entry(v)
                .or_default()
                .extend(people.iter().map(|(id, _)| id.to_string()));
            by_village.entry(v).or_default().push(json!({
                "kind": what,
                "value": value,
                "households": households,
                "recipients": whos.iter().map(|(id, w)| json!({"id_number": id, "name": w.name, "household_id": w.household, "table": w.table, "row": w.row})).collect::<Vec<_>>(),
            }));
        }
        let mut out = Vec::new();
        for (v, shares) in by_village {
            let more = if shares.len() > 1 {
                format!("等{}处", shares.len())
            } else {
                String::new()
            };
            out.push(
                META.finding(v, v)
                    .score(WEAK_SCORE)
                    .related(related.remove(v).unwrap_or_default())
                    .message(format!(
                        "{}{more}，均非村干部，请核实是否一人代领或冒名申领",
                        first.get(v).cloned().unwrap_or_default()
                    ))
                    .evidence(json!({ "shared": shares })),
            );
        }
        Ok(out)
    }
}
