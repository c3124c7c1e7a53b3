//! The finding made of a scored group: its subject, related keys and
//! amount, the message that names the cadre and the relation, and the
//! evidence (each cadre's links with their weights, the payments).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::groups::Group;
use super::scan::{Item, Payment, Via};
use super::score::{Names, Weighed, cadre_scores, per_cadre, strongest_link, weigh_links};
use super::{META, Params};
use crate::dataset::normalize::from_epoch_days;
use crate::finding::{Finding, Severity};
use crate::matching::kin::{Channel, KinGraph, Source};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::util;

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The cadre a group links to most strongly, and how.
struct Best<'a> {
    /// Index of the cadre in the graph.
    cadre: usize,
    /// The cadre's best weighed link per channel.
    chans: &'a BTreeMap<Channel, &'a Weighed>,
    /// Index in the group's links of the one through which the cadre is
    /// reached most strongly.
    link: usize,
}

/// Score a group and build its finding, if it reaches the threshold.
pub(super) fn finding(graph: &KinGraph, p: &Params, names: &Names, g: Group) -> Option<Finding> {
    let weighed = weigh_links(graph, p, names, &g);
    let per_cadre = per_cadre(graph, &g, &weighed);
    let cadre_scores = cadre_scores(&per_cadre);
    let &(best_cadre, score) = cadre_scores.first()?;
    // Products of weights and factors carry float noise (75 × 0.8).
    if score + 1e-9 < p.min_score {
        return None;
    }
    let chans = &per_cadre[&best_cadre];
    let best = Best {
        cadre: best_cadre,
        chans,
        link: strongest_link(graph, &g, chans)?,
    };
    let person = &graph.persons[g.links[best.link].0.person];
    let cadre = &graph.cadres[best.cadre];

    let subject = g.key.as_str().to_string();
    let related = related_keys(graph, &g, &cadre_scores);
    let total = total_paid(&g.payments);
    let message = message(graph, &g, &best, &subject);
    let links = links_json(graph, p, &g, &weighed, &cadre_scores);
    let payments: Vec<Value> = g
        .payments
        .iter()
        .take(p.max_rows_in_evidence)
        .map(payment_json)
        .collect();
    let severity = if score >= 80.0 {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(
        META.finding(&g.village, &subject)
            .severity(severity)
            .score(score)
            .amount(total)
            .related(related)
            .message(message)
            .evidence(json!({
                "recipient": { "name": g.name, "key": subject },
                "score": round1(score),
                "min_score": p.min_score,
                "cadre": cadre.name,
                "role": cadre.role,
                "relation": person.relation,
                "links": links,
                "payments": payments,
                "payment_rows": g.payments.len(),
                "total": fen_to_yuan_string(total),
            })),
    )
}

/// The group's own keys, the id numbers of every cadre and person of
/// interest it links to, its vouchers and contracts.
fn related_keys(graph: &KinGraph, g: &Group, cadre_scores: &[(usize, f64)]) -> BTreeSet<String> {
    let mut related: BTreeSet<String> = g.ids.clone();
    for (c, _) in cadre_scores {
        if let Some(id) = &graph.cadres[*c].id {
            related.insert(id.clone());
        }
    }
    for (l, _) in &g.links {
        if let Some(id) = &graph.persons[l.person].id {
            related.insert(id.clone());
        }
    }
    for pay in &g.payments {
        match &pay.item {
            Item::Ledger { voucher, .. } if !voucher.is_empty() => {
                related.insert(voucher.clone());
            }
            Item::Contract { contract, .. } | Item::Lease { contract, .. }
                if !contract.is_empty() =>
            {
                related.insert(contract.clone());
            }
            _ => {}
        }
    }
    related
}

/// What the payments counted sum to; a hire with nothing else counts its
/// monthly wages.
fn total_paid(payments: &[Payment]) -> i64 {
    let counted: i64 = payments
        .iter()
        .filter(|x| x.counted)
        .map(|x| x.amount)
        .sum();
    let wages: i64 = payments
        .iter()
        .filter(|x| matches!(x.item, Item::Hire { .. }))
        .map(|x| x.amount)
        .sum();
    if counted == 0 { wages } else { counted }
}

/// `张三（村委会主任李强之妻子；同一身份证号）领取城乡低保12笔共7,200元，请核实…`.
fn message(graph: &KinGraph, g: &Group, best: &Best, subject: &str) -> String {
    let (bl, bvia) = &g.links[best.link];
    let person = &graph.persons[bl.person];
    let is_self = person.source == Source::Cadre
        && (best.chans.contains_key(&Channel::SameId)
            || best.chans.contains_key(&Channel::SameName));
    let chan_labels: Vec<&str> = best
        .chans
        .keys()
        // The cadre's own household says nothing more about the cadre.
        .filter(|c| !(is_self && **c == Channel::Household))
        .map(|c| c.label_zh())
        .collect();
    let subject_name = if g.name.is_empty() {
        subject.to_string()
    } else {
        g.name.clone()
    };
    let (via, seen_as) = if *bvia == Via::LegalRep {
        (format!("法定代表人{}系", person.name), person.name.as_str())
    } else {
        (String::new(), g.name.as_str())
    };
    let who = describe(
        graph, best.cadre, person, bl.channel, is_self, &g.village, seen_as,
    );
    format!(
        "{subject_name}（{via}{who}；{}）{}，请核实是否单独登记备案（民发〔2021〕57号）及审批时是否回避",
        chan_labels.join("、"),
        what_received(&g.payments)
    )
}

/// Per cadre linked, highest score first: the cadre, the score and every
/// weighed link to the cadre.
fn links_json(
    graph: &KinGraph,
    p: &Params,
    g: &Group,
    weighed: &[Weighed],
    cadre_scores: &[(usize, f64)],
) -> Vec<Value> {
    cadre_scores
        .iter()
        .map(|(c, s)| {
            let cd = &graph.cadres[*c];
            let chans: Vec<Value> = weighed
                .iter()
                .filter(|w| graph.persons[g.links[w.link].0.person].cadre == *c)
                .map(|w| link_json(graph, p, g, w))
                .collect();
            json!({
                "cadre": {
                    "name": cd.name,
                    "id_number": cd.id,
                    "role": cd.role,
                    "village_code": cd.village,
                    "row": cd.row,
                },
                "score": round1(*s),
                "channels": chans,
            })
        })
        .collect()
}

/// One weighed link: channel, weight and factors, value, person of interest.
fn link_json(graph: &KinGraph, p: &Params, g: &Group, w: &Weighed) -> Value {
    let (l, via) = &g.links[w.link];
    let ps = &graph.persons[l.person];
    json!({
        "channel": l.channel.as_str(),
        "strength": if l.channel.is_strong() { "strong" } else if l.channel == Channel::SameName { "medium" } else { "weak" },
        "weight": round1(w.weight),
        "base_weight": p.weight(l.channel),
        "factors": w.factors.iter().map(|(k, f)| json!({ "factor": k, "value": round1(*f * 1000.0) / 1000.0 })).collect::<Vec<_>>(),
        "value": l.value,
        "via": if *via == Via::LegalRep { "legal_representative" } else { "recipient" },
        "person": {
            "name": ps.name,
            "id_number": ps.id,
            "relation": ps.relation,
            "source": ps.source.as_str(),
            "table": ps.table.canonical(),
            "row": ps.row,
        },
    })
}

/// `村委会主任李强之妻子` / `村委会主任本人` / `村委会主任李强同户家庭成员`.
/// `seen_as` is the name on the row; the person's own name is added when
/// it differs (a homophone, or a shared account).
fn describe(
    graph: &KinGraph,
    cadre_idx: usize,
    person: &crate::matching::kin::Person,
    channel: Channel,
    is_self: bool,
    village: &str,
    seen_as: &str,
) -> String {
    let cadre = &graph.cadres[cadre_idx];
    let place = if cadre.village != village {
        match &cadre.village_name {
            Some(n) => format!("外村{n}"),
            None => format!("外村（{}）", cadre.village),
        }
    } else {
        String::new()
    };
    let role = format!("{place}{}", cadre.role);
    match person.source {
        Source::Cadre if is_self => format!("{role}本人"),
        Source::Cadre if channel == Channel::Household => {
            format!("{role}{}同户家庭成员", cadre.name)
        }
        Source::Cadre => format!("与{role}{}关联", cadre.name),
        _ => {
            let named = if person.name != seen_as {
                person.name.as_str()
            } else {
                ""
            };
            format!("{role}{}之{}{named}", cadre.name, person.relation)
        }
    }
}

/// `领取城乡低保12笔共7,200元，受聘保洁员（月工资1,500元）`.
fn what_received(payments: &[Payment]) -> String {
    let mut programs: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    let mut posts: BTreeMap<&str, i64> = BTreeMap::new();
    let (mut ledger_n, mut ledger_sum) = (0usize, 0i64);
    let (mut contract_n, mut contract_sum) = (0usize, 0i64);
    let (mut paid_n, mut paid_sum) = (0usize, 0i64);
    let mut first_project: Option<&str> = None;
    let mut leases: Vec<String> = Vec::new();
    let mut other: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    for pay in payments {
        match &pay.item {
            Item::Subsidy { program, .. } => {
                let e = programs.entry(program.as_str()).or_default();
                e.0 += 1;
                e.1 += pay.amount;
            }
            Item::Hire { post, wage } => {
                posts.entry(post.as_str()).or_insert(*wage);
            }
            Item::Ledger { .. } if !pay.counted => {
                paid_n += 1;
                paid_sum += pay.amount;
            }
            Item::Ledger { .. } => {
                ledger_n += 1;
                ledger_sum += pay.amount;
            }
            Item::Contract { project, .. } => {
                contract_n += 1;
                contract_sum += pay.amount;
                first_project.get_or_insert(project.as_str());
            }
            Item::Lease {
                asset, procurement, ..
            } => leases.push(format!(
                "以{}方式承租“{asset}”（年租金{}）",
                if procurement.is_empty() {
                    "未注明"
                } else {
                    procurement
                },
                fen_to_yuan_display(pay.amount)
            )),
            Item::Compensation { .. } | Item::Claim { .. } => {
                let what = if matches!(pay.item, Item::Claim { .. }) {
                    "农业保险理赔款"
                } else {
                    "征地补偿款"
                };
                let e = other.entry(what).or_default();
                e.0 += 1;
                e.1 += pay.amount;
            }
        }
    }
    let mut parts = Vec::new();
    for (prog, (n, sum)) in programs {
        parts.push(format!("领取{prog}{n}笔共{}", fen_to_yuan_display(sum)));
    }
    for (post, wage) in posts {
        parts.push(format!("受聘{post}（月工资{}）", fen_to_yuan_display(wage)));
    }
    if contract_n > 0 {
        let proj = first_project
            .filter(|p| !p.is_empty())
            .map(|p| {
                if contract_n > 1 {
                    format!("“{p}”等")
                } else {
                    format!("“{p}”")
                }
            })
            .unwrap_or_default();
        let paid = if paid_n > 0 {
            format!("，已付款{paid_n}笔共{}", fen_to_yuan_display(paid_sum))
        } else {
            String::new()
        };
        parts.push(format!(
            "承包{proj}合同{contract_n}份共{}{paid}",
            fen_to_yuan_display(contract_sum)
        ));
    }
    parts.extend(leases);
    for (what, (n, sum)) in other {
        parts.push(format!("领取{what}{n}笔共{}", fen_to_yuan_display(sum)));
    }
    if ledger_n > 0 {
        parts.push(format!(
            "收取村集体支出{ledger_n}笔共{}",
            fen_to_yuan_display(ledger_sum)
        ));
    }
    parts.join("，")
}

fn payment_json(pay: &Payment) -> Value {
    let mut o = json!({
        "table": pay.table.canonical(),
        "row": pay.row,
        "amount": fen_to_yuan_string(pay.amount),
        "date": pay.date.map(util::day_string),
    });
    let m = o.as_object_mut().expect("object literal");
    match &pay.item {
        Item::Subsidy { program, batch } => {
            m.insert("program".into(), json!(program));
            m.insert("batch_no".into(), json!(batch));
            m.insert(
                "period".into(),
                json!(
                    pay.period
                        .and_then(from_epoch_days)
                        .map(|d| d.format("%Y-%m").to_string())
                ),
            );
        }
        Item::Hire { post, .. } => {
            m.insert("post".into(), json!(post));
            m.insert("amount_is".into(), json!("monthly_wage"));
        }
        Item::Ledger { voucher, summary } => {
            m.insert("voucher_no".into(), json!(voucher));
            m.insert("summary".into(), json!(summary));
            if pay.via_vendor {
                m.insert("reached_via".into(), json!("vendor"));
            }
            if !pay.counted {
                m.insert("counted".into(), json!(false));
            }
        }
        Item::Contract { contract, project } => {
            m.insert("contract_no".into(), json!(contract));
            m.insert("project_name".into(), json!(project));
        }
        Item::Lease {
            contract,
            asset,
            procurement,
        } => {
            m.insert("contract_no".into(), json!(contract));
            m.insert("asset".into(), json!(asset));
            m.insert("procurement".into(), json!(procurement));
            m.insert("amount_is".into(), json!("annual_rent"));
        }
        Item::Compensation { batch } => {
            m.insert("batch_no".into(), json!(batch));
        }
        Item::Claim { policy } => {
            m.insert("policy_no".into(), json!(policy));
        }
    }
    o
}
