//! Scoring a group: each link weighed (name rarity, address specificity,
//! another village), the best weight per channel of each cadre combined as
//! independent evidence (noisy-or), the cadres ranked.

use std::collections::BTreeMap;

use super::Params;
use super::groups::Group;
use super::scan::Key;
use crate::matching::kin::{AgeGaps, Channel, KinGraph, Link, Rel, birth_year};
use crate::matching::names::NameFrequency;

/// The weight one link carries.
pub(super) struct Weighed {
    /// Index of the link in its group's `links`.
    pub(super) link: usize,
    pub(super) weight: f64,
    pub(super) factors: Vec<(&'static str, f64)>,
}

/// Per cadre (index in the graph): the strongest weighed link per channel.
pub(super) type PerCadre<'w> = BTreeMap<usize, BTreeMap<Channel, &'w Weighed>>;

/// What the name frequencies and the export's size say about names.
pub(super) struct Names<'a> {
    pub(super) freq: &'a NameFrequency,
    /// Distinct villages of the export (a common name's rate is per village).
    pub(super) villages: usize,
}

pub(super) fn noisy_or(weights: impl IntoIterator<Item = f64>) -> f64 {
    let miss: f64 = weights
        .into_iter()
        .map(|w| 1.0 - (w / 100.0).clamp(0.0, 1.0))
        .product();
    100.0 * (1.0 - miss)
}

/// Every link of the group with its weight and the factors that made it.
pub(super) fn weigh_links(graph: &KinGraph, p: &Params, names: &Names, g: &Group) -> Vec<Weighed> {
    let gaps = p.age_gaps();
    g.links
        .iter()
        .enumerate()
        .map(|(k, (l, _))| {
            let factors = factors(graph, p, names, &gaps, g, l);
            let weight = factors.iter().fold(p.weight(l.channel), |w, (_, f)| w * f);
            Weighed {
                link: k,
                weight,
                factors,
            }
        })
        .collect()
}

/// The factors that multiply a link's channel weight.
fn factors(
    graph: &KinGraph,
    p: &Params,
    names: &Names,
    gaps: &AgeGaps,
    g: &Group,
    l: &Link,
) -> Vec<(&'static str, f64)> {
    let Names { freq, villages } = *names;
    let person = &graph.persons[l.person];
    let mut factors = Vec::new();
    // For a relative declared without id, namesakes count only if
    // they could stand in the declared relation; for a person of
    // interest with an id, any namesake could be the id-less recipient.
    let cadre_year = graph.cadres[person.cadre].birth_year;
    let unknown = person.id.is_none();
    let cadre_id = graph.cadres[person.cadre].id.as_deref();
    let fits = |id: &str| {
        if !unknown {
            return true;
        }
        // The cadre is not his own relative.
        if cadre_id == Some(id) {
            return false;
        }
        match (cadre_year, birth_year(id)) {
            (Some(cy), Some(y)) => gaps.plausible(person.rel, cy, y),
            _ => true,
        }
    };
    match l.channel {
        Channel::SameName => factors.push((
            "name_rarity",
            freq.rarity(
                &g.village,
                &l.value,
                p.common_name_factor,
                p.common_name_rate,
                villages,
                fits,
            ),
        )),
        Channel::Homophone => {
            let k = freq.pinyin_persons_where(&g.village, &l.value, fits).max(1) as f64;
            let common = freq.is_common(&g.village, &person.name, p.common_name_rate, villages);
            let c = if common { p.common_name_factor } else { 1.0 };
            factors.push(("pinyin_rarity", (c / k).clamp(0.0, 1.0)));
            // The one more fact a homophone needs: for a relative declared
            // without id, the recipient's age fits the declared relation.
            let age_fits = unknown
                && !matches!(person.rel, Rel::Other | Rel::Itself)
                && cadre_year.is_some()
                && matches!(&g.key, Key::Id(id) if birth_year(id).is_some() && fits(id));
            if age_fits && p.weight_homophone > 0.0 {
                factors.push((
                    "relation_age_fits",
                    p.weight_homophone_age / p.weight_homophone,
                ));
            }
        }
        _ => {}
    }
    if l.channel == Channel::Address && person.address_households > 2 {
        factors.push((
            "address_specificity",
            2.0 / person.address_households as f64,
        ));
    }
    if graph.village_of(l.person) != g.village {
        factors.push(("other_village", p.other_village_factor));
    }
    factors
}

/// Per cadre, the best weight per channel.
pub(super) fn per_cadre<'w>(graph: &KinGraph, g: &Group, weighed: &'w [Weighed]) -> PerCadre<'w> {
    let mut per_cadre: PerCadre = BTreeMap::new();
    for w in weighed {
        let (l, _) = &g.links[w.link];
        let c = graph.persons[l.person].cadre;
        let slot = per_cadre.entry(c).or_default();
        match slot.get(&l.channel) {
            Some(best) if best.weight >= w.weight => {}
            _ => {
                slot.insert(l.channel, w);
            }
        }
    }
    per_cadre
}

/// Each cadre's channels combined; highest score first, ties to the cadre
/// listed first.
pub(super) fn cadre_scores(per_cadre: &PerCadre) -> Vec<(usize, f64)> {
    let mut cadre_scores: Vec<(usize, f64)> = per_cadre
        .iter()
        .map(|(c, chans)| (*c, noisy_or(chans.values().map(|w| w.weight))))
        .collect();
    cadre_scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    cadre_scores
}

/// The link through which a cadre is reached most strongly (of the cadre's
/// best per channel); ties go to the most direct source (the cadre, then a
/// declared relative).
pub(super) fn strongest_link(
    graph: &KinGraph,
    g: &Group,
    chans: &BTreeMap<Channel, &Weighed>,
) -> Option<usize> {
    let source_of = |w: &Weighed| graph.persons[g.links[w.link].0.person].source;
    chans
        .values()
        .max_by(|a, b| {
            a.weight
                .total_cmp(&b.weight)
                .then(source_of(b).cmp(&source_of(a)))
                .then(b.link.cmp(&a.link))
        })
        .map(|w| w.link)
}
