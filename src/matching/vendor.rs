//! Vendor identity (issue 5): who is one vendor, across the ways exports
//! write it.
//!
//! - [`company_name_key`]: a company name reduced to what identifies it, so
//!   that `宏达建筑有限公司`, `宏达建筑有限责任公司`, `宏达建筑（济南）有限公司`
//!   and `宏 达 建 筑 有 限 公 司` compare equal.
//! - [`vendor_key`]: the one key the data contract names for a vendor:
//!   credit code, else the individual's id number, else the cleaned name.
//! - [`Vendors::group`]: records of one village grouped into vendors, by
//!   strong identities (credit code, id number, bank account), by name where
//!   the name is unambiguous, and across companies that share a legal
//!   representative.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use polars::prelude::PlHashMap;

use crate::dataset::id_number::{credit_code_valid, id_problem};
use crate::text::{clean_name, half_width, is_clean_name};
use regex::Regex;

/// Organisation forms a company name may end with, longest first: exports
/// write the same company with any of them, or none.
const ORG_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "个人独资企业",
    "个体工商户",
    "有限公司",
    "责任公司",
    "普通合伙",
    "有限合伙",
    "合伙企业",
    "公司",
];

/// A company (or person) name reduced for comparison: spaces and
/// full-width forms removed, traditional characters simplified, bracketed
/// parts (`（济南）`, `(有限合伙)`, `【历城】`) dropped, and the organisation
/// form at the end removed. Never empty for a non-empty name: a name that is
/// nothing but an organisation form keeps its cleaned form.
pub fn company_name_key(name: &str) -> String {
    // Traditional to simplified first (it looks at neighbouring characters),
    // then one pass that cleans like `clean_name` and drops bracketed parts.
    let simplified = fast2s::convert(name);
    let mut key = String::with_capacity(simplified.len());
    let mut cleaned_len = 0usize;
    let mut depth = 0usize;
    for c in simplified.chars().map(half_width) {
        if c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}' {
            continue;
        }
        cleaned_len += 1;
        match c {
            '(' | '[' | '【' | '〔' | '［' => depth += 1,
            ')' | ']' | '】' | '〕' | '］' => depth = depth.saturating_sub(1),
            c if depth == 0 => key.push(match c {
                '•' | '·' | '．' | '・' | '.' => '·',
                c => c.to_ascii_uppercase(),
            }),
            _ => {}
        }
    }
    if cleaned_len == 0 {
        return String::new();
    }
    loop {
        let before = key.len();
        for form in ORG_FORMS {
            if key.ends_with(form) {
                key.truncate(key.len() - form.len());
                break;
            }
        }
        if key.len() == before {
            break;
        }
    }
    if key.is_empty() {
        // Nothing but an organisation form (or brackets): keep it whole.
        fast2s::convert(&clean_name(name))
    } else {
        key
    }
}

/// What a vendor key rests on, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyKind {
    CreditCode,
    IdNumber,
    Account,
    Name,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::CreditCode => "credit_code",
            KeyKind::IdNumber => "id_number",
            KeyKind::Account => "account",
            KeyKind::Name => "name",
        }
    }
}

/// The data contract's vendor key (§4, `split_contract`): credit code, else
/// id number, else the cleaned name. Blank parts are skipped.
pub fn vendor_key(
    credit_code: Option<&str>,
    id_number: Option<&str>,
    name: Option<&str>,
) -> Option<(KeyKind, String)> {
    fn nonblank(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    let (credit_code, id_number) = party_ids(nonblank(credit_code), nonblank(id_number));
    if let Some(c) = credit_code {
        return Some((KeyKind::CreditCode, c.to_string()));
    }
    if let Some(i) = nonblank(id_number) {
        return Some((KeyKind::IdNumber, i.to_string()));
    }
    nonblank(name)
        .map(clean_name)
        .filter(|n| !n.is_empty())
        .map(|n| (KeyKind::Name, n))
}

/// One appearance of a vendor or payee (a contract row, a ledger line),
/// borrowing the frame's strings. Values are expected already cleaned by the
/// loader; blank values count as absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct VendorRecord<'a> {
    pub credit_code: Option<&'a str>,
    pub id_number: Option<&'a str>,
    pub account: Option<&'a str>,
    pub name: Option<&'a str>,
    pub legal_rep: Option<&'a str>,
    pub legal_rep_id: Option<&'a str>,
}

