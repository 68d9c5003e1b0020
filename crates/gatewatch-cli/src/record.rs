//! `gatewatch watch --record F.jsonl`: every received frame (redacted), one JSON object per
//! line, in the order read — the input of `gatewatch replay`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use gatewatch_core::{Direction, Frame};
use gatewatch_net::FrameTap;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running recording.
pub struct Recorder {
    task: JoinHandle<anyhow::Result<u64>>,
}

impl Recorder {
    /// Start writing frames received by `tap` to `path` until `shutdown`.
    pub fn start(path: &Path, tap: &FrameTap, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut rx = tap.subscribe();
        let task = tokio::spawn(async move {
            let mut out = std::io::BufWriter::new(file);
            let mut n = 0u64;
            let write =
                |f: &Frame, out: &mut std::io::BufWriter<std::fs::File>| -> anyhow::Result<()> {
                    serde_json::to_writer(&mut *out, f)?;
                    out.write_all(b"\n")?;
                    Ok(())
                };
            loop {
                tokio::select! {
                    biased;
                    f = rx.recv() => match f {
                        Some(f) if f.direction == Direction::In => { write(&f, &mut out)?; n += 1; }
                        Some(_) => {}
                        None => break,
                    },
                    _ = shutdown.cancelled() => {
                        // Write what is already queued, then stop.
                        while let Some(f) = rx.try_recv() {
                            if f.direction == Direction::In { write(&f, &mut out)?; n += 1; }
                        }
                        break;
                    }
                }
            }
            out.flush()?;
            Ok(n)
        });
        Ok(Self { task })
    }

    /// Wait for the recording to be flushed; returns the number of frames written.
    pub async fn finish(self) -> anyhow::Result<u64> {
        self.task.await.context("recorder task")?
    }
}
