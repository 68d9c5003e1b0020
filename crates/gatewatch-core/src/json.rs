//! JSON text → [`serde_json::Value`], faster than `serde_json::from_str` on the frames the
//! gateways send, with exactly its result.
//!
//! [`parse_value`] first tries a small parser written for the common case: no backslash in
//! any string, integers that fit 18 digits, decimals that are exact in Clinger's fast path
//! (at most 15 significant digits, a power-of-ten exponent within ±22), no duplicate keys,
//! nesting below 100. On anything else — including every malformed input — it gives up and
//! the text goes to `serde_json::from_str`, so the result, or the error, is serde_json's.
//! Whenever the fast parser returns a value, it is the value serde_json builds (proptests
//! hold it to that bit for bit, floats included).
//!
//! Where the time goes is in docs/connectors.md ("Fourth pass"): of serde_json's parse of
//! an Axisor frame, 4.6k of 12.8k instructions were `BTreeMap::insert` (each new key is
//! compared with every key before it: the frames' keys arrive in order, so it lands at the
//! end after comparing with all of them). Here an object's members are collected on one
//! reused stack and inserted from the last down, so when the keys arrive in order each
//! insert compares with one key (keys out of order cost what they cost serde_json).

use serde_json::{Map, Number, Value};

use crate::hash;

/// Parse JSON text into a [`Value`]: the same result (or error) as
/// `serde_json::from_str::<Value>(text)`.
pub fn parse_value(text: &str) -> Result<Value, serde_json::Error> {
    match parse_fast(text) {
        Some(v) => Ok(v),
        None => serde_json::from_str(text),
    }
}

/// Parse a JSON array into its items: the same result (or error) as
/// `serde_json::from_str::<Vec<Value>>(text)` (a Socket.IO event is `["name", …args]`).
pub fn parse_array(text: &str) -> Result<Vec<Value>, serde_json::Error> {
    match parse_fast(text) {
        Some(Value::Array(items)) => Ok(items),
        _ => serde_json::from_str(text),
    }
}

/// The fast parser alone: `None` when it does not handle the text (then serde_json must).
/// `Some` only when the text has no backslash at all (strings with escapes are left to
/// serde_json).
pub(crate) fn parse_fast(text: &str) -> Option<Value> {
    parse_with::<false>(text).map(|(v, _)| v)
}

/// [`parse_fast`], and the value's [`crate::hash::content_hash`] computed while reading the
/// text (each string and number hashed as it is read, each object's member shares added as
/// they come: no second walk over the tree).
pub(crate) fn parse_fast_hashed(text: &str) -> Option<(Value, u64)> {
    parse_with::<true>(text)
}

/// `HASH`: also compute the content hash (otherwise the hash is 0 and costs nothing).
fn parse_with<const HASH: bool>(text: &str) -> Option<(Value, u64)> {
    if !fast_path_applies() {
        return None;
    }
    SCRATCH.with(|cell| {
        // A re-entrant call (impossible today) just takes the slow path.
        let mut scratch = cell.try_borrow_mut().ok()?;
        let scratch = &mut *scratch;
        let mut p = Parser::<HASH> {
            s: text,
            b: text.as_bytes(),
            i: 0,
            members: &mut scratch.members,
            items: &mut scratch.items,
            hash: 0,
        };
        let v = p.value(0);
        let done = v.is_some() && {
            p.skip_ws();
            p.i == p.b.len()
        };
        let hash = p.hash;
        // Whatever was left on the stacks after a bail-out is dropped here, and the memory
        // of one huge frame is not kept.
        scratch.members.clear();
        scratch.items.clear();
        if scratch.members.capacity() > 4096 || scratch.items.capacity() > 4096 {
            *scratch = Scratch::default();
        }
        if done {
            v.map(|v| (v, hash))
        } else {
            None
        }
    })
}

