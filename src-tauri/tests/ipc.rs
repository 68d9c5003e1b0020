//! Drives the real builder, the real `tauri.conf.json` and the real capabilities through
//! Tauri's mock runtime: what passes here is what the page's `invoke` gets.

use gatewatch_app::{AppInfo, AppOptions, BridgeOptions};
use gatewatch_core::GatewayKind;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::MockRuntime;
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// The real builder without starting the engine: these tests are about the command layer.
fn app() -> App<MockRuntime> {
    let dir = std::env::temp_dir().join(format!("gatewatch-ipc-test-{}", std::process::id()));
    let opts = AppOptions {
        bridge: BridgeOptions {
            // No file there: `list_connections` answers from an empty config.
            config_path: Some(dir.join("config.toml")),
            db: Some(dir.join("gatewatch.db")),
            os_notifications: false,
        },
        start_engine: false,
    };
    gatewatch_app::builder(mock_builder(), opts)
        .build(gatewatch_app::context())
        .expect("the app builds on the mock runtime")
}

/// The `main` window as `tauri.conf.json` declares it (the real app creates it at start-up).
fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|window| window.label == "main")
        .expect("tauri.conf.json declares a `main` window")
        .clone();
    WebviewWindowBuilder::from_config(app, &config)
        .expect("a valid window config")
        .build()
        .expect("the main window opens")
}

/// What the page's `invoke(cmd)` sends, from the embedded UI's origin.
fn request(cmd: &str) -> InvokeRequest {
    request_with(cmd, serde_json::json!({}))
}

/// The same with arguments, as `invoke(cmd, args)` sends them.
fn request_with(cmd: &str, args: serde_json::Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid URL"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

#[test]
fn app_info_answers_the_main_window_with_version_and_every_gateway_kind() {
    let app = app();
    let window = main_window(&app);

    let body = get_ipc_response(&window, request("app_info")).expect("app_info is allowed");
    let json: serde_json::Value = body.deserialize().expect("app_info returns JSON");

    // The UI's contract is exactly these two keys; a rename would break it silently.
    let object = json.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["gateway_kinds", "version"]);

    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let kinds: Vec<&str> = json["gateway_kinds"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|kind| kind.as_str().expect("a string"))
        .collect();
    assert_eq!(kinds.len(), 6, "five gateways, Dimes with two connections");
    for kind in GatewayKind::ALL {
        assert!(
            kinds.contains(&kind.as_str()),
            "{kind} missing from {kinds:?}"
        );
        // Each spelling must parse back, or the UI would send the engine names it rejects.
        assert_eq!(kind.as_str().parse::<GatewayKind>().ok(), Some(kind));
    }
    assert_eq!(
        json,
        serde_json::to_value(AppInfo::current()).expect("serializable")
    );
}

#[test]
fn a_window_outside_the_main_capability_is_refused() {
    let app = app();
    let other = WebviewWindowBuilder::new(&app, "other", WebviewUrl::default())
        .build()
        .expect("a second window");

    let refused = get_ipc_response(&other, request("app_info"));
    let error = refused.expect_err("only `main` is granted allow-app-info");
    assert!(
        error.to_string().contains("not allowed"),
        "unexpected refusal: {error}"
    );
}

#[test]
fn an_unknown_command_is_refused() {
    let app = app();
    let window = main_window(&app);

    let refused = get_ipc_response(&window, request("delete_everything"));
    assert!(refused.is_err(), "got {refused:?}");
}

#[test]
fn every_command_is_granted_to_main_and_answers_with_the_contract_shapes() {
    let app = app();
    let window = main_window(&app);

    let thresholds: serde_json::Value = get_ipc_response(&window, request("get_alert_thresholds"))
        .expect("allowed")
        .deserialize()
        .expect("JSON");
    let mut keys: Vec<&str> = thresholds
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "distance_to_liquidation",
            "group_window_secs",
            "max_notifications_per_minute",
            "rearm_margin"
        ]
    );

    let connections: serde_json::Value = get_ipc_response(&window, request("list_connections"))
        .expect("allowed")
        .deserialize()
        .expect("JSON");
    assert_eq!(
        connections,
        serde_json::json!([]),
        "no config file: no connections"
    );

    // Arguments arrive in snake_case, as the UI sends them.
    get_ipc_response(
        &window,
        request_with("set_inspector_paused", serde_json::json!({"paused": true})),
    )
    .expect("allowed");

    // A rejection is `{ kind, message }`, never a bare string.
    let rejected = get_ipc_response(
        &window,
        request_with(
            "set_alert_thresholds",
            serde_json::json!({"thresholds": {
                "distance_to_liquidation": -1.0, "rearm_margin": 0.05,
                "group_window_secs": 5, "max_notifications_per_minute": 12
            }}),
        ),
    )
    .expect_err("a negative threshold is refused");
    assert_eq!(rejected["kind"], "invalid_input", "{rejected}");
    assert!(
        rejected["message"]
            .as_str()
            .is_some_and(|m| m.contains("distance")),
        "{rejected}"
    );

    // Every command the handler knows is granted: none is refused by the ACL. (Arguments are
    // missing here, so most fail in deserialization — after the ACL let them through.)
    for cmd in [
        "lookup_intent",
        "subscribe_intent",
        "search_events",
        "export_events",
        "save_connection",
        "remove_connection",
        "test_connection",
        "set_muted",
    ] {
        let answer = get_ipc_response(&window, request(cmd));
        if let Err(e) = answer {
            assert!(
                !e.to_string().contains("not allowed"),
                "{cmd} refused by the ACL: {e}"
            );
        }
    }
}
