//! The kinship graph (issue 4): who, in each village, is a person of interest,
//! and how a recipient links to one of them.
//!
//! Persons of interest hang off a cadre: the cadre, the relatives the cadre
//! declared (`relatives`), the members of the cadre's household
//! (`households`), and the people the household register places at the
//! cadre's address with the cadre's surname and an age gap that fits a
//! parent, child or sibling. Every index is keyed by an exact value (id
//! number, account, phone, household id) or by village and name, so linking
//! a recipient costs a few hash look-ups: the work grows with the number of
//! rows, never with rows × persons.
//!
//! `households` reads the household register (members, same-address kin,
//! ids for relatives declared without one); `address` makes address keys.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use polars::prelude::*;

mod address;
mod households;

use super::names::{is_person_name, loose_key, normalize, pinyin_key, simplify};
use crate::dataset::id_number::birth_date;
use crate::dataset::{Dataset, ROW, TableKind};

pub use address::{AddressKey, address_key};

/// How a relation is read for age checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rel {
    Itself,
    Spouse,
    Parent,
    Child,
    ChildInLaw,
    Sibling,
    Grandparent,
    Grandchild,
    Other,
}

impl Rel {
    /// Chinese label for messages when no declared wording exists.
    pub fn label_zh(self) -> &'static str {
        match self {
            Rel::Itself => "本人",
            Rel::Spouse => "配偶",
            Rel::Parent => "父母",
            Rel::Child => "子女",
            Rel::ChildInLaw => "子女配偶",
            Rel::Sibling => "兄弟姐妹",
            Rel::Grandparent => "祖父母",
            Rel::Grandchild => "孙子女",
            Rel::Other => "亲属",
        }
    }
}

/// Read a relation as written (`妻子`, `长子`, `配偶`, `与户主关系: 户主` …).
/// In-laws of siblings, uncles and nephews are not close relatives
/// (《民法典》第1045条) and read as `Other`.
pub fn parse_relation(s: &str) -> Rel {
    let has = |words: &[&str]| words.iter().any(|w| s.contains(w));
    if s.is_empty() {
        Rel::Other
    } else if has(&["户主", "本人"]) {
        Rel::Itself
    } else if has(&[
        "姐夫", "妹夫", "嫂", "弟媳", "弟妹", "姑", "舅", "姨", "叔", "伯", "侄", "甥",
    ]) {
        Rel::Other
    } else if has(&["儿媳", "媳", "女婿", "婿"]) {
        Rel::ChildInLaw
    } else if has(&["孙"]) {
        Rel::Grandchild
    } else if has(&["祖", "爷爷", "奶奶", "外公", "外婆", "姥"]) {
        Rel::Grandparent
    } else if has(&["配偶", "妻", "夫", "老伴", "爱人"]) {
        Rel::Spouse
    } else if has(&["父", "母", "爸", "妈", "岳", "公公", "婆婆"]) {
        Rel::Parent
    } else if has(&["子", "女", "儿"]) {
        Rel::Child
    } else if has(&["兄", "弟", "姐", "妹", "哥"]) {
        Rel::Sibling
    } else {
        Rel::Other
    }
}

/// A member's relation to a cadre of the same household, from both
/// relations to the head. Only the unambiguous compositions are made.
fn compose(cadre_to_head: Rel, member_to_head: Rel) -> Rel {
    use Rel::*;
    match (cadre_to_head, member_to_head) {
        (Itself, m) => m,
        (Spouse, Itself) => Spouse,
        (Spouse, Child) => Child,
        (Spouse, Grandchild) => Grandchild,
        (Child, Itself | Spouse) => Parent,
        (Child, Child) => Sibling,
        (Child, Grandparent) => Grandparent,
        _ => Other,
    }
}

/// Birth-year gaps that make a relation plausible.
#[derive(Debug, Clone, Copy)]
pub struct AgeGaps {
    /// Siblings (and spouses) are at most this many years apart.
    pub sibling_max: i32,
    /// A parent is this many years older than the child (inclusive range).
    pub parent_child: (i32, i32),
}

