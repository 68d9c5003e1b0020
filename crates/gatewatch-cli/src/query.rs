//! `gatewatch query` (stub).

/// Arguments of `gatewatch query`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run `gatewatch query`.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`gatewatch query` is not implemented yet")
}
