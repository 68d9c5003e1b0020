//! The one place secrets are removed from URLs, headers, frames and payloads.
//!
//! Everything Gatewatch shows, logs, records or stores passes through here first: the
//! inspector's frames, log lines that mention a URL, event payloads. What counts as a secret:
//!
//! - query parameters named like a credential (`token`, `apiKey`, `api_key`, `access_token`,
//!   `jwt`, `key`, `secret`, `password`, `auth`, `authorization`…) and a URL's password;
//! - JSON members named like a credential (`"apiKey": "…"`, `"token": "…"`, `"authorization"`…),
//!   so Socket.IO auth payloads (`40/ns,{"apiKey":…}`) and Axisor's `{"type":"auth","token":…}`
//!   lose their values;
//! - `Bearer …` and `Api-Key …` credentials (an `Authorization` header's value);
//! - anything that looks like a Dimes key (`dm_live_skey_…`, `dm_sbx_skey_…`) or a JWT
//!   (`eyJ….….…`), wherever it appears.
//!
//! Redaction replaces the value with [`REDACTED`] and keeps everything else byte for byte, so
//! the inspector still shows the real frame. All functions are pure and never panic.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// What a removed secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Names (compared case-insensitively, `-`/`_` ignored) of query parameters, JSON members and
/// headers whose value is a credential.
const SECRET_NAMES: &[&str] = &[
    "token",
    "apikey",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "jwt",
    "secret",
    "clientsecret",
    "password",
    "passwd",
    "auth",
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "xapikey",
    "sessiontoken",
];

/// A credential (API key, JWT) resolved from the config. It can't be printed by accident:
/// `Debug` and `Display` print `[redacted]`; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the one place that must send it (a handshake).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Whether `name` is a query parameter holding a credential: the [`is_secret_name`] names
/// plus the bare `key` (`?key=…`), which in a JSON payload is too common to redact.
fn is_secret_query_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("key") || is_secret_name(name)
}

/// Whether `name` (a query parameter, JSON member or header name) holds a credential.
pub fn is_secret_name(name: &str) -> bool {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        if c != '-' && c != '_' {
            folded.extend(c.to_lowercase());
        }
    }
    SECRET_NAMES.contains(&folded.as_str())
}

/// A cheap test for whether `text` might hold a secret that [`redact_text`] would remove.
/// `false` means it certainly holds none, so hot paths can skip the full redaction.
///
/// It answers whether `text` contains, in any case, one of the fragments of credential
/// names and formats: `key` (`apiKey`, `api_key`, `Api-Key`, `key=`, `"key"`, `_skey_`),
/// `oken`, `ookie`, `eyJ` (a JWT), `jwt`, `assw`, `uth`, `ecret`, `asic ` or `earer`. It
/// answers `true` whenever the earlier 29-substring check did (a test holds it to that),
/// and runs on every inbound frame, so it is written for speed: each fragment holds one
/// rare pair of letters (`ke`, `ki`, `yj`, `jw`, `sw`, `th`, `cr`, `c `, `re`); one pass
/// without branches marks where those pairs start, sixty-four positions at a time (it
/// compiles to vector compares), and only the marked positions are looked at.
pub fn might_contain_secret(text: &str) -> bool {
    let b = text.as_bytes();
    let at = |i: usize, pat: &[u8]| {
        b.get(i..i + pat.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(pat))
    };
    // The fragment `pat` holds the pair at `i` at its offset `o`.
    let frag = |i: usize, o: usize, pat: &[u8]| i >= o && at(i - o, pat);
    let lower = |i: usize| b.get(i).map_or(0, |c| c | 0x20);
    let hit_at = |i: usize| match (lower(i), lower(i + 1)) {
        (b'k', b'e') => frag(i, 0, b"key") || frag(i, 1, b"oken"),
        (b'k', b'i') => frag(i, 2, b"ookie"),
        (b'y', b'j') => frag(i, 1, b"eyj"),
        (b'j', b'w') => frag(i, 0, b"jwt"),
        (b's', b'w') => frag(i, 2, b"assw"),
        (b't', b'h') => frag(i, 1, b"uth"),
        (b'c', b'r') => frag(i, 1, b"ecret"),
        (b'c', b' ') => frag(i, 3, b"asic "),
        (b'r', b'e') => frag(i, 2, b"earer"),
        _ => false,
    };
    // Pairs start at 0..len-1.
    let pairs = b.len().saturating_sub(1);
    let mut marks = [0u8; 64];
    let mut start = 0;
    while start < pairs {
        let end = (start + 64).min(pairs);
        let n = end - start;
        let firsts = b.get(start..end).unwrap_or_default();
        let seconds = b.get(start + 1..end + 1).unwrap_or_default();
        for ((m, &x), &y) in marks.iter_mut().zip(firsts).zip(seconds) {
            // `| 0x20` lower-cases ASCII letters (and turns NUL into a space: the exact
            // check below tells them apart).
            *m = u8::from(rare_pair(x | 0x20, y | 0x20));
        }
        // A short last block: nothing marked past its end.
        marks.iter_mut().skip(n).for_each(|m| *m = 0);
        // Eight unmarked positions are skipped with one test.
        for word_no in 0..n.div_ceil(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(&marks[word_no * 8..word_no * 8 + 8]);
            let mut bits = u64::from_le_bytes(w);
            while bits != 0 {
                if hit_at(start + word_no * 8 + (bits.trailing_zeros() / 8) as usize) {
                    return true;
                }
                bits &= bits - 1;
            }
        }
        start = end;
    }
    false
}

