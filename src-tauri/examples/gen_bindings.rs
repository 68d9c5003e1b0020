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
/// gives a `number` (counters and ids stay far below 2^53): every such field says
/// `#[ts(type = "number")]` where it is defined. A new one that doesn't fails here, naming it,
/// instead of reaching the UI as a type that lies.
fn numbers_not_bigints(dir: &Path) -> anyhow::Result<()> {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "ts") {
            let text = std::fs::read_to_string(&path)?;
            for line in text.lines().filter(|l| l.contains("bigint")) {
                offenders.push(format!("{}: {}", path.display(), line.trim()));
            }
        }
    }
    anyhow::ensure!(
        offenders.is_empty(),
        "64-bit integers without #[ts(type = \"number\")] (JSON gives numbers):\n{}",
        offenders.join("\n")
    );
    Ok(())
}
