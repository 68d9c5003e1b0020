//! The Settings view's connections ↔ the config file. Edits go through `toml_edit`, so the
//! user's comments, key order and the settings the view doesn't show (auth form, backoff,
//! heartbeat, per-connection alerts, `enabled`) survive a save. Every edited text is validated
//! with `gatewatch_core::config::Config::parse` before anything is written. Pure: the caller
//! reads and writes the file.

use gatewatch_core::config::{AlertThresholds, ConnectionConfig, CredentialRef};
use gatewatch_core::GatewayKind;
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

use crate::error::AppError;
use crate::ipc::{ConnectionSettings, Credential, Subscriptions};

/// The Settings view's form of one configured connection. A literal secret is reported as
/// set, never sent.
pub fn settings_of(c: &ConnectionConfig) -> ConnectionSettings {
    let credential = match &c.credential {
        CredentialRef::None => Credential::None,
        CredentialRef::Env(var) => Credential::Env { var: var.clone() },
        CredentialRef::Keychain(entry) => Credential::Keychain {
            entry: entry.clone(),
        },
        CredentialRef::Literal(_) => Credential::Literal { set: true },
    };
    ConnectionSettings {
        name: c.name.clone(),
        kind: c.kind,
        url: gatewatch_core::redact::redact_url(&c.url),
        environment: c.environment.clone(),
        credential,
        subscriptions: Subscriptions {
            rooms: c.rooms.clone(),
            // Every connection has `events` (default `*`); only zkde's mean anything.
            zkde_events: if c.kind == GatewayKind::Zkde {
                c.events.clone()
            } else {
                Vec::new()
            },
            lobbies: c.lobbies.clone(),
            intents: c.intents.clone(),
            all_intents: c.all_intents,
        },
    }
}

/// What a save does to the `credential` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialEdit {
    /// Write this reference.
    Set(CredentialRef),
    /// Leave the stored one as it is (a secret is set and the user typed none).
    Keep,
}

/// A secret to put in the OS keychain before the config that references it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct KeychainWrite {
    /// The entry (service `gatewatch`).
    pub entry: String,
    /// The secret.
    pub secret: String,
}

impl std::fmt::Debug for KeychainWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret, not even in a test failure.
        f.debug_struct("KeychainWrite")
            .field("entry", &self.entry)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Decide what to write for the credential: a typed secret goes to the keychain under the
/// connection's name and the file references it; an empty secret keeps the stored one.
pub fn credential_edit(
    settings: &ConnectionSettings,
    secret: Option<&str>,
    existing: Option<&ConnectionConfig>,
) -> Result<(CredentialEdit, Option<KeychainWrite>), AppError> {
    let secret = secret.filter(|s| !s.is_empty());
    let keychain = |entry: &str, secret: &str| KeychainWrite {
        entry: entry.to_owned(),
        secret: secret.to_owned(),
    };
    match &settings.credential {
        Credential::None => Ok((CredentialEdit::Set(CredentialRef::None), None)),
        Credential::Env { var } => {
            let var = var.trim();
            if var.is_empty() {
                return Err(AppError::InvalidInput(
                    "name the environment variable that holds the credential".into(),
                ));
            }
            Ok((
                CredentialEdit::Set(CredentialRef::Env(var.to_owned())),
                None,
            ))
        }
        Credential::Keychain { entry } => {
            let entry = entry.trim();
            if entry.is_empty() {
                return Err(AppError::InvalidInput("name the keychain entry".into()));
            }
            Ok((
                CredentialEdit::Set(CredentialRef::Keychain(entry.to_owned())),
                secret.map(|s| keychain(entry, s)),
            ))
        }
        Credential::Literal { .. } => match (secret, existing) {
            (Some(s), _) => Ok((
                CredentialEdit::Set(CredentialRef::Keychain(settings.name.clone())),
                Some(keychain(&settings.name, s)),
            )),
            (None, Some(c)) if c.credential != CredentialRef::None => {
                Ok((CredentialEdit::Keep, None))
            }
            (None, _) => Err(AppError::InvalidInput(format!(
                "no secret is stored for \"{}\": type it",
                settings.name
            ))),
        },
    }
}

fn parse(text: &str, file: &str) -> Result<DocumentMut, AppError> {
    text.parse::<DocumentMut>()
        .map_err(|e| AppError::Config(format!("{file}: {}", e.message())))
}