/// Whether two lower-cased bytes are one of the pairs [`might_contain_secret`] looks at.
/// `&`/`|` rather than `&&`/`||`: no branches, so the loop calling it vectorizes.
#[inline(always)]
fn rare_pair(x: u8, y: u8) -> bool {
    (x == b'k') & ((y == b'e') | (y == b'i'))
        | (x == b'y') & (y == b'j')
        | ((x == b'j') | (x == b's')) & (y == b'w')
        | (x == b't') & (y == b'h')
        | (x == b'c') & ((y == b'r') | (y == b' '))
        | (x == b'r') & (y == b'e')
}

/// The value of an HTTP header as it may be shown: credentials headers become `[redacted]`
/// (keeping the scheme, `Bearer [redacted]`); other headers go through [`redact_text`].
pub fn redact_header(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        match value.split_once(' ') {
            Some((scheme, _)) if !scheme.is_empty() && scheme.len() < 20 => {
                format!("{scheme} {REDACTED}")
            }
            _ => REDACTED.to_owned(),
        }
    } else {
        redact_text(value).into_owned()
    }
}

/// A URL as it may be shown or logged: credential query parameters (`?token=…`) and the
/// password of `user:password@` lose their values; keys and JWTs anywhere else too.
/// Works on any string, parseable URL or not.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => (&url[..i], Some(&url[i + 1..])),
        None => (url, None),
    };
    let (base, query) = match before_fragment.find('?') {
        Some(i) => (&before_fragment[..i], Some(&before_fragment[i + 1..])),
        None => (before_fragment, None),
    };
    let mut out = String::with_capacity(url.len());
    out.push_str(&redact_userinfo(base));
    if let Some(query) = query {
        out.push('?');
        out.push_str(&redact_query(query));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&redact_query(fragment));
    }
    redact_patterns(&out).into_owned()
}

/// `scheme://user:password@host/…` → `scheme://user:[redacted]@host/…`.
fn redact_userinfo(base: &str) -> Cow<'_, str> {
    let Some(scheme_end) = base.find("://") else {
        return Cow::Borrowed(base);
    };
    let authority_start = scheme_end + 3;
    let rest = &base[authority_start..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(base);
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return Cow::Borrowed(base);
    };
    let mut out = String::with_capacity(base.len());
    out.push_str(&base[..authority_start]);
    out.push_str(&userinfo[..colon + 1]);
    out.push_str(REDACTED);
    out.push_str(&rest[at..]);
    Cow::Owned(out)
}