/// A party column's value (`counterparty_id`, `vendor_id_number`) names
/// a person or an organisation: a value passing GB 32100 and not GB 11643
/// is the credit code (when no credit code column gave one), any other the
/// id number. Returns (credit code, id number).
pub fn party_ids<'a>(
    credit_code: Option<&'a str>,
    party_id: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    let is_code = |s: &str| credit_code_valid(s) && (s.len() != 18 || id_problem(s).is_some());
    match party_id {
        Some(x) if is_code(x) => (credit_code.or(Some(x)), None),
        other => (credit_code, other),
    }
}

/// How far grouping may go beyond identical strong identities.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// Companies sharing a legal representative (by id number; an individual
    /// vendor whose id is another company's representative counts too) are
    /// one vendor.
    pub by_legal_rep: bool,
    /// Also link by the representative's name when no id number is given
    /// for it, provided that name maps to at most one representative id
    /// among the records.
    pub legal_rep_by_name: bool,
    /// Bank accounts identify a payee (ledger lines carry them).
    pub by_account: bool,
    /// Records identified in different ways (an account here, a credit code
    /// there) that carry one organisation name are one vendor, unless their
    /// credit codes or id numbers differ.
    pub organisations_by_name: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            by_legal_rep: true,
            legal_rep_by_name: true,
            by_account: true,
            organisations_by_name: true,
        }
    }
}

/// One vendor: the records that are one party, and every identity seen.
#[derive(Debug, Clone)]
pub struct VendorGroup {
    /// The key a finding names: the most used credit code, else id number,
    /// else the most used cleaned name (ties: the smallest string).
    pub key: String,
    pub key_kind: KeyKind,
    pub credit_codes: BTreeSet<String>,
    pub id_numbers: BTreeSet<String>,
    pub accounts: BTreeSet<String>,
    /// Names as cleaned by the loader (every spelling seen).
    pub names: BTreeSet<String>,
    pub legal_reps: BTreeSet<String>,
    pub legal_rep_ids: BTreeSet<String>,
    /// The most common name of the records carrying the key (for messages).
    pub display_name: String,
    /// Distinct companies (credit codes or name keys) joined only through a
    /// shared legal representative.
    pub linked_by_legal_rep: bool,
    /// Indexes into the records given to [`Vendors::group`], ascending.
    pub members: Vec<usize>,
}

impl VendorGroup {
    /// Every identity except the key: for a finding's `related_ids`.
    pub fn other_identities(&self) -> Vec<String> {
        self.credit_codes
            .iter()
            .chain(&self.id_numbers)
            .chain(&self.accounts)
            .chain(&self.names)
            .chain(&self.legal_rep_ids)
            .filter(|s| **s != self.key)
            .cloned()
            .collect()
    }

    /// A display name: the most common spelling of the keyed party.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}

/// Records grouped into vendors. A group's identities are described on
/// demand ([`Vendors::describe`]): a village has hundreds of one-off payees
/// and only the few a rule reports need a description.
#[derive(Debug, Clone)]
pub struct Vendors {
    /// Group index of each record; `None` for a record with no identity at all.
    pub group_of: Vec<Option<usize>>,
    /// Record indexes of each group, ascending; groups are ordered by first
    /// member, so the result follows the input order.
    pub members: Vec<Vec<usize>>,
    name_keys: Vec<Option<String>>,
    rep_link: Vec<bool>,
}

/// Words that make a name an organisation's, not a person's.
const ORG_WORDS: &[&str] = &[
    "公司",
    "厂",
    "店",
    "社",
    "队",
    "部",
    "中心",
    "站",
    "所",
    "院",
    "局",
    "委员会",
    "集团",
    "商行",
    "超市",
    "门市",
    "工作室",
    "经营部",
];

/// A name that can only be an organisation's: an organisation word in it,
/// or five characters and more without the middle dot of minority names
/// (Chinese personal names are two to four characters).
pub fn looks_like_organisation(name: &str) -> bool {
    static WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
        let alts: Vec<String> = ORG_WORDS.iter().map(|w| regex::escape(w)).collect();
        Regex::new(&alts.join("|")).ok()
    });
    // Most names are clean already: no copy for them.
    let cleaned;
    let n = if is_clean_name(name) {
        name
    } else {
        cleaned = clean_name(name);
        cleaned.as_str()
    };
    let has_word = match WORDS.as_ref() {
        Some(re) => re.is_match(n),
        None => ORG_WORDS.iter().any(|w| n.contains(w)),
    };
    has_word || (n.chars().count() >= 5 && !n.contains('·'))
}

