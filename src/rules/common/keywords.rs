//! Words looked for in free text (摘要, 科目, 事项): one regex for many
//! words, each distinct text judged once.

use polars::prelude::PlHashMap;
use regex::Regex;

/// True when `text` contains any of `words` (empty words ignored): for a few
/// words over a few texts; [`Keywords`] for many lines.
pub fn contains_any(text: &str, words: &[String]) -> bool {
    words
        .iter()
        .any(|w| !w.is_empty() && text.contains(w.as_str()))
}

/// Text keywords (摘要, 科目 exclusions) matched in one pass: millions of
/// lines times tens of keywords is too slow as separate `contains`.
pub struct Keywords {
    re: Option<Regex>,
    words: Vec<String>,
}

impl Keywords {
    pub fn new(words: &[String]) -> Keywords {
        let words: Vec<String> = words.iter().filter(|w| !w.is_empty()).cloned().collect();
        let alts: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        let re = (!alts.is_empty())
            .then(|| Regex::new(&alts.join("|")).ok())
            .flatten();
        Keywords { re, words }
    }

    /// The text contains one of the keywords.
    pub fn found_in(&self, text: Option<&str>) -> bool {
        let Some(t) = text else { return false };
        match &self.re {
            Some(re) => re.is_match(t),
            None => self.words.iter().any(|w| t.contains(w.as_str())),
        }
    }
}

/// [`Keywords::found_in`] with each distinct text judged once: a ledger's
/// 摘要 and 科目 repeat a few hundred texts over millions of lines.
pub struct KeywordMemo<'k, 't> {
    keywords: &'k Keywords,
    seen: PlHashMap<&'t str, bool>,
}

/// Distinct texts remembered at most (free text would only fill memory).
const MEMO_MAX: usize = 1 << 16;

impl<'k, 't> KeywordMemo<'k, 't> {
    pub fn new(keywords: &'k Keywords) -> Self {
        KeywordMemo {
            keywords,
            seen: PlHashMap::default(),
        }
    }

    pub fn found_in(&mut self, text: Option<&'t str>) -> bool {
        let Some(t) = text else { return false };
        if let Some(&f) = self.seen.get(t) {
            return f;
        }
        let f = self.keywords.found_in(Some(t));
        if self.seen.len() < MEMO_MAX {
            self.seen.insert(t, f);
        }
        f
    }
}
