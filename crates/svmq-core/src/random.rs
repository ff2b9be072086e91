//! A small seeded pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014) for
//! the engine's few random choices: cross-validation folds. Reproducible across
//! platforms; not for cryptography.

/// SplitMix64's step: the golden ratio in 64 bits.
const INCREMENT: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function, a bijective 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A SplitMix64 generator: 64 bits of state, one hash per draw.
pub struct Random {
    state: u64,
}

impl Random {
    /// A generator seeded with `seed`: the same seed gives the same draws on every
    /// platform.
    pub fn new(seed: u64) -> Random {
        Random { state: seed }
    }

    /// Generator number `stream` of `seed`, for draws that must not depend on each
    /// other (one per trial, say). Both numbers are hashed into the starting state:
    /// SplitMix64 steps its state by a fixed increment, so seeding stream `s` with
    /// `seed + s · increment` would replay stream `s − 1` shifted by one draw.
    pub fn for_stream(seed: u64, stream: u64) -> Random {
        Random {
            state: mix(seed ^ mix(stream.wrapping_add(INCREMENT))),
        }
    }

    /// The next draw, uniform over every 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(INCREMENT);
        mix(self.state)
    }

    /// A uniform integer in `0..bound` (`bound > 0`), by rejection to avoid bias.
    pub fn below(&mut self, bound: usize) -> usize {
        let bound = bound as u64;
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let value = self.next_u64();
            if value < zone {
                return (value % bound) as usize;
            }
        }
    }

    /// A uniform number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            let other = self.below(last + 1);
            items.swap(last, other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn streams_of_one_seed_share_no_draws() {
        let mut seen = HashSet::new();
        for stream in 0..200 {
            let mut random = Random::for_stream(7, stream);
            for _ in 0..100 {
                assert!(
                    seen.insert(random.next_u64()),
                    "stream {stream} repeats a draw"
                );
            }
        }
    }

    #[test]
    fn streams_are_reproducible_and_depend_on_the_seed() {
        let first: Vec<u64> = (0..5)
            .map(|_| Random::for_stream(1, 3).next_u64())
            .collect();
        assert!(first.windows(2).all(|pair| pair[0] == pair[1]));
        assert_ne!(
            Random::for_stream(1, 3).next_u64(),
            Random::for_stream(2, 3).next_u64()
        );
    }
}
