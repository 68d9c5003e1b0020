//! The configuration file: its model, parsing and validation (pure — reading the file and
//! resolving credentials is the caller's job).
//!
//! Every error names the file, the connection and the field, so a user can fix it without
//! guessing; a config with any error starts nothing.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::GatewayKind;

/// A parsed, validated configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// The connections to open, in file order.
    pub connections: Vec<ConnectionConfig>,
    /// Alert thresholds applied to every connection that doesn't override them.
    pub alerts: AlertThresholds,
    /// Local cache settings.
    pub store: StoreConfig,
    /// Non-fatal findings (a literal secret in the file, a disabled connection…).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// One gateway connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Unique name (`dimes-partner-prod`). Shown everywhere; keys the keychain entry.
    pub name: String,
    /// Gateway kind.
    pub kind: GatewayKind,
    /// The gateway URL as its document gives it (`wss://api.dimes.fi/v1/ws/prediction-markets/positions`,
    /// `wss://zkde.fi/ws/0x…`, `wss://socket.dev.hashi.gg`). A `?token=` here is treated as a
    /// literal secret and redacted wherever the URL is shown.
    pub url: String,
    /// Free label: `production`, `sandbox`, `staging`…
    #[serde(default = "default_environment")]
    pub environment: String,
    /// Where the API key / JWT comes from.
    #[serde(default)]
    pub credential: CredentialRef,
    /// How to present the credential when the gateway offers several forms.
    #[serde(default)]
    pub auth: AuthForm,
    /// `false` keeps the connection in the file but doesn't open it.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Axisor rooms/channels to join (`market:BTC_USD`, `positions`, `notifications`, `margin_guard`).
    #[serde(default)]
    pub rooms: Vec<String>,
    /// zkde event types to keep (`*` for all, the default).
    #[serde(default = "default_zkde_events")]
    pub events: Vec<String>,
    /// Hashi lobbies to subscribe to (besides the ones the player is in).
    #[serde(default)]
    pub lobbies: Vec<String>,
    /// Fusion intent ids to follow.
    #[serde(default)]
    pub intents: Vec<String>,
    /// Fusion: `subscribe:all` (every intent + mempool stats).
    #[serde(default)]
    pub all_intents: bool,
    /// Reconnect policy override.
    #[serde(default)]
    pub backoff: BackoffConfig,
    /// Heartbeat override.
    #[serde(default)]
    pub heartbeat: HeartbeatConfig,
    /// Largest frame accepted, in bytes (default 1 MiB).
    #[serde(default = "default_max_frame_bytes")]
    pub max_frame_bytes: usize,
    /// Per-connection alert threshold overrides.
    #[serde(default)]
    pub alerts: Option<AlertThresholds>,
}

/// Where a credential comes from. Secrets are referenced, not stored, in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CredentialRef {
    /// No credential (zkde, Fusion).
    #[default]
    None,
    /// An environment variable holding the secret: `credential = { env = "DIMES_API_KEY" }`.
    Env(String),
    /// An OS keychain entry (service `gatewatch`, this account name):
    /// `credential = { keychain = "dimes-partner-prod" }`.
    Keychain(String),
    /// The secret itself, in the file. Accepted with a warning.
    #[serde(serialize_with = "serialize_redacted")]
    Literal(String),
}

fn serialize_redacted<S: serde::Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("[redacted]")
}

/// How to present a credential.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthForm {
    /// The document's recommended form: Dimes `auth` payload, Axisor `Authorization` header,
    /// Hashi `?token=`.
    #[default]
    Auto,
    /// Socket.IO `auth` payload (Dimes).
    AuthPayload,
    /// `Authorization` header (Dimes `Api-Key`/`Bearer`, Axisor `Bearer`).
    Header,
    /// First message after connecting (Axisor `{"type":"auth","token":…}`).
    FirstMessage,
    /// `?token=` in the URL (Hashi).
    Query,
}

/// Reconnect policy: exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackoffConfig {
    /// First delay.
    pub initial_ms: u64,
    /// Cap.
    pub max_ms: u64,
    /// Attempts before giving up (0 = never give up).
    pub max_attempts: u32,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        // zkde's documented rule, applied to every gateway: 1 s, capped near 30 s, 10 attempts.
        Self {
            initial_ms: 1_000,
            max_ms: 30_000,
            max_attempts: 10,
        }
    }
}