/// Vendors already identified by different kinds of identity (a payee by
/// its bank account, a contract holder by its credit code) that carry one
/// organisation name are one vendor, unless their credit codes or id
/// numbers differ: two companies do not share a registered name, but two
/// people share a name all the time, so persons never join this way.
fn join_organisations_by_name(
    records: &[VendorRecord<'_>],
    strong: &[bool],
    name_keys: &[Option<String>],
    uf: &mut UnionFind,
) {
    // Identities of each current root.
    let mut codes: PlHashMap<usize, (BTreeSet<&str>, BTreeSet<&str>)> = PlHashMap::default();
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..records.len() {
        if !strong[i] {
            continue;
        }
        let Some(k) = name_keys[i].as_deref() else {
            continue;
        };
        let root = uf.find(i);
        let e = codes.entry(root).or_default();
        e.0.extend(nonblank(records[i].credit_code));
        e.1.extend(nonblank(records[i].id_number));
        if records[i].name.is_some_and(looks_like_organisation) {
            by_name.entry(k).or_default().push(root);
        }
    }
    let conflict =
        |a: &BTreeSet<&str>, b: &BTreeSet<&str>| !a.is_empty() && !b.is_empty() && a.is_disjoint(b);
    for roots in by_name.values_mut() {
        roots.sort_unstable();
        roots.dedup();
        // Greedy: each root joins the first cluster it does not conflict with.
        let mut clusters: Vec<(usize, BTreeSet<&str>, BTreeSet<&str>)> = Vec::new();
        for &r in roots.iter() {
            let (c, id) = codes.get(&r).cloned().unwrap_or_default();
            match clusters
                .iter_mut()
                .find(|(_, cc, ci)| !conflict(cc, &c) && !conflict(ci, &id))
            {
                Some((head, cc, ci)) => {
                    uf.union(*head, r);
                    cc.extend(c);
                    ci.extend(id);
                }
                None => clusters.push((r, c, id)),
            }
        }
    }
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller index is the root: deterministic and input-ordered.
        if ra < rb {
            self.0[rb] = ra;
        } else if rb < ra {
            self.0[ra] = rb;
        }
    }
}

fn nonblank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Vendors {
    /// Group the records of one village (or any scope the caller chooses)
    /// into vendors. Linear in the number of records up to the maps.
    ///
    /// 1. Records sharing a credit code, an id number or (if enabled) a bank
    ///    account are one vendor.
    /// 2. A record with none of those joins the vendor that carries its name
    ///    key when exactly one such vendor exists; two different credit codes
    ///    under one name stay apart (a common name is not an identity).
    ///    Records with only a name are grouped by name key.
    /// 3. With `by_legal_rep`, vendors sharing a legal representative's id
    ///    (or whose own id is another's representative) are joined.
    pub fn group(records: &[VendorRecord], opts: &LinkOptions) -> Vendors {
        let n = records.len();
        let mut uf = UnionFind::new(n);
        let strong = join_by_tokens(records, opts, &mut uf);
        // Name keys: of every record when some record has only a name (it
        // may join a vendor by name) or when organisations may join by name;
        // otherwise none are needed. Most ledgers identify most payees.
        let any_weak = (0..n).any(|i| !strong[i]);
        let need_keys = any_weak || opts.organisations_by_name;
        // A payee recurs on many lines: its key is computed once.
        let mut memo: PlHashMap<&str, String> = PlHashMap::default();
        let name_keys: Vec<Option<String>> = records
            .iter()
            .map(|r| {
                nonblank(r.name)
                    .filter(|_| need_keys)
                    .map(|n| memo.entry(n).or_insert_with(|| company_name_key(n)).clone())
                    .filter(|k| !k.is_empty())
            })
            .collect();
        if opts.organisations_by_name {
            join_organisations_by_name(records, &strong, &name_keys, &mut uf);
        }
        join_weak_by_name(&strong, &name_keys, &mut uf);
        let rep_link = join_by_legal_rep(records, opts, &mut uf);

        let mut group_of: Vec<Option<usize>> = vec![None; n];
        let mut index_of_root: PlHashMap<usize, usize> = PlHashMap::default();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            let has_identity = strong[i] || name_keys[i].is_some();
            if !has_identity {
                continue;
            }
            let root = uf.find(i);
            let g = *index_of_root.entry(root).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[g].push(i);
            group_of[i] = Some(g);
        }
        Vendors {
            group_of,
            members,
            name_keys,
            rep_link,
        }
    }

    /// Every group described (tests, small inputs).
    pub fn describe_all(&self, records: &[VendorRecord]) -> Vec<VendorGroup> {
        (0..self.members.len())
            .map(|g| self.describe(records, g))
            .collect()
    }

    /// Group `g` described from the records it was built from.
    pub fn describe(&self, records: &[VendorRecord], g: usize) -> VendorGroup {
        build_group(
            records,
            &self.name_keys,
            &self.rep_link,
            self.members.get(g).cloned().unwrap_or_default(),
        )
    }
}

