//! `gatewatch query positions|intents|lobbies|events [--db F] [--id ID] [--json]`: read the
//! local SQLite cache without connecting to anything.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use gatewatch_core::EntityKind;
use gatewatch_store::{EventFilter, PositionFilter, Store, StoreOptions};
use serde_json::json;

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// Positions of Dimes, Axisor and zkde (open first by update time).
    Positions,
    /// Fusion intents; with `--id`, one intent with its status history and timeline.
    Intents,
    /// Hashi lobbies; with `--id`, one lobby with its contracts and storage items.
    Lobbies,
    /// The event log, newest first; with `--id`, the events of one entity.
    Events,
}

/// Arguments of `gatewatch query`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to list.
    #[arg(value_enum)]
    pub what: What,
    /// The database file (default: `gatewatch.db` in the user's data directory).
    #[arg(long, env = "GATEWATCH_DB")]
    pub db: Option<PathBuf>,
    /// One position / intent / lobby by id, or (events) the events of one entity id.
    #[arg(long)]
    pub id: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// At most this many rows.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// positions: only this venue (`dimes`, `axisor`, `zkde`).
    #[arg(long)]
    pub venue: Option<String>,
    /// positions: only those flagged at risk (open ones).
    #[arg(long)]
    pub at_risk: bool,
    /// positions: only open ones.
    #[arg(long, conflicts_with = "history")]
    pub open: bool,
    /// positions: only closed ones.
    #[arg(long)]
    pub history: bool,
    /// events: only this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// events: only this event type.
    #[arg(long = "type")]
    pub event_type: Option<String>,
    /// events: only those whose payload contains this text (newest 200,000 events).
    #[arg(long)]
    pub text: Option<String>,
    /// events: only ids below this (the last id of the previous page).
    #[arg(long)]
    pub before: Option<i64>,
}

/// Run `gatewatch query`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let path = args.db.clone().unwrap_or_else(Store::default_path);
    let opts = StoreOptions {
        create_if_missing: false,
        max_connections: 1,
        ..StoreOptions::default()
    };
    let store = Store::open(&path, opts)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    let out = std::io::stdout();
    let mut out = out.lock();
    let result = match args.what {
        What::Positions => positions(&store, &args, &mut out).await,
        What::Intents => intents(&store, &args, &mut out).await,
        What::Lobbies => lobbies(&store, &args, &mut out).await,
        What::Events => events(&store, &args, &mut out).await,
    };
    store.close().await;
    // `gatewatch query events | head` closing the pipe early is not an error.
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

async fn positions(store: &Store, args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let rows = if args.at_risk && args.venue.is_none() && args.id.is_none() {
        store.positions_at_risk().await?
    } else {
        let open = match (args.open, args.history) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let f = PositionFilter {
            venue: args.venue.clone(),
            at_risk: args.at_risk.then_some(true),
            open,
            id: args.id.clone(),
            limit: Some(args.limit),
            ..PositionFilter::default()
        };
        store.positions(&f).await?
    };
    if args.json {
        return print_json(out, &rows);
    }
    let table = rows
        .iter()
        .map(|p| {
            let mut status = p.status.clone().unwrap_or_default();
            if p.finalizing {
                status.push_str(" (finalizing)");
            }
            if p.stale {
                status.push_str(" (stale)");
            }
            vec![
                p.venue.clone(),
                p.id.clone(),
                opt(&p.market),
                opt(&p.side),
                num(p.size),
                num(p.entry),
                num(p.current_value),
                num(p.pnl),
                num(p.distance_to_liquidation),
                if p.at_risk {
                    "AT RISK".into()
                } else {
                    String::new()
                },
                status,
                p.updated_at.to_rfc3339(),
            ]
        })
        .collect();
    print_table(
        out,
        &[
            "VENUE", "ID", "MARKET", "SIDE", "SIZE", "ENTRY", "CURRENT", "PNL", "TO LIQ", "RISK",
            "STATUS", "UPDATED",
        ],
        table,
    )
}

