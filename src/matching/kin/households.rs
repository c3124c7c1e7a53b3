//! Persons of interest from the household register: the members of a
//! cadre's household, and people at a cadre's address with the cadre's
//! surname and an age gap that fits a parent, child or sibling. The
//! register also gives an id to relatives declared without one.
//!
//! Every step is keyed by village, household or address, so that reading
//! the register is one pass over its rows (a few, for the steps that need
//! them), never rows × cadres.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use polars::prelude::*;

use super::address::{AddressKey, PerCode, address_key};
use super::{
    AgeGaps, Cadre, KinGraph, KinOptions, Person, Rel, Source, birth_year, compose, id_of,
    nonempty, parse_relation, str_of, usable_id,
};
use crate::dataset::dictionary::Text;
use crate::dataset::id_number::sex;
use crate::dataset::{ROW, TableKind};
use crate::matching::LastKey;
use crate::matching::names::{loose_key, needs_simplify, normalize, simplify, surname};

/// The register's columns that kinship reads.
struct Register<'a> {
    hh: &'a StringChunked,
    village: &'a StringChunked,
    name: &'a StringChunked,
    id: &'a StringChunked,
    /// Both may be dictionary codes (dataset::dictionary).
    to_head: Text<'a>,
    address: Text<'a>,
    rows: &'a UInt32Chunked,
}

/// Cadres by household id and by address key, per village.
type Homes<'a, K> = PlHashMap<&'a str, PlHashMap<K, Vec<usize>>>;

/// (village, address key) → households seen there, and candidate rows.
type AtAddress = BTreeMap<(String, String), (HashSet<String>, Vec<usize>)>;

impl KinGraph {
    /// Members of cadres' households, and same-address kin.
    pub(super) fn read_households(
        &mut self,
        df: &DataFrame,
        opts: &KinOptions,
    ) -> PolarsResult<()> {
        let reg = Register {
            hh: str_of(df, "household_id")?,
            village: str_of(df, "village_code")?,
            name: str_of(df, "name")?,
            id: str_of(df, "id_number")?,
            to_head: Text::of(df, "relation_to_head")?,
            address: Text::of(df, "address")?,
            rows: df.column(ROW)?.u32()?,
        };
        let own_row = self.own_rows(&reg);
        // Households and address keys of cadres, per village.
        let (households, addresses) = cadre_homes(&self.cadres);
        let register_names = self.register_names(&reg, opts);
        // A person declared without id whose name the register gives exactly
        // one id in the village: that is the person's id.
        let mut ids_of: HashMap<usize, BTreeSet<&str>> = HashMap::new();
        for (x, ps) in &register_names {
            for &p in ps {
                ids_of.entry(p).or_default().insert(x.as_str());
            }
        }
        self.register_ids = ids_of
            .into_iter()
            .filter(|(_, xs)| xs.len() == 1)
            .filter_map(|(p, xs)| xs.into_iter().next().map(|x| (p, x.to_string())))
            .collect();
        self.register_names = register_names;

        let (members, at_address) = scan_register(&reg, &households, &addresses);
        add_members(&mut self.persons, &self.cadres, members, &own_row, &reg);
        add_address_kin(
            &mut self.persons,
            &self.cadres,
            at_address,
            &addresses,
            &own_row,
            &reg,
            opts,
        );
        Ok(())
    }

    /// Each cadre's own register row, which gives the household (when the
    /// cadre roll has no 户号) and the address (when it has none).
    fn own_rows(&mut self, reg: &Register) -> Vec<Option<usize>> {
        let cadre_ids = self.cadres_by_id();
        let mut own_row: Vec<Option<usize>> = vec![None; self.cadres.len()];
        for (i, (x, v)) in reg.id.iter().zip(reg.village.iter()).enumerate() {
            if let Some(cs) = x.and_then(|x| cadre_ids.get(x)) {
                for &c in cs {
                    if self.cadres[c].village.as_str() == v.unwrap_or_default() {
                        own_row[c] = Some(i);
                    }
                }
            }
        }
        drop(cadre_ids);
        for (c, r) in own_row.iter().enumerate() {
            let Some(r) = *r else { continue };
            let cadre = &mut self.cadres[c];
            if cadre.household.is_none() {
                cadre.household = nonempty(reg.hh.get(r));
            }
            if cadre.address.is_none() {
                cadre.address = nonempty(reg.address.get(r));
            }
        }
        own_row
    }

