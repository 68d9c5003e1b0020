//! `gatewatch watch`: run headless and print one line per normalized event and per
//! connection state change.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gatewatch_engine::config_file::{self, ConfigSource};
use gatewatch_engine::{Engine, EngineOptions, Update};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// Arguments of `gatewatch watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file (default: $GATEWATCH_CONFIG, else ~/.config/gatewatch/config.toml; with
    /// none, the embedded simulator is started and watched).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long = "for", value_name = "SECONDS")]
    for_secs: Option<f64>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    jsonl: bool,
    /// Persist to this SQLite file (`--db` alone: the default location in the user's data
    /// directory).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    db: Option<PathBuf>,
    /// Write every received frame (redacted) to this JSON-lines file, for `gatewatch replay`.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Send OS notifications for critical alerts (liquidations, margin risk).
    #[arg(long)]
    notify: bool,
    /// Also print frames that failed to decode and server errors (always counted).
    #[arg(long)]
    verbose: bool,
}

/// Run `gatewatch watch`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let source = config_file::locate(args.config.as_deref());
    let config = config_file::load(&source)?;
    let config_file = match &source {
        ConfigSource::Explicit(p) | ConfigSource::Env(p) | ConfigSource::Default(p) => {
            p.display().to_string()
        }
        ConfigSource::None => String::new(),
    };
    if let Some(cfg) = &config {
        for w in &cfg.warnings {
            eprintln!("warning: {w}");
        }
    } else {
        eprintln!("gatewatch: no config file; starting the embedded simulator (demo data). `gatewatch config example` shows how to connect to real gateways.");
    }
    let db = args.db.map(|p| {
        if p.as_os_str().is_empty() {
            gatewatch_store::Store::default_path()
        } else {
            p
        }
    });
    let notifier: Option<Arc<dyn gatewatch_engine::notify::Notifier>> = if args.notify {
        Some(Arc::new(gatewatch_engine::notify::DesktopNotifier::new()))
    } else {
        None
    };

    let shutdown = CancellationToken::new();
    // Subscribe the recorder before anything connects, so the recording starts with the
    // first frame.
    let tap = gatewatch_net::FrameTap::default();
    let mut recorder = match &args.record {
        Some(path) => Some(crate::record::Recorder::start(
            path,
            &tap,
            shutdown.clone(),
        )?),
        None => None,
    };
    let engine = Engine::start(
        EngineOptions {
            config,
            config_file,
            db,
            notifier,
            frames: Some(tap),
            ..Default::default()
        },
        shutdown.clone(),
    )
    .await?;
    if let Some(demo) = engine.demo() {
        tracing::info!(gateways = demo.gateways.len(), "embedded simulator running");
    }

    let mut updates = engine.subscribe();

    {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        });
    }
    if let Some(secs) = args.for_secs {
        let shutdown = shutdown.clone();
        let d = Duration::from_secs_f64(secs.max(0.0));
        tokio::spawn(async move {
            tokio::time::sleep(d).await;
            shutdown.cancel();
        });
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        tokio::select! {
            u = updates.recv() => match u {
                Ok(u) => {
                    if let Some(line) = render(&u, args.jsonl, args.verbose) {
                        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                            // stdout closed (piped into `head`): stop like any CLI would.
                            shutdown.cancel();
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    eprintln!("gatewatch: output fell behind; {n} updates not printed (all were processed and stored)");
                }
                Err(RecvError::Closed) => break,
            },
            _ = shutdown.cancelled() => break,
        }
    }
    drop(out);
    engine.shutdown().await;
    if let Some(r) = recorder.take() {
        let n = r.finish().await.context("finishing the recording")?;
        eprintln!("gatewatch: recorded {n} frames");
    }
    Ok(())
}

fn render(u: &Update, jsonl: bool, verbose: bool) -> Option<String> {
    match u {
        Update::Event { event, applied, .. } => {
            if jsonl {
                let v = serde_json::json!({
                    "connection": event.connection,
                    "gateway": event.gateway,
                    "type": event.event_type,
                    "entity_kind": event.entity.as_ref().map(|e| e.kind),
                    "entity_id": event.entity.as_ref().map(|e| &e.id),
                    "external_id": event.external_id,
                    "severity": event.severity,
                    "applied": applied,
                    "created_at": event.created_at,
                    "received_at": event.received_at,
                });
                Some(v.to_string())
            } else {
                let entity = event
                    .entity
                    .as_ref()
                    .map(|e| format!("{} {}", e.kind, e.id))
                    .unwrap_or_default();
                let note = match applied {
                    gatewatch_core::reduce::Applied::Duplicate => " (duplicate)",
                    gatewatch_core::reduce::Applied::Stale => " (stale)",
                    _ => "",
                };
                Some(format!(
                    "{} {:<16} {:<28} {:<40} {}{}",
                    event.received_at.format("%H:%M:%S%.3f"),
                    event.connection,
                    event.event_type,
                    entity,
                    event.severity.as_str(),
                    note
                ))
            }
        }
        Update::State { connection, state } => {
            if jsonl {
                let mut v = serde_json::to_value(state).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("connection".into(), serde_json::json!(connection));
                    o.insert("at".into(), serde_json::json!(chrono::Utc::now()));
                }
                Some(v.to_string())
            } else {
                Some(format!(
                    "{} {:<16} state → {}",
                    chrono::Utc::now().format("%H:%M:%S%.3f"),
                    connection,
                    serde_json::to_value(state)
                        .ok()
                        .map(|v| describe_state(&v))
                        .unwrap_or_default()
                ))
            }
        }
        Update::Alert(a) => {
            if jsonl {
                Some(serde_json::json!({"alert": a.as_ref()}).to_string())
            } else {
                Some(format!(
                    "{} {:<16} ALERT [{}] {} — {}",
                    a.at.format("%H:%M:%S%.3f"),
                    a.connection,
                    a.severity.as_str(),
                    a.title,
                    a.body
                ))
            }
        }
        Update::DecodeError {
            connection,
            error,
            preview,
        } if verbose => Some(if jsonl {
            serde_json::json!({"connection": connection, "decode_error": error, "preview": preview})
                .to_string()
        } else {
            format!(
                "{} {:<16} decode error: {error}: {preview}",
                chrono::Utc::now().format("%H:%M:%S%.3f"),
                connection
            )
        }),
        Update::ServerError {
            connection,
            code,
            message,
        } if verbose => Some(if jsonl {
            serde_json::json!({"connection": connection, "server_error": message, "code": code})
                .to_string()
        } else {
            format!(
                "{} {:<16} server error {}: {message}",
                chrono::Utc::now().format("%H:%M:%S%.3f"),
                connection,
                code.as_deref().unwrap_or("-")
            )
        }),
        _ => None,
    }
}

fn describe_state(v: &serde_json::Value) -> String {
    let name = v.get("state").and_then(|s| s.as_str()).unwrap_or("?");
    let rest: Vec<String> = v
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "state")
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if rest.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({})", rest.join(", "))
    }
}
