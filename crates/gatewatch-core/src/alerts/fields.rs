//! Lenient reads from event payloads.
//!
//! The documents are vague about where fields sit (zkde: top level or under `data`) and
//! independent servers differ in spelling (`distanceToLiquidation` vs
//! `distance_to_liquidation`) and in types (numbers sent as strings). Every read here
//! accepts all of those and returns `None` rather than failing.

use serde_json::Value;

/// The object holding an event's fields: `payload.data` when it is an object, else the
/// payload itself (zkde fields at the top level, Fusion's first argument).
pub(crate) fn data_of(payload: &Value) -> &Value {
    match payload.get("data") {
        Some(d) if d.is_object() => d,
        _ => payload,
    }
}

/// The first of `keys` present (and not null) on `obj`.
pub(crate) fn get<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let map = obj.as_object()?;
    keys.iter()
        .find_map(|k| map.get(*k).filter(|v| !v.is_null()))
}

/// A field read from `data` first, then from the top level of the payload.
pub(crate) fn field<'a>(payload: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    get(data_of(payload), keys).or_else(|| get(payload, keys))
}

/// A string, or a number/bool rendered as one.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A finite number, also from a numeric string (`"0.82"`).
pub(crate) fn number(v: Option<&Value>) -> Option<f64> {
    let n = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A boolean, also from `"true"`/`"false"`, `"yes"`/`"no"` and `1`/`0`.
pub(crate) fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|x| x != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The first numeric field of `obj` whose key contains `needle` (case-insensitive),
/// excluding keys that contain any of `except`. Used where a document names a section but
/// not its fields (Dimes `result`, `risk`).
pub(crate) fn number_by_key_part(
    obj: &Value,
    needle: &str,
    except: &[&str],
) -> Option<(String, f64)> {
    let map = obj.as_object()?;
    map.iter().find_map(|(k, v)| {
        let lk = k.to_ascii_lowercase();
        if !lk.contains(needle) || except.iter().any(|e| lk.contains(e)) {
            return None;
        }
        number(Some(v)).map(|n| (k.clone(), n))
    })
}

/// A number rendered for humans: up to 4 decimals, trailing zeros dropped.
pub(crate) fn fmt_num(n: f64) -> String {
    let s = format!("{n:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A signed number for PnL: `+12.5`, `-3`.
pub(crate) fn fmt_signed(n: f64) -> String {
    let s = fmt_num(n);
    if n > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// Normalizes a free-form label: lowercase, spaces and hyphens to `_`.
pub(crate) fn slug(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_first_then_top_level() {
        let p = json!({"type": "alert", "data": {"severity": "high"}, "alert_type": "drawdown"});
        assert_eq!(text(field(&p, &["severity"])).as_deref(), Some("high"));
        assert_eq!(
            text(field(&p, &["alert_type"])).as_deref(),
            Some("drawdown")
        );
        let flat = json!({"type": "alert", "severity": "low"});
        assert_eq!(text(field(&flat, &["severity"])).as_deref(), Some("low"));
    }

    #[test]
    fn lenient_scalars() {
        assert_eq!(number(Some(&json!("0.82"))), Some(0.82));
        assert_eq!(number(Some(&json!(7))), Some(7.0));
        assert_eq!(number(Some(&json!("x"))), None);
        assert_eq!(number(Some(&json!({}))), None);
        assert_eq!(boolean(Some(&json!("TRUE"))), Some(true));
        assert_eq!(boolean(Some(&json!(0))), Some(false));
        assert_eq!(boolean(Some(&json!("maybe"))), None);
        assert_eq!(text(Some(&json!("  "))), None);
        assert_eq!(text(Some(&json!(12))).as_deref(), Some("12"));
    }

    #[test]
    fn key_part_search_and_formatting() {
        let r = json!({"realized_pnl_usd": "-42.1", "collected_liquidation_fee_usd": 1.2});
        assert_eq!(
            number_by_key_part(&r, "pnl", &[]),
            Some(("realized_pnl_usd".to_owned(), -42.1))
        );
        assert_eq!(number_by_key_part(&r, "fee", &["liquidation"]), None);
        assert_eq!(fmt_num(0.8200), "0.82");
        assert_eq!(fmt_num(-0.00001), "0");
        assert_eq!(fmt_signed(12.5), "+12.5");
        assert_eq!(fmt_signed(-3.0), "-3");
        assert_eq!(slug("Health Factor"), "health_factor");
    }
}