/// `a=1&token=xyz` → `a=1&token=[redacted]`.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_query_name(&percent_decode_lossy(name)) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Enough percent-decoding to recognise `api%5Fkey`; invalid escapes are kept as they are.
fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Any text (a frame, a log line, an error message) with every secret removed: JSON members
/// named like credentials, `name=value` query credentials, `Bearer`/`Api-Key` credentials,
/// Dimes keys and JWTs. Borrows when there is nothing to remove.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    if !might_contain_secret(text) {
        return Cow::Borrowed(text);
    }
    let step1 = redact_json_members(text);
    let step2 = redact_query_pairs(&step1);
    let step3 = redact_schemes(&step2);
    let step4 = redact_patterns(&step3);
    if step4 == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(step4.into_owned())
    }
}

/// Redact a JSON value in place: members named like credentials get `"[redacted]"` (whatever
/// their type), and every string goes through [`redact_text`].
pub fn redact_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(r) = redact_text(s) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                if is_secret_name(name) && !v.is_null() && !is_non_secret_shape(v) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A member named like a credential whose value is a nested object (say `"auth": {"type":
/// "jwt", "token": "…"}`) is walked rather than replaced, so its non-secret parts stay visible.
fn is_non_secret_shape(v: &serde_json::Value) -> bool {
    v.is_object() || v.is_array()
}

/// `"apiKey": "…"` → `"apiKey": "[redacted]"` in JSON-ish text (the JSON may be embedded in a
/// Socket.IO packet, so this works on text rather than a parsed value). Handles escaped
/// quotes inside the string; a non-string value (number) is replaced too.
fn redact_json_members(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already accounted for in `out`
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        // A string starts at i: find its end.
        let Some(end) = string_end(bytes, i) else {
            break;
        };
        let name = &text[i + 1..end];
        let mut j = end + 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < bytes.len() && bytes[j] == b':' && is_secret_name(name) {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let value_span = if j < bytes.len() && bytes[j] == b'"' {
                string_end(bytes, j).map(|e| (j + 1, e))
            } else {
                // A bare value (number, true…): up to the next delimiter. Objects, arrays and
                // null are left for the inner members to be handled.
                let start = j;
                let mut e = j;
                while e < bytes.len() && !matches!(bytes[e], b',' | b'}' | b']' | b' ' | b'\n') {
                    e += 1;
                }
                let v = &text[start..e];
                if v.is_empty() || v == "null" || v.starts_with('{') || v.starts_with('[') {
                    None
                } else {
                    Some((start, e))
                }
            };
            if let Some((vs, ve)) = value_span {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..vs]);
                if bytes.get(vs.wrapping_sub(1)) == Some(&b'"') {
                    o.push_str(REDACTED);
                } else {
                    o.push('"');
                    o.push_str(REDACTED);
                    o.push('"');
                }
                copied = ve;
                i = ve + 1;
                continue;
            }
        }
        i = end + 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// Index of the closing quote of the JSON string opening at `start`, honouring `\"`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'"' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

fn is_value_end(b: u8) -> bool {
    matches!(
        b,
        b'&' | b'#'
            | b'"'
            | b'\''
            | b' '
            | b'\t'
            | b'\r'
            | b'\n'
            | b','
            | b'}'
            | b']'
            | b'>'
            | b'<'
    )
}

