//! The rules: what each gateway's events mean for a human, as alert candidates.
//!
//! A rule only looks at one event and says what *could* be raised and how to keep it from
//! storming ([`Gate`]); the engine keeps the state (hysteresis, once-ever, repeats) and
//! decides. Rules read `Event::payload` leniently (see `fields`), so they work on the
//! documents' shapes and on the plausible variants independent servers send.

use serde_json::Value;

use super::fields::{
    boolean, data_of, field, fmt_num, fmt_signed, get, number, number_by_key_part, slug, text,
};
use crate::config::AlertThresholds;
use crate::event::{ConnectionId, EntityKind, EntityRef, Event, GatewayKind, Severity};

/// How long an identical zkde alert (same type, subject and severity) stays quiet. zkde's
/// position monitor re-evaluates every 5 minutes and may repeat a standing condition; two
/// cycles of silence keep one condition from notifying every cycle.
pub(crate) const ZKDE_REPEAT_SECS: i64 = 600;

/// How long an identical server error (same connection, code and message) stays quiet.
pub(crate) const SERVER_ERROR_REPEAT_SECS: i64 = 60;

/// Longest piece of payload text copied into an alert: payload strings are untrusted and
/// an oversized frame must not make an oversized notification.
const CLIP: usize = 200;

/// Float slack when comparing a distance with threshold + margin (0.85 + 0.05 is not
/// exactly 0.9 in binary).
const EPS: f64 = 1e-9;

/// Who received the event and the thresholds that apply to it.
pub(crate) struct Ctx<'a> {
    pub connection: &'a ConnectionId,
    pub gateway: GatewayKind,
    pub thresholds: &'a AlertThresholds,
}

impl Ctx<'_> {
    fn venue(&self) -> &'static str {
        self.gateway.venue()
    }

    /// "on dimes-partner (dimes)", or just "on axisor" when the names match.
    fn place(&self) -> String {
        let c = self.connection.as_str();
        if c == self.venue() {
            format!("on {c}")
        } else {
            format!("on {c} ({})", self.venue())
        }
    }
}

/// What the alert will say, before the engine gives it an id and a time.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub rule: String,
    pub severity: Severity,
    pub entity: Option<EntityRef>,
    pub symbol: Option<String>,
    pub title: String,
    pub body: String,
    /// One line for the body of a grouped alert.
    pub short: String,
}

/// How the engine keeps a candidate from storming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Every (non-duplicate) event raises it.
    Always,
    /// At most once per key, ever (a position is liquidated once).
    Once(String),
    /// A level with hysteresis: raised when armed, then disarmed until a
    /// [`Candidate::Rearm`] with the same key.
    Level(String),
    /// Identical repeats (same key) within `secs` of the last raise are dropped.
    Repeat {
        /// What counts as identical.
        key: String,
        /// The quiet period.
        secs: i64,
    },
}

/// One rule outcome.
#[derive(Debug, Clone)]
pub(crate) enum Candidate {
    /// Raise this alert if its gate lets it through.
    Raise { gate: Gate, draft: Draft },
    /// The level's condition cleared: the next crossing alerts again.
    Rearm { key: String },
}

/// Every candidate an event yields.
pub(crate) fn evaluate(ev: &Event, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let event_type = if ev.event_type.is_empty() {
        text(ev.payload.get("type")).unwrap_or_default()
    } else {
        ev.event_type.clone()
    };
    if event_type == "error" {
        // Some servers (or a lenient decoder) hand `error` over as an event, not a control.
        let p = &ev.payload;
        let code = text(field(p, &["code", "type"]));
        let code = code.filter(|c| c != "error");
        let message = text(field(p, &["message", "error", "msg"])).unwrap_or_default();
        return vec![server_error(ctx, code.as_deref(), &message)];
    }
    match ctx.gateway {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => dimes(ev, &event_type, ctx),
        GatewayKind::Axisor => axisor(ev, &event_type, ctx),
        GatewayKind::Zkde => zkde(ev, &event_type, ctx),
        GatewayKind::Fusion => fusion(ev, &event_type, ctx),
        // Hashi's entity events carry no risk; its errors arrive as control messages.
        GatewayKind::Hashi => Vec::new(),
    }
}

