//! A fast hash for the maps keyed by a plan's symbols and names: short strings that std's
//! SipHash (which resists keys chosen to collide) took longer to hash than the lookups took
//! otherwise. A scenario is its author's own input, so collisions chosen by an attacker are no
//! concern; iteration order never reaches the output (std's is random per run as it is).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// rustc's FxHash.
#[derive(Default)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0; 8];
            word.copy_from_slice(w);
            self.add(u64::from_le_bytes(word));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FxHashSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// Symbols of a large estate, which differ in a digit or two, all hash apart; the same
    /// text always hashes alike.
    #[test]
    fn plan_symbols_hash_apart() {
        let build = BuildHasherDefault::<FxHasher>::default();
        let symbols: Vec<String> = (0..20_000)
            .flat_map(|i| {
                [
                    format!("peVnetSpoke{i:05}Mlw"),
                    format!("rg-spoke-{i:05}-dns"),
                ]
            })
            .collect();
        let hashes: HashSet<u64> = symbols.iter().map(|s| build.hash_one(s)).collect();
        assert_eq!(hashes.len(), symbols.len());
        assert_eq!(
            build.hash_one("vnetHub"),
            build.hash_one(String::from("vnetHub"))
        );
        let map: FxHashMap<&str, usize> = symbols.iter().map(|s| s.as_str()).zip(0..).collect();
        assert_eq!(map.get("rg-spoke-00042-dns"), Some(&85));
    }
}
