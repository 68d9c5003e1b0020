//! Runs tauri-build against the root `tauri.conf.json` and declares the app's own commands, so
//! each gets generated `allow-*`/`deny-*` permissions that `capabilities/` can grant one by one.

/// Every `#[tauri::command]` the shell registers. A command missing here has no permission and
/// the ACL rejects it at run time; keep this list and `generate_handler!` in step.
const COMMANDS: &[&str] = &[
    "app_info",
    "snapshot",
    "subscribe_live",
    "lookup_intent",
    "subscribe_intent",
    "search_events",
    "export_events",
    "set_inspector_paused",
    "list_connections",
    "save_connection",
    "remove_connection",
    "test_connection",
    "get_alert_thresholds",
    "set_alert_thresholds",
    "set_muted",
    "notification_history",
];

fn main() {
    // `generate_context!` embeds `ui/dist` when the crate compiles, but nothing tells cargo
    // the crate depends on it: without this a rebuilt UI would ship the previous page.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        // The config lives at the repository root (design card); paths inside it are root-relative.
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; print the whole chain first.
        panic!("tauri-build failed: {error:#}");
    }
}