/// Stacks reused from one parse to the next (no allocation per object or array).
#[derive(Default)]
struct Scratch {
    members: Vec<(String, Value)>,
    items: Vec<Value>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The fast parser builds maps in descending key order and numbers with `Number::from` /
/// `Number::from_f64`. That is serde_json's own result only with its default features:
/// maps sorted by key (not `preserve_order`, which another crate of a build could switch
/// on) and numbers stored as `u64`/`i64`/`f64` (not `arbitrary_precision`). Checked once;
/// otherwise every text goes to serde_json.
fn fast_path_applies() -> bool {
    static APPLIES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *APPLIES.get_or_init(|| {
        let sample = r#"{"b":1.50,"a":[-2,0.1,3e2]}"#;
        let expected = r#"{"a":[-2,0.1,300.0],"b":1.5}"#;
        crate::decode::maps_iterate_sorted()
            && serde_json::from_str::<Value>(sample)
                .map(|v| v.to_string())
                .is_ok_and(|s| s == expected)
    })
}

/// Powers of ten exactly representable as `f64` (Clinger's fast path).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// How deep the fast parser nests before leaving the text to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 100;

struct Parser<'a, 's, const HASH: bool> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    members: &'s mut Vec<(String, Value)>,
    items: &'s mut Vec<Value>,
    /// With `HASH`: the content hash of the value [`Parser::value`] read last.
    hash: u64,
}