async fn intents(store: &Store, args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    if let Some(id) = &args.id {
        let Some(intent) = store.intent(id).await? else {
            anyhow::bail!("no intent `{id}` in {}", "the cache");
        };
        let history = store.intent_status_history(id).await?;
        let timeline = store
            .entity_events(EntityKind::Intent, id, args.limit)
            .await?;
        if args.json {
            return print_json(
                out,
                &json!({"intent": intent, "history": history, "events": timeline}),
            );
        }
        let fields = [
            ("id", intent.id.clone()),
            ("status", opt(&intent.status)),
            ("proof status", opt(&intent.proof_status)),
            ("solver", opt(&intent.solver)),
            (
                "chains",
                format!("{} -> {}", opt(&intent.from_chain), opt(&intent.to_chain)),
            ),
            ("amount", opt(&intent.amount)),
            (
                "htlc state",
                intent
                    .htlc_state
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            (
                "tx hashes",
                intent
                    .tx_hashes
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
            ("error", opt(&intent.error)),
            ("failure reason", opt(&intent.failure_reason)),
            ("updated", intent.updated_at.to_rfc3339()),
        ];
        for (k, v) in fields {
            writeln!(out, "{k:>15}: {}", clean(&v))?;
        }
        writeln!(out)?;
        let rows = history
            .iter()
            .map(|h| {
                vec![
                    h.at.to_rfc3339(),
                    opt(&h.status),
                    opt(&h.proof_status),
                    h.event_type.clone(),
                    h.event_id.map(|i| i.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        print_table(out, &["AT", "STATUS", "PROOF", "EVENT", "EVENT ID"], rows)?;
        writeln!(out)?;
        return print_events(out, &timeline);
    }
    let rows = store.intents(args.limit).await?;
    if args.json {
        return print_json(out, &rows);
    }
    let table = rows
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                opt(&i.status),
                opt(&i.proof_status),
                opt(&i.solver),
                format!("{} -> {}", opt(&i.from_chain), opt(&i.to_chain)),
                opt(&i.amount),
                opt(&i.failure_reason).to_string() + &opt(&i.error),
                i.updated_at.to_rfc3339(),
            ]
        })
        .collect();
    print_table(
        out,
        &[
            "ID", "STATUS", "PROOF", "SOLVER", "CHAINS", "AMOUNT", "ERROR", "UPDATED",
        ],
        table,
    )
}

async fn lobbies(store: &Store, args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let mut rows = store.lobbies().await?;
    if let Some(id) = &args.id {
        rows.retain(|l| &l.id == id || l.code.as_deref() == Some(id.as_str()));
        let Some(lobby) = rows.first() else {
            anyhow::bail!("no lobby `{id}` in the cache");
        };
        let contracts = store.contracts(Some(&lobby.id)).await?;
        let storage = store.storage_items(Some(&lobby.id)).await?;
        if args.json {
            return print_json(
                out,
                &json!({"lobby": lobby, "contracts": contracts, "storage_items": storage}),
            );
        }
        print_lobbies(out, &rows[..1])?;
        writeln!(out)?;
        let c = contracts
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    c.stage.clone(),
                    yes(c.terminal),
                    c.updated_at.to_rfc3339(),
                ]
            })
            .collect();
        print_table(out, &["CONTRACT", "STAGE", "TERMINAL", "UPDATED"], c)?;
        writeln!(out)?;
        let s = storage
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    opt(&s.contract_id),
                    opt(&s.player_id),
                    s.stage.clone(),
                    yes(s.terminal),
                    s.updated_at.to_rfc3339(),
                ]
            })
            .collect();
        return print_table(
            out,
            &[
                "STORAGE", "CONTRACT", "PLAYER", "STAGE", "TERMINAL", "UPDATED",
            ],
            s,
        );
    }
    rows.truncate(args.limit as usize);
    if args.json {
        return print_json(out, &rows);
    }
    print_lobbies(out, &rows)
}

fn print_lobbies(
    out: &mut impl Write,
    rows: &[gatewatch_core::views::LobbyView],
) -> anyhow::Result<()> {
    let table = rows
        .iter()
        .map(|l| {
            vec![
                l.id.clone(),
                opt(&l.code),
                l.participant_count
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                l.participants.join(","),
                if l.deleted {
                    "deleted".into()
                } else {
                    l.last_event_type.clone()
                },
                l.updated_at.to_rfc3339(),
            ]
        })
        .collect();
    print_table(
        out,
        &["ID", "CODE", "COUNT", "PARTICIPANTS", "LAST", "UPDATED"],
        table,
    )
}

async fn events(store: &Store, args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let f = EventFilter {
        connection: args.connection.clone(),
        event_type: args.event_type.clone(),
        entity_id: args.id.clone(),
        text: args.text.clone(),
        before_id: args.before,
        limit: Some(args.limit),
        ..EventFilter::default()
    };
    let rows = store.events(&f).await?;
    if args.json {
        return print_json(out, &rows);
    }
    print_events(out, &rows)
}

fn print_events(out: &mut impl Write, rows: &[gatewatch_store::EventRow]) -> anyhow::Result<()> {
    let table = rows
        .iter()
        .map(|e| {
            let entity = match (&e.entity_kind, &e.entity_id) {
                (Some(k), Some(i)) => format!("{k}:{i}"),
                _ => String::new(),
            };
            let mut payload = e.payload.to_string();
            if payload.len() > 80 {
                let cut = (0..=77)
                    .rev()
                    .find(|&i| payload.is_char_boundary(i))
                    .unwrap_or(0);
                payload.truncate(cut);
                payload.push_str("...");
            }
            vec![
                e.id.to_string(),
                e.received_at.to_rfc3339(),
                e.connection.clone(),
                e.event_type.clone(),
                entity,
                e.applied.clone().unwrap_or_default(),
                payload,
            ]
        })
        .collect();
    print_table(
        out,
        &[
            "ID",
            "RECEIVED",
            "CONNECTION",
            "TYPE",
            "ENTITY",
            "APPLIED",
            "PAYLOAD",
        ],
        table,
    )
}

fn print_json(out: &mut impl Write, v: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Network strings go to a terminal: drop control characters so a payload can't move the
/// cursor or change colours.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn num(n: Option<f64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "" }.to_owned()
}

fn print_table(
    out: &mut impl Write,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    for r in &rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    if rows.is_empty() {
        writeln!(out, "(none)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_strip_control_characters() {
        let mut out = Vec::new();
        print_table(
            &mut out,
            &["A", "BB"],
            vec![
                vec!["x\u{1b}[31m".into(), "y".into()],
                vec!["long".into(), "z".into()],
            ],
        )
        .expect("print");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(text, "A      BB\nx[31m  y\nlong   z\n");
    }
}