/// Heartbeat policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeartbeatConfig {
    /// How often we ping (Hashi and Fusion app-level `ping`, a WebSocket ping for Axisor).
    pub interval_secs: u64,
    /// How long after our ping the server may stay silent before the connection is rebuilt.
    pub timeout_secs: u64,
    /// Servers that ping us (zkde, every 30 s): how long without any frame before the
    /// connection is rebuilt.
    pub server_silence_secs: u64,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        Self {
            interval_secs: 20,
            timeout_secs: 10,
            // About twice zkde's documented 30 s ping period.
            server_silence_secs: 65,
        }
    }
}

/// Margin-risk alert thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AlertThresholds {
    /// Alert when a position's distance to liquidation falls below this.
    pub distance_to_liquidation: f64,
    /// Re-arm only once the distance is back above threshold + this margin.
    pub rearm_margin: f64,
    /// Alerts of one kind on one connection within this window are grouped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub group_window_secs: u64,
    /// Global cap on OS notifications per minute.
    pub max_notifications_per_minute: u32,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self {
            // Axisor's own example flags a position at risk at 0.82 and not at 0.92.
            distance_to_liquidation: 0.85,
            rearm_margin: 0.05,
            group_window_secs: 5,
            max_notifications_per_minute: 12,
        }
    }
}

/// Local cache settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Database file (default: the user's data directory).
    pub path: Option<String>,
    /// Event log age cap in days (default 30).
    pub retention_days: Option<u32>,
    /// Event log size cap in rows (default 2,000,000).
    pub max_events: Option<u64>,
}

fn default_environment() -> String {
    "production".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_zkde_events() -> Vec<String> {
    vec!["*".to_owned()]
}
fn default_max_frame_bytes() -> usize {
    1 << 20
}

/// A configuration error: names the file, the connection and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file (or `<string>`).
    pub file: String,
    /// The connection, when the error is inside one: its name, or `#N` when it has none.
    pub connection: Option<String>,
    /// The field path (`url`, `backoff.max_ms`, `alerts.rearm_margin`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(c) = &self.connection {
            write!(f, ": connection {c}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default, rename = "connection")]
    connections: Vec<toml::Value>,
    #[serde(default)]
    alerts: Option<toml::Value>,
    #[serde(default)]
    store: Option<toml::Value>,
}

impl Config {
    /// Parse and validate a config file's text. `file` is only used in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let err =
            |connection: Option<String>, field: Option<String>, message: String| ConfigError {
                file: file.to_owned(),
                connection,
                field,
                message,
            };
        let shape: FileShape = toml::from_str(text).map_err(|e| {
            // toml's message already carries line/column and the offending key.
            err(
                None,
                None,
                e.message().trim().to_owned() + &line_hint(text, e.span()),
            )
        })?;

        let alerts = match shape.alerts {
            Some(v) => deserialize_at::<AlertThresholds>(v)
                .map_err(|(field, msg)| err(None, Some(format!("alerts.{field}")), msg))?,
            None => AlertThresholds::default(),
        };
        validate_thresholds(&alerts).map_err(|(f, m)| err(None, Some(format!("alerts.{f}")), m))?;
        let store = match shape.store {
            Some(v) => deserialize_at::<StoreConfig>(v)
                .map_err(|(field, msg)| err(None, Some(format!("store.{field}")), msg))?,
            None => StoreConfig::default(),
        };

        let mut connections = Vec::with_capacity(shape.connections.len());
        let mut warnings = Vec::new();
        let mut names = HashSet::new();
        for (i, raw) in shape.connections.into_iter().enumerate() {
            let label = raw
                .get("name")
                .and_then(|n| n.as_str())
                .map(|n| format!("\"{n}\""))
                .unwrap_or_else(|| format!("#{}", i + 1));
            let conn: ConnectionConfig = deserialize_at(raw)
                .map_err(|(field, msg)| err(Some(label.clone()), Some(field), msg))?;
            validate_connection(&conn, &mut warnings)
                .map_err(|(field, msg)| err(Some(label.clone()), Some(field.to_owned()), msg))?;
            if !names.insert(conn.name.clone()) {
                return Err(err(
                    Some(label),
                    Some("name".into()),
                    "another connection already has this name".into(),
                ));
            }
            connections.push(conn);
        }
        if connections.is_empty() {
            return Err(err(
                None,
                Some("connection".into()),
                "no [[connection]] tables: add at least one (see `gatewatch config example`)"
                    .into(),
            ));
        }
        Ok(Config {
            connections,
            alerts,
            store,
            warnings,
        })
    }

    /// The thresholds in force for one connection.
    pub fn thresholds_for(&self, connection: &str) -> AlertThresholds {
        self.connections
            .iter()
            .find(|c| c.name == connection)
            .and_then(|c| c.alerts)
            .unwrap_or(self.alerts)
    }
}

