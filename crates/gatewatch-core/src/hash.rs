//! The content hash behind the dedupe keys of events without an id (`c:<hex>`, see
//! [`crate::decode::dedupe_key`]): a 64-bit hash of a JSON value computed from its parts,
//! so the fast parser ([`crate::json`]) can compute it while it reads the text and a parsed
//! [`Value`] can be hashed by walking it ([`content_hash`]), with the same result.
//!
//! - strings (values and keys, seeded apart) by xxh3 over their bytes;
//! - numbers by a bijective mix of their bits, seeded by kind (unsigned, negative, float), so `1`, `-1`, `1.0` and `"1"`
//!   differ, as they do in JSON text, and `1.50` and `1.5` (the same float) agree;
//! - arrays in order;
//! - objects as the wrapping sum of one hash per member (key and value), so member order
//!   makes no difference by construction: no sorting, whatever order serde_json's `Map`
//!   iterates in.
//!
//! Each step folds its inputs with its own constants, so a value cannot hash as another
//! kind of value holding the same words. The values are stored (in event logs' dedupe
//! keys): the test `dedupe_keys_are_stable` in `decode` pins them.

use serde_json::{Number, Value};
use xxhash_rust::xxh3::xxh3_64_with_seed;

const SEED_GATEWAY: u64 = 0x6761_7465_7761_7900;
const SEED_TYPE: u64 = 0x7479_7065_0000_0001;
const SEED_STRING: u64 = 0x7374_7269_6e67_0002;
const SEED_KEY: u64 = 0x6b65_7900_0000_0003;
const SEED_UNSIGNED: u64 = 0x7536_3400_0000_0004;
const SEED_NEGATIVE: u64 = 0x6936_3400_0000_0005;
const SEED_FLOAT: u64 = 0x6636_3400_0000_0006;

/// Odd 64-bit constants (wyhash's) that keep each step's inputs apart.
const MIX: [u64; 12] = [
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5899_65cc_7537_4cc3,
    0x1d8e_4e27_c47d_124f,
    0x9e37_79b9_7f4a_7c15,
    0xbf58_476d_1ce4_e5b9,
    0x94d0_49bb_1331_11eb,
    0xd6e8_feb8_6659_fd93,
    0xff51_afd7_ed55_8ccd,
    0xc4ce_b9fe_1a85_ec53,
    0x2127_599b_f432_5c37,
];

/// The folded multiply (wyhash's and foldhash's mixing step): the 128-bit product of the
/// two words, its halves xored.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The hash of a whole event: its gateway, its type and its payload's [`content_hash`].
pub(crate) fn event_hash(gateway: &str, event_type: &str, content: u64) -> u64 {
    let head = fold(
        xxh3_64_with_seed(gateway.as_bytes(), SEED_GATEWAY),
        xxh3_64_with_seed(event_type.as_bytes(), SEED_TYPE),
    );
    fold(head ^ MIX[0], content ^ MIX[1])
}

pub(crate) const NULL: u64 = MIX[2];
pub(crate) const FALSE: u64 = MIX[3];
pub(crate) const TRUE: u64 = MIX[4];

#[inline]
pub(crate) fn string(s: &str) -> u64 {
    xxh3_64_with_seed(s.as_bytes(), SEED_STRING)
}

/// A number's hash: its bits, xored with its kind's seed, through MurmurHash3's 64-bit
/// finalizer, a bijection: no two numbers of a kind share a hash (a fold of the bits with
/// a constant would send one number per kind to 0).
#[inline]
pub(crate) fn number(n: &Number) -> u64 {
    let (seed, bits) = if let Some(u) = n.as_u64() {
        (SEED_UNSIGNED, u)
    } else if let Some(i) = n.as_i64() {
        (SEED_NEGATIVE, i as u64)
    } else {
        (SEED_FLOAT, n.as_f64().map_or(0, f64::to_bits))
    };
    fmix64(bits ^ seed)
}

/// MurmurHash3's 64-bit finalizer: each step (xor-shift, multiply by an odd constant) is
/// invertible, so the whole is a bijection of `u64`.
#[inline(always)]
fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// An array's running hash before its first item.
pub(crate) const ARRAY_START: u64 = MIX[7];

/// An array's running hash after one more item.
#[inline]
pub(crate) fn array_item(h: u64, item: u64) -> u64 {
    fold(h ^ item, MIX[8])
}

/// An array's hash from its running hash after the last item, and its length.
#[inline]
pub(crate) fn array(h: u64, len: usize) -> u64 {
    fold(h ^ MIX[10], len as u64 ^ MIX[11])
}

/// One member's share of its object's hash (objects add up their members' shares).
#[inline]
pub(crate) fn member(key: &str, value: u64) -> u64 {
    fold(
        xxh3_64_with_seed(key.as_bytes(), SEED_KEY) ^ MIX[9],
        value ^ MIX[0],
    )
}

/// An object's hash from the wrapping sum of its members' shares.
#[inline]
pub(crate) fn object(sum: u64, len: usize) -> u64 {
    fold(sum ^ MIX[1], len as u64 ^ MIX[2])
}

/// The content hash of a parsed value (the hash the fast parser computes from the text).
pub fn content_hash(v: &Value) -> u64 {
    match v {
        Value::Null => NULL,
        Value::Bool(false) => FALSE,
        Value::Bool(true) => TRUE,
        Value::Number(n) => number(n),
        Value::String(s) => string(s),
        Value::Array(items) => array(
            items
                .iter()
                .fold(ARRAY_START, |h, item| array_item(h, content_hash(item))),
            items.len(),
        ),
        Value::Object(map) => {
            let sum = map.iter().fold(0u64, |sum, (k, v)| {
                sum.wrapping_add(member(k, content_hash(v)))
            });
            object(sum, map.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`fmix64`] is a bijection: it has an inverse (xor-shifts by 33 undo themselves twice
    /// over 64 bits; the multipliers are odd, so invertible mod 2^64).
    #[test]
    fn the_number_mix_is_invertible() {
        fn inverse_of_odd(a: u64) -> u64 {
            // Newton's iteration: each step doubles the correct low bits.
            let mut x = a;
            for _ in 0..6 {
                x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
            }
            x
        }
        let unmix = |mut x: u64| {
            x ^= x >> 33;
            x = x.wrapping_mul(inverse_of_odd(0xc4ce_b9fe_1a85_ec53));
            x ^= x >> 33;
            x = x.wrapping_mul(inverse_of_odd(0xff51_afd7_ed55_8ccd));
            x ^ (x >> 33)
        };
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for v in [x, x >> 40, 0, u64::MAX, 1 << 63] {
                assert_eq!(unmix(fmix64(v)), v);
            }
        }
    }
}
