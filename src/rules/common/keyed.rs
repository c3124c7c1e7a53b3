//! Rows whose key occurs in a group that a predicate accepts (a key shared
//! by several people, several rows of one key …), found without one large
//! hash table: every row's key is hashed once, the (hash, row) pairs are
//! scattered into cache-sized buckets by their top bits, each bucket is
//! sorted, and only runs of equal hashes (two rows or more) are looked at
//! by their exact keys. The work grows linearly with the rows: a hash table
//! of millions of keys spends its time in cache misses, and more of them
//! the larger it grows.

use std::hash::{BuildHasher, Hash};

use polars::prelude::{IdxSize, PlFixedStateQuality};
use rayon::prelude::*;

/// Rows per bucket aimed at: a bucket's pairs (16 bytes each) stay in L2.
const BUCKET_ROWS: usize = 4096;

/// The rows, ascending, of every group of two rows or more with equal keys
/// (rows with `key(i) == None` take no part) that `keep` accepts. `keep`
/// sees the group's rows in ascending order. Consecutive rows with equal
/// keys (one person's months on a roll) are hashed once, as one run.
pub fn rows_of_groups<K, F, P>(n: usize, key: F, keep: P) -> Vec<IdxSize>
where
    K: Hash + Eq,
    F: Fn(usize) -> Option<K> + Sync,
    P: Fn(&[u32]) -> bool + Sync,
{
    let state = PlFixedStateQuality::default();
    // Runs of consecutive rows with one key: [start, end). Room for a run
    // per row up front: growing by doubling copied them (room never
    // written is never touched).
    let mut runs: Vec<(u32, u32)> = Vec::with_capacity(n);
    let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut current: Option<K> = None;
    for i in 0..n {
        let k = key(i);
        match (&k, &current) {
            (Some(a), Some(b)) if a == b => {
                if let Some(r) = runs.last_mut() {
                    r.1 = i as u32 + 1;
                }
            }
            (Some(a), _) => {
                pairs.push((state.hash_one(a), runs.len() as u32));
                runs.push((i as u32, i as u32 + 1));
            }
            (None, _) => {}
        }
        current = k;
    }
    let buckets = bucketed(pairs);
    let runs = &runs;
    let mut out: Vec<IdxSize> = buckets
        .into_par_iter()
        .flat_map_iter(|mut b| {
            b.sort_unstable();
            let mut kept: Vec<IdxSize> = Vec::new();
            let mut rows: Vec<u32> = Vec::new();
            let mut s = 0;
            while s < b.len() {
                let h = b[s].0;
                let mut e = s + 1;
                while e < b.len() && b[e].0 == h {
                    e += 1;
                }
                let single = e - s == 1 && {
                    let (a, z) = runs[b[s].1 as usize];
                    z - a == 1
                };
                if !single {
                    let reps: Vec<u32> = b[s..e].iter().map(|p| p.1).collect();
                    exact_groups(&reps, &|r| key(runs[r].0 as usize), |g| {
                        rows.clear();
                        for &r in g {
                            let (a, z) = runs[r as usize];
                            rows.extend(a..z);
                        }
                        if rows.len() >= 2 && keep(&rows) {
                            kept.extend(rows.iter().map(|&i| i as IdxSize));
                        }
                    });
                }
                s = e;
            }
            kept
        })
        .collect();
    out.sort_unstable();
    out
}

/// Split items (runs) of equal hash into groups of equal keys (nearly
/// always one group), each in ascending order.
fn exact_groups<K: Eq, F: Fn(usize) -> Option<K>>(
    rows: &[u32],
    key: &F,
    mut each: impl FnMut(&[u32]),
) {
    let first = key(rows[0] as usize);
    if rows[1..].iter().all(|&i| key(i as usize) == first) {
        each(rows);
        return;
    }
    let keys: Vec<Option<K>> = rows.iter().map(|&i| key(i as usize)).collect();
    let mut done = vec![false; rows.len()];
    let mut g: Vec<u32> = Vec::new();
    for a in 0..rows.len() {
        if done[a] {
            continue;
        }
        g.clear();
        for b in a..rows.len() {
            if !done[b] && keys[b] == keys[a] {
                done[b] = true;
                g.push(rows[b]);
            }
        }
        each(&g);
    }
}

/// Scatter (hash, row) pairs into buckets by the top bits of the hash.
fn bucketed(pairs: Vec<(u64, u32)>) -> Vec<Vec<(u64, u32)>> {
    let n = pairs.len();
    let bits = (n / BUCKET_ROWS)
        .max(1)
        .next_power_of_two()
        .trailing_zeros();
    if bits == 0 {
        return vec![pairs];
    }
    let shift = 64 - bits;
    let mut counts = vec![0usize; 1 << bits];
    for p in &pairs {
        counts[(p.0 >> shift) as usize] += 1;
    }
    let mut out: Vec<Vec<(u64, u32)>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for p in pairs {
        out[(p.0 >> shift) as usize].push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_exact_key() {
        let keys = ["a", "b", "a", "c", "b", "a"];
        let got = rows_of_groups(keys.len(), |i| Some(keys[i]), |_| true);
        assert_eq!(got, vec![0, 1, 2, 4, 5]);
        // The predicate sees each group in row order.
        let got = rows_of_groups(keys.len(), |i| Some(keys[i]), |g| g == [0, 2, 5]);
        assert_eq!(got, vec![0, 2, 5]);
        let got = rows_of_groups(keys.len(), |i| (i != 2).then_some(keys[i]), |g| g.len() > 2);
        assert_eq!(got, Vec::<IdxSize>::new());
    }

    #[test]
    fn consecutive_rows_of_one_key() {
        // A run alone is a group of two rows; runs join the same key elsewhere.
        let keys = ["x", "x", "b", "c", "c", "x", "d"];
        let got = rows_of_groups(keys.len(), |i| Some(keys[i]), |_| true);
        assert_eq!(got, vec![0, 1, 3, 4, 5]);
        let got = rows_of_groups(keys.len(), |i| Some(keys[i]), |g| g == [0, 1, 5]);
        assert_eq!(got, vec![0, 1, 5]);
        // A row without a key breaks a run but not the group.
        let got = rows_of_groups(3, |i| (i != 1).then_some("k"), |g| g == [0, 2]);
        assert_eq!(got, vec![0, 2]);
    }

    #[test]
    fn many_rows_many_buckets() {
        // 50,000 rows, keys i % 20,000: every key but those above 9,999 twice or more.
        let n = 50_000usize;
        let got = rows_of_groups(n, |i| Some(i % 20_000), |g| g.len() == 3);
        let want: Vec<IdxSize> = (0..n)
            .filter(|i| i % 20_000 < 10_000)
            .map(|i| i as IdxSize)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn equal_hash_different_keys_split() {
        let rows = [1u32, 4, 7, 9];
        let keys = [0, 1, 0, 0, 1, 0, 0, 0, 0, 1];
        let mut seen = Vec::new();
        exact_groups(&rows, &|i| Some(keys[i]), |g| seen.push(g.to_vec()));
        assert_eq!(seen, vec![vec![1, 4, 9], vec![7]]);
    }
}
