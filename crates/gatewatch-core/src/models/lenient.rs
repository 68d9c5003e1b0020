//! Lenient field deserializers shared by the models.
//!
//! The gateway documents are loose about types (ids as strings or numbers, amounts as
//! numbers or numeric strings), and independent servers will differ. A field of an
//! unexpected type becomes `None` (or is converted) instead of failing the whole message:
//! one odd field must never cost us the event.

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One JSON scalar as a deserializer hands it over, borrowed where it can be: the lenient
/// field readers below look at this instead of building a `Value` first (which, read from
/// a borrowed `Value`, would copy every string once more). Arrays and objects are skipped
/// and become `Other`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Str(std::borrow::Cow<'a, str>),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    /// `null`, an array, an object, or a float that isn't finite.
    Other,
}

impl<'a> Scalar<'a> {
    /// The scalar a `Value` holds (the same reading a deserializer gives).
    pub(crate) fn of(v: &'a Value) -> Self {
        match v {
            Value::String(s) => Scalar::Str(std::borrow::Cow::Borrowed(s)),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Scalar::U64(u)
                } else if let Some(i) = n.as_i64() {
                    Scalar::I64(i)
                } else {
                    n.as_f64().map_or(Scalar::Other, Scalar::F64)
                }
            }
            Value::Bool(b) => Scalar::Bool(*b),
            _ => Scalar::Other,
        }
    }

    fn number(&self) -> Option<serde_json::Number> {
        match *self {
            Scalar::U64(u) => Some(u.into()),
            Scalar::I64(i) => Some(i.into()),
            Scalar::F64(f) => serde_json::Number::from_f64(f),
            _ => None,
        }
    }

    /// A string, or a number/bool rendered as text (numbers as serde_json prints them).
    pub(crate) fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.into_owned()),
            Scalar::Bool(b) => Some(b.to_string()),
            other => other.number().map(|n| n.to_string()),
        }
    }

    /// A number, or a string that parses as a finite one.
    pub(crate) fn to_f64(&self) -> Option<f64> {
        match *self {
            Scalar::U64(u) => Some(u as f64),
            Scalar::I64(i) => Some(i as f64),
            Scalar::F64(f) => Some(f),
            Scalar::Str(ref s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    /// A non-negative integer, from a number or a numeric string.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        match *self {
            Scalar::U64(u) => Some(u),
            Scalar::F64(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => {
                Some(f as u64)
            }
            Scalar::Str(ref s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
    }

    /// A bool, or `"true"`/`"false"` (also `1`/`0`, `yes`/`no`), or a number (non-zero).
    pub(crate) fn to_bool(&self) -> Option<bool> {
        match *self {
            Scalar::Bool(b) => Some(b),
            Scalar::Str(ref s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            ref other => other.to_f64().map(|f| f != 0.0),
        }
    }

    /// Read one value from a deserializer without building a `Value`.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        // serde_json stores non-negative integers as unsigned.
        Ok(u64::try_from(v).map_or(Scalar::I64(v), Scalar::U64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(if v.is_finite() {
            Scalar::F64(v)
        } else {
            Scalar::Other
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(std::borrow::Cow::Owned(v.to_owned())))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(std::borrow::Cow::Borrowed(v)))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(std::borrow::Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// A string, or a number/bool rendered as text; anything else is `None`.
pub(crate) fn value_to_string(v: &Value) -> Option<String> {
    Scalar::of(v).into_string()
}

/// A number, or a string that parses as one; anything else is `None`.
pub(crate) fn value_to_f64(v: &Value) -> Option<f64> {
    Scalar::of(v).to_f64()
}

/// A non-negative integer, from a number or a numeric string.
pub(crate) fn value_to_u64(v: &Value) -> Option<u64> {
    Scalar::of(v).to_u64()
}

/// A bool, or `"true"`/`"false"`, or 0/1.
pub(crate) fn value_to_bool(v: &Value) -> Option<bool> {
    Scalar::of(v).to_bool()
}

/// `Option<String>` that accepts numbers and bools too.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Scalar::read(d)?.into_string())
}

/// An identity `String` (string or number); empty when absent or of another type. The
/// decoders check identities before building a model, so empty never reaches an event.
pub(crate) fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Scalar::read(d)?.into_string().unwrap_or_default())
}

/// `Option<f64>` from a number or a numeric string.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Scalar::read(d)?.to_f64())
}

/// `Option<u64>` from a number or a numeric string.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Scalar::read(d)?.to_u64())
}

/// `Option<bool>` from a bool, `"true"`/`"false"` or 0/1.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Scalar::read(d)?.to_bool())
}

/// `Option<T>` that is `None` when the value does not fit `T` (instead of an error).
pub(crate) fn opt<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// `Vec<T>` keeping the items that fit `T`; a non-array is an empty list.
pub(crate) fn vec_of<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// `Vec<String>` keeping the items that are strings (or numbers).
pub(crate) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.iter().filter_map(value_to_string).collect(),
        _ => Vec::new(),
    })
}

