//! The `gatewatch-app` binary: starts the desktop shell defined in the library.

// Without this a release build on Windows would also open a console window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> anyhow::Result<()> {
    gatewatch_app::run()?;
    Ok(())
}