/// Step 1 of [`Vendors::group`]: records sharing a credit code, an id
/// number or (if enabled) a bank account are joined. Which records carry
/// one (strong records).
fn join_by_tokens(records: &[VendorRecord], opts: &LinkOptions, uf: &mut UnionFind) -> Vec<bool> {
    let n = records.len();
    let mut strong = vec![false; n];
    // Sized for a token a record (most carry one or two): not rehashed
    // as it fills.
    let mut first_by_token: PlHashMap<(u8, &str), usize> =
        PlHashMap::with_capacity_and_hasher(n, Default::default());
    for (i, r) in records.iter().enumerate() {
        let tokens = [
            (0u8, nonblank(r.credit_code)),
            (1, nonblank(r.id_number)),
            (2, nonblank(r.account).filter(|_| opts.by_account)),
        ];
        for (kind, tok) in tokens {
            if let Some(t) = tok {
                strong[i] = true;
                match first_by_token.get(&(kind, t)) {
                    Some(&j) => uf.union(i, j),
                    None => {
                        first_by_token.insert((kind, t), i);
                    }
                }
            }
        }
    }
    strong
}

/// Step 2 of [`Vendors::group`]: a record with only a name joins the one
/// strong vendor carrying its name key, else the other records with only
/// that name key (none when several strong vendors carry it).
fn join_weak_by_name(strong: &[bool], name_keys: &[Option<String>], uf: &mut UnionFind) {
    let n = strong.len();
    // Name key -> the one strong vendor (root) carrying it, or `None`
    // when several do.
    let mut strong_by_name: PlHashMap<&str, Option<usize>> = PlHashMap::default();
    for i in 0..n {
        if let (true, Some(k)) = (strong[i], &name_keys[i]) {
            let root = uf.find(i);
            strong_by_name
                .entry(k.as_str())
                .and_modify(|r| {
                    if *r != Some(root) {
                        *r = None;
                    }
                })
                .or_insert(Some(root));
        }
    }
    let mut first_weak_by_name: PlHashMap<&str, usize> = PlHashMap::default();
    for i in 0..n {
        if strong[i] {
            continue;
        }
        let Some(k) = &name_keys[i] else { continue };
        match strong_by_name.get(k.as_str()) {
            Some(Some(root)) => uf.union(i, *root),
            Some(None) => {} // ambiguous: stays on its own
            None => match first_weak_by_name.get(k.as_str()) {
                Some(&j) => uf.union(i, j),
                None => {
                    first_weak_by_name.insert(k.as_str(), i);
                }
            },
        }
    }
}

/// Step 3 of [`Vendors::group`]: vendors sharing a legal representative
/// (by id, or by a name that points to one id only), or whose own id is
/// another's representative, are joined. Which records a representative
/// joined to another vendor.
fn join_by_legal_rep(
    records: &[VendorRecord],
    opts: &LinkOptions,
    uf: &mut UnionFind,
) -> Vec<bool> {
    // Legal representatives: by id, and by name where the name points to
    // one representative id only.
    let n = records.len();
    let mut rep_link = vec![false; n];
    if !opts.by_legal_rep {
        return rep_link;
    }
    let mut ids_by_rep_name: PlHashMap<String, BTreeSet<&str>> = PlHashMap::default();
    for r in records {
        if let (Some(name), Some(id)) = (nonblank(r.legal_rep), nonblank(r.legal_rep_id)) {
            ids_by_rep_name
                .entry(clean_name(name))
                .or_default()
                .insert(id);
        }
    }
    let mut first_by_rep: PlHashMap<String, usize> = PlHashMap::default();
    for (i, r) in records.iter().enumerate() {
        let mut reps: Vec<String> = Vec::new();
        if let Some(id) = nonblank(r.legal_rep_id) {
            reps.push(format!("I:{id}"));
        } else if let (true, Some(name)) = (opts.legal_rep_by_name, nonblank(r.legal_rep)) {
            let name = clean_name(name);
            match ids_by_rep_name.get(&name).map(|s| s.len()) {
                Some(1) => {
                    if let Some(id) = ids_by_rep_name[&name].iter().next() {
                        reps.push(format!("I:{id}"));
                    }
                }
                Some(_) => {}
                None => reps.push(format!("N:{name}")),
            }
        }
        // An individual vendor who represents a company elsewhere.
        if let Some(id) = nonblank(r.id_number) {
            reps.push(format!("I:{id}"));
        }
        for rep in reps {
            match first_by_rep.get(&rep) {
                Some(&j) => {
                    if uf.find(i) != uf.find(j) {
                        rep_link[i] = true;
                        rep_link[j] = true;
                    }
                    uf.union(i, j)
                }
                None => {
                    first_by_rep.insert(rep, i);
                }
            }
        }
    }
    rep_link
}

