//! `gatewatch watch --record` then `gatewatch replay`: the recording goes through the same
//! pipeline, deterministically (two replays give the same entities), and the result matches
//! what the live run stored.

use std::process::Command;

fn gatewatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gatewatch"));
    // Never read the developer's config or write their data directory.
    c.env_remove("GATEWATCH_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-gatewatch-test")
        .env("RUST_LOG", "warn");
    c
}

fn replay_json(rec: &std::path::Path, db: &std::path::Path) -> serde_json::Value {
    let out = gatewatch()
        .args(["replay", "--json", "--db"])
        .arg(db)
        .arg(rec)
        .output()
        .expect("run gatewatch replay");
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("replay --json prints JSON")
}

#[test]
fn recording_replays_deterministically_and_matches_the_live_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("rec.jsonl");
    let live_db = dir.path().join("live.db");
    let out = gatewatch()
        .args(["watch", "--for", "8", "--jsonl", "--db"])
        .arg(&live_db)
        .arg("--record")
        .arg(&rec)
        .output()
        .expect("run gatewatch watch");
    assert!(
        out.status.success(),
        "watch failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live_events = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"type\""))
        .count();
    assert!(live_events > 10, "only {live_events} events in 8 s");

    let text = std::fs::read_to_string(&rec).expect("recording exists");
    assert!(
        text.lines().count() >= live_events,
        "recording shorter than the event stream"
    );
    // The demo credentials are the simulator's own, but they are secrets to the recorder.
    assert!(
        !text.contains("dm_sbx_skey_"),
        "an API key reached the recording"
    );

    let a = replay_json(&rec, &dir.path().join("a.db"));
    let b = replay_json(&rec, &dir.path().join("b.db"));
    assert_eq!(
        a["positions"], b["positions"],
        "replay is not deterministic"
    );
    assert_eq!(a["intents"], b["intents"]);
    assert_eq!(a["lobbies"], b["lobbies"]);
    let replayed = a["report"]["events"].as_u64().unwrap_or(0);
    assert!(
        replayed as usize >= live_events,
        "replayed {replayed} events, live run printed {live_events}"
    );
    assert_eq!(a["report"]["decode_errors"], 0);

    // The positions the live run stored are the ones the replay produced.
    let q = gatewatch()
        .args(["query", "positions", "--json", "--db"])
        .arg(&live_db)
        .output()
        .expect("run gatewatch query");
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let live: serde_json::Value = serde_json::from_slice(&q.stdout).expect("query --json");
    let ids = |v: &serde_json::Value| -> std::collections::BTreeSet<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["id"].as_str().unwrap_or_default().to_owned(),
                    p["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(ids(&live), ids(&a["positions"]));
}
