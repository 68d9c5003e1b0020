//! `test_connection`: open one connector with the settings being edited, watch its state for
//! a short while, and say in words what happened. Nothing is saved and nothing reaches the
//! engine, the store or the inspector.

use std::time::Duration;

use gatewatch_core::config::{Config, ConnectionConfig, CredentialRef};
use gatewatch_net::{ConnState, FrameTap};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::ipc::{ConnectionSettings, TestResult};
use crate::settings::{self, CredentialEdit};

/// Validate `settings` as the config file would, with the secret to use (typed now, or the
/// one stored for the connection of that name).
fn config_for(
    settings: &ConnectionSettings,
    secret: Option<&str>,
    existing: Option<&ConnectionConfig>,
) -> Result<ConnectionConfig, AppError> {
    let (edit, typed) = settings::credential_edit(settings, secret, existing)?;
    // Validate with a stand-in credential: the secret itself never goes through the TOML
    // parser, whose messages quote input.
    let stand_in = match &edit {
        CredentialEdit::Set(CredentialRef::Keychain(_)) if typed.is_some() => {
            CredentialEdit::Set(CredentialRef::Literal("stand-in".into()))
        }
        CredentialEdit::Keep => CredentialEdit::Set(CredentialRef::Literal("stand-in".into())),
        other => other.clone(),
    };
    let text = settings::upsert_connection("", "<settings>", settings, &stand_in)?;
    let config = Config::parse(&text, "<settings>").map_err(|e| AppError::Config(e.to_string()))?;
    let mut c = config
        .connections
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Config("no connection to test".into()))?;
    c.credential = match (typed, edit, existing) {
        (Some(k), _, _) => CredentialRef::Literal(k.secret),
        (None, CredentialEdit::Keep, Some(e)) => e.credential.clone(),
        (None, CredentialEdit::Set(r), _) => r,
        (None, CredentialEdit::Keep, None) => CredentialRef::None,
    };
    // A quick verdict: one retry, close together, so "refused" comes back in well under the
    // timeout with the connector's own reason.
    c.backoff.initial_ms = 200;
    c.backoff.max_ms = 200;
    c.backoff.max_attempts = 1;
    Ok(c)
}

/// Connect with `settings` and report within `timeout`.
pub async fn test_connection(
    settings: &ConnectionSettings,
    secret: Option<&str>,
    existing: Option<&ConnectionConfig>,
    timeout: Duration,
) -> Result<TestResult, AppError> {
    let config = config_for(settings, secret, existing)?;
    let spec = gatewatch_engine::spec::connector_spec("<settings>", &config)
        .map_err(|e| AppError::Config(e.to_string()))?;
    let (tx, mut rx) = mpsc::channel(256);
    let token = CancellationToken::new();
    let handle = gatewatch_net::spawn(spec, tx, FrameTap::new(1), token.clone());
    // Keep the pipeline end drained so the connector never waits on us.
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let mut state = handle.state();
    let verdict = tokio::time::timeout(timeout, async {
        let mut authenticated = false;
        loop {
            let current = state.borrow_and_update().clone();
            match current {
                ConnState::Subscribed => {
                    return (true, "connected and subscribed".to_owned());
                }
                ConnState::Authenticated => authenticated = true,
                ConnState::AuthFailed { message } => return (false, message),
                ConnState::GaveUp { reason } => {
                    return (false, format!("could not connect: {reason}"))
                }
                ConnState::Stopped => return (false, "the connection stopped".to_owned()),
                ConnState::Connecting | ConnState::Connected | ConnState::Reconnecting { .. } => {}
            }
            if state.changed().await.is_err() {
                return (authenticated, "the connection ended".to_owned());
            }
        }
    })
    .await;
    token.cancel();
    handle.join().await;
    let _ = drain.await;
    let (ok, message) =
        verdict.unwrap_or_else(|_| (false, format!("no answer within {} s", timeout.as_secs())));
    Ok(TestResult { ok, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::{Credential, Subscriptions};
    use gatewatch_core::GatewayKind;

    fn zkde(url: &str) -> ConnectionSettings {
        ConnectionSettings {
            name: "zkde-test".into(),
            kind: GatewayKind::Zkde,
            url: url.into(),
            environment: "test".into(),
            credential: Credential::None,
            subscriptions: Subscriptions::default(),
        }
    }

    #[tokio::test]
    async fn a_refused_port_is_reported_not_ok_with_the_reason() {
        // A port that was free a moment ago: nothing listens there.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let r = test_connection(
            &zkde(&format!("ws://127.0.0.1:{port}/ws/0xabc")),
            None,
            None,
            Duration::from_secs(10),
        )
        .await
        .expect("a verdict");
        assert!(!r.ok, "{r:?}");
        assert!(r.message.starts_with("could not connect"), "{r:?}");
    }

    #[tokio::test]
    async fn invalid_settings_are_an_error_before_connecting() {
        let e = test_connection(
            &zkde("ws://127.0.0.1:1/not-ws-path"),
            None,
            None,
            Duration::from_secs(1),
        )
        .await
        .expect_err("zkde URLs carry the address");
        assert_eq!(e.kind(), "config");
        assert!(e.to_string().contains("url"), "{e}");
    }

    #[test]
    fn a_typed_secret_is_used_but_never_parsed_as_toml() {
        let s = ConnectionSettings {
            name: "ax".into(),
            kind: GatewayKind::Axisor,
            url: "wss://h/ws".into(),
            environment: "p".into(),
            credential: Credential::Literal { set: false },
            subscriptions: Subscriptions::default(),
        };
        let c = config_for(&s, Some("eyJ\"quote.sig"), None).expect("valid");
        assert_eq!(
            c.credential,
            CredentialRef::Literal("eyJ\"quote.sig".into())
        );
        assert_eq!(c.backoff.max_attempts, 1);
    }
}
