//! A recipient's hits as one group per village, and the links dropped
//! because they are contacts or a relative's household, not kinship.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::scan::{Hit, Key, Payment, Via};
use crate::dataset::Dataset;
use crate::matching::kin::{Channel, KinGraph, Link, Rel, Source, register_households};

/// One recipient in one village.
pub(super) struct Group {
    pub(super) village: String,
    pub(super) key: Key,
    pub(super) name: String,
    pub(super) payments: Vec<Payment>,
    pub(super) links: Vec<(Link, Via)>,
    pub(super) ids: BTreeSet<String>,
}

/// Hits to one group per recipient and village. A name-keyed recipient
/// (a ledger payee without id) takes the id of the only linked recipient of
/// that name in the village (the same person on a roll or another voucher);
/// failing that, the id of the person of interest its name matched, when
/// every person of interest of that name has that one id.
pub(super) fn group_hits(graph: &KinGraph, hits: Vec<Hit>) -> Vec<Group> {
    let mut ids_by_name: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for h in &hits {
        if let Key::Id(id) = &h.key {
            ids_by_name
                .entry((h.village.clone(), h.name.clone()))
                .or_default()
                .insert(id.clone());
        }
    }
    let mut groups: BTreeMap<(String, Key), Group> = BTreeMap::new();
    for h in hits {
        let key = match &h.key {
            Key::Id(_) => h.key.clone(),
            Key::Name(n) => match ids_by_name.get(&(h.village.clone(), n.clone())) {
                Some(ids) if ids.len() == 1 => {
                    Key::Id(ids.iter().next().cloned().unwrap_or_default())
                }
                _ => {
                    let named: BTreeSet<Option<&str>> = h
                        .links
                        .iter()
                        .filter(|(l, v)| l.channel == Channel::SameName && *v == Via::Recipient)
                        .map(|(l, _)| graph.persons[l.person].id.as_deref())
                        .collect();
                    match named.iter().next() {
                        Some(Some(id)) if named.len() == 1 => Key::Id(id.to_string()),
                        _ => h.key.clone(),
                    }
                }
            },
        };
        let g = groups
            .entry((h.village.clone(), key.clone()))
            .or_insert_with(|| Group {
                village: h.village.clone(),
                key,
                name: h.name.clone(),
                payments: vec![],
                links: vec![],
                ids: BTreeSet::new(),
            });
        g.payments.push(h.payment);
        g.links.extend(h.links);
        g.ids.extend(h.ids);
    }
    groups
        .into_values()
        .map(|mut g| {
            g.payments.sort_by_key(|a| (a.table, a.row));
            g.links.sort_by(|a, b| {
                (a.0.channel, a.0.person, a.1, &a.0.value).cmp(&(
                    b.0.channel,
                    b.0.person,
                    b.1,
                    &b.0.value,
                ))
            });
            g.links
                .dedup_by(|a, b| a.0.channel == b.0.channel && a.0.person == b.0.person);
            g
        })
        .collect()
}

/// An account or phone shared by many recipients is a contact (a cadre
/// registering his number for the elderly he looks after), not kinship; a
/// cadre's 户号 on the rolls of more recipients than a household holds is a
/// placeholder, not a household.
pub(super) fn drop_shared_contacts(
    mut groups: Vec<Group>,
    max_contact: usize,
    max_household: usize,
) -> Vec<Group> {
    let shared = |l: &Link| match l.channel {
        Channel::Account | Channel::Phone => Some(max_contact),
        // Register links carry the member's own id; roll links the 户号.
        Channel::Household if l.value.len() != 18 => Some(max_household),
        _ => None,
    };
    let mut sharers: HashMap<(Channel, &str), BTreeSet<(String, Key)>> = HashMap::new();
    for g in &groups {
        for (l, _) in &g.links {
            if shared(l).is_some() {
                sharers
                    .entry((l.channel, l.value.as_str()))
                    .or_default()
                    .insert((g.village.clone(), g.key.clone()));
            }
        }
    }
    let mut crowded: HashSet<(Channel, String)> = HashSet::new();
    for g in &groups {
        for (l, _) in &g.links {
            if let (Some(max), Some(s)) = (shared(l), sharers.get(&(l.channel, l.value.as_str())))
                && s.len() > max
            {
                crowded.insert((l.channel, l.value.clone()));
            }
        }
    }
    if crowded.is_empty() {
        return groups;
    }
    for g in &mut groups {
        g.links
            .retain(|(l, _)| !crowded.contains(&(l.channel, l.value.clone())));
    }
    groups
}

/// An account or phone a declared sibling (or more distant relative)
/// shares with the members of their own household reaches the sibling's
/// spouse and children: not close relatives of the cadre (《民法典》第1045条).
/// Such links are dropped when the register puts the recipient in that
/// relative's household.
pub(super) fn drop_household_accounts(
    ds: &Dataset,
    graph: &KinGraph,
    mut groups: Vec<Group>,
) -> polars::prelude::PolarsResult<Vec<Group>> {
    let distant = |l: &Link| {
        let p = &graph.persons[l.person];
        matches!(l.channel, Channel::Account | Channel::Phone)
            && p.source == Source::Declared
            && matches!(p.rel, Rel::Sibling | Rel::Other)
            && graph.known_id(l.person).is_some()
    };
    let mut ids: HashSet<String> = HashSet::new();
    for g in &groups {
        if let Key::Id(rid) = &g.key {
            for (l, _) in g.links.iter().filter(|(l, _)| distant(l)) {
                ids.insert(rid.clone());
                ids.extend(graph.known_id(l.person).map(str::to_string));
            }
        }
    }
    if ids.is_empty() {
        return Ok(groups);
    }
    let hh = register_households(ds, &ids)?;
    for g in &mut groups {
        let Key::Id(rid) = &g.key else { continue };
        let Some(mine) = hh.get(rid) else { continue };
        g.links.retain(|(l, _)| {
            if !distant(l) {
                return true;
            }
            let pid = graph.known_id(l.person).unwrap_or_default();
            pid == rid || hh.get(pid) != Some(mine)
        });
    }
    Ok(groups)
}
