//! `gatewatch replay F.jsonl [--db F]`: recorded frames through the same pipeline as live data.

use std::path::PathBuf;

use gatewatch_core::views::{IntentView, LobbyView, PositionView};

/// Arguments of `gatewatch replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A recording made with `gatewatch watch --record F.jsonl`.
    file: PathBuf,
    /// Store the result in this SQLite file (default: nothing is stored; the summary is printed).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Run `gatewatch replay`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let (report, states) =
        gatewatch_engine::engine::replay(&args.file, args.db.clone(), Default::default()).await?;
    let mut positions: Vec<PositionView> =
        states.iter().filter_map(PositionView::from_state).collect();
    let mut intents: Vec<IntentView> = states.iter().filter_map(IntentView::from_state).collect();
    let mut lobbies: Vec<LobbyView> = states.iter().filter_map(LobbyView::from_state).collect();
    positions.sort_by(|a, b| (&a.venue, &a.id).cmp(&(&b.venue, &b.id)));
    intents.sort_by(|a, b| a.id.cmp(&b.id));
    lobbies.sort_by(|a, b| a.id.cmp(&b.id));
    if args.json {
        let v = serde_json::json!({
            "report": report,
            "positions": positions,
            "intents": intents,
            "lobbies": lobbies,
        });
        println!("{v}");
    } else {
        println!(
            "{} lines: {} events, {} control frames, {} decode errors, {} unreadable lines",
            report.lines, report.events, report.control, report.decode_errors, report.bad_lines
        );
        println!(
            "{} positions, {} intents, {} lobbies",
            positions.len(),
            intents.len(),
            lobbies.len()
        );
        for p in &positions {
            println!(
                "  position {:<8} {:<24} {:<12}{}",
                p.venue,
                p.id,
                p.status.as_deref().unwrap_or("-"),
                if p.finalizing { " (finalizing)" } else { "" }
            );
        }
        for i in &intents {
            println!(
                "  intent   {:<33} {}",
                i.id,
                i.status.as_deref().unwrap_or("-")
            );
        }
        if let Some(db) = &args.db {
            println!("stored in {}", db.display());
        }
    }
    Ok(())
}
