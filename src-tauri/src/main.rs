//! The `gatewatch-app` binary: starts the desktop shell defined in the library.

// Without this a release build on Windows would also open a console window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as in the `gatewatch` binary: the connectors build and drop a JSON tree per
/// event (docs/connectors.md, "Throughput").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // `RUST_LOG` as the CLI reads it; tungstenite's handshake logging (which prints
    // credentials) stays capped whatever it says.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter =
        tracing_subscriber::EnvFilter::try_new(format!("{filter},{}", gatewatch_net::LOG_CAP))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(gatewatch_net::LOG_CAP));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    gatewatch_app::run()?;
    Ok(())
}
