//! `gatewatch`: the command-line front of Gatewatch.
//!
//! Each subcommand lives in its own module and exposes `Args` (clap) and `run(args)`.

mod config_cmd;
mod query;
mod record;
mod replay;
mod sim;
mod watch;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc malloc: the connectors build and drop a JSON tree per event, and
/// glibc's malloc/free were about a quarter of their instructions (docs/connectors.md,
/// "Throughput").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Watch five real-time trading gateways at once.
#[derive(Debug, Parser)]
#[command(name = "gatewatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to the configured gateways (or the embedded simulator) and print every event.
    Watch(watch::Args),
    /// Feed a recording (`watch --record`) through the same pipeline.
    Replay(replay::Args),
    /// Run the simulator of all five gateways on loopback.
    Sim(sim::Args),
    /// Query the local SQLite cache.
    Query(query::Args),
    /// Print an example config, check a config file, or show where it is looked for.
    Config(config_cmd::Args),
}

/// Logs go to stderr (stdout is for data). `RUST_LOG` overrides the default level, but the
/// WebSocket libraries are always capped: their trace output prints handshake requests,
/// which carry credentials.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,gatewatch=info".to_owned());
    let filter = EnvFilter::try_new(format!("{base},{}", gatewatch_net::LOG_CAP))
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,{}", gatewatch_net::LOG_CAP)));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable line (with its causes), never a backtrace: config errors are for
            // people.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Watch(args) => watch::run(args).await,
            Command::Replay(args) => replay::run(args).await,
            Command::Sim(args) => sim::run(args).await,
            Command::Query(args) => query::run(args).await,
            Command::Config(args) => config_cmd::run(args).await,
        }
    })
}