fn connections_mut<'a>(
    doc: &'a mut DocumentMut,
    file: &str,
) -> Result<&'a mut ArrayOfTables, AppError> {
    doc.entry("connection")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| {
            AppError::Config(format!(
                "{file}: `connection` must be [[connection]] tables"
            ))
        })
}

fn name_of(t: &Table) -> Option<&str> {
    t.get("name").and_then(Item::as_str)
}

fn list(items: &[String]) -> Item {
    let mut a = Array::new();
    for i in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        a.push(i);
    }
    value(a)
}

fn set_or_remove(t: &mut Table, key: &str, items: &[String]) {
    if items.iter().any(|s| !s.trim().is_empty()) {
        t.insert(key, list(items));
    } else {
        t.remove(key);
    }
}

fn credential_item(c: &CredentialRef) -> Option<Item> {
    let (k, v) = match c {
        CredentialRef::None => return None,
        CredentialRef::Env(v) => ("env", v),
        CredentialRef::Keychain(v) => ("keychain", v),
        CredentialRef::Literal(v) => ("literal", v),
    };
    let mut t = InlineTable::new();
    t.insert(k, v.as_str().into());
    Some(value(t))
}

/// The file's text with `settings` saved (replacing the connection of the same name, or
/// appended). Keys the view doesn't edit are left as they are.
pub fn upsert_connection(
    text: &str,
    file: &str,
    settings: &ConnectionSettings,
    credential: &CredentialEdit,
) -> Result<String, AppError> {
    let name = settings.name.trim();
    if name.is_empty() {
        return Err(AppError::InvalidInput("a connection needs a name".into()));
    }
    let mut doc = parse(text, file)?;
    let tables = connections_mut(&mut doc, file)?;
    let found = tables.iter().position(|t| name_of(t) == Some(name));
    let index = match found {
        Some(i) => i,
        None => {
            tables.push(Table::new());
            tables.len() - 1
        }
    };
    let t = tables
        .get_mut(index)
        .ok_or_else(|| AppError::Config(format!("{file}: connection \"{name}\" vanished")))?;
    t.insert("name", value(name));
    t.insert("kind", value(settings.kind.as_str()));
    // The view shows the URL redacted: saving it back unchanged must not write `[redacted]`
    // over a `?token=` the file holds.
    let url = settings.url.trim();
    let keep_url = url.contains("[redacted]")
        && t.get("url")
            .and_then(Item::as_str)
            .is_some_and(|old| gatewatch_core::redact::redact_url(old) == url);
    if !keep_url {
        t.insert("url", value(url));
    }
    t.insert("environment", value(settings.environment.trim()));
    match credential {
        CredentialEdit::Keep => {}
        CredentialEdit::Set(c) => match credential_item(c) {
            Some(item) => {
                t.insert("credential", item);
            }
            None => {
                t.remove("credential");
            }
        },
    }
    let s = &settings.subscriptions;
    set_or_remove(t, "rooms", &s.rooms);
    if settings.kind == GatewayKind::Zkde {
        set_or_remove(t, "events", &s.zkde_events);
    }
    set_or_remove(t, "lobbies", &s.lobbies);
    set_or_remove(t, "intents", &s.intents);
    if s.all_intents {
        t.insert("all_intents", value(true));
    } else {
        t.remove("all_intents");
    }
    Ok(doc.to_string())
}

/// The file's text without the connection called `name`.
pub fn remove_connection(text: &str, file: &str, name: &str) -> Result<String, AppError> {
    let mut doc = parse(text, file)?;
    let tables = connections_mut(&mut doc, file)?;
    let before = tables.len();
    tables.retain(|t| name_of(t) != Some(name));
    if tables.len() == before {
        return Err(AppError::NotFound(format!(
            "no connection named \"{name}\" in {file}"
        )));
    }
    if tables.is_empty() {
        return Err(AppError::InvalidInput(format!(
            "\"{name}\" is the last connection: a config needs at least one (delete {file} to go back to demo data)"
        )));
    }
    Ok(doc.to_string())
}