impl AgeGaps {
    /// Whether `other`, born in `other_year`, can stand in `rel` to a cadre
    /// born in `cadre_year`.
    pub fn plausible(&self, rel: Rel, cadre_year: i32, other_year: i32) -> bool {
        let older = cadre_year - other_year; // > 0: the other is older
        let (lo, hi) = self.parent_child;
        match rel {
            Rel::Spouse | Rel::Sibling => older.abs() <= self.sibling_max,
            Rel::Parent => (lo..=hi).contains(&older),
            Rel::Child | Rel::ChildInLaw => (lo..=hi).contains(&-older),
            Rel::Grandparent => (2 * lo..=2 * hi).contains(&older),
            Rel::Grandchild => (2 * lo..=2 * hi).contains(&-older),
            Rel::Itself | Rel::Other => true,
        }
    }

    /// The relation a birth-year gap suggests for someone of the cadre's
    /// surname at the cadre's address: sibling, parent or child; `None` when
    /// the gap fits none of them.
    pub fn fitting(&self, cadre_year: i32, other_year: i32) -> Option<Rel> {
        let older = cadre_year - other_year;
        let (lo, hi) = self.parent_child;
        if older.abs() <= self.sibling_max {
            Some(Rel::Sibling)
        } else if (lo..=hi).contains(&older) {
            Some(Rel::Parent)
        } else if (lo..=hi).contains(&-older) {
            Some(Rel::Child)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct KinOptions {
    pub gaps: AgeGaps,
    /// An address shared by more households than this is too coarse (a
    /// group or a whole village) to link anyone.
    pub max_address_households: usize,
}

/// Where a person of interest comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The cadre.
    Cadre,
    /// A relative the cadre declared.
    Declared,
    /// A member of the cadre's household in the household register.
    Household,
    /// Same address and surname with a fitting age gap (inferred).
    Address,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cadre => "cadre",
            Source::Declared => "declared_relative",
            Source::Household => "household_member",
            Source::Address => "same_address",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cadre {
    pub village: String,
    pub village_name: Option<String>,
    pub name: String,
    pub id: Option<String>,
    pub role: String,
    pub household: Option<String>,
    pub address: Option<String>,
    pub row: u32,
    pub birth_year: Option<i32>,
    /// Last day in office (days since 1970-01-01), when known.
    pub term_end: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Person {
    /// Index into [`KinGraph::cadres`].
    pub cadre: usize,
    pub source: Source,
    /// Normalised name.
    pub name: String,
    pub id: Option<String>,
    /// The relation as written (declared, or derived for household and
    /// address persons).
    pub relation: String,
    pub rel: Rel,
    pub phone: Option<String>,
    pub account: Option<String>,
    pub birth_year: Option<i32>,
    /// Table and row the person was read from.
    pub table: TableKind,
    pub row: u32,
    /// Detail of the address link (the address and the birth-year gap).
    pub address: Option<String>,
    /// Households registered at that address (2 or more).
    pub address_households: usize,
}

/// How a recipient links to a person of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// The recipient's id number is the cadre's or a declared relative's.
    SameId,
    /// The recipient is in the cadre's household (register or roll 户号).
    Household,
    /// The recipient's bank account is the cadre's or a declared relative's.
    Account,
    /// The recipient's phone is the cadre's or a declared relative's.
    Phone,
    /// Same normalised name in the same village, and no id to tell them apart.
    SameName,
    /// Same address and surname as the cadre with a fitting age gap.
    Address,
    /// Same toneless pinyin and surname as a declared relative's name in
    /// the same village.
    Homophone,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::SameId,
        Channel::Household,
        Channel::Account,
        Channel::Phone,
        Channel::SameName,
        Channel::Address,
        Channel::Homophone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::SameId => "same_id",
            Channel::Household => "same_household",
            Channel::Account => "same_account",
            Channel::Phone => "same_phone",
            Channel::SameName => "same_name",
            Channel::Address => "same_address_surname_age",
            Channel::Homophone => "homophone",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::SameId => "身份证号一致",
            Channel::Household => "同户籍",
            Channel::Account => "共用银行账号",
            Channel::Phone => "共用联系电话",
            Channel::SameName => "姓名一致",
            Channel::Address => "同住址同姓且年龄相符",
            Channel::Homophone => "姓名同音",
        }
    }

    /// Exact keys (id, household, account, phone) identify; names suggest.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            Channel::SameId | Channel::Household | Channel::Account | Channel::Phone
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Index into [`KinGraph::persons`].
    pub person: usize,
    pub channel: Channel,
    /// The shared value: id, household id, account, phone, name, address or pinyin.
    pub value: String,
}

/// What is known of one recipient on one row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Query<'a> {
    pub village: &'a str,
    /// The name as the loader cleaned it; traditional characters are
    /// converted here, only for names that could match.
    pub name: Option<&'a str>,
    pub id: Option<&'a str>,
    pub account: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// The recipient's household id as the roll gives it.
    pub household: Option<&'a str>,
    /// The name links only if it looks like a person's ([`is_person_name`]:
    /// a ledger payee or a vendor may be an organisation); checked only for
    /// a name that could match.
    pub person_only: bool,
}

