//! Lenient field deserializers shared by the models.
//!
//! The gateway documents are loose about types (ids as strings or numbers, amounts as
//! numbers or numeric strings), and independent servers will differ. A field of an
//! unexpected type becomes `None` (or is converted) instead of failing the whole message:
//! one odd field must never cost us the event.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string, or a number/bool rendered as text; anything else is `None`.
pub(crate) fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number, or a string that parses as one; anything else is `None`.
pub(crate) fn value_to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A non-negative integer, from a number or a numeric string.
pub(crate) fn value_to_u64(v: &Value) -> Option<u64> {
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

/// A bool, or `"true"`/`"false"`, or 0/1.
pub(crate) fn value_to_bool(v: &Value) -> Option<bool> {
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

/// `Option<String>` that accepts numbers and bools too.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_to_string(&Value::deserialize(d)?))
}

/// An identity `String` (string or number); empty when absent or of another type. The
/// decoders check identities before building a model, so empty never reaches an event.
pub(crate) fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value_to_string(&Value::deserialize(d)?).unwrap_or_default())
}

/// `Option<f64>` from a number or a numeric string.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(value_to_f64(&Value::deserialize(d)?))
}

/// `Option<u64>` from a number or a numeric string.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(value_to_u64(&Value::deserialize(d)?))
}

/// `Option<bool>` from a bool, `"true"`/`"false"` or 0/1.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(value_to_bool(&Value::deserialize(d)?))
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
    use serde_json::json;

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
