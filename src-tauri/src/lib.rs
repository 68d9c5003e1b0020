//! The Gatewatch desktop shell: a thin Tauri v2 layer between the web UI in `ui/` and the
//! Rust crates that do the work.
//!
//! Layout:
//! - [`builder`] registers the app's state, start-up and commands on a [`tauri::Builder`] of
//!   any runtime, so the real app ([`run`]) and the tests (`tauri::test::mock_builder()`)
//!   share one setup.
//! - [`context`] is the compile-time context generated from the repository's root
//!   `tauri.conf.json` (window, CSP, icons, the capabilities in `src-tauri/capabilities/`).
//! - [`bridge`]: the [`Bridge`] — owns the running engine (restarted when Settings change the
//!   config), the inspector's frame ring and the live subscribers.
//! - `commands`: the IPC commands, thin wrappers over the bridge; each is also listed in
//!   `build.rs` so it gets a generated permission, granted to `main` in `capabilities/`.
//! - [`ipc`]: the contract's types (generated into `ui/src/lib/bindings/` by
//!   `scripts/gen-bindings`); [`AppError`] is the one error every command returns.
//! - [`batch`], [`ring`], [`frames`]: pure pieces of the live stream (folding updates into a
//!   batch, the bounded ring, frame → inspector row); [`settings`]: Settings ↔ config file;
//!   [`probe`]: `test_connection`.
//!
//! Nothing here decides anything the command-line tool would also need: that lives in the
//! `gatewatch-*` crates, which do not depend on Tauri.
#![deny(missing_docs)]

pub mod batch;
pub mod bridge;
mod commands;
pub mod error;
pub mod frames;
pub mod ipc;
pub mod probe;
pub mod ring;
pub mod settings;

pub use bridge::{Bridge, BridgeOptions};
pub use error::AppError;
pub use ipc::AppInfo;

/// How [`builder`] sets the app up.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Where the bridge finds its config and database.
    pub bridge: BridgeOptions,
    /// Start the engine in `setup` (tests of the command layer alone turn it off).
    pub start_engine: bool,
}

impl AppOptions {
    /// What the desktop app uses: the user's config (or the simulator), OS notifications.
    pub fn desktop() -> Self {
        Self {
            bridge: BridgeOptions {
                os_notifications: true,
                ..Default::default()
            },
            start_engine: true,
        }
    }
}

/// Registers the app's state, start-up and commands on `builder`.
///
/// Generic over the runtime so tests can drive it with `tauri::test::mock_builder()`.
pub fn builder<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    opts: AppOptions,
) -> tauri::Builder<R> {
    let bridge = Bridge::new(opts.bridge);
    let starter = bridge.clone();
    builder
        .manage(bridge)
        .setup(move |_app| {
            if opts.start_engine {
                let bridge = starter.clone();
                // On Tauri's async runtime, so the window shows while the engine starts;
                // commands wait for it (or report why it failed).
                tauri::async_runtime::spawn(async move {
                    let _ = bridge.start().await;
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::snapshot,
            commands::subscribe_live,
            commands::lookup_intent,
            commands::subscribe_intent,
            commands::search_events,
            commands::export_events,
            commands::set_inspector_paused,
            commands::list_connections,
            commands::save_connection,
            commands::remove_connection,
            commands::test_connection,
            commands::get_alert_thresholds,
            commands::set_alert_thresholds,
            commands::set_muted,
            commands::notification_history,
        ])
}

/// The context generated from the root `tauri.conf.json`: config, embedded `ui/dist`, icons
/// and the resolved access-control list.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!("../tauri.conf.json")
}

/// Starts the desktop app and blocks until it exits; the engine is stopped cleanly (its
/// store flushed) on the way out.
///
/// # Errors
/// Returns Tauri's error when the app cannot be built or its event loop fails to start.
pub fn run() -> tauri::Result<()> {
    let app = builder(tauri::Builder::default(), AppOptions::desktop()).build(context())?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            use tauri::Manager;
            if let Some(bridge) = handle.try_state::<Bridge>() {
                tauri::async_runtime::block_on(bridge.shutdown());
            }
        }
    });
    Ok(())
}
