//! gatewatch-sim: simulators of the five gateways Gatewatch watches, on loopback.
//!
//! It is the demo default (what the app shows without a config), the peer of most
//! tests, and the load of the benchmarks. Everything it sends is built from the gateway
//! documents in `shared/specs/`, not from Gatewatch's decoders.
//!
//! Layout:
//! - [`script`]: the seeded scenario (no I/O): steps, routes, and the world it believes in.
//! - `server/`: one module per gateway (axum + socketioxide for Dimes and Fusion, axum
//!   WebSockets for Axisor, zkde and Hashi).
//! - `runner`: paces the script and routes each emission to clients, applying faults.
//! - `hub`: who is connected to what, switches and counters, delivery with back-off.
//! - `gate`: a TCP listener whose connections can be frozen (silent server) or cut.
//! - [`SimControl`]: knobs and probes for tests; [`SimInfo`]: what `--json` prints.
//!
//! Start it with [`start`]; stop it by cancelling the token passed in.
#![deny(missing_docs)]

mod control;
mod creds;
pub mod error;
mod gate;
mod hub;
mod info;
pub mod options;
mod rng;
mod runner;
pub mod script;
mod server;
pub mod truth;

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use control::{ClientSubs, Inject, SimControl};
pub use error::SimError;
pub use hub::{KindStats, SimStats};
pub use info::{Credential, CredentialKind, GatewayInfo, SimInfo};
pub use options::{
    parse_fault_arg, FaultSpec, Faults, GatewayTarget, Rate, Scenario, SimOptions,
    DEFAULT_OVERSIZED_BYTES,
};
pub use server::dimes::{CUSTOMER_NS, PARTNER_NS};
pub use truth::GroundTruth;

use gate::GatedListener;
use hub::Shared;
use script::{Script, Server};

/// A running simulator.
pub struct Simulator {
    info: SimInfo,
    control: SimControl,
    tasks: TaskTracker,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// URLs and credentials of every gateway.
    pub fn info(&self) -> &SimInfo {
        &self.info
    }

    /// Knobs and probes.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Waits until every server and the scenario have stopped (after the shutdown token
    /// passed to [`start`] is cancelled).
    pub async fn stopped(self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// Binds the five servers on 127.0.0.1 and starts the scenario. When this returns,
/// every gateway is listening.
pub async fn start(opts: SimOptions, shutdown: CancellationToken) -> Result<Simulator, SimError> {
    let ports: [u16; 5] = match opts.port_base {
        Some(base) => {
            let last = base.checked_add(4).ok_or(SimError::PortBase(base))?;
            if base == 0 {
                return Err(SimError::PortBase(base));
            }
            let _ = last;
            [base, base + 1, base + 2, base + 3, base + 4]
        }
        None => [0; 5],
    };
    let mut listeners = Vec::with_capacity(5);
    let mut bound = [0u16; 5];
    for (i, server) in Server::ALL.iter().enumerate() {
        let port = ports.get(i).copied().unwrap_or(0);
        let l = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| SimError::Bind {
                gateway: server.name(),
                port,
                source,
            })?;
        if let Some(b) = bound.get_mut(i) {
            *b = l.local_addr()?.port();
        }
        listeners.push(l);
    }

    let epoch = opts.epoch.unwrap_or_else(chrono::Utc::now);
    let script = Script::new(opts.seed, epoch, opts.rate, opts.scenario);
    let info = SimInfo::new(opts.seed, opts.rate.to_string(), opts.scenario, bound);
    let shared = Arc::new(Shared::new(opts, script, shutdown.clone()));
    let tasks = TaskTracker::new();

    for (server, listener) in Server::ALL.into_iter().zip(listeners) {
        let router = match server {
            Server::Dimes => server::dimes::router(shared.clone()),
            Server::Axisor => server::axisor::router(shared.clone()),
            Server::Zkde => server::zkde::router(shared.clone()),
            Server::Hashi => server::hashi::router(shared.clone()),
            Server::Fusion => server::fusion::router(shared.clone()),
        };
        let gate = shared.gate(server).clone();
        let listener = GatedListener::new(listener, gate.clone());
        let token = shutdown.clone();
        tasks.spawn(async move {
            let stop = async move {
                token.cancelled().await;
                // Upgraded WebSockets outlive graceful shutdown: cut them so it completes.
                gate.cut_all();
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!("{} server stopped: {e}", server.name());
            }
        });
    }

    tasks.spawn(runner::run(shared.clone()));
    // One drop timer per server: `--drop-every dimes` names two kinds of one server.
    let mut drop_timers = std::collections::BTreeSet::new();
    for kind in gatewatch_core::event::GatewayKind::ALL {
        let spec = shared.opts.faults.get(kind);
        if let Some(every) = spec.drop_every {
            if drop_timers.insert(hub::server_of(kind)) {
                tasks.spawn(runner::drop_every(shared.clone(), kind, every));
            }
        }
        if let Some(after) = spec.silent_after {
            tasks.spawn(runner::silent_after(shared.clone(), kind, after));
        }
    }

    Ok(Simulator {
        info,
        control: SimControl { shared },
        tasks,
    })
}
