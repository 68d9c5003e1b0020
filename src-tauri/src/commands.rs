//! IPC commands. Each is `async` so it runs off the main thread (a sync command would block the
//! UI's event loop), and each name is listed in `build.rs` so the ACL can grant it.

use gatewatch_core::GatewayKind;
use serde::Serialize;

/// What the UI shows about the app itself: proves the Rust ↔ web round trip end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(export, export_to = "../../ui/src/lib/bindings/"))]
pub struct AppInfo {
    /// The app's version (the workspace version the binary was built from).
    pub version: String,
    /// The gateway kinds the core knows, as spelled in config files and on the wire.
    pub gateway_kinds: Vec<String>,
}

impl AppInfo {
    /// The answer for this build.
    pub fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            gateway_kinds: GatewayKind::ALL
                .iter()
                .map(|kind| kind.as_str().to_owned())
                .collect(),
        }
    }
}

/// `app_info`: the version and the gateway kinds, for the UI's header.
#[tauri::command]
pub async fn app_info() -> AppInfo {
    AppInfo::current()
}
