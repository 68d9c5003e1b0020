//! JSON text read once into a flat list of nodes (a "tape") that borrows the text: what a
//! frame's fields can be read from without building a [`serde_json::Value`] tree.
//!
//! Why: building and dropping the payload's `Value` tree is the largest cost left on the
//! Socket.IO path (docs/connectors.md, "Sixth pass" and "Eighth pass"); the bench's sketch
//! of a pipeline that keeps the payload as text and reads it through a one-level tape
//! costs about half of today's in memory. This is the validating reader that plan needs;
//! nothing on the connectors' path uses it yet.
//!
//! [`Tape::read`] accepts only what `serde_json::from_str::<Value>` accepts, and
//! [`Cursor::to_value`] gives serde_json's value (the json module's proptests hold both to
//! that, on the same texts as its own parser). It may decline a text serde_json accepts —
//! nesting deeper than [`MAX_DEPTH`] or a text over 4 GiB — and the caller then takes the
//! tree path.

use std::borrow::Cow;

use serde::de::{self, Visitor};
use serde_json::{Map, Value};

/// How deep the tape nests before declining (serde_json's own limit is 128).
pub const MAX_DEPTH: usize = 100;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true`
    True,
    /// `false`
    False,
    /// A number, as written.
    Number,
    /// A string without backslashes: its text is the value.
    Str,
    /// A string with escapes (decoded on demand).
    EscapedStr,
    /// An object: its members follow as key, value, key, value…
    Object,
    /// An array: its items follow.
    Array,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    /// Byte range of the value in the text (a string's without its quotes).
    start: u32,
    end: u32,
    /// Nodes in this value's subtree, itself included (the next sibling is `skip` ahead).
    skip: u32,
    /// An object that may repeat a key (one does, or a key has escapes): readers that
    /// keep one value per key, as serde_json's tree does, keep the last.
    repeats: bool,
}

/// A JSON text and its nodes in document order.
#[derive(Debug)]
pub struct Tape<'a> {
    text: &'a str,
    nodes: Vec<Node>,
}

impl<'a> Tape<'a> {
    /// Read `text`; `None` when serde_json would reject it, or when it nests deeper than
    /// [`MAX_DEPTH`] or is longer than `u32::MAX` bytes.
    pub fn read(text: &'a str) -> Option<Self> {
        if u32::try_from(text.len()).is_err() {
            return None;
        }
        let mut r = Reader {
            b: text.as_bytes(),
            i: 0,
            nodes: Vec::with_capacity(text.len() / 8),
        };
        r.value(0)?;
        r.ws();
        (r.i == r.b.len()).then_some(Tape {
            text,
            nodes: r.nodes,
        })
    }

    /// The top-level value.
    pub fn root(&self) -> Cursor<'_, 'a> {
        Cursor {
            text: self.text,
            nodes: &self.nodes,
            at: 0,
        }
    }
}

/// A [`Tape`] that owns its text (what an event keeps as its payload).
#[derive(Debug, Clone)]
pub struct OwnedTape {
    text: Box<str>,
    nodes: Box<[Node]>,
}

impl OwnedTape {
    /// Read `text` as [`Tape::read`] does; the text back when it declines.
    pub fn read(text: String) -> Result<Self, String> {
        match Tape::read(&text) {
            Some(tape) => {
                let nodes = tape.nodes.into_boxed_slice();
                Ok(OwnedTape {
                    text: text.into_boxed_str(),
                    nodes,
                })
            }
            None => Err(text),
        }
    }

    /// The text as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The top-level value.
    pub fn root(&self) -> Cursor<'_, '_> {
        Cursor {
            text: &self.text,
            nodes: &self.nodes,
            at: 0,
        }
    }
}

/// One value of a [`Tape`].
#[derive(Debug, Clone, Copy)]
pub struct Cursor<'t, 'a: 't> {
    text: &'a str,
    nodes: &'t [Node],
    at: usize,
}

impl<'t, 'a: 't> Cursor<'t, 'a> {
    fn node(&self) -> Node {
        self.nodes[self.at]
    }

    /// What the value is.
    pub fn kind(&self) -> Kind {
        self.node().kind
    }

    /// The value's text as written (a string's without its quotes, escapes not decoded).
    pub fn raw(&self) -> &'a str {
        let n = self.node();
        &self.text[n.start as usize..n.end as usize]
    }

    /// The value's whole text: a string's with its quotes.
    pub fn json(&self) -> &'a str {
        let n = self.node();
        match n.kind {
            Kind::Str | Kind::EscapedStr => &self.text[n.start as usize - 1..n.end as usize + 1],
            _ => self.raw(),
        }
    }

    /// The string's value, when this is a string.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match self.kind() {
            Kind::Str => Some(Cow::Borrowed(self.raw())),
            Kind::EscapedStr => serde_json::from_str::<String>(self.json())
                .ok()
                .map(Cow::Owned),
            _ => None,
        }
    }

    /// The children in order: an object's keys and values alternate, an array's items.
    fn children(&self) -> impl Iterator<Item = Cursor<'t, 'a>> + Clone + 't {
        let (text, nodes) = (self.text, self.nodes);
        let end = self.at + self.node().skip as usize;
        let mut at = self.at + 1;
        std::iter::from_fn(move || {
            (at < end).then(|| {
                let c = Cursor { text, nodes, at };
                at += nodes[at].skip as usize;
                c
            })
        })
    }

    /// An object's members in document order (a repeated key comes as often as written);
    /// nothing for any other value.
    pub fn members(&self) -> impl Iterator<Item = (Cursor<'t, 'a>, Cursor<'t, 'a>)> + Clone + 't {
        let is_object = self.kind() == Kind::Object;
        let mut children = self.children().filter(move |_| is_object);
        std::iter::from_fn(move || Some((children.next()?, children.next()?)))
    }

    /// An array's items; nothing for any other value.
    pub fn items(&self) -> impl Iterator<Item = Cursor<'t, 'a>> + Clone + 't {
        let is_array = self.kind() == Kind::Array;
        self.children().filter(move |_| is_array)
    }

    /// An object's member `key` (the last one when repeated, as serde_json keeps it).
    pub fn get(&self, key: &str) -> Option<Cursor<'t, 'a>> {
        self.members()
            .filter(|(k, _)| match k.kind() {
                Kind::Str => k.raw() == key,
                _ => k.as_str().is_some_and(|s| s == key),
            })
            .last()
            .map(|(_, v)| v)
    }

    /// Whether this is `v`: `self.to_value() == *v` without building anything (what a
    /// reducer merging a tape into stored values asks of every member).
    pub fn eq_value(&self, v: &Value) -> bool {
        match (self.kind(), v) {
            (Kind::Null, Value::Null) => true,
            (Kind::True, Value::Bool(b)) => *b,
            (Kind::False, Value::Bool(b)) => !*b,
            (Kind::Number, Value::Number(n)) => {
                serde_json::from_str::<serde_json::Number>(self.raw()).is_ok_and(|m| m == *n)
            }
            (Kind::Str, Value::String(s)) => self.raw() == s,
            (Kind::EscapedStr, Value::String(s)) => self.as_str().is_some_and(|t| t == *s),
            (Kind::Array, Value::Array(a)) => {
                let mut items = self.items();
                a.iter()
                    .all(|x| items.next().is_some_and(|c| c.eq_value(x)))
                    && items.next().is_none()
            }
            (Kind::Object, Value::Object(_)) if self.node().repeats => self.to_value() == *v,
            (Kind::Object, Value::Object(m)) => {
                let mut n = 0;
                self.members().all(|(k, c)| {
                    n += 1;
                    m.get(k.raw()).is_some_and(|x| c.eq_value(x))
                }) && n == m.len()
            }
            _ => false,
        }
    }

    /// The value as serde_json builds it from the same text.
    pub fn to_value(&self) -> Value {
        match self.kind() {
            Kind::Null => Value::Null,
            Kind::True => Value::Bool(true),
            Kind::False => Value::Bool(false),
            // The reader checked the grammar and the range, so serde_json reads it; its
            // own reading is what makes the number the same (integer or float, bit for bit).
            Kind::Number => serde_json::from_str(self.raw()).unwrap_or(Value::Null),
            Kind::Str | Kind::EscapedStr => {
                Value::String(self.as_str().map(Cow::into_owned).unwrap_or_default())
            }
            Kind::Array => Value::Array(self.items().map(|c| c.to_value()).collect()),
            Kind::Object => {
                let mut map = Map::new();
                for (k, v) in self.members() {
                    map.insert(
                        k.as_str().map(Cow::into_owned).unwrap_or_default(),
                        v.to_value(),
                    );
                }
                Value::Object(map)
            }
        }
    }
}

/// A typed model read straight from the tape (`T::deserialize(cursor)`), as serde_json's
/// `Value` deserializer would read it from the same text's tree: strings without escapes
/// are lent from the text, numbers are serde_json's reading of their text.
impl<'de> serde::Deserializer<'de> for Cursor<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.kind() {
            Kind::Null => visitor.visit_unit(),
            Kind::True => visitor.visit_bool(true),
            Kind::False => visitor.visit_bool(false),
            Kind::Number => {
                serde_json::from_str::<serde_json::Number>(self.raw())?.deserialize_any(visitor)
            }
            Kind::Str => visitor.visit_borrowed_str(self.raw()),
            Kind::EscapedStr => visitor.visit_string(serde_json::from_str(self.json())?),
            Kind::Array => {
                let mut items = self.items();
                let value = visitor.visit_seq(Items { items: &mut items })?;
                match items.next() {
                    None => Ok(value),
                    Some(_) => Err(de::Error::invalid_length(
                        self.items().count(),
                        &"fewer elements in array",
                    )),
                }
            }
            Kind::Object => visitor.visit_map(Members {
                members: self.members(),
                repeats: self.node().repeats,
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.kind() {
            Kind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // serde_json's `Value` rules: a string is a unit variant, an object of one member
        // is the variant named by its key with the member's value as its content.
        match self.kind() {
            Kind::Str | Kind::EscapedStr => {
                let name: String = self.as_str().map(Cow::into_owned).unwrap_or_default();
                visitor.visit_enum(de::value::StringDeserializer::<serde_json::Error>::new(
                    name,
                ))
            }
            Kind::Object => {
                let mut members = self.members();
                match (members.next(), members.next()) {
                    (Some((key, value)), None) => visitor.visit_enum(Variant { key, value }),
                    _ => Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other(self.raw()),
                &"string or map",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct Items<'i, I> {
    items: &'i mut I,
}

impl<'de: 't, 't, I: Iterator<Item = Cursor<'t, 'de>>> de::SeqAccess<'de> for Items<'_, I> {
    type Error = serde_json::Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.items.next().map(|c| seed.deserialize(c)).transpose()
    }
}

struct Members<'t, 'de, I> {
    members: I,
    /// The object may repeat a key: skip each member whose key comes again.
    repeats: bool,
    value: Option<Cursor<'t, 'de>>,
}

/// Whether two keys are the same string.
fn same_key(a: &Cursor<'_, '_>, b: &Cursor<'_, '_>) -> bool {
    match (a.kind(), b.kind()) {
        (Kind::Str, Kind::Str) => a.raw() == b.raw(),
        _ => a.as_str() == b.as_str(),
    }
}

impl<'de: 't, 't, I: Iterator<Item = (Cursor<'t, 'de>, Cursor<'t, 'de>)> + Clone> de::MapAccess<'de>
    for Members<'t, 'de, I>
{
    type Error = serde_json::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        while let Some((k, v)) = self.members.next() {
            if self.repeats && self.members.clone().any(|(later, _)| same_key(&k, &later)) {
                continue;
            }
            self.value = Some(v);
            return seed.deserialize(k).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("value asked for before its key")),
        }
    }
}

struct Variant<'t, 'de> {
    key: Cursor<'t, 'de>,
    value: Cursor<'t, 'de>,
}

impl<'de: 't, 't> de::EnumAccess<'de> for Variant<'t, 'de> {
    type Error = serde_json::Error;
    type Variant = Cursor<'t, 'de>;

    fn variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), Self::Error> {
        Ok((seed.deserialize(self.key)?, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for Cursor<'_, 'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        serde::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_map(self, visitor)
    }
}

/// How many bytes at the start of `b` are plain string content: neither `"`, `\\` nor a
/// control character. Eight bytes at a time (a byte is flagged by the classic "has a zero
/// byte" borrow trick; the lowest flag is exact, and only the lowest is used).
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let flags = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

