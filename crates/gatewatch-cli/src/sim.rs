//! `gatewatch sim` (stub).

/// Arguments of `gatewatch sim`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run `gatewatch sim`.
pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`gatewatch sim` is not implemented yet")
}
