//! `--shard i/n`: a deterministic split of the selected tests across `n`
//! runners. A test's shard depends only on its id, so it stays in the same
//! shard across runs while the plan does not change, adding a test moves no
//! other test, and a test's steps never split (steps are not sharded).

use sha2::{Digest, Sha256};
use std::str::FromStr;

/// One slice of a run: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the test with `id` (`<plan>::<name>`) belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        let digest = Sha256::digest(id.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(head) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let usage = || format!("--shard takes INDEX/COUNT with 1 <= INDEX <= COUNT, e.g. 2/4 (got '{text}')");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: u32 = index.trim().parse().map_err(|_| usage())?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        if index == 0 || count == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("plan::test-{i:03}")).collect()
    }

    #[test]
    fn shards_partition_the_plan_for_several_counts() {
        let all = ids(100);
        for count in [1, 2, 3, 4, 7, 10] {
            let mut seen = vec![0u32; all.len()];
            for index in 1..=count {
                let shard = Shard { index, count };
                for (i, id) in all.iter().enumerate() {
                    if shard.contains(id) {
                        seen[i] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&hits| hits == 1), "count {count}: every test in exactly one shard");
        }
    }

    #[test]
    fn adding_a_test_moves_no_other_test() {
        let assign = |plan: &[String]| -> std::collections::BTreeMap<String, u32> {
            plan.iter().map(|id| (id.clone(), (1..=4).find(|&index| Shard { index, count: 4 }.contains(id)).unwrap())).collect()
        };
        let before = ids(100);
        let mut after = before.clone();
        after.insert(37, "plan::a-new-test".into());
        let (old, new) = (assign(&before), assign(&after));
        let moved = old.iter().filter(|(id, shard)| new[*id] != **shard).count();
        assert_eq!(moved, 0);
        assert_eq!(new.len(), 101);
    }

    #[test]
    fn shards_are_reasonably_balanced() {
        let all = ids(100);
        for index in 1..=4 {
            let size = all.iter().filter(|id| Shard { index, count: 4 }.contains(id)).count();
            assert!((10..=40).contains(&size), "shard {index}/4 has {size} of 100 tests");
        }
    }

    #[test]
    fn parsing_rejects_nonsense_with_the_usage() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", ""] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains("INDEX/COUNT"), "{bad}: {error}");
        }
    }
}
