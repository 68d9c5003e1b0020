//! Heartbeat policy and the pure watchdog that decides when to ping and when a server is
//! silent. The socket loop sleeps until [`Watchdog::deadline`] and then asks [`Watchdog::poll`].

use std::time::Duration;

use tokio::time::Instant;

/// Heartbeat timings. Which ones apply depends on the gateway:
/// - Hashi and Fusion: we send an app-level `ping` every `interval` and expect `pong`;
///   Axisor: a WebSocket-level ping (its document has no app-level heartbeat).
/// - zkde: the server pings every 30 s; silence for `server_silence` means it is gone.
/// - Dimes (Engine.IO): the server's `pingInterval + pingTimeout` from the open packet.
///
/// In every case *any* inbound frame proves the server alive; a connection with neither data
/// nor pong for its deadline is rebuilt.
///
/// Where the server pings (zkde, Dimes), we also send a WebSocket-level ping every `interval`
/// only to measure the round trip (every WebSocket server answers one, RFC 6455 §5.5.2); its
/// pong proves nothing about the gateway itself, so it doesn't move the silence deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatPolicy {
    /// How often we ping (client-ping gateways).
    pub interval: Duration,
    /// How long after a ping the server may stay silent before the connection is rebuilt.
    pub timeout: Duration,
    /// For server-ping gateways (zkde): how long without any frame before the connection is
    /// rebuilt. About twice zkde's 30 s ping period.
    pub server_silence: Duration,
    /// Slack added to Engine.IO's own `pingInterval + pingTimeout` deadline.
    pub engineio_grace: Duration,
}

impl Default for HeartbeatPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
            server_silence: Duration::from_secs(65),
            engineio_grace: Duration::from_secs(5),
        }
    }
}

/// Who sends the heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// We ping every `interval`; dead after `interval + timeout` without any inbound frame.
    ClientPings {
        /// Ping period.
        interval: Duration,
        /// Grace after a ping.
        timeout: Duration,
    },
    /// The server pings; dead after `silence` without any inbound frame.
    ServerPings {
        /// Allowed silence.
        silence: Duration,
    },
}

/// What the socket loop should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing yet: sleep until [`Watchdog::deadline`].
    Wait,
    /// Send a ping now.
    SendPing,
    /// The server has been silent too long (or the handshake didn't finish): rebuild.
    Dead(Silence),
}

/// Why a connection was declared dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Silence {
    /// The protocol handshake didn't complete in time.
    Handshake(Duration),
    /// No frame at all for this long.
    Server(Duration),
}

impl std::fmt::Display for Silence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Silence::Handshake(d) => write!(f, "handshake not completed within {d:?}"),
            Silence::Server(d) => write!(f, "silent server: no data and no pong for {d:?}"),
        }
    }
}

/// The first ping (or round-trip probe) goes out this soon after the handshake, so the round
/// trip is known within a second of connecting, not only after a whole `interval`.
pub(crate) const FIRST_PING_AFTER: Duration = Duration::from_secs(1);

/// Tracks liveness of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Watchdog {
    mode: Mode,
    /// Server-ping mode: send a round-trip probe this often.
    rtt_probe: Option<Duration>,
    last_inbound: Instant,
    /// Until the handshake completes, this deadline rules.
    handshake_deadline: Option<Instant>,
    handshake_timeout: Duration,
    next_ping_at: Option<Instant>,
    ping_sent_at: Option<Instant>,
}

impl Watchdog {
    /// A watchdog for a connection opened at `now` that must finish its handshake within
    /// `handshake_timeout`.
    pub(crate) fn new(mode: Mode, now: Instant, handshake_timeout: Duration) -> Self {
        Self {
            mode,
            rtt_probe: None,
            last_inbound: now,
            handshake_deadline: Some(now + handshake_timeout),
            handshake_timeout,
            next_ping_at: None,
            ping_sent_at: None,
        }
    }

    /// While the server pings, also probe the round trip every `every` (see
    /// [`HeartbeatPolicy`]). No effect in client-ping mode, whose pings measure it already.
    pub(crate) fn with_rtt_probe(mut self, every: Duration) -> Self {
        self.rtt_probe = Some(every);
        self
    }