/// A server-side `error` (Hashi `error`, Axisor `INVALID_ROOM`, Fusion `error`, …).
pub(crate) fn server_error(ctx: &Ctx<'_>, code: Option<&str>, message: &str) -> Candidate {
    let code = code.map(|c| clip(c.trim())).filter(|c| !c.is_empty());
    let message = clip(message.trim());
    let message = if message.is_empty() {
        "no message".to_owned()
    } else {
        message
    };
    let venue = ctx.venue();
    let title = match &code {
        Some(c) => format!("{venue} error {}: {c}", ctx.place()),
        None => format!("{venue} error {}", ctx.place()),
    };
    let body = match &code {
        Some(c) => format!(
            "The {venue} gateway {} reported an error: {message} (code {c}).",
            ctx.place()
        ),
        None => format!(
            "The {venue} gateway {} reported an error: {message}.",
            ctx.place()
        ),
    };
    let short = match &code {
        Some(c) => format!("{c}: {message}"),
        None => message.clone(),
    };
    Candidate::Raise {
        gate: Gate::Repeat {
            key: format!(
                "error:{}:{}:{message}",
                ctx.connection,
                code.as_deref().unwrap_or("")
            ),
            secs: SERVER_ERROR_REPEAT_SECS,
        },
        draft: Draft {
            rule: format!("{venue}.error"),
            severity: Severity::Warning,
            entity: None,
            symbol: None,
            title,
            body,
            short,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Dimes
// ---------------------------------------------------------------------------------------

fn dimes(ev: &Event, event_type: &str, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let data = data_of(&ev.payload);
    let venue = ctx.venue();
    if event_type == "notification" {
        return dimes_notification(ev, data, ctx).into_iter().collect();
    }
    let id = text(get(data, &["id", "position_id", "positionId"]))
        .or_else(|| entity_id(ev, EntityKind::Position));
    let symbol = dimes_symbol(data);
    let label = position_label(id.as_deref(), symbol.as_deref());
    let entity = id.as_ref().map(|i| EntityRef::new(EntityKind::Position, i));
    let once = |rule: &str| match &id {
        Some(i) => Gate::Once(format!("{rule}:{venue}:{i}")),
        // No id to key on: the event's own dedupe key is all we have.
        None => Gate::Always,
    };
    let draft = match event_type {
        "position.liquidated" => {
            let numbers = join(&[
                dimes_pnl(data).map(|p| format!("PnL {}", fmt_signed(p))),
                section(data, "result")
                    .and_then(|r| number_by_key_part(r, "liquidation_fee", &[]))
                    .map(|(_, f)| format!("liquidation fee {}", fmt_num(f))),
                entry_numbers(data),
            ]);
            Draft {
                rule: "dimes.liquidated".into(),
                severity: Severity::Critical,
                entity,
                symbol: symbol.clone(),
                title: format!("Liquidated: {label} {}", ctx.place()),
                body: sentence(
                    format!(
                        "Position {} was liquidated {} for insufficient margin",
                        label,
                        ctx.place()
                    ),
                    &numbers,
                ),
                short: join_short(&label, &numbers),
            }
        }
        "position.force_unwound" => {
            let numbers = join(&[
                current_number(data, &["leverage"]).map(|l| format!("leverage now {}", fmt_num(l))),
                current_number(data, &["size", "quantity", "shares"])
                    .map(|s| format!("size now {}", fmt_num(s))),
                risk_distance(data).map(|d| format!("distance to liquidation {}", fmt_num(d))),
                dimes_pnl(data).map(|p| format!("PnL {}", fmt_signed(p))),
            ]);
            Draft {
                rule: "dimes.force_unwound".into(),
                severity: Severity::Warning,
                entity,
                symbol: symbol.clone(),
                title: format!("Leverage reduced: {label} {}", ctx.place()),
                body: sentence(
                    format!(
                        "Position {} was partially unwound {} to reduce leverage; it remains open",
                        label,
                        ctx.place()
                    ),
                    &numbers,
                ),
                short: join_short(&label, &numbers),
            }
        }
        "position.reverted" => {
            let numbers = join(&[dimes_pnl(data).map(|p| format!("PnL {}", fmt_signed(p)))]);
            Draft {
                rule: "dimes.reverted".into(),
                severity: Severity::Warning,
                entity,
                symbol: symbol.clone(),
                title: format!("Open failed: {label} {}", ctx.place()),
                body: sentence(
                    format!(
                        "Opening position {} failed {}; the collateral was refunded",
                        label,
                        ctx.place()
                    ),
                    &numbers,
                ),
                short: join_short(&label, &numbers),
            }
        }
        _ => return Vec::new(),
    };
    // Each unwind is a new fact about an open position; liquidation and revert are
    // terminal and happen once per position.
    let gate = if event_type == "position.force_unwound" {
        Gate::Always
    } else {
        once(&draft.rule)
    };
    vec![Candidate::Raise { gate, draft }]
}

fn dimes_notification(ev: &Event, data: &Value, ctx: &Ctx<'_>) -> Option<Candidate> {
    let code = text(get(data, &["code"]))?;
    if !code.eq_ignore_ascii_case("PARTIAL_OPEN_FLOOR_MISSED") {
        return None;
    }
    let params = get(data, &["params"]).unwrap_or(&Value::Null);
    let id = text(get(params, &["position_id", "positionId"]))
        .or_else(|| text(get(data, &["position_id", "positionId"])))
        .or_else(|| entity_id(ev, EntityKind::Position));
    let message = text(get(data, &["message"])).map(|m| clip(&m));
    let label = position_label(id.as_deref(), None);
    let rule = "dimes.partial_open_floor_missed";
    let gate = match &id {
        Some(i) => Gate::Once(format!("{rule}:{}:{i}", ctx.venue())),
        None => Gate::Always,
    };
    let mut body = format!(
        "The floor order of partial open {label} {} did not fill after retries; the position was reverted.",
        ctx.place()
    );
    if let Some(m) = &message {
        body.push_str(&format!(" Server: {m}"));
    }
    Some(Candidate::Raise {
        gate,
        draft: Draft {
            rule: rule.into(),
            severity: Severity::Warning,
            entity: id.map(|i| EntityRef::new(EntityKind::Position, i)),
            symbol: None,
            title: format!("Partial open floor missed: {label} {}", ctx.place()),
            body,
            short: label,
        },
    })
}

/// The Dimes document does not give the position object's market fields: try the
/// plausible spellings, flat and under `market`.
fn dimes_symbol(data: &Value) -> Option<String> {
    const FLAT: &[&str] = &[
        "symbol",
        "ticker",
        "market_symbol",
        "market_ticker",
        "market_slug",
        "market_title",
        "market_question",
        "market_name",
    ];
    const NESTED: &[&str] = &["symbol", "ticker", "slug", "title", "question", "name"];
    let found = text(get(data, FLAT))
        .or_else(|| match get(data, &["market"]) {
            Some(Value::String(s)) => text(Some(&Value::String(s.clone()))),
            Some(m @ Value::Object(_)) => text(get(m, NESTED)),
            _ => None,
        })
        .or_else(|| section(data, "entry").and_then(|e| text(get(e, FLAT))))
        .or_else(|| text(get(data, &["market_id", "marketId"])));
    found.map(|s| clip(&s))
}

fn section<'a>(data: &'a Value, name: &str) -> Option<&'a Value> {
    get(data, &[name]).filter(|v| v.is_object())
}

/// PnL from `result` (closed shapes), then `current` (open shapes), then the top level.
fn dimes_pnl(data: &Value) -> Option<f64> {
    const KEYS: &[&str] = &[
        "pnl",
        "realized_pnl",
        "net_pnl",
        "pnl_usd",
        "unrealized_pnl",
        "realizedPnl",
        "unrealizedPnl",
    ];
    const NOT_PNL: &[&str] = &["pct", "percent", "bps", "ratio"];
    [
        section(data, "result"),
        section(data, "current"),
        Some(data),
    ]
    .into_iter()
    .flatten()
    .find_map(|obj| {
        number(get(obj, KEYS)).or_else(|| number_by_key_part(obj, "pnl", NOT_PNL).map(|x| x.1))
    })
}

fn current_number(data: &Value, keys: &[&str]) -> Option<f64> {
    section(data, "current")
        .and_then(|c| number(get(c, keys)))
        .or_else(|| number(get(data, keys)))
}

fn risk_distance(data: &Value) -> Option<f64> {
    let risk = section(data, "risk")?;
    number(get(
        risk,
        &["distance_to_liquidation", "distanceToLiquidation"],
    ))
    .or_else(|| number_by_key_part(risk, "distance", &[]).map(|x| x.1))
}

fn entry_numbers(data: &Value) -> Option<String> {
    let entry = section(data, "entry")?;
    let price = number(get(
        entry,
        &["price", "avg_price", "average_price", "entry_price"],
    ));
    price.map(|p| format!("entry price {}", fmt_num(p)))
}

// ---------------------------------------------------------------------------------------
// Axisor
// ---------------------------------------------------------------------------------------

fn axisor(ev: &Event, event_type: &str, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let data = data_of(&ev.payload);
    match event_type {
        "position_status_update" => {
            let pos = object_or(get(data, &["position"]), data);
            margin_observation(ctx, pos, None).into_iter().collect()
        }
        "margin_guard_execution" => margin_guard(ev, data, ctx),
        "auto_close_execution" => auto_close(ev, data, ctx).into_iter().collect(),
        "price_alert" => price_alert(ev, data, ctx).into_iter().collect(),
        "service_status_update" => service_status(data, ctx).into_iter().collect(),
        "server_maintenance" => vec![maintenance(data, ctx)],
        _ => Vec::new(),
    }
}

fn object_or<'a>(v: Option<&'a Value>, fallback: &'a Value) -> &'a Value {
    v.filter(|v| v.is_object()).unwrap_or(fallback)
}

/// Margin Guard run details added to a margin-risk alert raised from its execution.
struct GuardRun {
    execution_id: Option<String>,
    action: Option<String>,
    recommended: Option<String>,
}

/// One position's margin reading, from `position_status_update` or from a Margin Guard
/// run: both share the hysteresis key so one crossing alerts once whichever says it first.
fn margin_observation(ctx: &Ctx<'_>, pos: &Value, run: Option<GuardRun>) -> Option<Candidate> {
    let id = text(get(pos, &["id", "positionId", "position_id"]));
    let symbol = text(get(pos, &["symbol", "market"])).map(|s| clip(&s));
    let key_id = id.clone().or_else(|| symbol.clone())?;
    let distance = number(get(
        pos,
        &[
            "distanceToLiquidation",
            "distance_to_liquidation",
            "distance",
        ],
    ));
    let at_risk = boolean(get(pos, &["isAtRisk", "is_at_risk", "atRisk", "at_risk"]));
    if distance.is_none() && at_risk.is_none() {
        return None;
    }
    let t = ctx.thresholds;
    let key = format!("axisor.margin_risk:{}:{key_id}", ctx.connection);
    let tripped = at_risk == Some(true) || distance.is_some_and(|d| d < t.distance_to_liquidation);
    if !tripped {
        let cleared = at_risk != Some(true)
            && match distance {
                Some(d) => d + EPS >= t.distance_to_liquidation + t.rearm_margin,
                // No distance given: the server's own verdict is all we can go by.
                None => at_risk == Some(false),
            };
        return cleared.then_some(Candidate::Rearm { key });
    }

    let label = position_label(id.as_deref(), symbol.as_deref());
    let mut details = Vec::new();
    if let Some(side) = text(get(pos, &["side"])) {
        details.push(clip(&side));
    }
    if let Some(l) = number(get(pos, &["leverage"])) {
        details.push(format!("{}x", fmt_num(l)));
    }
    let what = match distance {
        Some(d) => format!(
            "distance to liquidation {} (alert below {})",
            fmt_num(d),
            fmt_num(t.distance_to_liquidation)
        ),
        None => "flagged at risk".to_owned(),
    };
    let numbers = join(&[
        Some(what.clone()),
        (at_risk == Some(true) && distance.is_some()).then(|| "flagged at risk".to_owned()),
        number(get(pos, &["pnl", "unrealizedPnl", "unrealized_pnl"]))
            .map(|p| format!("PnL {}", fmt_signed(p))),
        number(get(pos, &["currentPrice", "current_price"]))
            .map(|p| format!("price {}", fmt_num(p))),
        number(get(pos, &["margin"])).map(|m| format!("margin {}", fmt_num(m))),
    ]);
    let mut body = format!(
        "Position {label}{} {} is close to liquidation",
        if details.is_empty() {
            String::new()
        } else {
            format!(" [{}]", details.join(", "))
        },
        ctx.place()
    );
    body = sentence(body, &numbers);
    if let Some(run) = run {
        let parts = join(&[
            run.execution_id
                .map(|e| format!("Margin Guard run {}", clip(&e))),
            run.action.map(|a| format!("action {}", clip(&a))),
            run.recommended.map(|r| format!("recommended {}", clip(&r))),
        ]);
        if let Some(p) = parts {
            body.push_str(&format!(" {p}."));
        }
    }
    Some(Candidate::Raise {
        gate: Gate::Level(key),
        draft: Draft {
            rule: "axisor.margin_risk".into(),
            severity: Severity::Critical,
            entity: Some(EntityRef::new(EntityKind::Position, key_id)),
            symbol: symbol.clone(),
            title: format!("Margin risk: {label} {}", ctx.place()),
            body,
            short: format!("{label}: {what}"),
        },
    })
}

fn margin_guard(ev: &Event, data: &Value, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let execution_id = text(get(data, &["executionId", "execution_id", "id"]));
    let action = text(get(data, &["action"]));
    let positions = get(data, &["positions"]).and_then(Value::as_array);
    if let Some(list) = positions.filter(|l| !l.is_empty()) {
        return list
            .iter()
            .filter(|p| p.is_object())
            .filter_map(|p| {
                let run = GuardRun {
                    execution_id: execution_id.clone(),
                    action: action.clone(),
                    recommended: text(get(p, &["recommendedAction", "recommended_action"])),
                };
                margin_observation(ctx, p, Some(run))
            })
            .collect();
    }
    // A run that only gives the summary count: alert once per run.
    let summary = object_or(get(data, &["summary"]), data);
    let Some(at_risk) = number(get(summary, &["positionsAtRisk", "positions_at_risk"])) else {
        return Vec::new();
    };
    if at_risk <= 0.0 {
        return Vec::new();
    }
    let n = fmt_num(at_risk);
    let gate = match &execution_id {
        Some(e) => Gate::Once(format!("axisor.margin_guard:{}:{e}", ctx.connection)),
        None => Gate::Always,
    };
    vec![Candidate::Raise {
        gate,
        draft: Draft {
            rule: "axisor.margin_risk".into(),
            severity: Severity::Critical,
            entity: execution_id
                .clone()
                .map(|e| EntityRef::new(EntityKind::MarginGuardRun, e))
                .or_else(|| ev.entity.clone()),
            symbol: None,
            title: format!("Margin risk: {n} position(s) at risk {}", ctx.place()),
            body: format!(
                "Margin Guard run {} {} found {n} position(s) at risk{}.",
                execution_id.as_deref().unwrap_or("(no id)"),
                ctx.place(),
                action
                    .map(|a| format!("; action {}", clip(&a)))
                    .unwrap_or_default()
            ),
            short: format!("{n} position(s) at risk"),
        },
    }]
}

fn auto_close(ev: &Event, data: &Value, ctx: &Ctx<'_>) -> Option<Candidate> {
    let pos = object_or(get(data, &["position"]), data);
    let id = text(get(pos, &["id", "positionId", "position_id"]))
        .or_else(|| entity_id(ev, EntityKind::Position));
    let execution_id = text(get(data, &["executionId", "execution_id"]));
    let symbol = text(get(pos, &["symbol", "market"])).map(|s| clip(&s));
    let label = position_label(id.as_deref(), symbol.as_deref());
    let numbers = join(&[
        text(get(pos, &["reason"])).map(|r| format!("reason {}", clip(&r))),
        number(get(pos, &["pnl", "realizedPnl", "realized_pnl"]))
            .map(|p| format!("PnL {}", fmt_signed(p))),
        execution_id.as_ref().map(|e| format!("run {}", clip(e))),
    ]);
    let rule = "axisor.auto_close";
    let gate = match id.as_ref().or(execution_id.as_ref()) {
        Some(k) => Gate::Once(format!("{rule}:{}:{k}", ctx.connection)),
        None => Gate::Always,
    };
    Some(Candidate::Raise {
        gate,
        draft: Draft {
            rule: rule.into(),
            severity: Severity::Critical,
            entity: id.map(|i| EntityRef::new(EntityKind::Position, i)),
            symbol,
            title: format!("Auto-closed: {label} {}", ctx.place()),
            body: sentence(
                format!(
                    "Margin Guard automatically closed position {label} {}",
                    ctx.place()
                ),
                &numbers,
            ),
            short: join_short(&label, &numbers),
        },
    })
}

fn price_alert(ev: &Event, data: &Value, ctx: &Ctx<'_>) -> Option<Candidate> {
    let id = text(get(data, &["id", "alertId", "alert_id"]))
        .or_else(|| entity_id(ev, EntityKind::PriceAlert));
    let symbol = text(get(data, &["symbol"])).map(|s| clip(&s));
    let condition = text(get(data, &["condition"])).map(|c| clip(&c));
    let target = number(get(data, &["price", "targetPrice", "target_price"]));
    let current = number(get(data, &["currentPrice", "current_price"]));
    let sym = symbol.clone().unwrap_or_else(|| "price".to_owned());
    let mut what = format!("{sym} went {}", condition.as_deref().unwrap_or("past"));
    if let Some(t) = target {
        what.push_str(&format!(" {}", fmt_num(t)));
    }
    if let Some(c) = current {
        what.push_str(&format!(" (now {})", fmt_num(c)));
    }
    let rule = "axisor.price_alert";
    let gate = match &id {
        Some(i) => Gate::Once(format!("{rule}:{}:{i}", ctx.connection)),
        None => Gate::Always,
    };
    Some(Candidate::Raise {
        gate,
        draft: Draft {
            rule: rule.into(),
            severity: Severity::Info,
            entity: id.map(|i| EntityRef::new(EntityKind::PriceAlert, i)),
            symbol,
            title: format!("Price alert: {sym} {}", ctx.place()),
            body: format!("Price alert {}: {what}.", ctx.place()),
            short: what,
        },
    })
}

/// Statuses that mean a service is fine; anything else (degraded, down, outage,
/// maintenance, an unknown word) is worth a warning.
pub(crate) fn is_healthy_status(status: &str) -> bool {
    matches!(
        slug(status).as_str(),
        "operational"
            | "ok"
            | "healthy"
            | "up"
            | "normal"
            | "online"
            | "available"
            | "resolved"
            | "running"
            | "active"
            | "green"
            | "recovered"
    )
}

fn service_status(data: &Value, ctx: &Ctx<'_>) -> Option<Candidate> {
    let service = text(get(data, &["service", "name"])).map(|s| clip(&s))?;
    let status = text(get(data, &["status", "state"]))?;
    let key = format!("axisor.service:{}:{service}", ctx.connection);
    if is_healthy_status(&status) {
        return Some(Candidate::Rearm { key });
    }
    let status = clip(&status);
    let numbers = join(&[
        text(get(data, &["message"])).map(|m| clip(&m)),
        text(get(data, &["estimatedRecovery", "estimated_recovery"]))
            .map(|r| format!("estimated recovery {}", clip(&r))),
    ]);
    Some(Candidate::Raise {
        gate: Gate::Level(key),
        draft: Draft {
            rule: "axisor.service_status".into(),
            severity: Severity::Warning,
            entity: Some(EntityRef::new(EntityKind::Service, service.clone())),
            symbol: None,
            title: format!("Service {service} {status} {}", ctx.place()),
            body: sentence(
                format!("Axisor service {service} is {status} {}", ctx.place()),
                &numbers,
            ),
            short: format!("{service}: {status}"),
        },
    })
}

fn maintenance(data: &Value, ctx: &Ctx<'_>) -> Candidate {
    let start = text(get(data, &["startTime", "start_time", "start"])).map(|s| clip(&s));
    let end = text(get(data, &["endTime", "end_time", "end"])).map(|s| clip(&s));
    let numbers = join(&[
        text(get(data, &["message"])).map(|m| clip(&m)),
        start.as_ref().map(|s| format!("from {s}")),
        end.as_ref().map(|e| format!("until {e}")),
    ]);
    Candidate::Raise {
        // The same window announced twice (reminders) is one alert.
        gate: match &start {
            Some(s) => Gate::Once(format!("axisor.maintenance:{}:{s}", ctx.connection)),
            None => Gate::Always,
        },
        draft: Draft {
            rule: "axisor.server_maintenance".into(),
            severity: Severity::Warning,
            entity: None,
            symbol: None,
            title: format!("Maintenance {}", ctx.place()),
            body: sentence(
                format!("Axisor server maintenance {}", ctx.place()),
                &numbers,
            ),
            short: numbers.unwrap_or_else(|| "maintenance".to_owned()),
        },
    }
}

// ---------------------------------------------------------------------------------------
// zkde
// ---------------------------------------------------------------------------------------

/// zkde `alert` severity → ours. Unknown words are a warning: never silently ignored,
/// never an OS notification on a guess.
pub(crate) fn zkde_severity(s: Option<&str>) -> Severity {
    match s.map(slug).as_deref() {
        Some("critical" | "high" | "severe" | "emergency" | "fatal") => Severity::Critical,
        Some("low" | "info" | "informational" | "notice") => Severity::Info,
        _ => Severity::Warning,
    }
}

/// zkde `alert_type` → rule name.
pub(crate) fn zkde_rule(alert_type: Option<&str>) -> &'static str {
    let t = alert_type.map(slug).unwrap_or_default();
    if t.contains("health") {
        "zkde.health_factor"
    } else if t.contains("drawdown") {
        "zkde.drawdown"
    } else if t.contains("exposure") {
        "zkde.exposure"
    } else {
        "zkde.alert"
    }
}