    /// Id numbers the register gives to the exact name (or its simplified
    /// form) of a person declared without id, in the person's village.
    fn register_names(&self, reg: &Register, opts: &KinOptions) -> PlHashMap<String, Vec<usize>> {
        // Persons declared without id, by village and name: the register
        // tells their id.
        let mut no_id: PlHashMap<&str, PlHashMap<&str, Vec<usize>>> = PlHashMap::default();
        for (p, person) in self.persons.iter().enumerate() {
            if person.id.is_none() && !person.name.is_empty() {
                no_id
                    .entry(self.cadres[person.cadre].village.as_str())
                    .or_default()
                    .entry(person.name.as_str())
                    .or_default()
                    .push(p);
            }
        }
        let no_id_loose: PlHashSet<(usize, &'static str)> = no_id
            .values()
            .flat_map(|m| m.keys())
            .filter_map(|n| loose_key(n))
            .collect();
        let mut register_names: PlHashMap<String, Vec<usize>> = PlHashMap::default();
        if !no_id.is_empty() {
            let mut last = LastKey::default();
            for ((v, n), x) in reg.village.iter().zip(reg.name.iter()).zip(reg.id.iter()) {
                let (Some(v), Some(n), Some(x)) = (v, n, x) else {
                    continue;
                };
                if usable_id(Some(x)).is_none() {
                    continue;
                }
                let names = last.get(v, |v| no_id.get(v));
                let Some(names) = names else { continue };
                // The name as written, else (a name of the right length and
                // last reading holding a traditional character) converted.
                let hit = names.get(n).or_else(|| {
                    if !needs_simplify(n) || loose_key(n).is_some_and(|k| !no_id_loose.contains(&k))
                    {
                        return None;
                    }
                    match simplify(n) {
                        Cow::Owned(s) => names.get(s.as_str()),
                        Cow::Borrowed(_) => None,
                    }
                });
                if let Some(ps) = hit {
                    // A namesake whose age rules out the declared relation is
                    // somebody else.
                    let year = birth_year(x);
                    let fits = |p: &usize| {
                        let person = &self.persons[*p];
                        match (self.cadres[person.cadre].birth_year, year) {
                            (Some(cy), Some(y)) => opts.gaps.plausible(person.rel, cy, y),
                            _ => true,
                        }
                    };
                    let ps: Vec<usize> = ps.iter().copied().filter(fits).collect();
                    if !ps.is_empty() {
                        register_names.entry(x.to_string()).or_default().extend(ps);
                    }
                }
            }
        }
        register_names
    }
}

/// Households and address keys of cadres, per village.
fn cadre_homes(cadres: &[Cadre]) -> (Homes<'_, &str>, Homes<'_, String>) {
    let mut households: PlHashMap<&str, PlHashMap<&str, Vec<usize>>> = PlHashMap::default();
    let mut addresses: PlHashMap<&str, PlHashMap<String, Vec<usize>>> = PlHashMap::default();
    for (c, cadre) in cadres.iter().enumerate() {
        if let Some(h) = &cadre.household {
            households
                .entry(cadre.village.as_str())
                .or_default()
                .entry(h.as_str())
                .or_default()
                .push(c);
        }
        if let Some(a) = &cadre.address {
            let k = address_key(a);
            if !k.is_empty() {
                addresses
                    .entry(cadre.village.as_str())
                    .or_default()
                    .entry(k)
                    .or_default()
                    .push(c);
            }
        }
    }
    (households, addresses)
}

/// One pass over the register: the members of cadres' households (cadre,
/// row), and the rows at a cadre's address.
fn scan_register(
    reg: &Register,
    households: &Homes<&str>,
    addresses: &Homes<String>,
) -> (Vec<(usize, usize)>, AtAddress) {
    let mut members = Vec::new();
    // (village, address key) → households seen there, and candidate rows.
    let mut at_address: BTreeMap<(String, String), (HashSet<String>, Vec<usize>)> = BTreeMap::new();
    // Members of one household are usually listed together under one
    // address: remember the last key instead of recomputing it.
    let mut key = AddressKey::default();
    let mut keys_by_code = PerCode::default();
    let mut last: (&str, String) = ("", String::new());
    let mut last_village = LastKey::default();
    // A household's members are listed one after another.
    let mut last_household = LastKey::default();
    for (i, ((v, h), a)) in reg
        .village
        .iter()
        .zip(reg.hh.iter())
        .zip(reg.address.iter())
        .enumerate()
    {
        let (Some(v), Some(h)) = (v, h) else {
            continue;
        };
        let (hhs, keys) = last_village.get(v, |v| (households.get(v), addresses.get(v)));
        if let Some(cs) = last_household.get((v, h), |(_, h)| hhs.and_then(|m| m.get(h))) {
            for &c in cs {
                members.push((c, i));
            }
        }
        let Some(keys) = keys else {
            continue;
        };
        let Some(a) = a.filter(|a| !a.is_empty()) else {
            continue;
        };
        if last.0 != a {
            last.0 = a;
            last.1.clear();
            // A register in another order (by name, by id) changes
            // address on most rows: a coded column's keys are kept per
            // code, each made once.
            match reg
                .address
                .code(i)
                .and_then(|c| keys_by_code.get(c, |out| out.push_str(key.of(a))))
            {
                Some(k) => last.1.push_str(k),
                None => last.1.push_str(key.of(a)),
            }
        }
        if keys.contains_key(&last.1) {
            let slot = at_address
                .entry((v.to_string(), last.1.clone()))
                .or_insert_with(|| (HashSet::new(), vec![]));
            slot.0.insert(h.to_string());
            slot.1.push(i);
        }
    }
    (members, at_address)
}

/// The members of cadres' households as persons of interest.
fn add_members(
    persons: &mut Vec<Person>,
    cadres: &[Cadre],
    members: Vec<(usize, usize)>,
    own_row: &[Option<usize>],
    reg: &Register,
) {
    for (c, i) in members {
        let idn = id_of(reg.id.get(i));
        let cadre = &cadres[c];
        if idn.is_some() && idn == cadre.id {
            continue;
        }
        let member_rel = parse_relation(reg.to_head.get(i).unwrap_or_default());
        let cadre_rel = own_row[c]
            .map(|r| parse_relation(reg.to_head.get(r).unwrap_or_default()))
            .unwrap_or(Rel::Other);
        let rel = compose(cadre_rel, member_rel);
        let relation = if rel == Rel::Other {
            format!(
                "同户（与户主关系：{}）",
                reg.to_head.get(i).unwrap_or_default()
            )
        } else {
            rel.label_zh().to_string()
        };
        persons.push(Person {
            cadre: c,
            source: Source::Household,
            name: normalize(reg.name.get(i).unwrap_or_default()),
            birth_year: idn.as_deref().and_then(birth_year),
            id: idn,
            relation,
            rel,
            phone: None,
            account: None,
            table: TableKind::Households,
            row: reg.rows.get(i).unwrap_or_default(),
            address: None,
            address_households: 0,
        });
    }
}

/// People at a cadre's address (at most `max_address_households`
/// households there) with the cadre's surname and an age gap that fits.
fn add_address_kin(
    persons: &mut Vec<Person>,
    cadres: &[Cadre],
    at_address: AtAddress,
    addresses: &Homes<String>,
    own_row: &[Option<usize>],
    reg: &Register,
    opts: &KinOptions,
) {
    for ((v, k), (hhs, candidates)) in at_address {
        if hhs.len() > opts.max_address_households {
            continue;
        }
        let Some(cs) = addresses.get(v.as_str()).and_then(|m| m.get(&k)) else {
            continue;
        };
        for &c in cs {
            let cadre = &cadres[c];
            let Some(cy) = cadre.birth_year else { continue };
            // A cadre who married into the household carries another
            // family's surname: a namesake at the address is an in-law.
            let cadre_rel =
                own_row[c].map(|r| parse_relation(reg.to_head.get(r).unwrap_or_default()));
            if matches!(cadre_rel, Some(Rel::Spouse | Rel::ChildInLaw)) {
                continue;
            }
            let sur = surname(&cadre.name).to_string();
            let heads = heads_at(reg, &candidates);
            for &i in &candidates {
                let Some(idn) = id_of(reg.id.get(i)) else {
                    continue;
                };
                // Same household: the household channel already says more.
                if cadre.id.as_deref() == Some(idn.as_str())
                    || cadre.household.as_deref() == reg.hh.get(i)
                {
                    continue;
                }
                let n = normalize(reg.name.get(i).unwrap_or_default());
                if surname(&n) != sur {
                    continue;
                }
                let Some(y) = birth_year(&idn) else { continue };
                let Some(rel) = relation_at_address(reg, i, &heads, &sur, cy, y, &opts.gaps) else {
                    continue;
                };
                let male = sex(&idn).map(|s| s == 1);
                let label = match (rel, male) {
                    (Rel::Sibling, Some(true)) => "疑似兄弟",
                    (Rel::Sibling, Some(false)) => "疑似姐妹",
                    (Rel::Sibling, None) => "疑似兄弟姐妹",
                    (Rel::Parent, Some(true)) => "疑似父亲",
                    (Rel::Parent, Some(false)) => "疑似母亲",
                    (Rel::Parent, None) => "疑似父母",
                    (Rel::ChildInLaw, Some(true)) => "疑似女婿",
                    (Rel::ChildInLaw, _) => "疑似儿媳",
                    (Rel::Grandchild, Some(true)) => "疑似孙子",
                    (Rel::Grandchild, Some(false)) => "疑似孙女",
                    (Rel::Grandchild, None) => "疑似孙子女",
                    (_, Some(true)) => "疑似儿子",
                    (_, Some(false)) => "疑似女儿",
                    (_, None) => "疑似子女",
                };
                persons.push(Person {
                    cadre: c,
                    source: Source::Address,
                    name: n,
                    id: Some(idn),
                    relation: label.into(),
                    rel,
                    phone: None,
                    account: None,
                    birth_year: Some(y),
                    table: TableKind::Households,
                    row: reg.rows.get(i).unwrap_or_default(),
                    address: Some(format!(
                        "{}（同住址{}户，出生年份相差{}年）",
                        reg.address.get(i).unwrap_or_default(),
                        hhs.len(),
                        (cy - y).abs()
                    )),
                    address_households: hhs.len(),
                });
            }
        }
    }
}

/// The birth year and surname of each household head among the rows at
/// one address.
fn heads_at<'r>(reg: &'r Register, rows: &[usize]) -> HashMap<&'r str, (Option<i32>, String)> {
    let mut out = HashMap::new();
    for &i in rows {
        if parse_relation(reg.to_head.get(i).unwrap_or_default()) == Rel::Itself
            && let Some(h) = reg.hh.get(i)
        {
            let year = id_of(reg.id.get(i)).as_deref().and_then(birth_year);
            let name = normalize(reg.name.get(i).unwrap_or_default());
            out.insert(h, (year, surname(&name).to_string()));
        }
    }
    out
}