/// `…?token=xyz&…` or `token=xyz` anywhere in text → `token=[redacted]`.
fn redact_query_pairs(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            i += 1;
            continue;
        }
        // The name runs back to a separator.
        let mut s = i;
        while s > 0
            && (bytes[s - 1].is_ascii_alphanumeric() || matches!(bytes[s - 1], b'_' | b'-' | b'%'))
        {
            s -= 1;
        }
        let name = &text[s..i];
        let mut e = i + 1;
        while e < bytes.len() && !is_value_end(bytes[e]) {
            e += 1;
        }
        if !name.is_empty()
            && e > i + 1
            && is_secret_query_name(&percent_decode_lossy(name))
            && !text[i + 1..].starts_with(REDACTED)
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..=i]);
            o.push_str(REDACTED);
            copied = e;
        }
        i = e.max(i + 1);
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// `Bearer xyz`, `Api-Key xyz`, `Basic xyz` → `Bearer [redacted]`, … (case-insensitive).
fn redact_schemes(text: &str) -> Cow<'_, str> {
    const SCHEMES: &[&str] = &["bearer ", "api-key ", "apikey ", "basic ", "token "];
    let lower = text.to_ascii_lowercase();
    let lower = lower.as_bytes();
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let hit = SCHEMES
            .iter()
            .find(|s| lower[i..].starts_with(s.as_bytes()));
        let Some(scheme) = hit else {
            i += 1;
            continue;
        };
        // Only at a word start, so "unbearable " isn't a scheme.
        if i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let vs = i + scheme.len();
        let mut ve = vs;
        while ve < bytes.len() && !is_value_end(bytes[ve]) {
            ve += 1;
        }
        let value = &text[vs..ve];
        // "token " followed by an ordinary word ("token expired") is prose, not a credential:
        // only redact values that look like credentials (long, or key/JWT shaped).
        let credential_like = value.len() >= 16 || value.contains('.') || value.contains("_skey_");
        if ve > vs
            && !text[vs..].starts_with(REDACTED)
            && (scheme.trim() != "token" || credential_like)
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..vs]);
            o.push_str(REDACTED);
            copied = ve;
        }
        i = ve.max(i + 1);
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Dimes keys (`dm_live_skey_…` → `dm_live_skey_[redacted]`) and JWTs (`eyJ….….…` →
/// `[redacted]`) anywhere in the text.
fn redact_patterns(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || !is_token_char(bytes[i - 1]);
        if at_word_start {
            // Byte comparisons: `i` need not be on a char boundary.
            let rest = &bytes[i..];
            let key_prefix = ["dm_live_skey_", "dm_sbx_skey_"]
                .into_iter()
                .find(|p| rest.starts_with(p.as_bytes()));
            if let Some(prefix) = key_prefix {
                let vs = i + prefix.len();
                let mut ve = vs;
                while ve < bytes.len() && is_token_char(bytes[ve]) {
                    ve += 1;
                }
                if ve > vs && &text[vs..] != REDACTED && !text[vs..].starts_with(REDACTED) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..vs]);
                    o.push_str(REDACTED);
                    copied = ve;
                }
                i = ve.max(i + 1);
                continue;
            }
            if rest.starts_with(b"eyJ") {
                if let Some(ve) = jwt_end(bytes, i) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..i]);
                    o.push_str(REDACTED);
                    copied = ve;
                    i = ve;
                    continue;
                }
            }
        }
        i += 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(text),
    }
}