impl<'a, const HASH: bool> Parser<'a, '_, HASH> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => {
                self.i += 1;
                let s = self.string()?;
                if HASH {
                    self.hash = hash::string(s);
                }
                Some(Value::String(s.to_owned()))
            }
            b't' => self.literal(b"true", Value::Bool(true), hash::TRUE),
            b'f' => self.literal(b"false", Value::Bool(false), hash::FALSE),
            b'n' => self.literal(b"null", Value::Null, hash::NULL),
            b'-' | b'0'..=b'9' => {
                let v = self.number()?;
                if let (true, Value::Number(n)) = (HASH, &v) {
                    self.hash = hash::number(n);
                }
                Some(v)
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], v: Value, hash: u64) -> Option<Value> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            self.hash = hash;
            Some(v)
        } else {
            None
        }
    }

    /// A string's contents, the opening quote already consumed. `None` (serde_json's turn)
    /// for a backslash, a control character or no closing quote. Eight bytes at a time.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.i;
        let b = self.b;
        let mut i = start;
        while let Some(chunk) = b.get(i..i + 8) {
            let hits = special_bytes(word(chunk));
            if hits != 0 {
                i += (hits.trailing_zeros() / 8) as usize;
                return self.string_end(start, i);
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return self.string_end(start, i);
            }
            i += 1;
        }
        None
    }

    /// `i` is the first quote, backslash or control character after `start`.
    fn string_end(&mut self, start: usize, i: usize) -> Option<&'a str> {
        if self.b.get(i) != Some(&b'"') {
            return None;
        }
        self.i = i + 1;
        // `"` is ASCII, so both ends are char boundaries (checked in O(1)).
        self.s.get(start..i)
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1; // `[`
        let base = self.items.len();
        if self.peek()? == b']' {
            self.i += 1;
            self.hash = hash::array(hash::ARRAY_START, 0);
            return Some(Value::Array(Vec::new()));
        }
        let mut running = hash::ARRAY_START;
        loop {
            let v = self.value(depth)?;
            if HASH {
                running = hash::array_item(running, self.hash);
            }
            self.items.push(v);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        if HASH {
            self.hash = hash::array(running, self.items.len() - base);
        }
        Some(Value::Array(self.items.drain(base..).collect()))
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1; // `{`
        let base = self.members.len();
        if self.peek()? == b'}' {
            self.i += 1;
            self.hash = hash::object(0, 0);
            return Some(Value::Object(Map::new()));
        }
        let mut sum = 0u64;
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            self.i += 1;
            let key = self.string()?;
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            let v = self.value(depth)?;
            if HASH {
                sum = sum.wrapping_add(hash::member(key, self.hash));
            }
            self.members.push((key.to_owned(), v));
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        // Largest key first (the keys usually arrive in order): each insert compares with
        // the map's first key only. A repeated key (serde_json keeps the last) is left to
        // serde_json.
        if HASH {
            self.hash = hash::object(sum, self.members.len() - base);
        }
        let mut map = Map::new();
        for (k, v) in self.members.drain(base..).rev() {
            if map.insert(k, v).is_some() {
                return None;
            }
        }
        Some(Value::Object(map))
    }

    /// A number, as serde_json reads it: an integer (no `.`, no exponent) as `u64` or, when
    /// negative, `i64`; anything else as `f64`, here only when exact in Clinger's fast path
    /// (serde_json, with or without its `float_roundtrip` feature, gets the correctly
    /// rounded value there, which one multiplication or division by an exact power of ten
    /// gives too).
    fn number(&mut self) -> Option<Value> {
        let b = self.b;
        let mut i = self.i;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let mut significand: u64 = 0;
        let mut digits = 0usize; // significant digits accumulated (leading zeros skipped)
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None; // leading zero: invalid JSON
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                    significand = significand * 10 + u64::from(c - b'0');
                    digits += 1;
                    if digits > 18 {
                        return None;
                    }
                    i += 1;
                }
            }
            _ => return None,
        }
        let mut exponent: i32 = 0;
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            float = true;
            i += 1;
            let first = i;
            while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if significand != 0 || c != b'0' {
                    digits += 1;
                }
                if digits > 15 {
                    return None;
                }
                significand = significand * 10 + u64::from(c - b'0');
                exponent -= 1;
                i += 1;
            }
            if i == first {
                return None; // `1.`: invalid
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            float = true;
            i += 1;
            let exp_negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let first = i;
            let mut e: i32 = 0;
            while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if i - first >= 4 {
                    return None;
                }
                e = e * 10 + i32::from(c - b'0');
                i += 1;
            }
            if i == first {
                return None; // `1e`: invalid
            }
            exponent += if exp_negative { -e } else { e };
        }
        self.i = i;
        if !float {
            if !negative {
                return Some(Value::Number(Number::from(significand)));
            }
            // serde_json reads `-0` as the float -0.0; 18 digits always fit an `i64`.
            if significand == 0 {
                return None;
            }
            let n = i64::try_from(significand).ok()?;
            return Some(Value::Number(Number::from(-n)));
        }
        if digits > 15 {
            return None;
        }
        let pow = *POW10.get(exponent.unsigned_abs() as usize)?;
        // `significand` < 10^15 < 2^53: exact as an f64.
        let mut f = significand as f64;
        if exponent >= 0 {
            f *= pow;
        } else {
            f /= pow;
        }
        if negative {
            f = -f;
        }
        Number::from_f64(f).map(Value::Number)
    }
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The high bit of every byte of `x` that is `"`, `\\` or a control character, and maybe
/// of bytes above the first such byte (the subtraction tricks borrow upwards): the lowest
/// set bit is always exact.
#[inline]
fn special_bytes(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    control | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\')))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Equal as serde_json values and, for every float, bit for bit (`==` would take
    /// `-0.0` for `0.0`).
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                x == y
                    && match (x.as_f64(), y.as_f64()) {
                        (Some(p), Some(q)) if x.is_f64() => p.to_bits() == q.to_bits(),
                        _ => x.is_f64() == y.is_f64(),
                    }
                    && x.is_u64() == y.is_u64()
                    && x.is_i64() == y.is_i64()
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((kp, p), (kq, q))| kp == kq && same(p, q))
            }
            _ => a == b,
        }
    }

    /// `T` read from the tape is `T` read from serde_json's tree (both an error, or equal).
    fn typed_alike<T>(tape: &crate::tape::Tape<'_>, tree: &Value)
    where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let a = T::deserialize(tape.root()).ok();
        let b = serde_json::from_value::<T>(tree.clone()).ok();
        assert_eq!(a, b, "{tree}");
    }

    /// The fast parser either declines or gives serde_json's value; so does the tape
    /// ([`crate::tape`]), which also declines nothing serde_json accepts but deep nesting.
    fn check(text: &str) {
        let reference = serde_json::from_str::<Value>(text);
        match (crate::tape::Tape::read(text), &reference) {
            (Some(tape), Ok(r)) => {
                let v = tape.root().to_value();
                assert!(same(&v, r), "{text:?}: tape {v:?} vs serde {r:?}");
                // Through the tape's `Deserializer`, and typed models read from it as from
                // the tree (the lenient models take any shape).
                let de = <Value as serde::Deserialize>::deserialize(tape.root());
                assert!(de.as_ref().is_ok_and(|d| same(d, r)), "{text:?}: {de:?}");
                typed_alike::<crate::models::dimes::PositionEvent>(&tape, r);
                typed_alike::<crate::models::dimes::NotificationEvent>(&tape, r);
                typed_alike::<crate::models::fusion::IntentUpdate>(&tape, r);
                typed_alike::<Vec<Option<String>>>(&tape, r);
            }
            (Some(_), Err(e)) => {
                panic!("{text:?}: the tape accepted what serde_json rejects ({e})")
            }
            (None, Ok(_)) => assert!(
                text.matches(['[', '{']).count() > crate::tape::MAX_DEPTH,
                "{text:?}: the tape declined what serde_json reads"
            ),
            (None, Err(_)) => {}
        }
        if let Some(fast) = parse_fast(text) {
            match &reference {
                Ok(r) => assert!(same(&fast, r), "{text:?}: fast {fast:?} vs serde {r:?}"),
                Err(e) => panic!("{text:?}: fast parser accepted what serde_json rejects ({e})"),
            }
        }
        // The hash computed while parsing is the hash of the tree, and the hashing parser
        // accepts exactly what the other does.
        match (parse_fast_hashed(text), parse_fast(text)) {
            (Some((v, h)), Some(w)) => {
                assert!(same(&v, &w), "{text:?}");
                assert_eq!(h, crate::hash::content_hash(&v), "{text:?}");
            }
            (None, None) => {}
            (a, b) => panic!("{text:?}: hashing parser {a:?} vs {b:?}"),
        }
        match (parse_value(text), reference) {
            (Ok(a), Ok(b)) => assert!(same(&a, &b)),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("{text:?}: {a:?} vs {b:?}"),
        }
        match (parse_array(text), serde_json::from_str::<Vec<Value>>(text)) {
            (Ok(a), Ok(b)) => assert!(same(&Value::Array(a), &Value::Array(b))),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("{text:?} as an array: {a:?} vs {b:?}"),
        }
    }

    #[test]
    fn document_frames_take_the_fast_path() {
        let frames = [
            r#"{"type":"market_data_update","channel":"market_data","data":{"symbol":"BTC_USD","price":43250.5,"change":-1249.5,"changePercent":-2.81,"volume":1250000.0,"high24h":44500.0,"low24h":42800.0,"timestamp":"2025-01-06T10:00:00Z"}}"#,
            r#"["position.opened",{"id":"evt_1","type":"position.opened","data":{"id":"dm_pos_1","entry":{"price":"0.4210"},"n":[1,-2,3.25e-3,0,0.0,-0.0]}}]"#,
            r#" { "a" : [ ] , "b" : { } , "c" : null , "d" : true , "e" : false } "#,
        ];
        for f in frames {
            assert!(parse_fast(f).is_some(), "{f}");
            check(f);
        }
    }

    #[test]
    fn edge_cases_match_serde_json() {
        let cases = [
            "",
            " ",
            "0",
            "-0",
            "-0.0",
            "00",
            "01",
            "-",
            "-a",
            "1.",
            "1.e3",
            ".5",
            "1e",
            "1e+",
            "1e-",
            "1E5",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678",
            "1234567890123456789",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "0.1",
            "0.30000000000000004",
            "1234567890.12345",
            "9007199254740993",
            "9007199254740993.0",
            "1.7976931348623157e308",
            "5e-324",
            "1e22",
            "1e23",
            "123e-22",
            "123e-23",
            "0.000000000000000000001",
            "tru",
            "true ",
            "truex",
            "nul",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":1,\"a\":2}",
            "{\"b\":1,\"a\":2}",
            "{\"a\":1}x",
            "\"\\n\"",
            "\"\u{1}\"",
            "\"é ü 日本\"",
            "\"unterminated",
            "[\"a\",\"b\"",
            "{\"a\":[1,2,{\"b\":[]}]}",
            "\u{feff}{}",
            "[1]\n",
            "\t[\r\n1\t]\t",
            "[1e-0, 1E+2, -5e3, 2.5E-2]",
        ];
        for c in cases {
            check(c);
        }
        let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
        check(&deep);
        let too_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        check(&too_deep);
    }

    /// Random JSON values: every kind, floats of every size, strings needing escapes,
    /// nesting up to four levels (also used by the tape's tests).
    pub(crate) fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(|u| Value::Number(u.into())),
            any::<i64>().prop_map(|i| Value::Number(i.into())),
            (-100_000i64..100_000, 0u32..6).prop_map(|(m, d)| {
                Value::Number(
                    serde_json::Number::from_f64(m as f64 / 10f64.powi(d as i32))
                        .unwrap_or_else(|| 0.into()),
                )
            }),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| Value::Number(
                    serde_json::Number::from_f64(f).unwrap_or_else(|| 0.into())
                )),
            "[a-zA-Z0-9 _.:\\-é\"\\\\\n\u{7f}]{0,24}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z_]{0,10}", inner), 0..12)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Keys in a shuffled order (as a Node server sends them), optionally with spaces.
    fn write_shuffled(v: &Value, seed: u64, spaced: bool, out: &mut String) {
        let sep = if spaced { " " } else { "" };
        match v {
            Value::Object(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                let n = entries.len();
                for i in 0..n {
                    let j = (seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(i as u64) as usize)
                        % n;
                    entries.swap(i, j);
                }
                out.push('{');
                for (i, (k, x)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        out.push_str(sep);
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    out.push_str(sep);
                    write_shuffled(x, seed.rotate_left(7) ^ i as u64, spaced, out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        out.push_str(sep);
                    }
                    write_shuffled(x, seed ^ i as u64, spaced, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn fast_parse_is_serde_json_parse(v in arb_value(), seed in any::<u64>(), spaced in any::<bool>()) {
            check(&v.to_string());
            check(&serde_json::to_string_pretty(&v).unwrap_or_default());
            let mut s = String::new();
            write_shuffled(&v, seed, spaced, &mut s);
            check(&s);
        }

        #[test]
        fn number_texts_match(int in "-?(0|[1-9][0-9]{0,20})", frac in "(\\.[0-9]{1,20})?", exp in "([eE][+-]?[0-9]{1,4})?") {
            check(&format!("{int}{frac}{exp}"));
            check(&format!("[{int}{frac}{exp}]"));
        }

        #[test]
        fn mutated_text_never_accepted_wrongly(v in arb_value(), at in any::<prop::sample::Index>(), byte in prop::sample::select(b"{}[]:,\"\\ -.e0149tfn\x01x".to_vec()), delete in any::<bool>()) {
            let mut bytes = v.to_string().into_bytes();
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                if delete { bytes.remove(i); } else { bytes.insert(i, byte); }
            }
            if let Ok(text) = String::from_utf8(bytes) {
                check(&text);
            }
        }
    }
}
