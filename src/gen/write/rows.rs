//! The rows one village contributes to each table, as typed cells: what
//! a record of the truth looks like in the export, before any style.

use super::tables::{Cell, Table};
use crate::r#gen::model::*;

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn village(v: &Village) -> Cell {
    Cell::Village(v.code.clone())
}

/// The rows one village contributes to a table.
pub fn rows(w: &World, v: &Village, table: Table) -> Vec<Vec<Cell>> {
    match table {
        Table::Cadres => cadres(v),
        Table::Relatives => relatives(v),
        Table::Households => households(v),
        Table::Ledger => ledger(v),
        Table::Contracts => contracts(w, v),
        Table::Subsidies => subsidies(v),
        Table::Hires => hires(v),
        Table::Publicity => publicity(v),
        Table::Decisions => decisions(v),
        Table::Deaths => deaths(v),
        Table::Leases => leases(w, v),
        Table::LandCompensation => compensation(v),
        Table::Claims => claims(v),
        Table::PartyMembers => super::party_rows::party_members(v),
        Table::PartyTransfers => super::party_rows::party_transfers(v),
        Table::PartyDues => super::party_rows::party_dues(v),
        Table::SealLog => super::party_rows::seal_log(v),
    }
}

fn cadres(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for c in &v.cadres {
        let p = v.person(c.person);
        let (hid, addr) = p
            .household
            .map(|h| {
                let h = &v.households[h as usize];
                (h.hid.clone(), h.address.clone())
            })
            .unwrap_or_default();
        out.push(vec![
            village(v),
            t(&v.name),
            Cell::Name(p.name.clone()),
            Cell::Id(p.written_id()),
            t(c.role),
            Cell::Digits(p.phone.clone()),
            Cell::Digits(p.account.clone()),
            t(hid),
            t(addr),
            Cell::Date(c.term_start),
            Cell::OptDate(None),
        ]);
    }
    out
}

fn relatives(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for d in &v.declared {
        let c = v.person(v.cadres[d.cadre as usize].person);
        let p = v.person(d.person);
        out.push(vec![
            Cell::Id(c.written_id()),
            Cell::Name(d.written_name.clone().unwrap_or_else(|| p.name.clone())),
            Cell::Id(if d.with_id {
                p.written_id()
            } else {
                String::new()
            }),
            t(d.relation),
            Cell::Digits(if d.with_phone {
                p.phone.clone()
            } else {
                String::new()
            }),
            Cell::Digits(if d.with_account {
                p.account.clone()
            } else {
                String::new()
            }),
        ]);
    }
    out
}

fn households(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for h in &v.households {
        for (m, rel) in &h.members {
            let p = v.person(*m);
            let id = v
                .household_id_override
                .iter()
                .find(|o| o.0 == *m)
                .map(|o| o.1.clone())
                .unwrap_or_else(|| p.written_id());
            out.push(vec![
                t(&h.hid),
                village(v),
                Cell::Name(p.name.clone()),
                Cell::Id(id),
                t(*rel),
                t(&h.address),
                Cell::OptDate(v.moved_in.iter().find(|x| x.0 == *m).map(|x| x.1)),
            ]);
        }
    }
    out
}

fn ledger(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for l in &v.ledger {
        out.push(vec![
            village(v),
            Cell::Code(l.voucher.clone()),
            Cell::Date(l.date),
            t(if l.income { "收入" } else { "支出" }),
            Cell::Amount(l.amount),
            t(&l.summary),
            t(l.category),
            Cell::Name(l.counterparty.clone()),
            Cell::Id(l.cp_id.clone()),
            Cell::Digits(l.account.clone()),
            t(l.method),
            Cell::Code(l.contract_no.clone()),
            Cell::Code(l.decision_no.clone()),
        ]);
    }
    out
}

fn contracts(w: &World, v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for c in &v.contracts {
        let (credit, vid, rep, rep_id) = match c.vendor {
            Vendor::Company(i) => {
                let co = &v.companies[i as usize];
                (
                    if c.with_credit {
                        co.credit.clone()
                    } else {
                        String::new()
                    },
                    String::new(),
                    co.rep_name.clone(),
                    co.rep_id.clone(),
                )
            }
            Vendor::Person(p) => (
                String::new(),
                if c.with_vendor_id {
                    w.person(p).written_id()
                } else {
                    String::new()
                },
                String::new(),
                String::new(),
            ),
        };
        out.push(vec![
            village(v),
            Cell::Code(c.no.clone()),
            t(&c.project),
            Cell::Name(c.vendor_name.clone()),
            t(credit),
            Cell::Id(vid),
            Cell::Name(rep),
            Cell::Id(rep_id),
            Cell::Amount(c.amount),
            Cell::Date(c.signed),
            t(c.procurement),
            Cell::Code(c.decision_no.clone()),
        ]);
    }
    out
}