fn most_common<'a, I: Iterator<Item = &'a str>>(it: I) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in it {
        *counts.entry(s).or_default() += 1;
    }
    // Highest count; ties go to the shortest string (the plain spelling of a
    // name, without a bracketed place or a longer suffix), then the smallest.
    let mut best: Option<(&str, usize)> = None;
    for (s, c) in counts {
        let better = match best {
            None => true,
            Some((bs, bc)) => c > bc || (c == bc && s.chars().count() < bs.chars().count()),
        };
        if better {
            best = Some((s, c));
        }
    }
    best.map(|(s, _)| s.to_string())
}

fn build_group(
    records: &[VendorRecord],
    name_keys: &[Option<String>],
    rep_link: &[bool],
    members: Vec<usize>,
) -> VendorGroup {
    let rs = || members.iter().map(|&i| &records[i]);
    let set = |vals: Vec<Option<&str>>| -> BTreeSet<String> {
        vals.into_iter()
            .filter_map(|v| nonblank(v).map(str::to_string))
            .collect()
    };
    let credit_codes = set(rs().map(|r| r.credit_code).collect());
    let id_numbers = set(rs().map(|r| r.id_number).collect());
    let accounts = set(rs().map(|r| r.account).collect());
    let names: BTreeSet<String> = rs()
        .filter_map(|r| nonblank(r.name).map(clean_name))
        .filter(|s| !s.is_empty())
        .collect();
    let legal_reps: BTreeSet<String> = rs()
        .filter_map(|r| nonblank(r.legal_rep).map(clean_name))
        .collect();
    let legal_rep_ids = set(rs().map(|r| r.legal_rep_id).collect());
    let (key_kind, key) = if let Some(c) = most_common(rs().filter_map(|r| nonblank(r.credit_code)))
    {
        (KeyKind::CreditCode, c)
    } else if let Some(c) = most_common(rs().filter_map(|r| nonblank(r.id_number))) {
        (KeyKind::IdNumber, c)
    } else if let Some(c) = most_common(
        rs().filter_map(|r| nonblank(r.name).map(clean_name))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    ) {
        (KeyKind::Name, c)
    } else if let Some(c) = most_common(rs().filter_map(|r| nonblank(r.account))) {
        (KeyKind::Account, c)
    } else {
        (KeyKind::Name, String::new())
    };
    let carries_key = |r: &VendorRecord<'_>| match key_kind {
        KeyKind::CreditCode => nonblank(r.credit_code) == Some(key.as_str()),
        KeyKind::IdNumber => nonblank(r.id_number) == Some(key.as_str()),
        KeyKind::Account => nonblank(r.account) == Some(key.as_str()),
        KeyKind::Name => true,
    };
    let display_name = most_common(
        rs().filter(|r| carries_key(r))
            .filter_map(|r| nonblank(r.name).map(clean_name))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    )
    .or_else(|| names.iter().next().cloned())
    .unwrap_or_default();
    // Name keys may not have been computed (every record had an id).
    let distinct_companies: BTreeSet<String> = members
        .iter()
        .filter_map(|&i| {
            nonblank(records[i].credit_code)
                .map(str::to_string)
                .or_else(|| name_keys[i].clone())
                .or_else(|| nonblank(records[i].name).map(company_name_key))
        })
        .collect();
    let linked_by_legal_rep = members.iter().any(|&i| rep_link[i]) && distinct_companies.len() > 1;
    VendorGroup {
        key,
        key_kind,
        credit_codes,
        id_numbers,
        accounts,
        names,
        legal_reps,
        legal_rep_ids,
        display_name,
        linked_by_legal_rep,
        members,
    }
}

#[cfg(test)]
mod tests;
