//! What a simulator run is asked to do: ports, seed, pace, heartbeats, faults, scenario.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use gatewatch_core::event::GatewayKind;
use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// How fast the scenario emits events (summed over the five gateways).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// A few events a second (about 4/s, jittered by the seed): every event type of the
    /// five documents shows up within the first minute.
    #[default]
    Demo,
    /// A fixed number of scenario steps per second.
    PerSecond(f64),
    /// As fast as the clients drain it; a full client buffer makes the generator back off.
    Max,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rate::Demo => f.write_str("demo"),
            Rate::PerSecond(r) => write!(f, "{r}"),
            Rate::Max => f.write_str("max"),
        }
    }
}

impl FromStr for Rate {
    type Err = SimError;

    /// `demo`, `max`, or a positive number of events per second (`250`, `0.5`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "demo" => Ok(Rate::Demo),
            "max" => Ok(Rate::Max),
            other => match other.parse::<f64>() {
                Ok(r) if r.is_finite() && r > 0.0 => Ok(Rate::PerSecond(r)),
                _ => Err(SimError::InvalidOption(format!(
                    "rate `{s}`: expected `demo`, `max` or a positive number of events per second"
                ))),
            },
        }
    }
}

/// Which script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Lifecycles on all five gateways, every documented event type within the first
    /// 60 s at the demo rate.
    #[default]
    Default,
    /// No generated traffic: only protocol replies and what tests `inject`.
    Quiet,
}

impl FromStr for Scenario {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Scenario::Default),
            "quiet" => Ok(Scenario::Quiet),
            _ => Err(SimError::InvalidOption(format!(
                "scenario `{s}`: expected `default` or `quiet`"
            ))),
        }
    }
}

/// Faults injected on one gateway. Probabilities are per event; zero means off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Probability that an event is delivered twice (same envelope, same id).
    pub dup: f64,
    /// Probability that an event is held back and delivered after the next one.
    pub reorder: f64,
    /// Mean interval between dropped connections (jittered ±50% by the seed).
    pub drop_every: Option<Duration>,
    /// Probability that a malformed frame is sent before an event.
    pub malformed: f64,
    /// Probability that an oversized frame ([`FaultSpec::oversized_bytes`]) is sent before an event.
    pub oversized: f64,
    /// Size of an oversized frame (20 MiB unless changed).
    pub oversized_bytes: usize,
    /// Go silent (stop sending and answering pings) this long after start.
    pub silent_after: Option<Duration>,
    /// Reject every credential from the start.
    pub reject_auth: bool,
}

impl FaultSpec {
    /// No faults; the oversized size preset to 20 MiB.
    pub fn none() -> Self {
        FaultSpec {
            oversized_bytes: DEFAULT_OVERSIZED_BYTES,
            ..FaultSpec::default()
        }
    }

    /// Whether any fault is configured.
    pub fn is_active(&self) -> bool {
        self.dup > 0.0
            || self.reorder > 0.0
            || self.drop_every.is_some()
            || self.malformed > 0.0
            || self.oversized > 0.0
            || self.silent_after.is_some()
            || self.reject_auth
    }
}

/// The default oversized frame: well past any sane client limit.
pub const DEFAULT_OVERSIZED_BYTES: usize = 20 * 1024 * 1024;

/// Faults per gateway kind. Both Dimes kinds share one server (one port, one Engine.IO
/// endpoint), so connection-level faults on either affect both namespaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults(pub BTreeMap<GatewayKind, FaultSpec>);

impl Faults {
    /// The faults of one gateway (none if unset).
    pub fn get(&self, kind: GatewayKind) -> FaultSpec {
        self.0.get(&kind).cloned().unwrap_or_else(FaultSpec::none)
    }

    /// Change the faults of the gateways `target` names.
    pub fn update(&mut self, target: GatewayTarget, f: impl Fn(&mut FaultSpec)) {
        for kind in target.kinds() {
            f(self.0.entry(kind).or_insert_with(FaultSpec::none));
        }
    }
}

/// A gateway named on the command line: one kind, `dimes` (both Dimes kinds) or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayTarget {
    /// One gateway kind.
    One(GatewayKind),
    /// Both Dimes gateways (they share a server).
    Dimes,
    /// Every gateway.
    All,
}

impl GatewayTarget {
    /// The kinds this target covers.
    pub fn kinds(self) -> Vec<GatewayKind> {
        match self {
            GatewayTarget::One(k) => vec![k],
            GatewayTarget::Dimes => vec![GatewayKind::DimesPartner, GatewayKind::DimesCustomer],
            GatewayTarget::All => GatewayKind::ALL.to_vec(),
        }
    }
}

