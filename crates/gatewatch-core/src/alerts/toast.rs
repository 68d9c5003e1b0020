//! UI toasts: the short-lived messages the desktop app shows for events that matter but
//! don't warrant an OS notification (Dimes `notification`, Axisor in-app and system
//! notices, zkde proofs and agent errors, failed Fusion intents, gateway errors).
//!
//! Toasts are a pure function of one event: no state, no storm control (the UI's toast
//! stack bounds and expires them, and drops ids it already shows).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{boolean, data_of, field, fmt_num, get, slug, text};
use super::rules::{clip, is_healthy_status};
use super::Alert;
use crate::event::{ConnectionId, Event, GatewayKind, Severity};

/// One toast for the UI (the UI's contract: `ui/src/lib/bindings/Toast.ts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Toast {
    /// Unique and stable for one event: the UI drops ids it already shows.
    pub id: String,
    /// How it is styled and how long it stays.
    pub severity: Severity,
    /// The connection name.
    pub connection: String,
    /// The connection's gateway kind.
    pub gateway: GatewayKind,
    /// One line.
    pub title: String,
    /// Details (plain text: the UI renders it as text, never HTML).
    pub body: String,
    /// When the event was received.
    pub at: DateTime<Utc>,
}

impl From<&Alert> for Toast {
    fn from(a: &Alert) -> Self {
        Toast {
            id: format!("alert:{}", a.id),
            severity: a.severity,
            connection: a.connection.to_string(),
            gateway: a.gateway,
            title: a.title.clone(),
            body: a.body.clone(),
            at: a.at,
        }
    }
}

/// The toast an event deserves, if any.
pub fn toast_for(ev: &Event) -> Option<Toast> {
    let event_type = if ev.event_type.is_empty() {
        text(ev.payload.get("type")).unwrap_or_default()
    } else {
        ev.event_type.clone()
    };
    let p = &ev.payload;
    let (severity, title, body) = match (ev.gateway, event_type.as_str()) {
        (_, "error") => {
            let code = text(field(p, &["code"]));
            let message = text(field(p, &["message", "error"])).unwrap_or_default();
            let mut t = toast_for_server_error(
                &ev.connection,
                ev.gateway,
                code.as_deref(),
                &message,
                ev.received_at,
            );
            // Keyed on the event, so a redelivered error frame is one toast.
            t.id = toast_id(ev);
            return Some(t);
        }
        (GatewayKind::DimesPartner | GatewayKind::DimesCustomer, "notification") => {
            dimes_notification(data_of(p))?
        }
        (GatewayKind::Axisor, "in_app_notification") => axisor_in_app(data_of(p))?,
        (GatewayKind::Axisor, "server_maintenance") => {
            let d = data_of(p);
            let mut body = text(get(d, &["message"]))
                .map(|m| clip(&m))
                .unwrap_or_default();
            let window = match (
                text(get(d, &["startTime", "start_time"])),
                text(get(d, &["endTime", "end_time"])),
            ) {
                (Some(s), Some(e)) => format!("{} – {}", clip(&s), clip(&e)),
                (Some(s), None) => format!("from {}", clip(&s)),
                _ => String::new(),
            };
            if !window.is_empty() {
                if !body.is_empty() {
                    body.push_str(" · ");
                }
                body.push_str(&window);
            }
            (Severity::Warning, "Scheduled maintenance".to_owned(), body)
        }
        (GatewayKind::Axisor, "service_status_update") => {
            let d = data_of(p);
            let service = text(get(d, &["service", "name"])).unwrap_or_else(|| "service".into());
            let status = text(get(d, &["status", "state"])).unwrap_or_else(|| "unknown".into());
            let severity = if is_healthy_status(&status) {
                Severity::Info
            } else {
                Severity::Warning
            };
            let body = text(get(d, &["message"]))
                .map(|m| clip(&m))
                .unwrap_or_default();
            (
                severity,
                format!("Service {} {}", clip(&service), clip(&status)),
                body,
            )
        }
        (GatewayKind::Zkde, "proof_complete") => {
            let proof_type = text(field(p, &["proof_type", "proofType"])).unwrap_or_default();
            let hash = text(field(p, &["proof_hash", "proofHash"]));
            let ok = boolean(field(p, &["success"])).unwrap_or(true);
            let mut body = clip(&proof_type);
            if let Some(h) = hash {
                if !body.is_empty() {
                    body.push(' ');
                }
                body.push_str(&short_hash(&h));
            }
            if ok {
                (Severity::Info, "Proof ready".to_owned(), body)
            } else {
                (Severity::Warning, "Proof failed".to_owned(), body)
            }
        }
        (GatewayKind::Zkde, "agent_status_change") => {
            let status = text(field(p, &["status", "new_status", "newStatus"]))?;
            if !matches!(
                slug(&status).as_str(),
                "error" | "errored" | "failed" | "failure" | "crashed"
            ) {
                return None;
            }
            let agent = text(field(p, &["agent_id", "agentId"])).unwrap_or_else(|| "agent".into());
            let body = text(field(p, &["message", "error", "reason"]))
                .map(|m| clip(&m))
                .unwrap_or_default();
            (
                Severity::Warning,
                format!("Agent {} in error", clip(&agent)),
                body,
            )
        }
        (GatewayKind::Fusion, t) if t.starts_with("intent:") => {
            let status = text(field(p, &["status"]))?;
            if !status.eq_ignore_ascii_case("failed") {
                return None;
            }
            let id = text(field(p, &["intentId", "intent_id", "id"])).unwrap_or_default();
            let reason = match field(p, &["failureReason", "failure_reason", "error"]) {
                Some(v @ (Value::Object(_) | Value::Array(_))) => clip(&v.to_string()),
                other => text(other).map(|r| clip(&r)).unwrap_or_default(),
            };
            (
                Severity::Warning,
                format!("Intent {} failed", short_hash(&id)),
                reason,
            )
        }
        _ => return None,
    };
    Some(Toast {
        id: toast_id(ev),
        severity,
        connection: ev.connection.to_string(),
        gateway: ev.gateway,
        title,
        body,
        at: ev.received_at,
    })
}