/// The file's text with `[alerts]` set to `t`.
pub fn set_alerts(text: &str, file: &str, t: &AlertThresholds) -> Result<String, AppError> {
    let mut doc = parse(text, file)?;
    let alerts = doc
        .entry("alerts")
        .or_insert(Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| AppError::Config(format!("{file}: `alerts` must be a table")))?;
    alerts.insert("distance_to_liquidation", value(t.distance_to_liquidation));
    alerts.insert("rearm_margin", value(t.rearm_margin));
    alerts.insert(
        "group_window_secs",
        value(i64::try_from(t.group_window_secs).unwrap_or(i64::MAX)),
    );
    alerts.insert(
        "max_notifications_per_minute",
        value(i64::from(t.max_notifications_per_minute)),
    );
    Ok(doc.to_string())
}

/// Reject thresholds the engine can't use (the config parser applies the same rules).
pub fn validate_thresholds(t: &AlertThresholds) -> Result<(), AppError> {
    let bad = |what: &str| {
        Err(AppError::InvalidInput(format!(
            "{what} must be a number ≥ 0"
        )))
    };
    if !(t.distance_to_liquidation.is_finite() && t.distance_to_liquidation >= 0.0) {
        return bad("distance to liquidation");
    }
    if !(t.rearm_margin.is_finite() && t.rearm_margin >= 0.0) {
        return bad("re-arm margin");
    }
    if t.max_notifications_per_minute == 0 {
        return Err(AppError::InvalidInput(
            "notifications per minute must be at least 1".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatewatch_core::config::Config;

    const FILE: &str = "\
# my gateways
[alerts]
distance_to_liquidation = 0.8   # tighter than the default

[[connection]]
name = \"ax\"
kind = \"axisor\"
url = \"wss://api.axisor.com/ws\"
credential = { literal = \"eyJ.file-secret.sig\" }
auth = \"first-message\"         # kept: the view doesn't edit it
rooms = [\"positions\"]

[[connection]]
name = \"hashi\"
kind = \"hashi\"
url = \"wss://socket.hashi.gg/?token=eyJ.url-secret.sig\"
";

    fn settings(
        name: &str,
        kind: GatewayKind,
        url: &str,
        credential: Credential,
    ) -> ConnectionSettings {
        ConnectionSettings {
            name: name.into(),
            kind,
            url: url.into(),
            environment: "staging".into(),
            credential,
            subscriptions: Subscriptions::default(),
        }
    }

    fn parsed(text: &str) -> Config {
        Config::parse(text, "gw.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn listing_never_sends_a_secret_back() {
        let cfg = parsed(FILE);
        let all: Vec<_> = cfg.connections.iter().map(settings_of).collect();
        assert_eq!(all[0].credential, Credential::Literal { set: true });
        assert_eq!(all[0].subscriptions.rooms, ["positions"]);
        let json = serde_json::to_string(&all).expect("serializable");
        assert!(
            !json.contains("file-secret") && !json.contains("url-secret"),
            "{json}"
        );
    }

    #[test]
    fn a_new_connection_is_appended_and_the_rest_of_the_file_survives() {
        let mut s = settings(
            "fusion-prod",
            GatewayKind::Fusion,
            "https://fusion.example/",
            Credential::None,
        );
        s.subscriptions.all_intents = true;
        s.subscriptions.intents = vec!["int_1".into(), " ".into()];
        let text = upsert_connection(
            FILE,
            "gw.toml",
            &s,
            &CredentialEdit::Set(CredentialRef::None),
        )
        .expect("edits");
        assert!(text.starts_with("# my gateways"), "comments kept:\n{text}");
        assert!(
            text.contains("auth = \"first-message\"         # kept"),
            "{text}"
        );
        let cfg = parsed(&text);
        assert_eq!(cfg.connections.len(), 3);
        let f = &cfg.connections[2];
        assert_eq!(
            (f.name.as_str(), f.kind, f.all_intents),
            ("fusion-prod", GatewayKind::Fusion, true)
        );
        assert_eq!(f.intents, ["int_1"]);
        assert_eq!(f.environment, "staging");
        assert_eq!(cfg.alerts.distance_to_liquidation, 0.8);
    }

    #[test]
    fn a_typed_secret_goes_to_the_keychain_and_the_file_references_it() {
        let cfg = parsed(FILE);
        let s = settings(
            "ax",
            GatewayKind::Axisor,
            "wss://api.axisor.com/ws",
            Credential::Literal { set: true },
        );
        let (edit, write) =
            credential_edit(&s, Some("eyJ.new-secret.sig"), cfg.connections.first())
                .expect("valid");
        assert_eq!(
            edit,
            CredentialEdit::Set(CredentialRef::Keychain("ax".into()))
        );
        let write = write.expect("a keychain write");
        assert_eq!(write.entry, "ax");
        assert!(!format!("{write:?}").contains("new-secret"));
        let text = upsert_connection(FILE, "gw.toml", &s, &edit).expect("edits");
        assert!(
            !text.contains("file-secret"),
            "the old literal is replaced:\n{text}"
        );
        assert!(
            text.contains("credential = { keychain = \"ax\" }"),
            "{text}"
        );
        let ax = &parsed(&text).connections[0];
        assert_eq!(ax.auth, gatewatch_core::config::AuthForm::FirstMessage);
        assert!(ax.rooms.is_empty(), "the view sent no rooms: the key goes");
    }

    #[test]
    fn no_typed_secret_keeps_the_stored_one_and_a_new_connection_needs_one() {
        let cfg = parsed(FILE);
        let s = settings(
            "ax",
            GatewayKind::Axisor,
            "wss://api.axisor.com/ws",
            Credential::Literal { set: true },
        );
        let (edit, write) = credential_edit(&s, Some(""), cfg.connections.first()).expect("valid");
        assert_eq!((edit.clone(), write), (CredentialEdit::Keep, None));
        let text = upsert_connection(FILE, "gw.toml", &s, &edit).expect("edits");
        assert!(text.contains("file-secret"), "kept:\n{text}");
        let fresh = settings(
            "new",
            GatewayKind::Axisor,
            "wss://h/ws",
            Credential::Literal { set: false },
        );
        let e = credential_edit(&fresh, None, None).expect_err("nothing to keep");
        assert_eq!(e.kind(), "invalid_input");
        let env = settings(
            "e",
            GatewayKind::Axisor,
            "wss://h/ws",
            Credential::Env { var: " ".into() },
        );
        assert!(credential_edit(&env, None, None).is_err());
    }

    #[test]
    fn a_redacted_url_saved_back_keeps_the_token_in_the_file() {
        let cfg = parsed(FILE);
        let shown = settings_of(&cfg.connections[1]);
        assert!(shown.url.contains("[redacted]"), "{}", shown.url);
        let text =
            upsert_connection(FILE, "gw.toml", &shown, &CredentialEdit::Keep).expect("edits");
        assert!(text.contains("?token=eyJ.url-secret.sig"), "{text}");
        let mut moved = shown.clone();
        moved.url = "wss://other.hashi.gg/?token=[redacted]".into();
        let text =
            upsert_connection(FILE, "gw.toml", &moved, &CredentialEdit::Keep).expect("edits");
        assert!(
            !text.contains("url-secret"),
            "a different URL is the user's new one"
        );
    }

    #[test]
    fn remove_and_alerts() {
        let text = remove_connection(FILE, "gw.toml", "hashi").expect("removes");
        let cfg = parsed(&text);
        assert_eq!(cfg.connections.len(), 1);
        assert_eq!(
            remove_connection(FILE, "gw.toml", "nope")
                .expect_err("absent")
                .kind(),
            "not_found"
        );
        assert_eq!(
            remove_connection(&text, "gw.toml", "ax")
                .expect_err("last one")
                .kind(),
            "invalid_input"
        );
        let t = AlertThresholds {
            distance_to_liquidation: 0.5,
            rearm_margin: 0.1,
            group_window_secs: 9,
            max_notifications_per_minute: 3,
        };
        let text = set_alerts(FILE, "gw.toml", &t).expect("sets");
        assert_eq!(parsed(&text).alerts, t);
        assert!(validate_thresholds(&t).is_ok());
        assert!(validate_thresholds(&AlertThresholds {
            rearm_margin: f64::NAN,
            ..t
        })
        .is_err());
        assert!(validate_thresholds(&AlertThresholds {
            max_notifications_per_minute: 0,
            ..t
        })
        .is_err());
    }

    #[test]
    fn a_broken_file_is_a_config_error_naming_it() {
        let e = upsert_connection(
            "[[connection]\n",
            "gw.toml",
            &settings("x", GatewayKind::Zkde, "ws://h/ws/0x1", Credential::None),
            &CredentialEdit::Keep,
        )
        .expect_err("not TOML");
        assert_eq!(e.kind(), "config");
        assert!(e.to_string().contains("gw.toml"), "{e}");
    }
}
