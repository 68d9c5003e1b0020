//! The Gatewatch desktop shell: a thin Tauri v2 layer between the web UI in `ui/` and the
//! Rust crates that do the work.
//!
//! Layout:
//! - [`builder`] registers everything the app needs on a [`tauri::Builder`] of any runtime, so
//!   the real app ([`run`]) and the unit tests (`tauri::test::mock_builder()`) share one setup.
//! - [`context`] is the compile-time context generated from the repository's root
//!   `tauri.conf.json` (window, CSP, icons, the capabilities in `src-tauri/capabilities/`).
//! - `commands` holds the IPC commands; each one is also listed in `build.rs` so it gets a
//!   generated permission, and granted to the `main` window in `capabilities/main.json`.
//!
//! Nothing here decides anything the command-line tool would also need: that lives in the
//! `gatewatch-*` crates, which do not depend on Tauri.
#![deny(missing_docs)]

mod commands;

pub use commands::AppInfo;

/// Registers the app's commands (and, later, its state and setup) on `builder`.
///
/// Generic over the runtime so tests can drive it with `tauri::test::mock_builder()`.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![commands::app_info])
}

/// The context generated from the root `tauri.conf.json`: config, embedded `ui/dist`, icons
/// and the resolved access-control list.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Starts the desktop app and blocks until its last window closes.
///
/// # Errors
/// Returns Tauri's error when the app cannot be built or its event loop fails to start.
pub fn run() -> tauri::Result<()> {
    builder(tauri::Builder::default()).run(context())
}