/// A toast for a gateway `error` that arrived as a control message (Hashi `error`, Axisor
/// `INVALID_ROOM`, Fusion `error`).
pub fn toast_for_server_error(
    connection: &ConnectionId,
    gateway: GatewayKind,
    code: Option<&str>,
    message: &str,
    at: DateTime<Utc>,
) -> Toast {
    let code = code.map(str::trim).filter(|c| !c.is_empty()).map(clip);
    let title = match &code {
        Some(c) => format!("{} error: {c}", gateway.venue()),
        None => format!("{} error", gateway.venue()),
    };
    Toast {
        id: format!(
            "toast:{connection}:error:{}:{}",
            at.timestamp_millis(),
            code.as_deref().unwrap_or("")
        ),
        severity: Severity::Warning,
        connection: connection.to_string(),
        gateway,
        title,
        body: clip(message.trim()),
        at,
    }
}

fn toast_id(ev: &Event) -> String {
    let key = if ev.dedupe_key.is_empty() {
        format!(
            "t{}",
            ev.received_at.timestamp_nanos_opt().unwrap_or_default()
        )
    } else {
        ev.dedupe_key.clone()
    };
    format!("toast:{}:{key}", ev.connection)
}

fn dimes_notification(d: &Value) -> Option<(Severity, String, String)> {
    let code = text(get(d, &["code"]))?;
    let title = match code.as_str() {
        "ORDER_FULFILLMENT_RETRYING" => "Order fulfillment retrying".to_owned(),
        "PARTIAL_OPEN_PROGRESS" => "Partial open progress".to_owned(),
        "PARTIAL_OPEN_FLOOR_MISSED" => "Partial open floor missed".to_owned(),
        other => clip(other),
    };
    let severity = if code == "PARTIAL_OPEN_FLOOR_MISSED" {
        Severity::Warning
    } else {
        Severity::Info
    };
    let params = get(d, &["params"]).unwrap_or(&Value::Null);
    let mut body = text(get(d, &["message"]))
        .map(|m| clip(&m))
        .unwrap_or_default();
    let mut extra = Vec::new();
    if let Some(pid) = text(get(params, &["position_id", "positionId"])) {
        extra.push(clip(&pid));
    }
    if let Some(bps) = text(get(params, &["slippage_bps"])) {
        extra.push(format!("slippage {} bps", clip(&bps)));
    }
    if let (Some(f), Some(t)) = (
        text(get(params, &["cumulative_filled_making_amount"])),
        text(get(params, &["target_making_amount"])),
    ) {
        extra.push(format!("filled {} of {}", clip(&f), clip(&t)));
    }
    if !extra.is_empty() {
        if !body.is_empty() {
            body.push_str(" · ");
        }
        body.push_str(&extra.join(", "));
    }
    Some((severity, title, body))
}

fn axisor_in_app(d: &Value) -> Option<(Severity, String, String)> {
    let title = text(get(d, &["title"])).unwrap_or_else(|| "Axisor notification".to_owned());
    let message = text(get(d, &["message"])).unwrap_or_default();
    let severity = match text(get(d, &["type", "severity", "level"]))
        .map(|s| slug(&s))
        .as_deref()
    {
        Some("critical" | "error" | "danger") => Severity::Critical,
        Some("warning" | "warn") => Severity::Warning,
        _ => Severity::Info,
    };
    let mut body = clip(&message);
    if let Some(d) = get(d, &["data"]).and_then(|x| {
        super::fields::number(get(
            x,
            &["distanceToLiquidation", "distance_to_liquidation"],
        ))
    }) {
        body.push_str(&format!(" (distance to liquidation {})", fmt_num(d)));
    }
    Some((severity, clip(&title), body))
}

/// Long hashes and ids shortened for a one-line toast: `0x1234…abcd`.
fn short_hash(h: &str) -> String {
    let chars: Vec<char> = h.chars().collect();
    if chars.len() <= 18 {
        return h.to_owned();
    }
    let head: String = chars.iter().take(8).collect();
    let tail: String = chars.iter().skip(chars.len() - 6).collect();
    format!("{head}…{tail}")
}