/// What a person at the cadre's address, in another household, can be to
/// the cadre (`None`: no close relative). A head is judged by the
/// birth-year gap alone (a brother, a parent, a son who split off); anyone
/// else through the head: the head's spouse is the cadre's parent when
/// the head fits as a parent, the child's spouse when the head fits as a
/// child (a brother's wife of the same surname is an in-law, not a
/// sister); a head's child is the
/// cadre's sibling when the head fits as the cadre's parent, a grandchild
/// when the head fits as the cadre's child, and a nephew or niece (no
/// close relative, 《民法典》第1045条) when the head fits as a sibling; a
/// head's parent is the cadre's parent, and a head's sibling the cadre's,
/// when the head fits as a sibling. A relation the register does not
/// state plainly is read by the gap, as a head's.
fn relation_at_address(
    reg: &Register,
    i: usize,
    heads: &HashMap<&str, (Option<i32>, String)>,
    cadre_surname: &str,
    cadre_year: i32,
    year: i32,
    gaps: &AgeGaps,
) -> Option<Rel> {
    let own = parse_relation(reg.to_head.get(i).unwrap_or_default());
    if matches!(own, Rel::Itself | Rel::Other) {
        return gaps.fitting(cadre_year, year);
    }
    let (head_year, head_surname) = heads.get(reg.hh.get(i)?)?;
    let head_rel = gaps.fitting(cadre_year, (*head_year)?)?;
    // A head of the parents' generation may be the mother, of another
    // surname; a head of the cadre's or the children's generation must be
    // of the cadre's blood (a sister-in-law's kin are not the cadre's).
    let blood = head_surname == cadre_surname;
    let rel = match (head_rel, own) {
        (Rel::Parent, Rel::Child) => Rel::Sibling,
        (Rel::Parent, Rel::Spouse) => Rel::Parent,
        (Rel::Sibling, Rel::Sibling) if blood => Rel::Sibling,
        (Rel::Sibling, Rel::Parent) if blood => Rel::Parent,
        (Rel::Child, Rel::Child) if blood => Rel::Grandchild,
        (Rel::Child, Rel::Spouse) if blood => Rel::ChildInLaw,
        _ => return None,
    };
    gaps.plausible(rel, cadre_year, year).then_some(rel)
}