fn line_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text
                .get(..r.start)
                .map(|s| s.matches('\n').count() + 1)
                .unwrap_or(0);
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

/// Deserialize a TOML value, returning the failing field path on error.
fn deserialize_at<T: serde::de::DeserializeOwned>(v: toml::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().message().trim().to_owned();
        // serde reports unknown/missing fields at the parent path; pull the name out.
        let field = if path == "." || path.is_empty() {
            extract_backticked(&inner).unwrap_or_default()
        } else if inner.starts_with("missing field") {
            // serde reports a missing field at its parent's path.
            let name = extract_backticked(&inner).unwrap_or_default();
            if path.rsplit('.').next() == Some(name.as_str()) {
                path
            } else {
                format!("{path}.{name}")
            }
        } else {
            path
        };
        (field, inner)
    })
}

fn extract_backticked(s: &str) -> Option<String> {
    let start = s.find('`')? + 1;
    let end = start + s.get(start..)?.find('`')?;
    s.get(start..end).map(str::to_owned)
}

fn validate_thresholds(t: &AlertThresholds) -> Result<(), (&'static str, String)> {
    if !(t.distance_to_liquidation.is_finite() && t.distance_to_liquidation >= 0.0) {
        return Err((
            "distance_to_liquidation",
            "must be a non-negative number".into(),
        ));
    }
    if !(t.rearm_margin.is_finite() && t.rearm_margin >= 0.0) {
        return Err(("rearm_margin", "must be a non-negative number".into()));
    }
    Ok(())
}

const AXISOR_CHANNELS: [&str; 3] = ["positions", "notifications", "margin_guard"];
const ZKDE_EVENTS: [&str; 6] = [
    "strategy_update",
    "market_change",
    "alert",
    "proof_complete",
    "position_update",
    "agent_status_change",
];