/// Persons of interest of a whole export, indexed for linking.
#[derive(Debug, Default)]
pub struct KinGraph {
    pub cadres: Vec<Cadre>,
    pub persons: Vec<Person>,
    gaps: Option<AgeGaps>,
    by_id: PlHashMap<String, Vec<usize>>,
    by_account: PlHashMap<String, Vec<usize>>,
    by_phone: PlHashMap<String, Vec<usize>>,
    /// Per village: one look-up per row reaches every village-keyed index.
    villages: PlHashMap<String, VillageKin>,
    /// Id numbers the household register gives to a person of interest's
    /// exact name in the same village, for persons declared without id: a
    /// roll row carrying that id is that name whatever the roll wrote (a
    /// typo, a homophone).
    register_names: PlHashMap<String, Vec<usize>>,
    /// The id the register gives a person declared without one (when unique).
    register_ids: PlHashMap<usize, String>,
    /// Declared relatives whose cadre is not in `cadres`.
    pub orphan_relatives: usize,
}

/// The village-keyed indexes of one village.
#[derive(Debug, Default)]
pub struct VillageKin {
    /// Household id → the cadre persons of that household.
    by_household: PlHashMap<String, Vec<usize>>,
    /// Normalised name → persons of interest.
    by_name: PlHashMap<String, Vec<usize>>,
    /// Pinyin key → declared relatives.
    by_pinyin: PlHashMap<String, Vec<usize>>,
    /// Name lengths (characters) in `by_pinyin`: a recipient's pinyin is
    /// only computed when it could match.
    pinyin_shapes: PlHashSet<usize>,
    /// [`loose_key`] of every name in `by_name` and `by_pinyin`: a row whose
    /// name has another key can match neither, and skips conversion.
    loose: PlHashSet<(usize, &'static str)>,
    /// A name without a loose key (no reading): always compared in full.
    unkeyed: bool,
}

fn push_to(m: &mut PlHashMap<String, Vec<usize>>, key: &str, p: usize) {
    match m.get_mut(key) {
        Some(v) => v.push(p),
        None => {
            m.insert(key.to_string(), vec![p]);
        }
    }
}

fn str_of<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<&'a StringChunked> {
    df.column(name)?.str()
}

fn date_of<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<&'a Int32Chunked> {
    Ok(df.column(name)?.date()?.physical())
}