struct Reader<'b> {
    b: &'b [u8],
    i: usize,
    nodes: Vec<Node>,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        self.nodes.push(Node {
            kind,
            start: start as u32,
            end: end as u32,
            skip: 1,
            repeats: false,
        });
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        self.ws();
        let start = self.i;
        match *self.b.get(self.i)? {
            b'{' => self.container(depth, Kind::Object),
            b'[' => self.container(depth, Kind::Array),
            b'"' => self.string(),
            b'n' => self.literal(b"null", Kind::Null),
            b't' => self.literal(b"true", Kind::True),
            b'f' => self.literal(b"false", Kind::False),
            b'-' | b'0'..=b'9' => {
                self.number()?;
                self.push(Kind::Number, start, self.i);
                Some(())
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Option<()> {
        let start = self.i;
        if self.b.get(start..start + word.len())? != word {
            return None;
        }
        self.i += word.len();
        self.push(kind, start, self.i);
        Some(())
    }

    fn container(&mut self, depth: usize, kind: Kind) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let (close, object) = match kind {
            Kind::Object => (b'}', true),
            _ => (b']', false),
        };
        let at = self.nodes.len();
        let start = self.i;
        self.push(kind, start, start);
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&close) {
            self.i += 1;
        } else {
            loop {
                if object {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return None;
                    }
                    self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                }
                self.value(depth + 1)?;
                self.ws();
                match *self.b.get(self.i)? {
                    b',' => self.i += 1,
                    c if c == close => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let skip = (self.nodes.len() - at) as u32;
        let repeats = object && self.repeats_a_key(at + 1);
        let node = &mut self.nodes[at];
        node.end = self.i as u32;
        node.skip = skip;
        node.repeats = repeats;
        Some(())
    }

    /// Whether the members starting at node `first` (to the end of the tape) repeat a key,
    /// or have a key with escapes (which this does not decode to compare).
    fn repeats_a_key(&self, first: usize) -> bool {
        let end = self.nodes.len();
        let after = |key_at: usize| key_at + 1 + self.nodes[key_at + 1].skip as usize;
        let key = |k: &Node| &self.b[k.start as usize..k.end as usize];
        let mut i = first;
        while i < end {
            let k = &self.nodes[i];
            if k.kind == Kind::EscapedStr {
                return true;
            }
            let mut j = after(i);
            while j < end {
                let other = &self.nodes[j];
                if other.end - other.start == k.end - k.start && key(other) == key(k) {
                    return true;
                }
                j = after(j);
            }
            i = after(i);
        }
        false
    }

    /// A string at `"`: no control characters, valid escapes (a high surrogate only with a
    /// low one after it, no low one alone — serde_json's rules).
    fn string(&mut self) -> Option<()> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i += plain_run(self.b.get(self.i..)?);
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match *self.b.get(self.i)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            self.i += 1;
                            match self.hex4()? {
                                0xDC00..=0xDFFF => return None,
                                0xD800..=0xDBFF => {
                                    if self.b.get(self.i..self.i + 2)? != b"\\u" {
                                        return None;
                                    }
                                    self.i += 2;
                                    if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                                        return None;
                                    }
                                }
                                _ => {}
                            }
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let kind = if escaped { Kind::EscapedStr } else { Kind::Str };
        self.push(kind, start, self.i);
        self.i += 1;
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, and in range: serde_json refuses a
    /// number whose value overflows `f64`, which takes an exponent or over 300 digits.
    fn number(&mut self) -> Option<()> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return None;
            }
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = b.get(i) {
            exponent = true;
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return None;
            }
        }
        if exponent || i - start > 300 {
            let text = std::str::from_utf8(&b[start..i]).ok()?;
            if !text.parse::<f64>().ok()?.is_finite() {
                return None;
            }
        }
        self.i = i;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_an_envelope_without_a_tree() {
        let text = r#"{"id":"evt_1","type":"position.opened","data":{"id":"dm_pos_1","status":"open","entry":{"price":"0.42"},"n":[1,-2.5e3,null,true],"q":"a\"b"},"id":"evt_2"}"#;
        let tape = Tape::read(text).expect("valid");
        let root = tape.root();
        assert_eq!(root.kind(), Kind::Object);
        // The last of a repeated key, as serde_json keeps it.
        assert_eq!(
            root.get("id").and_then(|c| c.as_str()).as_deref(),
            Some("evt_2")
        );
        let data = root.get("data").expect("data");
        let keys: Vec<_> = data.members().map(|(k, _)| k.raw()).collect();
        assert_eq!(keys, ["id", "status", "entry", "n", "q"]);
        assert_eq!(
            data.get("entry").map(|c| c.json()),
            Some(r#"{"price":"0.42"}"#)
        );
        assert_eq!(data.get("q").map(|c| c.json()), Some(r#""a\"b""#));
        assert_eq!(
            data.get("q").and_then(|c| c.as_str()).as_deref(),
            Some("a\"b")
        );
        let n: Vec<_> = data
            .get("n")
            .expect("n")
            .items()
            .map(|c| c.kind())
            .collect();
        assert_eq!(n, [Kind::Number, Kind::Number, Kind::Null, Kind::True]);
        assert_eq!(root.get("missing").map(|c| c.raw()), None);
        assert_eq!(
            root.to_value(),
            serde_json::from_str::<Value>(text).expect("json")
        );
        assert_eq!(
            data.get("n").map(|c| c.to_value()),
            Some(json!([1, -2500.0, null, true]))
        );
    }

    proptest::proptest! {
        /// Strings of escapes, valid and not (surrogates alone, in pairs, in the wrong
        /// order, bad hex, unknown escapes, control characters): accepted exactly when
        /// serde_json accepts them, with its value.
        #[test]
        fn escapes_are_serde_jsons(
            parts in proptest::collection::vec(proptest::prop_oneof![
                "\\\\u[dD][89abAB][0-9a-fA-F]{2}",
                "\\\\u[dD][c-fC-F][0-9a-fA-F]{2}",
                "\\\\u[0-9a-fA-FgG]{1,4}",
                "\\\\[nrtbf/\"\\\\xu0]",
                "[a-z\u{1}\u{1f}\u{7f}é]",
            ], 0..6),
        ) {
            let text = format!("\"{}\"", parts.concat());
            let tape = Tape::read(&text).map(|t| t.root().to_value());
            let reference = serde_json::from_str::<Value>(&text).ok();
            proptest::prop_assert_eq!(tape, reference, "{}", text);
        }
    }

    proptest::proptest! {
        /// Dimes envelopes with the lenient fields in every shape the models accept or
        /// refuse (ids as numbers, `null`, objects; escaped strings; extra members): the
        /// typed model read from the tape is the one read from serde_json's tree.
        #[test]
        fn typed_envelopes_read_alike(
            id in proptest::sample::select(vec![r#""evt_1""#, "17", "1.5", "null", "{}", r#""a\u00e9""#, "[1]", "true"]),
            status in proptest::sample::select(vec![r#""open""#, "null", "3", r#""cl\"osed""#, "{\"x\":1}"]),
            extra in proptest::sample::select(vec!["", r#","entry":{"price":"0.42"}"#, r#","n":[1,2,{"a":null}]"#, r#","id":"dup""#]),
        ) {
            let text = format!(
                r#"{{"id":{id},"type":"position.opened","created_at":{status},"data":{{"id":{id},"status":{status}{extra}}}{extra}}}"#
            );
            let tree: Value = serde_json::from_str(&text).expect("valid text");
            let tape = Tape::read(&text).expect("valid text");
            use serde::Deserialize as _;
            type P = crate::models::dimes::PositionEvent;
            type N = crate::models::dimes::NotificationEvent;
            proptest::prop_assert_eq!(P::deserialize(tape.root()).ok(), serde_json::from_value::<P>(tree.clone()).ok());
            proptest::prop_assert_eq!(N::deserialize(tape.root()).ok(), serde_json::from_value::<N>(tree).ok());
        }
    }

    proptest::proptest! {
        /// `eq_value` is `to_value() ==`, on equal values and on different ones (a value
        /// against another drawn alone, and against itself changed in one place).
        #[test]
        fn eq_value_is_equality(
            a in crate::json::tests::arb_value(),
            b in crate::json::tests::arb_value(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let text = a.to_string();
            // serde_json's reading of the text (its default float parsing may differ from
            // `a` in a float's last bit).
            let a: Value = serde_json::from_str(&text).expect("valid");
            let tape = Tape::read(&text).expect("valid");
            let root = tape.root();
            proptest::prop_assert!(root.eq_value(&a));
            proptest::prop_assert_eq!(root.eq_value(&b), a == b);
            let mut changed = a.clone();
            let nodes = count_nodes(&changed);
            change_one(&mut changed, &mut at.index(nodes));
            proptest::prop_assert_eq!(root.eq_value(&changed), a == changed);
        }
    }

    fn count_nodes(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count_nodes).sum(),
            Value::Object(m) => m.values().map(count_nodes).sum(),
            _ => 0,
        }
    }

    /// Change the `n`th value (preorder) a little: another scalar of the same kind, one
    /// more item or member.
    fn change_one(v: &mut Value, n: &mut usize) -> bool {
        if *n == 0 {
            match v {
                Value::Null => *v = json!(false),
                Value::Bool(b) => *b = !*b,
                Value::Number(x) => {
                    *v = match x.as_u64() {
                        Some(u) => json!(u.wrapping_add(1)),
                        None => json!(x.as_f64().unwrap_or(0.0) + 1.0),
                    }
                }
                Value::String(s) => s.push('x'),
                Value::Array(a) => a.push(Value::Null),
                Value::Object(m) => {
                    m.insert("~".into(), Value::Null);
                }
            }
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| change_one(x, n)),
            Value::Object(m) => m.values_mut().any(|x| change_one(x, n)),
            _ => false,
        }
    }

    proptest::proptest! {
        /// The eight-at-a-time scan finds the first `"`, `\\` or control byte, as a byte
        /// loop does.
        #[test]
        fn plain_run_is_the_byte_loop(bytes in proptest::collection::vec(proptest::prop_oneof![
            proptest::prelude::Just(b'"'), proptest::prelude::Just(b'\\'), 0u8..0x20, 0x20u8..=0xff, 0x20u8..=0x7e,
            0x20u8..=0x7e, 0x20u8..=0x7e, 0x20u8..=0x7e,
        ], 0..40)) {
            let expected = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run(&bytes), expected);
        }
    }

    #[test]
    fn declines_deep_nesting_and_refuses_bad_escapes() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Tape::read(&ok).is_some());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(Tape::read(&deep).is_none());
        for bad in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\x""#,
            r#""\u12g4""#,
        ] {
            assert!(Tape::read(bad).is_none(), "{bad}");
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
        let pair = r#""\ud83d\ude00""#;
        assert_eq!(
            Tape::read(pair).map(|t| t.root().to_value()),
            Some(json!("😀"))
        );
    }
}