fn validate_connection(
    c: &ConnectionConfig,
    warnings: &mut Vec<String>,
) -> Result<(), (&'static str, String)> {
    if c.name.trim().is_empty() {
        return Err(("name", "must not be empty".into()));
    }
    if c.name.chars().any(|ch| ch.is_control()) {
        return Err(("name", "must not contain control characters".into()));
    }
    let url = url::Url::parse(&c.url).map_err(|e| ("url", format!("not a URL: {e}")))?;
    let scheme_ok = match c.kind {
        k if k.is_socketio() => matches!(url.scheme(), "ws" | "wss" | "http" | "https"),
        _ => matches!(url.scheme(), "ws" | "wss"),
    };
    if !scheme_ok {
        let expected = if c.kind.is_socketio() {
            "ws://, wss://, http:// or https://"
        } else {
            "ws:// or wss://"
        };
        return Err((
            "url",
            format!(
                "scheme `{}` is not supported for {}: use {expected}",
                url.scheme(),
                c.kind
            ),
        ));
    }
    let has_query_token = url.query_pairs().any(|(k, _)| k == "token");
    match c.kind {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => {
            if c.credential == CredentialRef::None {
                let what = if c.kind == GatewayKind::DimesPartner {
                    "a partner API key"
                } else {
                    "a customer JWT"
                };
                return Err(("credential", format!("{} needs {what}", c.kind)));
            }
            if !matches!(
                c.auth,
                AuthForm::Auto | AuthForm::AuthPayload | AuthForm::Header
            ) {
                return Err(("auth", "Dimes accepts `auth-payload` or `header`".into()));
            }
        }
        GatewayKind::Axisor => {
            if c.credential == CredentialRef::None {
                return Err(("credential", "axisor needs a JWT".into()));
            }
            if !matches!(
                c.auth,
                AuthForm::Auto | AuthForm::Header | AuthForm::FirstMessage
            ) {
                return Err(("auth", "Axisor accepts `header` or `first-message`".into()));
            }
            for room in &c.rooms {
                let ok = AXISOR_CHANNELS.contains(&room.as_str())
                    || ["user:", "market:", "admin:"]
                        .iter()
                        .any(|p| room.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
                if !ok {
                    return Err((
                        "rooms",
                        format!(
                            "`{room}` is not an Axisor room: use user:{{id}}, market:{{symbol}}, admin:{{level}}, positions, notifications or margin_guard"
                        ),
                    ));
                }
            }
        }
        GatewayKind::Zkde => {
            let mut segs = url.path_segments().into_iter().flatten();
            let ok = segs.next() == Some("ws") && segs.next().is_some_and(|a| !a.is_empty());
            if !ok {
                return Err((
                    "url",
                    "zkde URLs carry the Starknet address in the path: ws(s)://host/ws/{address}"
                        .into(),
                ));
            }
            for e in &c.events {
                if e != "*" && !ZKDE_EVENTS.contains(&e.as_str()) {
                    warnings.push(format!(
                        "connection \"{}\": zkde event type `{e}` is not in the document; kept anyway",
                        c.name
                    ));
                }
            }
        }
        GatewayKind::Hashi => {
            if c.credential == CredentialRef::None && !has_query_token {
                return Err(("credential", "hashi needs a JWT (sent as ?token=)".into()));
            }
            if !matches!(c.auth, AuthForm::Auto | AuthForm::Query) {
                return Err(("auth", "Hashi accepts only `query`".into()));
            }
        }
        GatewayKind::Fusion => {
            if c.intents.iter().any(|i| i.trim().is_empty()) {
                return Err(("intents", "intent ids must not be empty".into()));
            }
        }
    }
    if c.kind != GatewayKind::Axisor && !c.rooms.is_empty() {
        return Err((
            "rooms",
            format!("rooms are an Axisor setting, not {}", c.kind),
        ));
    }
    if c.kind != GatewayKind::Hashi && !c.lobbies.is_empty() {
        return Err((
            "lobbies",
            format!("lobbies are a Hashi setting, not {}", c.kind),
        ));
    }
    if c.kind != GatewayKind::Fusion && (!c.intents.is_empty() || c.all_intents) {
        return Err((
            "intents",
            format!("intents are a Fusion setting, not {}", c.kind),
        ));
    }
    if c.backoff.initial_ms == 0 {
        return Err(("backoff.initial_ms", "must be at least 1".into()));
    }
    if c.backoff.max_ms < c.backoff.initial_ms {
        return Err((
            "backoff.max_ms",
            "must be at least backoff.initial_ms".into(),
        ));
    }
    if c.heartbeat.interval_secs == 0 || c.heartbeat.timeout_secs == 0 {
        return Err((
            "heartbeat",
            "interval_secs and timeout_secs must be at least 1".into(),
        ));
    }
    if !(1024..=64 << 20).contains(&c.max_frame_bytes) {
        return Err((
            "max_frame_bytes",
            "must be between 1024 and 67108864".into(),
        ));
    }
    if let Some(t) = &c.alerts {
        validate_thresholds(t).map_err(|(_, m)| ("alerts", m))?;
    }
    if let CredentialRef::Literal(s) = &c.credential {
        if s.is_empty() {
            return Err(("credential", "literal secret is empty".into()));
        }
        warnings.push(format!(
            "connection \"{}\": the secret is written in the config file; prefer credential = {{ env = \"…\" }} or {{ keychain = \"{}\" }}",
            c.name, c.name
        ));
    }
    if has_query_token {
        warnings.push(format!(
            "connection \"{}\": the URL carries ?token=; prefer credential = {{ env = \"…\" }}",
            c.name
        ));
    }
    if !c.enabled {
        warnings.push(format!("connection \"{}\" is disabled", c.name));
    }
    Ok(())
}

/// A complete, commented example config (what `gatewatch config example` prints).
pub const EXAMPLE: &str = include_str!("config_example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_and_covers_every_kind() {
        let cfg = Config::parse(EXAMPLE, "example.toml").expect("example must parse");
        for kind in GatewayKind::ALL {
            assert!(
                cfg.connections.iter().any(|c| c.kind == kind),
                "example lacks {kind}"
            );
        }
        assert!(
            cfg.connections
                .iter()
                .filter(|c| c.kind == GatewayKind::Zkde)
                .count()
                >= 2
        );
    }

    fn one(body: &str) -> Result<Config, ConfigError> {
        Config::parse(&format!("[[connection]]\n{body}"), "gw.toml")
    }

    #[test]
    fn unknown_field_names_file_connection_and_field() {
        let e =
            one("name = \"z\"\nkind = \"zkde\"\nurl = \"ws://h/ws/0x1\"\nurll = 1\n").unwrap_err();
        assert_eq!(e.file, "gw.toml");
        assert_eq!(e.connection.as_deref(), Some("\"z\""));
        assert_eq!(e.field.as_deref(), Some("urll"));
        let s = e.to_string();
        assert!(
            s.contains("gw.toml") && s.contains("\"z\"") && s.contains("urll"),
            "{s}"
        );
    }

    #[test]
    fn wrong_type_names_nested_field() {
        let e = one("name = \"z\"\nkind = \"zkde\"\nurl = \"ws://h/ws/0x1\"\nbackoff = { max_ms = \"x\" }\n")
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("backoff.max_ms"), "{e}");
    }

    #[test]
    fn missing_field_and_bad_kind() {
        let e = one("name = \"z\"\nkind = \"zkde\"\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"), "{e}");
        let e = one("name = \"z\"\nkind = \"kraken\"\nurl = \"ws://h/ws/0x1\"\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("kind"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_field() {
        let e = one("name = \"z\"\nkind = \"zkde\"\nurl = \"ws://h/other\"\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"));
        let e = one("name = \"d\"\nkind = \"dimes-partner\"\nurl = \"wss://h/v1/ws/prediction-markets/positions\"\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("credential"));
        let e = one("name = \"a\"\nkind = \"axisor\"\nurl = \"wss://h/ws\"\ncredential = { env = \"X\" }\nrooms = [\"nope\"]\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("rooms"));
        let e = one("name = \"f\"\nkind = \"fusion\"\nurl = \"https://h\"\nbackoff = { initial_ms = 5000, max_ms = 10 }\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("backoff.max_ms"));
    }

    #[test]
    fn duplicate_names_rejected() {
        let text = "[[connection]]\nname = \"f\"\nkind = \"fusion\"\nurl = \"https://h\"\n[[connection]]\nname = \"f\"\nkind = \"fusion\"\nurl = \"https://h2\"\n";
        let e = Config::parse(text, "gw.toml").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
        assert_eq!(e.connection.as_deref(), Some("\"f\""));
    }

    #[test]
    fn literal_secret_warns_and_is_not_serialized() {
        let cfg = one("name = \"h\"\nkind = \"hashi\"\nurl = \"wss://h\"\ncredential = { literal = \"eyJhbGciOi.canary.sig\" }\n").unwrap();
        assert_eq!(cfg.warnings.len(), 1, "{:?}", cfg.warnings);
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(!json.contains("canary"), "{json}");
    }

    #[test]
    fn toml_syntax_error_has_line() {
        let e = Config::parse("[[connection]]\nname = \n", "gw.toml").unwrap_err();
        assert!(e.message.contains("line 2"), "{e}");
    }

    #[test]
    fn alert_overrides() {
        let cfg = one("name = \"a\"\nkind = \"axisor\"\nurl = \"wss://h/ws\"\ncredential = { env = \"X\" }\nalerts = { distance_to_liquidation = 0.5 }\n").unwrap();
        assert_eq!(cfg.thresholds_for("a").distance_to_liquidation, 0.5);
        assert_eq!(cfg.thresholds_for("a").rearm_margin, 0.05);
        assert_eq!(cfg.thresholds_for("other").distance_to_liquidation, 0.85);
    }
}
