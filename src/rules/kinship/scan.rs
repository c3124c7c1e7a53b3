//! The persons and payments read from each table: a row whose recipient
//! links to a person of interest becomes a [`Hit`].

use std::collections::{BTreeSet, HashMap};

use polars::prelude::{PlHashSet, StringChunked};
use rayon::prelude::*;

use super::Params;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::matching::LastKey;
use crate::matching::kin::{Channel, KinGraph, Link, Query, Source, same_street, usable_id};
use crate::matching::names::{is_person_name, simplify};
use crate::rules::common::keywords::contains_any;
use crate::rules::common::views::{
    ClaimsView, ContractsView, HiresView, LandCompensationView, LeasesView, LedgerView,
    SubsidiesView,
};

/// What was received on one row.
#[derive(Debug, Clone)]
pub(super) enum Item {
    Subsidy {
        program: String,
        batch: String,
    },
    Hire {
        post: String,
        wage: i64,
    },
    Ledger {
        voucher: String,
        summary: String,
    },
    Contract {
        contract: String,
        project: String,
    },
    Lease {
        contract: String,
        asset: String,
        procurement: String,
    },
    Compensation {
        batch: String,
    },
    Claim {
        policy: String,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Payment {
    pub(super) table: TableKind,
    pub(super) row: u32,
    pub(super) item: Item,
    /// Paid, signed, started or booked (days since 1970-01-01).
    pub(super) date: Option<i32>,
    /// Subsidy period (first day of the month).
    pub(super) period: Option<i32>,
    pub(super) amount: i64,
    /// Counted in the finding's amount (a ledger line paying a listed
    /// contract is the same money as the contract).
    pub(super) counted: bool,
    /// A ledger line reached through its contract or vendor, not its payee.
    pub(super) via_vendor: bool,
}

/// Which person on the row the link is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Via {
    Recipient,
    LegalRep,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Key {
    Id(String),
    Name(String),
}

impl Key {
    pub(super) fn as_str(&self) -> &str {
        match self {
            Key::Id(s) | Key::Name(s) => s,
        }
    }
}

pub(super) struct Hit {
    pub(super) village: String,
    pub(super) key: Key,
    pub(super) name: String,
    pub(super) payment: Payment,
    pub(super) links: Vec<(Link, Via)>,
    /// Other keys of the recipient for `related_ids` (vendor and legal
    /// representative id numbers, credit code).
    pub(super) ids: Vec<String>,
    /// Normalised vendor name (contracts), to reach the vendor's ledger lines.
    pub(super) vendor_name: Option<String>,
}

pub(super) fn opt(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// A recipient's key on one row: id number, else name.
pub(super) fn row_key(id: Option<&str>, name: &str) -> Key {
    match usable_id(id) {
        Some(id) => Key::Id(id.to_string()),
        None => Key::Name(name.to_string()),
    }
}

/// Rows `0..n` in blocks, in parallel; `f(start, len)` reads its block
/// sequentially (column iterators, the village looked up once a run). The
/// blocks' results are concatenated in row order.
fn in_blocks<T: Send>(n: usize, f: impl Fn(usize, usize) -> Vec<T> + Sync) -> Vec<T> {
    const BLOCK: usize = 1 << 15;
    let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
    let parts: Vec<Vec<T>> = starts
        .into_par_iter()
        .map(|s| f(s, BLOCK.min(n - s)))
        .collect();
    parts.into_iter().flatten().collect()
}

pub(super) struct Scan<'a> {
    pub(super) graph: &'a KinGraph,
    pub(super) p: &'a Params,
}

impl Scan<'_> {
    /// The hits of every table the dataset has. Ledger lines that pay a
    /// linked contract's vendor join the vendor's hits.
    pub(super) fn tables(&self, ds: &Dataset) -> Result<Vec<Hit>> {
        let mut hits = Vec::new();
        if let Some(rolls) = SubsidiesView::load(ds)? {
            hits.extend(self.subsidies(&rolls));
        }
        if let Some(hires) = HiresView::load(ds)? {
            hits.extend(self.hires(&hires));
        }
        if let Some(leases) = LeasesView::load(ds)? {
            hits.extend(self.leases(&leases));
        }
        if let Some(paid) = LandCompensationView::load(ds)? {
            hits.extend(self.compensation(&paid));
        }
        if let Some(claims) = ClaimsView::load(ds)? {
            hits.extend(self.claims(&claims));
        }
        let ledger = LedgerView::load(ds)?;
        let mut ledger_rows = PlHashSet::default();
        if let Some(ledger) = &ledger {
            let h = self.ledger(ledger);
            ledger_rows.extend(h.iter().map(|h| h.payment.row));
            hits.extend(h);
        }
        if let Some(contracts) = ContractsView::load(ds)? {
            let h = self.contracts(&contracts);
            if let Some(ledger) = &ledger {
                let vendors: Vec<&Hit> = h.iter().collect();
                let extra = self.vendor_ledger(ledger, &vendors, &ledger_rows);
                hits.extend(h);
                hits.extend(extra);
            } else {
                hits.extend(h);
            }
        }
        Ok(hits)
    }

    /// Keep the links a payment on `date` in `village` can carry.
    pub(super) fn keep_links(
        &self,
        village: &str,
        date: Option<i32>,
        links: Vec<Link>,
        via: Via,
    ) -> Vec<(Link, Via)> {
        links
            .into_iter()
            .filter(|l| {
                let cadre = &self.graph.cadres[self.graph.persons[l.person].cadre];
                if !same_street(&cadre.village, village) {
                    return false;
                }
                match (cadre.term_end, date) {
                    (Some(end), Some(d)) => i64::from(d) <= i64::from(end) + self.p.after_term_days,
                    _ => true,
                }
            })
            .map(|l| (l, via))
            .collect()
    }

    pub(super) fn subsidies(&self, rolls: &SubsidiesView) -> Vec<Hit> {
        let SubsidiesView {
            row: rows,
            program,
            batch,
            period,
            village,
            name,
            id,
            household,
            account,
            phone,
            amount,
            paid,
            ..
        } = *rolls;
        in_blocks(rolls.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is) = (cut(village), cut(name), cut(id));
            let (hs, acs, phs) = (cut(household), cut(account), cut(phone));
            let mut villages = LastKey::default();
            // A person's months on the roll follow each other: their
            // links are looked up once a run.
            let mut last_links = LastKey::default();
            let mut out = Vec::new();
            let ps = program.range(start, len);
            let cells = vs.iter().zip(ps).zip(ns.iter()).zip(is.iter());
            let cells = cells.zip(hs.iter()).zip(acs.iter()).zip(phs.iter());
            for (k, ((((((v, prog), raw), idn), hh), acc), ph)) in cells.enumerate() {
                let i = start + k;
                let Some(v) = opt(v) else { continue };
                let prog = prog.unwrap_or_default();
                if contains_any(prog, &self.p.exempt_programs) {
                    continue;
                }
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(idn),
                    account: opt(acc),
                    phone: opt(ph),
                    household: opt(hh),
                    person_only: false,
                };
                let links = last_links.get(q, |q| {
                    self.graph
                        .links_in(villages.get(v, |v| self.graph.village(v)), &q)
                });
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                let date = paid.get(i).or(period.get(i));
                let links = self.keep_links(v, date, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(idn, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Subsidies,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Subsidy {
                            program: prog.to_string(),
                            batch: batch.get(i).unwrap_or_default().to_string(),
                        },
                        date,
                        period: period.get(i),
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids: vec![],
                    vendor_name: None,
                });
            }
            out
        })
    }

    pub(super) fn hires(&self, hires: &HiresView) -> Vec<Hit> {
        let HiresView {
            row: rows,
            village,
            post,
            name,
            id,
            account,
            phone,
            start: start_date,
            wage,
            ..
        } = *hires;
        in_blocks(hires.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is, acs, phs) =
                (cut(village), cut(name), cut(id), cut(account), cut(phone));
            let mut villages = LastKey::default();
            let mut out = Vec::new();
            let cells = vs.iter().zip(ns.iter()).zip(is.iter());
            let cells = cells.zip(acs.iter()).zip(phs.iter());
            for (k, ((((v, raw), idn), acc), ph)) in cells.enumerate() {
                let i = start + k;
                let Some(v) = opt(v) else { continue };
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(idn),
                    account: opt(acc),
                    phone: opt(ph),
                    household: None,
                    person_only: false,
                };
                let links = self
                    .graph
                    .links_in(villages.get(v, |v| self.graph.village(v)), &q);
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                let date = start_date.get(i);
                let links = self.keep_links(v, date, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                let w = wage.get(i).unwrap_or_default();
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(idn, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Hires,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Hire {
                            post: post.get(i).unwrap_or_default().to_string(),
                            wage: w,
                        },
                        date,
                        period: None,
                        amount: w,
                        // The roll gives a monthly wage, not what was paid.
                        counted: false,
                        via_vendor: false,
                    },
                    links,
                    ids: vec![],
                    vendor_name: None,
                });
            }
            out
        })
    }

    /// The cadre's own wage or reimbursement is routine: such a line keeps
    /// only its links to other cadres (a cadre who is also another cadre's
    /// relative is paid on that relative's watch).
    fn without_own_cadre(&self, links: Vec<Link>) -> Vec<Link> {
        let own: BTreeSet<usize> = links
            .iter()
            .filter(|l| {
                self.graph.persons[l.person].source == Source::Cadre
                    && matches!(l.channel, Channel::SameId | Channel::SameName)
            })
            .map(|l| self.graph.persons[l.person].cadre)
            .collect();
        if own.is_empty() {
            links
        } else {
            links
                .into_iter()
                .filter(|l| !own.contains(&self.graph.persons[l.person].cadre))
                .collect()
        }
    }

    /// Ledger 支出 lines whose payee links.
    pub(super) fn ledger(&self, ledger: &LedgerView) -> Vec<Hit> {
        let LedgerView {
            row: rows,
            village,
            voucher,
            date,
            direction,
            amount,
            summary,
            category,
            payee,
            payee_id,
            payee_account: account,
            contract,
            ..
        } = *ledger;
        in_blocks(ledger.height(), |start, len| {
            let cut = |c: &StringChunked| c.slice(start as i64, len);
            let (vs, ns, is, acs) = (cut(village), cut(payee), cut(payee_id), cut(account));
            let mut villages = LastKey::default();
            let mut out = Vec::new();
            let cells = direction.range(start, len).zip(vs.iter()).zip(ns.iter());
            let cells = cells.zip(is.iter()).zip(acs.iter());
            for (k, ((((dir, v), raw), pid), acc)) in cells.enumerate() {
                let i = start + k;
                if dir != Some("支出") {
                    continue;
                }
                let Some(v) = opt(v) else { continue };
                let raw = raw.unwrap_or_default();
                let q = Query {
                    village: v,
                    name: Some(raw),
                    id: opt(pid),
                    account: opt(acc),
                    phone: None,
                    household: None,
                    // A payee may be an organisation.
                    person_only: true,
                };
                let links = self
                    .graph
                    .links_in(villages.get(v, |v| self.graph.village(v)), &q);
                if links.is_empty() {
                    continue;
                }
                let s = summary.get(i).unwrap_or_default();
                let exempt = contains_any(s, &self.p.cadre_exempt_summaries)
                    || contains_any(
                        category.get(i).unwrap_or_default(),
                        &self.p.cadre_exempt_categories,
                    );
                let links = if exempt {
                    self.without_own_cadre(links)
                } else {
                    links
                };
                if links.is_empty() {
                    continue;
                }
                let d = date.get(i);
                let links = self.keep_links(v, d, links, Via::Recipient);
                if links.is_empty() {
                    continue;
                }
                let n = simplify(raw).into_owned();
                out.push(Hit {
                    village: v.to_string(),
                    key: row_key(pid, &n),
                    name: n,
                    payment: Payment {
                        table: TableKind::Ledger,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Ledger {
                            voucher: voucher.get(i).unwrap_or_default().to_string(),
                            summary: s.to_string(),
                        },
                        date: d,
                        period: None,
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids: opt(contract.get(i))
                        .map(str::to_string)
                        .into_iter()
                        .collect(),
                    vendor_name: None,
                });
            }
            out
        })
    }

    pub(super) fn contracts(&self, contracts: &ContractsView) -> Vec<Hit> {
        let ContractsView {
            row: rows,
            village,
            contract,
            project,
            vendor,
            vendor_credit_code: credit,
            vendor_id,
            legal_rep: rep,
            legal_rep_id: rep_id,
            amount,
            signed,
            ..
        } = *contracts;
        (0..contracts.height())
            .into_par_iter()
            .filter_map(|i| {
                let v = opt(village.get(i))?;
                let n = simplify(vendor.get(i).unwrap_or_default()).into_owned();
                let r = simplify(rep.get(i).unwrap_or_default());
                let q = Query {
                    village: v,
                    name: is_person_name(&n).then_some(n.as_str()),
                    id: opt(vendor_id.get(i)),
                    ..Query::default()
                };
                let q_rep = Query {
                    village: v,
                    name: (is_person_name(&r) && *r != *n).then_some(&*r),
                    id: opt(rep_id.get(i)).filter(|x| Some(*x) != opt(vendor_id.get(i))),
                    ..Query::default()
                };
                let d = signed.get(i);
                let mut links = self.keep_links(v, d, self.graph.links(&q), Via::Recipient);
                links.extend(self.keep_links(v, d, self.graph.links(&q_rep), Via::LegalRep));
                if links.is_empty() {
                    return None;
                }
                let key = match (opt(credit.get(i)), opt(vendor_id.get(i))) {
                    (Some(c), _) => Key::Id(c.to_string()),
                    (None, Some(id)) => Key::Id(id.to_string()),
                    (None, None) => Key::Name(n.clone()),
                };
                let ids = [
                    credit.get(i),
                    vendor_id.get(i),
                    rep_id.get(i),
                    contract.get(i),
                ]
                .into_iter()
                .filter_map(opt)
                .map(str::to_string)
                .collect();
                Some(Hit {
                    village: v.to_string(),
                    key,
                    name: n.clone(),
                    payment: Payment {
                        table: TableKind::Contracts,
                        row: rows.get(i).unwrap_or_default(),
                        item: Item::Contract {
                            contract: contract.get(i).unwrap_or_default().to_string(),
                            project: project.get(i).unwrap_or_default().to_string(),
                        },
                        date: d,
                        period: None,
                        amount: amount.get(i).unwrap_or_default(),
                        counted: true,
                        via_vendor: false,
                    },
                    links,
                    ids,
                    vendor_name: Some(n),
                })
            })
            .collect()
    }

    /// Ledger lines paying a kin-linked vendor (by contract number or by
    /// the vendor's name) whose payee did not link by itself: they belong in
    /// the vendor's finding as payments, not as evidence.
    pub(super) fn vendor_ledger(
        &self,
        ledger: &LedgerView,
        vendors: &[&Hit],
        hit_rows: &PlHashSet<u32>,
    ) -> Vec<Hit> {
        let mut by_contract: HashMap<(&str, &str), usize> = HashMap::new();
        let mut by_name: HashMap<(&str, &str), usize> = HashMap::new();
        for (k, h) in vendors.iter().enumerate() {
            if let Item::Contract { contract, .. } = &h.payment.item
                && !contract.is_empty()
            {
                by_contract.insert((h.village.as_str(), contract.as_str()), k);
            }
            if let Some(n) = h.vendor_name.as_deref().filter(|n| !n.is_empty()) {
                by_name.entry((h.village.as_str(), n)).or_insert(k);
            }
        }
        if by_contract.is_empty() && by_name.is_empty() {
            return vec![];
        }
        let LedgerView {
            row: rows,
            village,
            voucher,
            date,
            direction,
            amount,
            summary,
            payee,
            contract,
            ..
        } = *ledger;
        // Only the villages of linked vendors have lines to look at.
        let villages: PlHashSet<&str> = by_contract
            .keys()
            .chain(by_name.keys())
            .map(|(v, _)| *v)
            .collect();
        let mut out = Vec::new();
        let mut last = LastKey::default();
        let cells = village.iter().zip(direction.iter()).zip(contract.iter());
        for (i, (((v, dir), c), n)) in cells.zip(payee.iter()).enumerate() {
            if dir != Some("支出") {
                continue;
            }
            let Some(v) = opt(v) else {
                continue;
            };
            let here = last.get(v, |v| villages.contains(v));
            if !here {
                continue;
            }
            let c = opt(c);
            let by_c = c.and_then(|c| by_contract.get(&(v, c)));
            let k = match by_c {
                Some(k) => *k,
                None => {
                    let n = simplify(n.unwrap_or_default());
                    match by_name.get(&(v, &*n)) {
                        Some(k) => *k,
                        None => continue,
                    }
                }
            };
            let row = rows.get(i).unwrap_or_default();
            if hit_rows.contains(&row) {
                continue;
            }
            let h = vendors[k];
            out.push(Hit {
                village: h.village.clone(),
                key: h.key.clone(),
                name: h.name.clone(),
                payment: Payment {
                    table: TableKind::Ledger,
                    row,
                    item: Item::Ledger {
                        voucher: voucher.get(i).unwrap_or_default().to_string(),
                        summary: summary.get(i).unwrap_or_default().to_string(),
                    },
                    date: date.get(i),
                    period: None,
                    amount: amount.get(i).unwrap_or_default(),
                    // Paying a contract of the finding: the contract already counts it.
                    counted: by_c.is_none(),
                    via_vendor: true,
                },
                links: vec![],
                ids: c.map(str::to_string).into_iter().collect(),
                vendor_name: None,
            });
        }
        out
    }
}