    /// Change the mode (Engine.IO learns its timings from the open packet).
    pub(crate) fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// How often we ping in the current mode, if at all.
    fn ping_every(&self) -> Option<Duration> {
        match self.mode {
            Mode::ClientPings { interval, .. } => Some(interval),
            Mode::ServerPings { .. } => self.rtt_probe,
        }
    }

    /// The handshake completed at `now`: start heartbeats.
    pub(crate) fn ready(&mut self, now: Instant) {
        self.handshake_deadline = None;
        self.last_inbound = now;
        self.next_ping_at = self
            .ping_every()
            .map(|every| now + every.min(FIRST_PING_AFTER));
    }

    /// Any frame arrived.
    pub(crate) fn on_inbound(&mut self, now: Instant) {
        self.last_inbound = now;
    }

    /// A pong arrived: the round trip of our last ping, if one was outstanding. In client-ping
    /// mode it proves the server alive; a server-ping gateway's liveness is its own pings and
    /// data (a WebSocket stack answers pings even when the gateway behind it is stuck).
    pub(crate) fn on_pong(&mut self, now: Instant) -> Option<Duration> {
        if matches!(self.mode, Mode::ClientPings { .. }) {
            self.last_inbound = now;
        }
        self.ping_sent_at.take().map(|sent| now - sent)
    }

    /// The loop sent a ping at `now`.
    pub(crate) fn on_ping_sent(&mut self, now: Instant) {
        if let Some(every) = self.ping_every() {
            self.ping_sent_at = Some(now);
            self.next_ping_at = Some(now + every);
        }
    }

    fn silence_limit(&self) -> Duration {
        match self.mode {
            Mode::ClientPings { interval, timeout } => interval + timeout,
            Mode::ServerPings { silence } => silence,
        }
    }

    /// When [`Watchdog::poll`] next has something to say.
    pub(crate) fn deadline(&self) -> Instant {
        if let Some(d) = self.handshake_deadline {
            return d;
        }
        let dead_at = self.last_inbound + self.silence_limit();
        match self.next_ping_at {
            Some(p) => p.min(dead_at),
            None => dead_at,
        }
    }

