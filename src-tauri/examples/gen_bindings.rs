//! Writes the TypeScript of every IPC type (and every type they use) into a directory:
//! `cargo run -p gatewatch-app --features ts --example gen_bindings -- OUT_DIR`.
//! `scripts/gen-bindings` runs it into `ui/src/lib/bindings/`; `tests/suites/10-bindings.sh`
//! runs it into a temporary directory and fails when the committed files differ.

use std::path::{Path, PathBuf};

use anyhow::Context;
use gatewatch_app::error::ErrorBody;
use gatewatch_app::ipc::{
    AppInfo, ConnectionSettings, EventFilter, IntentDetail, Snapshot, TestResult, UiBatch,
};
use gatewatch_core::alerts::Toast;
use gatewatch_core::config::AlertThresholds;
use ts_rs::TS;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .context("usage: gen_bindings OUT_DIR")?,
    );
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Each call also writes every type the root refers to (views, statuses, kinds, …).
    AppInfo::export_all_to(&dir)?;
    Snapshot::export_all_to(&dir)?;
    UiBatch::export_all_to(&dir)?;
    IntentDetail::export_all_to(&dir)?;
    EventFilter::export_all_to(&dir)?;
    ConnectionSettings::export_all_to(&dir)?;
    TestResult::export_all_to(&dir)?;
    ErrorBody::export_all_to(&dir)?;
    AlertThresholds::export_all_to(&dir)?;
    Toast::export_all_to(&dir)?;
    numbers_not_bigints(&dir)?;
    Ok(())
}

/// ts-rs writes Rust's `u64`/`i64` as `bigint`, but IPC payloads are JSON and `JSON.parse`
/// gives a `number` (counters and ids stay far below 2^53). Types in this crate say so with
/// `#[ts(type = "number")]`; the engine crates' types (`Counters`, `LobbyView`,
/// `AlertThresholds`) don't, so their files are corrected here.
fn numbers_not_bigints(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "ts") {
            let text = std::fs::read_to_string(&path)?;
            if text.contains("bigint") {
                std::fs::write(&path, text.replace("bigint", "number"))?;
            }
        }
    }
    Ok(())
}