fn zkde(ev: &Event, event_type: &str, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let p = &ev.payload;
    match event_type {
        "alert" => vec![zkde_alert(ev, ctx)],
        "agent_status_change" => {
            let Some(status) = text(field(p, &["status", "new_status", "newStatus"])) else {
                return Vec::new();
            };
            let agent = text(field(p, &["agent_id", "agentId"]))
                .or_else(|| entity_id(ev, EntityKind::Agent))
                .unwrap_or_else(|| "unknown".to_owned());
            let key = format!("zkde.agent_error:{}:{agent}", ctx.connection);
            if !matches!(
                slug(&status).as_str(),
                "error" | "errored" | "failed" | "failure" | "crashed"
            ) {
                return vec![Candidate::Rearm { key }];
            }
            let agent = clip(&agent);
            let numbers =
                join(&[text(field(p, &["message", "error", "reason"])).map(|m| clip(&m))]);
            vec![Candidate::Raise {
                gate: Gate::Level(key),
                draft: Draft {
                    rule: "zkde.agent_error".into(),
                    severity: Severity::Warning,
                    entity: Some(EntityRef::new(EntityKind::Agent, agent.clone())),
                    symbol: None,
                    title: format!("Agent {agent} in error {}", ctx.place()),
                    body: sentence(
                        format!(
                            "zkde agent {agent} {} reported status {}",
                            ctx.place(),
                            clip(&status)
                        ),
                        &numbers,
                    ),
                    short: agent,
                },
            }]
        }
        _ => Vec::new(),
    }
}

