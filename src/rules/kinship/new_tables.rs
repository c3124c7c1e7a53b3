//! The recipients of the annex's other processes (data contract §2a): a
//! lessee of collective assets (it is let a benefit: a 门面 below its
//! peers' rent, land without 公开竞价), a payee of land-acquisition
//! compensation, an insured farmer paid a claim. Each row whose person
//! links to a person of interest becomes a [`Hit`], as a roll row does.

use crate::dataset::TableKind;
use crate::matching::kin::Query;
use crate::matching::names::simplify;
use crate::rules::common::views::{ClaimsView, LandCompensationView, LeasesView};

use super::scan::{Hit, Item, Payment, Scan, Via, opt, row_key};

/// One row's person and what it got, as the three tables give them.
struct Row<'a> {
    village: &'a str,
    name: &'a str,
    id: Option<&'a str>,
    account: Option<&'a str>,
    household: Option<&'a str>,
    row: u32,
    item: Item,
    date: Option<i32>,
    amount: i64,
    /// Money the person received (a lease's rent is paid, not received).
    counted: bool,
}

impl Scan<'_> {
    fn new_table_hit(&self, table: TableKind, r: Row) -> Option<Hit> {
        let q = Query {
            village: r.village,
            name: Some(r.name),
            id: opt(r.id),
            account: opt(r.account),
            phone: None,
            household: opt(r.household),
            // A lessee may be an organisation.
            person_only: table == TableKind::Leases,
        };
        let links = self.graph.links_in(self.graph.village(r.village), &q);
        let links = self.keep_links(r.village, r.date, links, Via::Recipient);
        if links.is_empty() {
            return None;
        }
        let n = simplify(r.name).into_owned();
        Some(Hit {
            village: r.village.to_string(),
            key: row_key(r.id, &n),
            name: n,
            payment: Payment {
                table,
                row: r.row,
                item: r.item,
                date: r.date,
                period: None,
                amount: r.amount,
                counted: r.counted,
                via_vendor: false,
            },
            links,
            ids: vec![],
            vendor_name: None,
        })
    }

    pub(super) fn leases(&self, l: &LeasesView) -> Vec<Hit> {
        (0..l.height())
            .filter_map(|i| {
                let village = l.village.get(i)?;
                let asset = opt(l.asset_name.get(i)).or(l.asset_type.get(i));
                self.new_table_hit(
                    TableKind::Leases,
                    Row {
                        village,
                        name: l.lessee.get(i).unwrap_or_default(),
                        id: l.lessee_id.get(i),
                        account: None,
                        household: None,
                        row: l.row.get(i).unwrap_or_default(),
                        item: Item::Lease {
                            contract: l.contract.get(i).unwrap_or_default().to_string(),
                            asset: asset.unwrap_or_default().to_string(),
                            procurement: l.procurement.get(i).unwrap_or_default().to_string(),
                        },
                        date: l.signed.get(i).or(l.start.get(i)),
                        amount: l.annual_rent.get(i).unwrap_or_default(),
                        counted: false,
                    },
                )
            })
            .collect()
    }

    pub(super) fn compensation(&self, c: &LandCompensationView) -> Vec<Hit> {
        (0..c.height())
            .filter_map(|i| {
                self.new_table_hit(
                    TableKind::LandCompensation,
                    Row {
                        village: c.village.get(i)?,
                        name: c.name.get(i).unwrap_or_default(),
                        id: c.id.get(i),
                        account: c.account.get(i),
                        household: c.household.get(i),
                        row: c.row.get(i).unwrap_or_default(),
                        item: Item::Compensation {
                            batch: c.batch.get(i).unwrap_or_default().to_string(),
                        },
                        date: c.paid.get(i),
                        amount: c.amount.get(i).unwrap_or_default(),
                        counted: true,
                    },
                )
            })
            .collect()
    }

    pub(super) fn claims(&self, c: &ClaimsView) -> Vec<Hit> {
        (0..c.height())
            .filter_map(|i| {
                self.new_table_hit(
                    TableKind::Claims,
                    Row {
                        village: c.village.get(i)?,
                        name: c.name.get(i).unwrap_or_default(),
                        id: c.id.get(i),
                        account: c.account.get(i),
                        household: None,
                        row: c.row.get(i).unwrap_or_default(),
                        item: Item::Claim {
                            policy: c.policy.get(i).unwrap_or_default().to_string(),
                        },
                        date: c.paid.get(i),
                        amount: c.amount.get(i).unwrap_or_default(),
                        counted: true,
                    },
                )
            })
            .collect()
    }
}
