//! Matching people and vendors: the library the rules call.
//!
//! - `names`: Chinese name keys (clean, traditional→simplified, pinyin) and
//!   name frequency, for kinship and duplicate matching.
//! - `kin`: persons of interest per village (cadres, declared relatives,
//!   household members, same-address kin) and how a recipient links to them.
//! - `vendor`: one vendor key from credit code, id number or normalised name.

pub mod kin;
pub mod names;
pub mod vendor;

/// The answer for the key asked last, reused while the same key is asked
/// again. Rows come in runs of one village, so a per-village lookup made
/// through this is made once a run instead of once a row.
pub struct LastKey<K, V> {
    last: Option<(K, V)>,
}

impl<K: PartialEq + Copy, V: Clone> Default for LastKey<K, V> {
    fn default() -> Self {
        LastKey { last: None }
    }
}

impl<K: PartialEq + Copy, V: Clone> LastKey<K, V> {
    pub fn get(&mut self, key: K, look: impl FnOnce(K) -> V) -> V {
        match &self.last {
            Some((k, v)) if *k == key => v.clone(),
            _ => {
                let v = look(key);
                self.last = Some((key, v.clone()));
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_key_looks_up_once_a_run() {
        let mut calls = Vec::new();
        let mut last = LastKey::default();
        let keys = ["a", "a", "b", "b", "a"];
        let got: Vec<usize> = keys
            .iter()
            .map(|k| {
                last.get(*k, |k| {
                    calls.push(k);
                    k.len() + calls.len()
                })
            })
            .collect();
        assert_eq!(calls, ["a", "b", "a"]);
        assert_eq!(got, [2, 2, 3, 3, 4]);
    }
}
