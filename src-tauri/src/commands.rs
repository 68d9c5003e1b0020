//! IPC commands: thin wrappers over [`Bridge`]. Each is `async` so it runs off the main thread
//! (a sync command would block the UI's event loop), takes its arguments in snake_case as the
//! UI sends them (`rename_all = "snake_case"`), rejects with [`AppError`] (`{ kind, message }`),
//! and is listed in `build.rs` so the ACL can grant it.

use chrono::{DateTime, Utc};
use gatewatch_core::alerts::Toast;
use gatewatch_core::config::AlertThresholds;
use tauri::ipc::Channel;
use tauri::{Runtime, State, Webview};

use crate::bridge::Bridge;
use crate::error::AppError;
use crate::ipc::{
    AppInfo, ConnectionSettings, EventFilter, EventRow, IntentDetail, Snapshot, TestResult, UiBatch,
};

/// `app_info`: the version and the gateway kinds, for the UI's header.
#[tauri::command(rename_all = "snake_case")]
pub async fn app_info() -> AppInfo {
    AppInfo::current()
}

/// `snapshot`: the whole state, the inspector's ring and whether this is demo data.
#[tauri::command(rename_all = "snake_case")]
pub async fn snapshot(bridge: State<'_, Bridge>) -> Result<Snapshot, AppError> {
    bridge.snapshot().await
}

/// `subscribe_live { channel }`: batches of what changed, at most ~30 a second.
#[tauri::command(rename_all = "snake_case")]
pub async fn subscribe_live<R: Runtime>(
    webview: Webview<R>,
    bridge: State<'_, Bridge>,
    channel: Channel<UiBatch>,
) -> Result<(), AppError> {
    bridge.subscribe_live(webview.label(), channel);
    Ok(())
}

/// `lookup_intent { id }`: an intent's status and its timeline from the event log.
#[tauri::command(rename_all = "snake_case")]
pub async fn lookup_intent(
    bridge: State<'_, Bridge>,
    id: String,
) -> Result<IntentDetail, AppError> {
    bridge.lookup_intent(&id).await
}

/// `subscribe_intent { connection, id }`: Fusion `subscribe:intent`.
#[tauri::command(rename_all = "snake_case")]
pub async fn subscribe_intent(
    bridge: State<'_, Bridge>,
    connection: String,
    id: String,
) -> Result<(), AppError> {
    bridge.subscribe_intent(&connection, &id).await
}

/// `search_events { filter }`: the event log, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn search_events(
    bridge: State<'_, Bridge>,
    filter: EventFilter,
) -> Result<Vec<EventRow>, AppError> {
    bridge.search_events(&filter).await
}

/// `export_events { filter, path }`: every matching event as JSON lines; the count written.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_events(
    bridge: State<'_, Bridge>,
    filter: EventFilter,
    path: String,
) -> Result<u64, AppError> {
    bridge.export_events(&filter, &path).await
}

/// `set_inspector_paused { paused }`.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_inspector_paused(bridge: State<'_, Bridge>, paused: bool) -> Result<(), AppError> {
    bridge.set_inspector_paused(paused);
    Ok(())
}

/// `list_connections`: the config file's connections (secrets never included).
#[tauri::command(rename_all = "snake_case")]
pub async fn list_connections(
    bridge: State<'_, Bridge>,
) -> Result<Vec<ConnectionSettings>, AppError> {
    bridge.list_connections()
}

/// `save_connection { settings, secret }`: save, then restart the engine on the new config.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_connection(
    bridge: State<'_, Bridge>,
    settings: ConnectionSettings,
    secret: Option<String>,
) -> Result<(), AppError> {
    bridge.save_connection(&settings, secret.as_deref()).await
}

/// `remove_connection { name }`: remove, then restart the engine.
#[tauri::command(rename_all = "snake_case")]
pub async fn remove_connection(bridge: State<'_, Bridge>, name: String) -> Result<(), AppError> {
    bridge.remove_connection(&name).await
}

/// `test_connection { settings, secret }`: connect once and report.
#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(
    bridge: State<'_, Bridge>,
    settings: ConnectionSettings,
    secret: Option<String>,
) -> Result<TestResult, AppError> {
    bridge.test_connection(&settings, secret.as_deref()).await
}

/// `get_alert_thresholds`.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_alert_thresholds(bridge: State<'_, Bridge>) -> Result<AlertThresholds, AppError> {
    Ok(bridge.alert_thresholds())
}

/// `set_alert_thresholds { thresholds }`: applies at once, no restart.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_alert_thresholds(
    bridge: State<'_, Bridge>,
    thresholds: AlertThresholds,
) -> Result<(), AppError> {
    bridge.set_alert_thresholds(thresholds).await
}

/// `set_muted { connection, muted_until }`: mute a connection's alerts until then (`null`
/// unmutes).
#[tauri::command(rename_all = "snake_case")]
pub async fn set_muted(
    bridge: State<'_, Bridge>,
    connection: String,
    muted_until: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    bridge.set_muted(&connection, muted_until).await
}

/// `notification_history`: this session's toasts and the stored alerts, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn notification_history(bridge: State<'_, Bridge>) -> Result<Vec<Toast>, AppError> {
    bridge.notification_history().await
}