fn zkde_alert(ev: &Event, ctx: &Ctx<'_>) -> Candidate {
    let p = &ev.payload;
    let severity_word = text(field(p, &["severity", "level"]));
    let alert_type = text(field(p, &["alert_type", "alertType", "kind", "category"]));
    let severity = zkde_severity(severity_word.as_deref());
    let rule = zkde_rule(alert_type.as_deref());
    let position = text(field(p, &["position_id", "positionId"]));
    let subject = position
        .clone()
        .or_else(|| {
            text(field(
                p,
                &["strategy_id", "strategyId", "pool_id", "poolId", "protocol"],
            ))
        })
        .or_else(|| ev.entity.as_ref().map(|e| e.id.clone()));
    let entity = match &position {
        Some(id) => Some(EntityRef::new(EntityKind::Position, clip(id))),
        None => ev.entity.clone(),
    };
    let type_label = alert_type
        .as_deref()
        .map(|t| slug(t).replace('_', " "))
        .map(|t| clip(&t))
        .unwrap_or_else(|| "risk".to_owned());
    let numbers = join(&[
        number(field(
            p,
            &[
                "value",
                "current_value",
                "health_factor",
                "healthFactor",
                "drawdown",
                "drawdown_pct",
                "exposure",
                "exposure_pct",
            ],
        ))
        .map(|v| format!("value {}", fmt_num(v))),
        number(field(p, &["threshold", "limit"])).map(|t| format!("threshold {}", fmt_num(t))),
        text(field(p, &["message", "msg"])).map(|m| clip(&m)),
        text(field(p, &["action", "suggested_action", "suggestedAction"]))
            .map(|a| format!("suggested action: {}", clip(&a))),
    ]);
    let subject_label = subject.as_deref().map(clip);
    let on = match &subject_label {
        Some(s) => format!(" for {s}"),
        None => String::new(),
    };
    let sev_word = severity_word
        .as_deref()
        .map(clip)
        .unwrap_or_else(|| "unspecified".to_owned());
    Candidate::Raise {
        gate: Gate::Repeat {
            key: format!(
                "{rule}:{}:{}:{}",
                ctx.connection,
                subject.as_deref().unwrap_or("-"),
                severity.as_str()
            ),
            secs: ZKDE_REPEAT_SECS,
        },
        draft: Draft {
            rule: rule.into(),
            severity,
            entity,
            symbol: None,
            title: format!("zkde {type_label} alert ({sev_word}){on} {}", ctx.place()),
            body: sentence(
                format!(
                    "zkde raised a {sev_word} {type_label} alert{on} {}",
                    ctx.place()
                ),
                &numbers,
            ),
            short: join_short(subject_label.as_deref().unwrap_or(&type_label), &numbers),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Fusion
// ---------------------------------------------------------------------------------------

fn fusion(ev: &Event, event_type: &str, ctx: &Ctx<'_>) -> Vec<Candidate> {
    let p = &ev.payload;
    if !event_type.starts_with("intent:") {
        return Vec::new();
    }
    let Some(status) = text(field(p, &["status"])) else {
        return Vec::new();
    };
    if !status.eq_ignore_ascii_case("failed") {
        return Vec::new();
    }
    let id = text(field(p, &["intentId", "intent_id", "id"]))
        .or_else(|| entity_id(ev, EntityKind::Intent));
    let label = id
        .as_deref()
        .map(clip)
        .unwrap_or_else(|| "(no id)".to_owned());
    let route = match (
        text(field(p, &["fromChain", "from_chain"])),
        text(field(p, &["toChain", "to_chain"])),
    ) {
        (Some(f), Some(t)) => Some(format!("{} → {}", clip(&f), clip(&t))),
        _ => None,
    };
    let numbers = join(&[
        route,
        text(field(p, &["amount"])).map(|a| format!("amount {}", clip(&a))),
        text_or_json(field(p, &["failureReason", "failure_reason", "error"]))
            .map(|r| format!("reason: {r}")),
        text(field(p, &["proofStatus", "proof_status"])).map(|s| format!("proof {}", clip(&s))),
        text_or_json(field(p, &["htlcState", "htlc_state"])).map(|s| format!("HTLC {s}")),
    ]);
    let rule = "fusion.intent_failed";
    let gate = match &id {
        Some(i) => Gate::Once(format!("{rule}:{}:{i}", ctx.connection)),
        None => Gate::Always,
    };
    vec![Candidate::Raise {
        gate,
        draft: Draft {
            rule: rule.into(),
            severity: Severity::Warning,
            entity: id.map(|i| EntityRef::new(EntityKind::Intent, i)),
            symbol: None,
            title: format!("Intent failed: {label} {}", ctx.place()),
            body: sentence(
                format!("Fusion intent {label} failed {}", ctx.place()),
                &numbers,
            ),
            short: join_short(&label, &numbers),
        },
    }]
}

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

fn entity_id(ev: &Event, kind: EntityKind) -> Option<String> {
    ev.entity
        .as_ref()
        .filter(|e| e.kind == kind)
        .map(|e| e.id.clone())
}

/// `dm_pos_1 (TRUMP-2028)`, `dm_pos_1`, `TRUMP-2028` or `(no id)`.
fn position_label(id: Option<&str>, symbol: Option<&str>) -> String {
    match (id.map(clip), symbol.map(clip)) {
        (Some(i), Some(s)) => format!("{i} ({s})"),
        (Some(i), None) => i,
        (None, Some(s)) => s,
        (None, None) => "(no id)".to_owned(),
    }
}

/// Present parts joined by `", "`, or `None` when there are none.
fn join(parts: &[Option<String>]) -> Option<String> {
    let v: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    (!v.is_empty()).then(|| v.join(", "))
}

/// `"{what}: {numbers}."` or `"{what}."` (the numbers keep their own case: they may
/// start with a payload value such as a chain name).
fn sentence(what: String, numbers: &Option<String>) -> String {
    match numbers {
        Some(n) => format!("{what}: {n}."),
        None => format!("{what}."),
    }
}

fn join_short(label: &str, numbers: &Option<String>) -> String {
    match numbers {
        Some(n) => format!("{label}: {n}"),
        None => label.to_owned(),
    }
}

fn text_or_json(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(_) | Value::Array(_) => {
            let s = v?.to_string();
            (s != "{}" && s != "[]").then(|| clip(&s))
        }
        other => text(Some(other)).map(|s| clip(&s)),
    }
}

/// At most [`CLIP`] characters (on a char boundary), with `…` when cut.
pub(crate) fn clip(s: &str) -> String {
    if s.chars().nth(CLIP).is_none() {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(CLIP).collect();
    out.push('…');
    out
}
