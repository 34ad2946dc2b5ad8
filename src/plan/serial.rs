//! Waves and batches. Pairs run wave by wave, in ascending wave number (`wave:` in the
//! inventory). `--serial 1,5,25%` further cuts each wave into batches, as Ansible's `serial`
//! does: first 1 pair, then 5, then 25% of the wave at a time until the wave is done (the last
//! size repeats). A batch must finish before the next one starts.

use std::sync::Arc;

use super::{PairPlan, Wave};
use crate::values::Batch;

/// Group pair plans (in inventory order) into waves, then batches.
pub(super) fn waves(pairs: Vec<Arc<PairPlan>>, serial: Option<&[Batch]>) -> Vec<Wave> {
    let mut numbers: Vec<u32> = pairs.iter().map(|p| p.pair.wave).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut waves = Vec::new();
    for number in numbers {
        let members: Vec<Arc<PairPlan>> = pairs.iter().filter(|p| p.pair.wave == number).cloned().collect();
        let sizes = match serial {
            Some(batches) if !batches.is_empty() => batch_sizes(members.len(), batches),
            _ => vec![members.len()],
        };
        let mut rest = members.into_iter();
        let count = sizes.len();
        for (i, size) in sizes.into_iter().enumerate() {
            let label = if count == 1 {
                format!("wave {number}")
            } else {
                format!("wave {number} batch {}/{count}", i + 1)
            };
            waves.push(Wave { label, pairs: rest.by_ref().take(size).collect() });
        }
    }
    waves
}

/// Sizes of the successive batches of a wave of `total` pairs.
pub fn batch_sizes(total: usize, batches: &[Batch]) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut done = 0;
    let mut i = 0;
    while done < total {
        let spec = batches[i.min(batches.len() - 1)];
        let size = match spec {
            Batch::Count(n) => n,
            Batch::Percent(p) => (total * p as usize).div_ceil(100).max(1),
        };
        let size = size.min(total - done);
        sizes.push(size);
        done += size;
        i += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_follow_ansible_serial() {
        let cases: &[(usize, &[Batch], &[usize])] = &[
            (10, &[Batch::Count(1), Batch::Count(5), Batch::Percent(25)], &[1, 5, 3, 1]),
            (4, &[Batch::Count(3)], &[3, 1]),
            (3, &[Batch::Percent(50)], &[2, 1]),
            (1, &[Batch::Count(5)], &[1]),
            (0, &[Batch::Count(5)], &[]),
        ];
        for (total, batches, expected) in cases {
            assert_eq!(batch_sizes(*total, batches), *expected, "{total} pairs with {batches:?}");
        }
    }
}
