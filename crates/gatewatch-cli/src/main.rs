//! `gatewatch`: the command-line front of Gatewatch.
//!
//! Each subcommand lives in its own module and exposes `Args` (clap) and `run(args)`.

mod config_cmd;
mod query;
mod sim;

use clap::{Parser, Subcommand};

/// Watch five real-time trading gateways at once.
#[derive(Debug, Parser)]
#[command(name = "gatewatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the simulator of all five gateways on loopback.
    Sim(sim::Args),
    /// Query the local SQLite cache.
    Query(query::Args),
    /// Print an example config, check a config file, or show where it is looked for.
    Config(config_cmd::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Sim(args) => sim::run(args).await,
            Command::Query(args) => query::run(args).await,
            Command::Config(args) => config_cmd::run(args).await,
        }
    })
}