fn nonempty(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

/// An id number fit to link on: 18 characters, 17 digits and a check
/// character (a failed check still links: the same typo in two tables is
/// the same person). Placeholders (`无`, `/`, `0`) and fragments are not ids.
pub fn usable_id(v: Option<&str>) -> Option<&str> {
    v.filter(|s| {
        let b = s.as_bytes();
        b.len() == 18
            && b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X')
            && !b[..17].iter().all(|c| *c == b'0')
    })
}

/// A bank account or phone fit to link on: at least 7 digits (a landline),
/// not one digit repeated (`0000000`, `1111111` stand for "none").
pub fn usable_contact(v: Option<&str>) -> Option<&str> {
    v.filter(|s| {
        s.len() >= 7 && s.bytes().all(|c| c.is_ascii_digit()) && {
            let first = s.as_bytes()[0];
            !s.bytes().all(|c| c == first)
        }
    })
}

fn id_of(v: Option<&str>) -> Option<String> {
    usable_id(v).map(str::to_string)
}

fn contact_of(v: Option<&str>) -> Option<String> {
    usable_contact(v).map(str::to_string)
}

pub fn birth_year(id: &str) -> Option<i32> {
    if id.len() != 18 {
        return None;
    }
    birth_date(id).map(|d| d.year())
}

/// Streets are the first 9 digits of a 12-digit village code; other codes
/// are taken to be of one street (one export is one street).
pub fn same_street(a: &str, b: &str) -> bool {
    if a.len() == 12 && b.len() == 12 {
        // Bytes, not str: a code holding other text must not cut a character.
        a.as_bytes()[..9] == b.as_bytes()[..9]
    } else {
        true
    }
}

impl KinGraph {
    /// Build the graph from `cadres` and, when present, `relatives` and
    /// `households`. Without `cadres` the graph is empty.
    pub fn build(ds: &Dataset, opts: &KinOptions) -> PolarsResult<KinGraph> {
        let mut g = KinGraph {
            gaps: Some(opts.gaps),
            ..KinGraph::default()
        };
        let Some(cadres) = ds.frame(TableKind::Cadres) else {
            return Ok(g);
        };
        g.read_cadres(cadres)?;
        if let Some(rel) = ds.frame(TableKind::Relatives) {
            g.read_relatives(rel)?;
        }
        if let Some(hh) = ds.frame(TableKind::Households) {
            g.read_households(hh, opts)?;
        }
        g.index();
        Ok(g)
    }

    fn read_cadres(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let village = str_of(df, "village_code")?;
        let village_name = str_of(df, "village_name")?;
        let name = str_of(df, "name")?;
        let id = str_of(df, "id_number")?;
        let role = str_of(df, "role")?;
        let phone = str_of(df, "phone")?;
        let account = str_of(df, "bank_account")?;
        let household = str_of(df, "household_id")?;
        let address = str_of(df, "address")?;
        let term_end = date_of(df, "term_end")?;
        let rows = df.column(ROW)?.u32()?;
        for i in 0..df.height() {
            let Some(v) = nonempty(village.get(i)) else {
                continue;
            };
            let n = normalize(name.get(i).unwrap_or_default());
            let idn = id_of(id.get(i));
            let c = self.cadres.len();
            let row = rows.get(i).unwrap_or_default();
            let birth = idn.as_deref().and_then(birth_year);
            self.cadres.push(Cadre {
                village: v,
                village_name: nonempty(village_name.get(i)),
                name: n.clone(),
                id: idn.clone(),
                role: role.get(i).unwrap_or_default().to_string(),
                household: nonempty(household.get(i)),
                address: nonempty(address.get(i)),
                row,
                birth_year: birth,
                term_end: term_end.get(i),
            });
            self.persons.push(Person {
                cadre: c,
                source: Source::Cadre,
                name: n,
                id: idn,
                relation: "本人".into(),
                rel: Rel::Itself,
                phone: contact_of(phone.get(i)),
                account: contact_of(account.get(i)),
                birth_year: birth,
                table: TableKind::Cadres,
                row,
                address: None,
                address_households: 0,
            });
        }
        Ok(())
    }

    fn cadres_by_id(&self) -> PlHashMap<&str, Vec<usize>> {
        let mut m: PlHashMap<&str, Vec<usize>> = PlHashMap::default();
        for (i, c) in self.cadres.iter().enumerate() {
            if let Some(id) = &c.id {
                m.entry(id.as_str()).or_default().push(i);
            }
        }
        m
    }

    fn read_relatives(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let cadre_id = str_of(df, "cadre_id_number")?;
        let name = str_of(df, "name")?;
        let id = str_of(df, "id_number")?;
        let relation = str_of(df, "relation")?;
        let phone = str_of(df, "phone")?;
        let account = str_of(df, "bank_account")?;
        let rows = df.column(ROW)?.u32()?;
        let by_id: HashMap<String, Vec<usize>> = self
            .cadres_by_id()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for i in 0..df.height() {
            let cadres = cadre_id.get(i).and_then(|c| by_id.get(c));
            let Some(cadres) = cadres else {
                self.orphan_relatives += 1;
                continue;
            };
            let n = normalize(name.get(i).unwrap_or_default());
            let idn = id_of(id.get(i));
            // A relative declared with the cadre's own id is a data error, not kin.
            if idn.is_some() && idn.as_deref() == cadre_id.get(i) {
                continue;
            }
            let rel_text = relation.get(i).unwrap_or_default().to_string();
            for &c in cadres {
                self.persons.push(Person {
                    cadre: c,
                    source: Source::Declared,
                    name: n.clone(),
                    id: idn.clone(),
                    relation: rel_text.clone(),
                    rel: parse_relation(&rel_text),
                    phone: contact_of(phone.get(i)),
                    account: contact_of(account.get(i)),
                    birth_year: idn.as_deref().and_then(birth_year),
                    table: TableKind::Relatives,
                    row: rows.get(i).unwrap_or_default(),
                    address: None,
                    address_households: 0,
                });
            }
        }
        Ok(())
    }

    fn index(&mut self) {
        for (p, person) in self.persons.iter().enumerate() {
            let cadre = &self.cadres[person.cadre];
            if let Some(id) = &person.id {
                self.by_id.entry(id.clone()).or_default().push(p);
            }
            if matches!(person.source, Source::Cadre | Source::Declared) {
                if let Some(a) = &person.account {
                    self.by_account.entry(a.clone()).or_default().push(p);
                }
                if let Some(ph) = &person.phone {
                    self.by_phone.entry(ph.clone()).or_default().push(p);
                }
            }
            let vk = match self.villages.get_mut(cadre.village.as_str()) {
                Some(vk) => vk,
                None => self.villages.entry(cadre.village.clone()).or_default(),
            };
            if person.source == Source::Cadre
                && let Some(h) = &cadre.household
            {
                push_to(&mut vk.by_household, h, p);
            }
            if person.source != Source::Address && !person.name.is_empty() {
                push_to(&mut vk.by_name, &person.name, p);
                match loose_key(&person.name) {
                    Some(k) => {
                        vk.loose.insert(k);
                    }
                    None => vk.unkeyed = true,
                }
            }
            if person.source == Source::Declared && !person.name.is_empty() {
                push_to(&mut vk.by_pinyin, &pinyin_key(&person.name), p);
                vk.pinyin_shapes.insert(person.name.chars().count());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// The person's id number: as declared, else as the register gives the
    /// name in the village (when it gives exactly one).
    pub fn known_id(&self, person: usize) -> Option<&str> {
        self.persons[person]
            .id
            .as_deref()
            .or_else(|| self.register_ids.get(&person).map(String::as_str))
    }

    pub fn village_of(&self, person: usize) -> &str {
        &self.cadres[self.persons[person].cadre].village
    }

    /// Whether a name link to `p` is consistent with what the ids say: the
    /// two must not both carry an id (then the ids decide), and when the
    /// recipient's birth year is known it must fit the declared relation.
    fn name_link_possible(&self, p: &Person, q: &Query) -> bool {
        if p.id.is_some() && usable_id(q.id).is_some() {
            return false;
        }
        let (Some(gaps), Some(cy), Some(y)) = (
            self.gaps,
            self.cadres[p.cadre].birth_year,
            q.id.and_then(birth_year),
        ) else {
            return true;
        };
        gaps.plausible(p.rel, cy, y)
    }

    /// Every link of one recipient, in a fixed order (channel, person).
    pub fn links(&self, q: &Query) -> Vec<Link> {
        self.links_in(self.village(q.village), q)
    }

    /// The village-keyed indexes of `village` (rows come in runs of one
    /// village: a scan looks its village up once a run, see [`KinGraph::links_in`]).
    pub fn village(&self, village: &str) -> Option<&VillageKin> {
        self.villages.get(village)
    }

    /// [`KinGraph::links`] with the query's village already looked up.
    pub fn links_in(&self, vk: Option<&VillageKin>, q: &Query) -> Vec<Link> {
        let mut out = Vec::new();
        let push = |out: &mut Vec<Link>, ps: Option<&Vec<usize>>, ch: Channel, value: &str| {
            for &p in ps.into_iter().flatten() {
                out.push(Link {
                    person: p,
                    channel: ch,
                    value: value.to_string(),
                });
            }
        };
        let id = usable_id(q.id);
        if let Some(id) = id {
            for &p in self.by_id.get(id).into_iter().flatten() {
                let ch = match self.persons[p].source {
                    Source::Cadre | Source::Declared => Channel::SameId,
                    Source::Household => Channel::Household,
                    Source::Address => Channel::Address,
                };
                let value = match (ch, &self.persons[p].address) {
                    (Channel::Address, Some(a)) => a.clone(),
                    _ => id.to_string(),
                };
                out.push(Link {
                    person: p,
                    channel: ch,
                    value,
                });
            }
        }
        if let Some(id) = id {
            for &p in self.register_names.get(id).into_iter().flatten() {
                let person = &self.persons[p];
                let cadre_village = self.cadres[person.cadre].village.as_str();
                if cadre_village == q.village && self.name_link_possible(person, q) {
                    out.push(Link {
                        person: p,
                        channel: Channel::SameName,
                        value: person.name.clone(),
                    });
                }
            }
        }
        if let Some(a) = usable_contact(q.account) {
            push(&mut out, self.by_account.get(a), Channel::Account, a);
        }
        if let Some(ph) = usable_contact(q.phone) {
            push(&mut out, self.by_phone.get(ph), Channel::Phone, ph);
        }
        let Some(vk) = vk else {
            return finish(out);
        };
        if let Some(h) = q.household.filter(|s| !s.is_empty()) {
            push(&mut out, vk.by_household.get(h), Channel::Household, h);
        }
        let name = q
            .name
            .filter(|s| !s.is_empty())
            .filter(|n| vk.unkeyed || loose_key(n).is_none_or(|k| vk.loose.contains(&k)))
            .filter(|n| !q.person_only || is_person_name(n));
        if let Some(n) = name.map(simplify) {
            let n: &str = &n;
            for &p in vk.by_name.get(n).into_iter().flatten() {
                if self.name_link_possible(&self.persons[p], q) {
                    out.push(Link {
                        person: p,
                        channel: Channel::SameName,
                        value: n.to_string(),
                    });
                }
            }
            if vk.pinyin_shapes.contains(&n.chars().count()) {
                let key = pinyin_key(n);
                for &p in vk.by_pinyin.get(key.as_str()).into_iter().flatten() {
                    let person = &self.persons[p];
                    // Same surname: a homophone is the same name misheard,
                    // not 章 for 张.
                    let same_surname = person.name.chars().next() == n.chars().next();
                    if person.name != n && same_surname && self.name_link_possible(person, q) {
                        out.push(Link {
                            person: p,
                            channel: Channel::Homophone,
                            value: key.clone(),
                        });
                    }
                }
            }
        }
        finish(out)
    }
}

/// The same person reached twice through one channel counts once.
fn finish(mut out: Vec<Link>) -> Vec<Link> {
    out.sort_by_key(|a| (a.channel, a.person));
    out.dedup_by(|a, b| a.channel == b.channel && a.person == b.person);
    out
}

/// The register household (village and household id) of each id number
/// in `ids` (one pass over `households`; absent ids are left out).
pub fn register_households(
    ds: &Dataset,
    ids: &HashSet<String>,
) -> PolarsResult<HashMap<String, (String, String)>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let Some(df) = ds.frame(TableKind::Households) else {
        return Ok(out);
    };
    let id = str_of(df, "id_number")?;
    let hh = str_of(df, "household_id")?;
    let village = str_of(df, "village_code")?;
    for i in 0..df.height() {
        let Some(x) = id.get(i) else { continue };
        if ids.contains(x)
            && let (Some(v), Some(h)) = (village.get(i), hh.get(i))
        {
            out.insert(x.to_string(), (v.to_string(), h.to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