fn subsidies(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for r in &v.subsidies {
        let b = &v.batches[r.batch as usize];
        out.push(vec![
            t(b.program.written(v.index)),
            Cell::Code(b.no.clone()),
            Cell::Period(b.month),
            village(v),
            Cell::Name(r.name.clone()),
            Cell::Id(r.id.clone()),
            t(&r.household_id),
            Cell::Digits(r.account.clone()),
            Cell::Digits(r.phone.clone()),
            Cell::Amount(r.amount),
            Cell::Number(r.quantity),
            t(match b.program {
                Program::Gengdi => "亩",
                Program::Nongji => "台",
                Program::Pig => "头",
                Program::Facility => "亩",
                _ => "",
            }),
            Cell::OptDate(r.approved),
            Cell::Date(r.paid),
            Cell::Name(r.payee.clone()),
            Cell::Code(r.item_id.clone()),
        ]);
    }
    out
}

fn hires(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for h in &v.hires {
        out.push(vec![
            village(v),
            Cell::Code(h.batch_no.clone()),
            t(h.post),
            Cell::Name(h.name.clone()),
            Cell::Id(h.id.clone()),
            Cell::Digits(h.account.clone()),
            Cell::Digits(h.phone.clone()),
            Cell::Date(h.start),
            Cell::OptDate(h.end),
            Cell::Amount(h.wage),
            t(h.method),
        ]);
    }
    out
}

fn publicity(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for p in &v.publicity {
        out.push(vec![
            village(v),
            Cell::Code(p.ref_no.clone()),
            t(&p.kind),
            Cell::Date(p.start),
            Cell::Date(p.end),
            t(p.channel),
        ]);
    }
    out
}

fn decisions(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for d in &v.decisions {
        out.push(vec![
            village(v),
            Cell::Code(d.no.clone()),
            t(&d.subject),
            match d.amount {
                Some(a) => Cell::Amount(a),
                None => t(""),
            },
            Cell::Date(d.proposed),
            Cell::Date(d.consulted),
            Cell::Date(d.reviewed),
            Cell::Date(d.resolved),
            Cell::OptDate(d.res_published),
            Cell::OptDate(d.result_published),
        ]);
    }
    out
}

fn deaths(v: &Village) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    for p in &v.persons {
        if let Some(d) = p.death {
            out.push(vec![
                Cell::Id(p.written_id()),
                Cell::Name(p.name.clone()),
                Cell::Date(d),
            ]);
        }
    }
    out
}

fn leases(w: &World, v: &Village) -> Vec<Vec<Cell>> {
    let _ = w;
    v.leases
        .iter()
        .map(|l| {
            vec![
                village(v),
                Cell::Code(l.contract.clone()),
                Cell::Code(l.asset_id.clone()),
                t(&l.asset_name),
                t(l.kind().name),
                Cell::Number(Some(l.area)),
                t(l.kind().unit),
                Cell::Name(l.lessee_name.clone()),
                Cell::Id(l.lessee_id.clone()),
                Cell::Date(l.start),
                Cell::Date(l.end),
                Cell::Amount(l.rent),
                t(l.cycle),
                Cell::Number(l.prepaid_years),
                t(l.procurement),
                Cell::Code(l.decision_no.clone()),
                l.appraised.map(Cell::Amount).unwrap_or_else(|| t("")),
                Cell::Date(l.signed),
            ]
        })
        .collect()
}

fn compensation(v: &Village) -> Vec<Vec<Cell>> {
    v.compensation
        .iter()
        .map(|r| {
            let b = &v.comp_batches[r.batch as usize];
            vec![
                village(v),
                Cell::Code(b.no.clone()),
                Cell::Date(b.published),
                Cell::Date(b.objection_end),
                t(&r.household_id),
                Cell::Name(r.name.clone()),
                Cell::Id(r.id.clone()),
                Cell::Number(Some(r.area)),
                Cell::Amount(r.rate),
                Cell::Amount(r.attachments),
                Cell::Amount(r.amount),
                Cell::Date(r.paid),
                Cell::Digits(r.account.clone()),
                Cell::Code(b.decision_no.clone()),
            ]
        })
        .collect()
}

fn claims(v: &Village) -> Vec<Vec<Cell>> {
    v.claims
        .iter()
        .map(|c| {
            vec![
                village(v),
                Cell::Code(c.policy.clone()),
                Cell::Name(c.name.clone()),
                Cell::Id(c.id.clone()),
                t(c.crop),
                Cell::Number(Some(c.insured)),
                Cell::Number(Some(c.loss)),
                Cell::Amount(c.amount),
                Cell::Date(c.paid),
                Cell::Digits(c.account.clone()),
            ]
        })
        .collect()
}