impl FromStr for GatewayTarget {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(GatewayTarget::All),
            "dimes" => Ok(GatewayTarget::Dimes),
            other => other
                .parse::<GatewayKind>()
                .map(GatewayTarget::One)
                .map_err(|e| SimError::InvalidOption(e.to_string())),
        }
    }
}

/// Parses a fault flag value: `GW`, `GW=VALUE`, or a bare `VALUE` meaning every gateway.
/// `GW` is a gateway kind, `dimes` (both Dimes kinds) or `all`.
pub fn parse_fault_arg(s: &str) -> Result<(GatewayTarget, Option<f64>), SimError> {
    let number = |v: &str| {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| SimError::InvalidOption(format!("`{v}` is not a non-negative number")))
    };
    if let Ok(v) = number(s) {
        return Ok((GatewayTarget::All, Some(v)));
    }
    match s.split_once('=') {
        Some((gw, v)) => Ok((gw.parse()?, Some(number(v)?))),
        None => Ok((s.parse()?, None)),
    }
}

/// Everything [`crate::start`] needs.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// First of five consecutive ports (Dimes, Axisor, zkde, Hashi, Fusion); `None` lets
    /// the OS pick each one.
    pub port_base: Option<u16>,
    /// Seed of the scenario (and of the random faults).
    pub seed: u64,
    /// Pace of the scenario.
    pub rate: Rate,
    /// Which script runs.
    pub scenario: Scenario,
    /// How often zkde sends `{"type":"ping"}` (30 s in the document).
    pub zkde_ping_interval: Duration,
    /// How long zkde waits for `{"type":"pong"}` before dropping the client.
    pub zkde_pong_timeout: Duration,
    /// Faults per gateway.
    pub faults: Faults,
    /// Wall-clock time of scenario time zero; `None` = now. Tests fix it to compare runs.
    pub epoch: Option<chrono::DateTime<chrono::Utc>>,
    /// How long Axisor waits for the first-message `auth` when no Bearer header came.
    pub axisor_auth_timeout: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            port_base: None,
            seed: 1,
            rate: Rate::Demo,
            scenario: Scenario::Default,
            zkde_ping_interval: Duration::from_secs(30),
            zkde_pong_timeout: Duration::from_secs(30),
            faults: Faults::default(),
            epoch: None,
            axisor_auth_timeout: Duration::from_secs(30),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_parses_every_documented_spelling() {
        assert_eq!("demo".parse::<Rate>().ok(), Some(Rate::Demo));
        assert_eq!("max".parse::<Rate>().ok(), Some(Rate::Max));
        assert_eq!("12.5".parse::<Rate>().ok(), Some(Rate::PerSecond(12.5)));
        assert!("0".parse::<Rate>().is_err());
        assert!("-3".parse::<Rate>().is_err());
        assert!("fast".parse::<Rate>().is_err());
    }

    #[test]
    fn targets_expand_to_kinds() {
        assert_eq!(
            "dimes"
                .parse::<GatewayTarget>()
                .map(GatewayTarget::kinds)
                .ok(),
            Some(vec![GatewayKind::DimesPartner, GatewayKind::DimesCustomer])
        );
        assert_eq!(
            "all".parse::<GatewayTarget>().map(|t| t.kinds().len()).ok(),
            Some(6)
        );
        assert!("nope".parse::<GatewayTarget>().is_err());
        let mut f = Faults::default();
        f.update(GatewayTarget::One(GatewayKind::Hashi), |s| s.dup = 0.5);
        assert_eq!(f.get(GatewayKind::Hashi).dup, 0.5);
        assert!(!f.get(GatewayKind::Zkde).is_active());
        assert_eq!(
            f.get(GatewayKind::Zkde).oversized_bytes,
            DEFAULT_OVERSIZED_BYTES
        );
    }

    #[test]
    fn fault_args_take_a_gateway_a_value_or_both() {
        let hashi = GatewayTarget::One(GatewayKind::Hashi);
        assert_eq!(parse_fault_arg("hashi").ok(), Some((hashi, None)));
        assert_eq!(
            parse_fault_arg("hashi=0.25").ok(),
            Some((hashi, Some(0.25)))
        );
        assert_eq!(
            parse_fault_arg("0.5").ok(),
            Some((GatewayTarget::All, Some(0.5)))
        );
        assert_eq!(
            parse_fault_arg("all=3").ok(),
            Some((GatewayTarget::All, Some(3.0)))
        );
        assert_eq!(
            parse_fault_arg("dimes=1").ok(),
            Some((GatewayTarget::Dimes, Some(1.0)))
        );
        assert!(parse_fault_arg("hashi=lots").is_err());
        assert!(parse_fault_arg("nope=0.1").is_err());
        assert!(parse_fault_arg("-1").is_err());
    }
}