/// Any JSON value, with `null` read as absent.
pub(crate) fn opt_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        v => Some(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The readers as first written (through an intermediate `Value`): the borrowed
    /// `Scalar` path must agree with them on every input.
    mod reference {
        use serde_json::Value;
        pub fn string(v: &Value) -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        pub fn f64(v: &Value) -> Option<f64> {
            match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            }
        }
        pub fn u64(v: &Value) -> Option<u64> {
            match v {
                Value::Number(n) => n.as_u64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
                        .map(|f| f as u64)
                }),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            }
        }
        pub fn bool(v: &Value) -> Option<bool> {
            match v {
                Value::Bool(b) => Some(*b),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => Some(true),
                    "false" | "0" | "no" => Some(false),
                    _ => None,
                },
                Value::Number(n) => n.as_f64().map(|f| f != 0.0),
                _ => None,
            }
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Fields {
        #[serde(deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(deserialize_with = "opt_f64")]
        f: Option<f64>,
        #[serde(deserialize_with = "opt_u64")]
        u: Option<u64>,
        #[serde(deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(deserialize_with = "id_string")]
        id: String,
    }

    fn scalar_or_container() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            (0u32..100).prop_map(|n| json!(f64::from(n))),
            " ?(-?[0-9]{1,20}(\\.[0-9]{0,3})?|true|FALSE|yes|no|NaN|inf|x) ?"
                .prop_map(Value::String),
            any::<String>().prop_map(Value::String),
            Just(json!([1, "a", {"b": 2}])),
            Just(json!({"a": [1, 2], "b": {"c": "d"}})),
        ]
    }

    proptest! {
        #[test]
        fn borrowed_readers_agree_with_the_value_readers(v in scalar_or_container()) {
            let want = Fields {
                s: reference::string(&v),
                f: reference::f64(&v),
                u: reference::u64(&v),
                b: reference::bool(&v),
                id: reference::string(&v).unwrap_or_default(),
            };
            let obj = json!({"s": v, "f": v, "u": v, "b": v, "id": v});
            // From a borrowed Value (the decoders) and from text (anything reading JSON).
            let from_value = Fields::deserialize(&obj);
            prop_assert_eq!(from_value.ok(), Some(want));
            let text = obj.to_string();
            let from_text: Result<Fields, _> = serde_json::from_str(&text);
            let reparsed: Value = serde_json::from_str(&text).unwrap_or_default();
            let want_text = Fields {
                s: reference::string(&reparsed["s"]),
                f: reference::f64(&reparsed["f"]),
                u: reference::u64(&reparsed["u"]),
                b: reference::bool(&reparsed["b"]),
                id: reference::string(&reparsed["id"]).unwrap_or_default(),
            };
            prop_assert_eq!(from_text.ok(), Some(want_text));
        }
    }

    #[test]
    fn numbers_and_strings_convert_both_ways() {
        assert_eq!(value_to_f64(&json!("1.5")), Some(1.5));
        assert_eq!(value_to_f64(&json!(2)), Some(2.0));
        assert_eq!(value_to_f64(&json!("abc")), None);
        assert_eq!(value_to_f64(&json!("NaN")), None);
        assert_eq!(value_to_string(&json!(12)), Some("12".to_owned()));
        assert_eq!(value_to_string(&json!({})), None);
        assert_eq!(value_to_u64(&json!(3.0)), Some(3));
        assert_eq!(value_to_u64(&json!(-1)), None);
        assert_eq!(value_to_u64(&json!("7")), Some(7));
        assert_eq!(value_to_bool(&json!("true")), Some(true));
        assert_eq!(value_to_bool(&json!(0)), Some(false));
    }
}
