//! A small, fast hasher (the multiply-rotate "Fx" hash used inside rustc) for the build's hot
//! in-process maps: scope → CSS classes while highlighting, term → postings while indexing.
//! std's default SipHash resists hash flooding by untrusted input, which a book's own text is
//! not, and it showed up in profiles of a 1,000-page build.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ rest.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinguishes_keys_and_works_as_a_map() {
        let mut map: FastMap<String, u32> = FastMap::default();
        for (i, word) in ["a", "ab", "abc", "abcdefgh", "abcdefghi", ""]
            .iter()
            .enumerate()
        {
            map.insert(word.to_string(), i as u32);
        }
        assert_eq!(map.len(), 6);
        assert_eq!(map["abcdefghi"], 4);
        assert_eq!(map[""], 5);
    }
}