    /// What to do at `now`.
    pub(crate) fn poll(&mut self, now: Instant) -> Action {
        if let Some(d) = self.handshake_deadline {
            return if now >= d {
                Action::Dead(Silence::Handshake(self.handshake_timeout))
            } else {
                Action::Wait
            };
        }
        let limit = self.silence_limit();
        if now >= self.last_inbound + limit {
            return Action::Dead(Silence::Server(limit));
        }
        match self.next_ping_at {
            Some(p) if now >= p => Action::SendPing,
            _ => Action::Wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{advance, sleep_until};

    const S: fn(u64) -> Duration = Duration::from_secs;

    /// Drive a watchdog the way the socket loop does, with the server answering every ping
    /// after `pong_after` (None = never). Returns when the watchdog declares death.
    async fn run_until_dead(w: &mut Watchdog, pong_after: Option<Duration>) -> (u32, Instant) {
        let mut pings = 0;
        let mut pong_at: Option<Instant> = None;
        loop {
            let next = match pong_at {
                Some(p) => p.min(w.deadline()),
                None => w.deadline(),
            };
            sleep_until(next).await;
            let now = Instant::now();
            if pong_at.is_some_and(|p| now >= p) {
                pong_at = None;
                w.on_pong(now);
            }
            match w.poll(now) {
                Action::Wait => {}
                Action::SendPing => {
                    w.on_ping_sent(now);
                    pings += 1;
                    pong_at = pong_after.map(|d| now + d);
                    if pings > 100 {
                        return (pings, now);
                    }
                }
                Action::Dead(_) => return (pings, now),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn client_pings_every_interval_and_dies_when_no_pong() {
        let start = Instant::now();
        let mode = Mode::ClientPings {
            interval: S(20),
            timeout: S(10),
        };
        let mut w = Watchdog::new(mode, start, S(5));
        w.ready(start);
        let (pings, died_at) = run_until_dead(&mut w, None).await;
        // Pings at 1 s and 21 s, no answer; dead at 20 + 10 = 30 s after the last frame.
        assert_eq!(pings, 2);
        assert_eq!(died_at - start, S(30));
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_ping_goes_out_a_second_after_the_handshake() {
        let start = Instant::now();
        let mode = Mode::ClientPings {
            interval: S(20),
            timeout: S(10),
        };
        let mut w = Watchdog::new(mode, start, S(5));
        w.ready(start);
        assert_eq!(w.deadline() - start, FIRST_PING_AFTER);
        sleep_until(w.deadline()).await;
        assert_eq!(w.poll(Instant::now()), Action::SendPing);
        w.on_ping_sent(Instant::now());
        assert_eq!(w.deadline() - start, FIRST_PING_AFTER + S(20));
    }

    #[tokio::test(start_paused = true)]
    async fn server_ping_gateways_get_round_trip_probes_that_do_not_keep_them_alive() {
        let start = Instant::now();
        let mut w =
            Watchdog::new(Mode::ServerPings { silence: S(65) }, start, S(5)).with_rtt_probe(S(20));
        w.ready(start);
        // Probes at 1 s, 21 s, 41 s, 61 s, each answered 30 ms later...
        let (pings, died_at) = run_until_dead(&mut w, Some(Duration::from_millis(30))).await;
        assert_eq!(pings, 4);
        // ...but the pongs don't count as the gateway talking: dead 65 s after the last frame.
        assert_eq!(died_at - start, S(65));
        // Each pong is a round trip.
        w.on_ping_sent(Instant::now());
        advance(Duration::from_millis(30)).await;
        assert_eq!(w.on_pong(Instant::now()), Some(Duration::from_millis(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn answered_pings_keep_it_alive_and_measure_rtt() {
        let start = Instant::now();
        let mode = Mode::ClientPings {
            interval: S(20),
            timeout: S(10),
        };
        let mut w = Watchdog::new(mode, start, S(5));
        w.ready(start);
        let (pings, _) = run_until_dead(&mut w, Some(Duration::from_millis(150))).await;
        assert!(pings > 100, "never declared dead while pongs arrive");
        // The round trip is measured from our ping to the pong.
        w.on_ping_sent(Instant::now());
        advance(Duration::from_millis(42)).await;
        assert_eq!(w.on_pong(Instant::now()), Some(Duration::from_millis(42)));
        assert_eq!(w.on_pong(Instant::now()), None, "one pong per ping");
    }

    #[tokio::test(start_paused = true)]
    async fn server_pings_silence_deadline_moves_with_every_frame() {
        let start = Instant::now();
        let mut w = Watchdog::new(Mode::ServerPings { silence: S(65) }, start, S(5));
        w.ready(start);
        // A server ping at 30 s pushes the deadline to 95 s.
        advance(S(30)).await;
        w.on_inbound(Instant::now());
        assert_eq!(w.poll(Instant::now()), Action::Wait);
        assert_eq!(w.deadline() - start, S(95));
        let (pings, died_at) = run_until_dead(&mut w, None).await;
        assert_eq!(pings, 0, "server-ping gateways never get our pings");
        assert_eq!(died_at - start, S(95));
    }

    #[tokio::test(start_paused = true)]
    async fn handshake_deadline_rules_until_ready() {
        let start = Instant::now();
        let mut w = Watchdog::new(Mode::ServerPings { silence: S(65) }, start, S(10));
        assert_eq!(w.deadline() - start, S(10));
        // Frames during the handshake don't extend it: a server that talks but never
        // completes the handshake is still dropped.
        advance(S(9)).await;
        w.on_inbound(Instant::now());
        sleep_until(w.deadline()).await;
        assert_eq!(
            w.poll(Instant::now()),
            Action::Dead(Silence::Handshake(S(10)))
        );
        assert_eq!(Instant::now() - start, S(10));
    }
}