/// End of a JWT starting at `start` (`header.payload.signature`, base64url, the signature
/// may be empty), or `None` when the text there isn't one.
fn jwt_end(bytes: &[u8], start: usize) -> Option<usize> {
    let b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut k = start;
    let mut segments = 0;
    loop {
        let seg_start = k;
        while k < bytes.len() && b64(bytes[k]) {
            k += 1;
        }
        let len = k - seg_start;
        segments += 1;
        if segments < 3 {
            if len == 0 || k >= bytes.len() || bytes[k] != b'.' {
                return None;
            }
            k += 1;
        } else {
            return Some(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The first prefilter (29 substring searches): the one-pass version must say `true`
    /// wherever this one did.
    fn reference_might_contain_secret(text: &str) -> bool {
        const MARKERS: &[&str] = &[
            "_skey_", "eyJ", "oken", "Token", "TOKEN", "apiKey", "ApiKey", "api_key", "API_KEY",
            "pi-Key", "PI-KEY", "earer", "EARER", "ecret", "ECRET", "assw", "ASSW", "uth", "UTH",
            "jwt", "JWT", "key=", "Key=", "KEY=", "\"key\"", "ookie", "OOKIE", "asic ", "ASIC ",
        ];
        MARKERS.iter().any(|m| text.contains(m))
    }

    proptest! {
        #[test]
        fn one_pass_prefilter_covers_every_marker(
            pre in "[a-zA-Z_ =\"-]{0,6}",
            marker in prop::sample::select(vec![
                "_skey_", "eyJ", "oken", "Token", "TOKEN", "apiKey", "ApiKey", "api_key",
                "API_KEY", "pi-Key", "PI-KEY", "earer", "EARER", "ecret", "ECRET", "assw",
                "ASSW", "uth", "UTH", "jwt", "JWT", "key=", "Key=", "KEY=", "\"key\"",
                "ookie", "OOKIE", "asic ", "ASIC ", "",
            ]),
            post in "[a-zA-Z_ =\"-]{0,6}",
            noise in any::<String>(),
        ) {
            for text in [format!("{pre}{marker}{post}"), format!("{noise}{marker}"), noise.clone()] {
                if reference_might_contain_secret(&text) {
                    prop_assert!(might_contain_secret(&text), "missed: {text:?}");
                }
            }
        }
    }

    /// The bytes the previous prefilter looked around: `k`, `j`, `w`, `h`, `c`, `r`, any case.
    static ANCHOR: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = matches!((i as u8) | 0x20, b'k' | b'j' | b'w' | b'h' | b'c' | b'r');
            i += 1;
        }
        t
    };

    /// The prefilter as written before the pair scan: one table look-up per byte, then the
    /// neighbours of every anchor letter.
    fn bytewise_might_contain_secret(text: &str) -> bool {
        let b = text.as_bytes();
        let at = |i: usize, pat: &[u8]| {
            b.get(i..i + pat.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(pat))
        };
        let before = |i: usize, pat: &[u8]| i >= pat.len() && at(i - pat.len(), pat);
        b.iter().enumerate().any(|(i, &c)| {
            ANCHOR[usize::from(c)]
                && match c | 0x20 {
                    b'k' => {
                        at(i + 1, b"ey")
                            || (before(i, b"o") && at(i + 1, b"en"))
                            || (before(i, b"oo") && at(i + 1, b"ie"))
                    }
                    b'j' => before(i, b"ey") || at(i + 1, b"wt"),
                    b'w' => before(i, b"ass"),
                    b'h' => before(i, b"ut"),
                    b'c' => {
                        (before(i, b"e") && at(i + 1, b"ret"))
                            || (before(i, b"asi") && b.get(i + 1) == Some(&b' '))
                    }
                    b'r' => before(i, b"ea") && at(i + 1, b"er"),
                    _ => false,
                }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The pair scan answers exactly as the byte-by-byte one, fragments straddling its
        /// 64-byte blocks and 8-byte words included.
        #[test]
        fn pair_prefilter_equals_the_bytewise_one(
            pieces in prop::collection::vec(prop_oneof![
                // Whole fragments now and then: most texts hold none, or only one made of
                // pieces that meet.
                1 => prop::sample::select(vec![
                    "key", "KEY", "kEy", "oken", "OKEN", "ookie", "OoKiE", "eyJ", "EYJ", "jwt",
                    "JWT", "assw", "ASSW", "uth", "UTH", "ecret", "ECRET", "asic ", "ASIC ",
                    "earer", "EARER",
                ]).prop_map(str::to_owned),
                10 => prop::sample::select(vec![
                    "ke", "oke", "ooki", "ey", "jw", "ass", "ut", "ecre", "asic\0", "asic", "eare",
                    "re", "th", "sw", "cr", "c ", "ki", "yj", "e", "k", "o", "a", "s", "c", "r",
                    "y", "J", "w", "t", "u", "h", "i", " ", "E", "R",
                ]).prop_map(str::to_owned),
                4 => "[a-zA-Z _\"=é\u{0}-]{0,6}",
            ], 0..40),
            noise in any::<String>(),
        ) {
            let text: String = pieces.concat();
            for t in [&text, &noise, &format!("{noise}{text}")] {
                prop_assert_eq!(might_contain_secret(t), bytewise_might_contain_secret(t), "{:?}", t);
            }
        }
    }

    #[test]
    fn prefilter_passes_document_frames_without_secrets() {
        // The common case must stay cheap: no full redaction for ordinary event frames.
        let frames = [
            r#"42/v1/ws/prediction-markets/positions,["position.opened",{"id":"evt_1","type":"position.opened","data":{"id":"dm_pos_1","status":"open","entry":{"price":"0.42"}}}]"#,
            r#"{"type":"market_data_update","channel":"market_data","data":{"symbol":"BTC_USD","price":43250.5,"high24h":44500}}"#,
        ];
        for f in frames {
            assert!(!might_contain_secret(f), "{f}");
            assert!(!reference_might_contain_secret(f), "{f}");
        }
        assert!(might_contain_secret(r#"40/ns,{"apiKey":"x"}"#));
        assert!(might_contain_secret("Authorization: Bearer abc"));
    }

    const KEY: &str = concat!("dm_live_skey_", "CANARY0123456789abcdef");
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.c2lnbmF0dXJlQ0FOQVJZ";

    #[test]
    fn secret_never_prints() {
        let s = Secret::new(KEY);
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), KEY);
        let d: Secret = serde_json::from_value(json!(KEY)).expect("string secret");
        assert_eq!(d.expose(), KEY);
    }

    #[test]
    fn url_query_tokens_and_passwords() {
        assert_eq!(
            redact_url(&format!("wss://socket.dev.hashi.gg?token={JWT}")),
            "wss://socket.dev.hashi.gg?token=[redacted]"
        );
        assert_eq!(
            redact_url("ws://h:1/ws?a=1&apiKey=abc&b=2#x"),
            "ws://h:1/ws?a=1&apiKey=[redacted]&b=2#x"
        );
        assert_eq!(
            redact_url("ws://h/ws?api%5Fkey=abc"),
            "ws://h/ws?api%5Fkey=[redacted]"
        );
        assert_eq!(
            redact_url("https://me:hunter2@h.example/p"),
            "https://me:[redacted]@h.example/p"
        );
        // Nothing secret: unchanged, including the zkde address in the path.
        let plain = "ws://127.0.0.1:8003/ws/0x0123abc?EIO=4&transport=websocket";
        assert_eq!(redact_url(plain), plain);
        // A JWT in the path is still a JWT.
        assert!(!redact_url(&format!("ws://h/{JWT}")).contains("CANARY"));
    }

    #[test]
    fn socketio_auth_payloads() {
        let frame = format!(r#"40/v1/ws/prediction-markets/positions,{{"apiKey":"{KEY}"}}"#);
        assert_eq!(
            redact_text(&frame),
            r#"40/v1/ws/prediction-markets/positions,{"apiKey":"[redacted]"}"#
        );
        let frame = format!(r#"40{{ "token" : "{JWT}", "other": 1 }}"#);
        assert_eq!(
            redact_text(&frame),
            r#"40{ "token" : "[redacted]", "other": 1 }"#
        );
        // Escaped quotes inside the secret don't end it early.
        let frame = r#"{"password":"a\"b\"c","x":"y"}"#;
        assert_eq!(redact_text(frame), r#"{"password":"[redacted]","x":"y"}"#);
        // A numeric secret is replaced with a string.
        assert_eq!(
            redact_text(r#"{"secret":12345678,"n":1}"#),
            r#"{"secret":"[redacted]","n":1}"#
        );
        // A bare `key` member is ordinary data (a symbol, a lookup key); `?key=` is not.
        let data = r#"{"key":"BTC_USD","authorName":"x"}"#;
        assert_eq!(redact_text(data), data);
        assert_eq!(
            redact_url("https://h/p?key=abc"),
            "https://h/p?key=[redacted]"
        );
    }

    #[test]
    fn axisor_auth_message_and_headers() {
        let msg = format!(r#"{{"type":"auth","token":"{JWT}"}}"#);
        assert_eq!(redact_text(&msg), r#"{"type":"auth","token":"[redacted]"}"#);
        assert_eq!(
            redact_text(&format!("Authorization: Bearer {JWT}")),
            "Authorization: Bearer [redacted]"
        );
        assert_eq!(
            redact_text("authorization: Api-Key abc123"),
            "authorization: Api-Key [redacted]"
        );
        assert_eq!(
            redact_header("Authorization", "Bearer xyz"),
            "Bearer [redacted]"
        );
        assert_eq!(redact_header("X-Api-Key", "xyz"), REDACTED);
        assert_eq!(redact_header("User-Agent", "gatewatch"), "gatewatch");
    }

    #[test]
    fn bare_keys_and_jwts_anywhere() {
        let text = format!("connect failed for {KEY} with {JWT}.");
        let r = redact_text(&text);
        assert_eq!(
            r,
            "connect failed for dm_live_skey_[redacted] with [redacted]."
        );
        let sbx = redact_text("dm_sbx_skey_abc");
        assert_eq!(sbx, "dm_sbx_skey_[redacted]");
        // Not JWTs: a lone eyJ word, two segments.
        assert_eq!(redact_text("eyJust kidding"), "eyJust kidding");
        assert_eq!(redact_text("eyJabc.def"), "eyJabc.def");
    }

    #[test]
    fn ordinary_text_is_untouched_and_borrowed() {
        for text in [
            r#"42/v1/ws/prediction-markets/positions,["position.opened",{"id":"evt_1","data":{"status":"open"}}]"#,
            r#"{"type":"ping","timestamp":"2026-04-05T12:00:00Z"}"#,
            "the token expired, please authenticate again",
            r#"{"type":"error","data":{"message":"Authentication failed","code":"AUTH_ERROR"}}"#,
        ] {
            let r = redact_text(text);
            assert_eq!(r, text);
            assert!(matches!(r, Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn redaction_is_idempotent() {
        let frame = format!(r#"40/ns,{{"apiKey":"{KEY}","token":"{JWT}"}} Bearer {JWT}"#);
        let once = redact_text(&frame).into_owned();
        assert_eq!(redact_text(&once), once);
        let url = format!("ws://h/?token={JWT}");
        let once = redact_url(&url);
        assert_eq!(redact_url(&once), once);
    }

    #[test]
    fn json_values() {
        let mut v = json!({
            "type": "auth",
            "token": JWT,
            "auth": {"apiKey": KEY, "mode": "key"},
            "list": [format!("Bearer {JWT}"), "plain"],
            "nested": {"note": format!("key {KEY}")},
            "keep": null,
            "n": 1
        });
        redact_json(&mut v);
        let s = v.to_string();
        assert!(!s.contains("CANARY") && !s.contains("Q0FOQVJZ"), "{s}");
        assert_eq!(v["token"], REDACTED);
        assert_eq!(v["auth"]["apiKey"], REDACTED);
        assert_eq!(v["auth"]["mode"], "key");
        assert_eq!(v["list"][0], "Bearer [redacted]");
        assert_eq!(v["list"][1], "plain");
        assert_eq!(v["keep"], serde_json::Value::Null);
        assert_eq!(v["n"], 1);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            "\"",
            "\"token\"",
            "\"token\":",
            "\"token\":\"unterminated",
            "=",
            "token=",
            "?token",
            "%",
            "%4",
            "a%ZZ=1",
            "eyJ",
            "eyJ.",
            "eyJa.b",
            "Bearer",
            "Bearer ",
            "dm_live_skey_",
            "ünïcödé \"token\":\"ü\" Bearer ü",
            "ws://@",
            "ws://a:@b",
            "://",
        ] {
            let _ = redact_text(text);
            let _ = redact_url(text);
            let _ = might_contain_secret(text);
        }
    }

    #[test]
    fn quick_check_agrees_with_redaction() {
        // Whatever redact_text changes, might_contain_secret must have flagged.
        let samples = [
            format!("x {KEY}"),
            format!("x {JWT}"),
            "a=1&token=2".to_owned(),
            r#"{"apiKey":"1"}"#.to_owned(),
            r#"{"API_KEY":"1"}"#.to_owned(),
            "Authorization: Basic Zm9vOmJhcg==".to_owned(),
            r#"{"password":"p"}"#.to_owned(),
            r#"{"secret":"p"}"#.to_owned(),
            "key=p".to_owned(),
        ];
        for s in &samples {
            assert!(might_contain_secret(s), "{s}");
            assert_ne!(redact_text(s), s.as_str(), "{s}");
        }
    }
}
