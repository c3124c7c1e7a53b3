//! The 四议两公开 decisions of a dataset, by village and number: what the
//! money rules (DEC001, DEC002, SPL001, SPL002) look a decision up in.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::stems::{project_stem, stem_similarity};
use super::views::DecisionsView;
use crate::dataset::Dataset;
use crate::error::Result;

/// A decision number as compared across tables: the loader already removed
/// spaces and folded full-width forms; here the bracket styles of a year
/// (`〔2025〕`, `【2025】`, `(2025)`, `[2025]`) are unified and a trailing `号`
/// dropped, since exports write one number these ways.
pub fn decision_key(no: &str) -> Cow<'_, str> {
    let plain = no.trim_end_matches('号');
    let bracketed = |c: char| {
        matches!(
            c,
            '〔' | '〕' | '【' | '】' | '［' | '］' | '（' | '）' | '(' | ')' | '[' | ']'
        )
    };
    if !plain.contains(bracketed) {
        return Cow::Borrowed(plain);
    }
    Cow::Owned(
        plain
            .chars()
            .map(|c| match c {
                '〔' | '【' | '［' | '（' | '(' | '[' => '[',
                '〕' | '】' | '］' | '）' | ')' | ']' => ']',
                c => c,
            })
            .collect(),
    )
}

/// The 四议两公开 decisions of a dataset, by village and number.
pub struct DecisionIndex {
    present: bool,
    keys: HashMap<String, HashSet<String>>,
    /// Amount and 事项 stem of each decision, by village, for payments
    /// that cannot name theirs.
    contents: HashMap<String, Vec<(Option<i64>, String)>>,
}

impl DecisionIndex {
    /// The dataset's index, built once and shared by the rules that read
    /// it (DEC001, SPL001, SPL002).
    pub fn shared(ds: &Dataset) -> Result<Arc<DecisionIndex>> {
        super::shared(ds, || DecisionIndex::build(ds))
    }

    pub fn build(ds: &Dataset) -> Result<DecisionIndex> {
        let Some(decisions) = DecisionsView::load(ds)? else {
            return Ok(DecisionIndex {
                present: false,
                keys: HashMap::new(),
                contents: HashMap::new(),
            });
        };
        let DecisionsView {
            village,
            decision: no,
            amount,
            subject,
            ..
        } = decisions;
        let mut keys: HashMap<String, HashSet<String>> = HashMap::new();
        let mut contents: HashMap<String, Vec<(Option<i64>, String)>> = HashMap::new();
        for i in 0..decisions.height() {
            let Some(v) = village.get(i) else { continue };
            if let Some(n) = no.get(i) {
                keys.entry(v.to_string())
                    .or_default()
                    .insert(decision_key(n).into_owned());
            }
            contents.entry(v.to_string()).or_default().push((
                amount.get(i),
                project_stem(subject.get(i).unwrap_or_default()),
            ));
        }
        Ok(DecisionIndex {
            present: true,
            keys,
            contents,
        })
    }

    /// A decision of the village whose amount is within `tolerance` of the
    /// payment's, or whose 事项 is near-identical to the payment's 摘要: the
    /// payment's decision when the ledger cannot name it.
    pub fn matches_content(
        &self,
        village: &str,
        amount: i64,
        summary: &str,
        tolerance: f64,
    ) -> bool {
        let Some(list) = self.contents.get(village) else {
            return false;
        };
        let stem = project_stem(summary);
        list.iter().any(|(a, subj)| {
            a.is_some_and(|a| (a - amount).abs() as f64 <= tolerance * amount.abs() as f64)
                || stem_similarity(&stem, subj) >= 0.8
        })
    }

    /// Whether the table was loaded.
    pub fn present(&self) -> bool {
        self.present
    }

    /// The decision exists (`None` when there is no table to tell).
    pub fn exists(&self, village: &str, no: &str) -> Option<bool> {
        self.present.then(|| {
            self.keys
                .get(village)
                .is_some_and(|k| k.contains(decision_key(no).as_ref()))
        })
    }

    /// A number is given and, when decisions are loaded, it exists.
    pub fn covers(&self, village: &str, no: &str) -> bool {
        !no.is_empty() && self.exists(village, no).unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::decision_key;

    #[test]
    fn decision_numbers_compare_across_bracket_styles() {
        let k = decision_key("张村决〔2025〕3号");
        for v in [
            "张村决[2025]3号",
            "张村决【2025】3",
            "张村决(2025)3号",
            "张村决（2025）3号",
        ] {
            assert_eq!(decision_key(v), k, "{v}");
        }
        assert_eq!(decision_key("JY-2025-0001-10"), "JY-2025-0001-10");
        assert_ne!(decision_key("JY-2025-1-10"), decision_key("JY-2025-11-0"));
    }
}
