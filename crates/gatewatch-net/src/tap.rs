//! The frame tap: every frame in and out, redacted, for the inspector and recordings.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use chrono::Utc;
use gatewatch_core::redact::redact_text;
use gatewatch_core::{ConnectionId, Direction, Frame, GatewayKind};
use tokio::sync::broadcast;

/// Fans frames out to any number of subscribers through a bounded broadcast channel.
///
/// Costs one atomic load per frame when nobody subscribes (no copy, no redaction). A
/// subscriber that falls behind loses the oldest frames; the loss is counted in
/// [`FrameTap::lost`], never blocks the connections.
#[derive(Debug, Clone)]
pub struct FrameTap {
    tx: broadcast::Sender<Frame>,
    lost: Arc<AtomicU64>,
}

impl FrameTap {
    /// A tap keeping up to `capacity` frames per subscriber.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self {
            tx,
            lost: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Start receiving frames from now on.
    pub fn subscribe(&self) -> FrameSubscriber {
        FrameSubscriber {
            rx: self.tx.subscribe(),
            lost: Arc::clone(&self.lost),
        }
    }

    /// Whether anybody listens (connectors skip building frames otherwise).
    pub fn is_active(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Frames lagging subscribers have lost so far, all subscribers together.
    pub fn lost(&self) -> u64 {
        self.lost.load(Relaxed)
    }

    /// Record one frame; `text` is redacted here, so callers pass the raw wire text.
    pub fn record(
        &self,
        connection: &ConnectionId,
        gateway: GatewayKind,
        direction: Direction,
        text: &str,
    ) {
        if !self.is_active() {
            return;
        }
        let frame = Frame {
            connection: connection.clone(),
            gateway,
            direction,
            at: Utc::now(),
            text: redact_text(text).into_owned(),
        };
        // Err only means every subscriber left in the meantime: nothing to do.
        let _ = self.tx.send(frame);
    }
}

impl Default for FrameTap {
    /// 4096 frames per subscriber.
    fn default() -> Self {
        Self::new(4096)
    }
}

/// One subscriber of a [`FrameTap`].
#[derive(Debug)]
pub struct FrameSubscriber {
    rx: broadcast::Receiver<Frame>,
    lost: Arc<AtomicU64>,
}

impl FrameSubscriber {
    /// The next frame; `None` once every tap handle is gone. Frames lost to lag are counted
    /// and skipped.
    pub async fn recv(&mut self) -> Option<Frame> {
        loop {
            match self.rx.recv().await {
                Ok(frame) => return Some(frame),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.lost.fetch_add(n, Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// A frame if one is ready, without waiting.
    pub fn try_recv(&mut self) -> Option<Frame> {
        loop {
            match self.rx.try_recv() {
                Ok(frame) => return Some(frame),
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    self.lost.fetch_add(n, Relaxed);
                }
                Err(_) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_are_redacted_and_lag_is_counted() {
        let tap = FrameTap::new(2);
        let id = ConnectionId::new("c");
        assert!(!tap.is_active());
        tap.record(&id, GatewayKind::Hashi, Direction::Out, "nobody listens");
        let mut sub = tap.subscribe();
        assert!(tap.is_active());
        tap.record(
            &id,
            GatewayKind::DimesPartner,
            Direction::Out,
            r#"40/ns,{"apiKey":"dm_live_skey_CANARY"}"#,
        );
        let f = sub.recv().await.expect("a frame");
        assert_eq!(f.text, r#"40/ns,{"apiKey":"[redacted]"}"#);
        assert_eq!(f.direction, Direction::Out);
        for n in 0..5 {
            tap.record(&id, GatewayKind::Zkde, Direction::In, &format!("{n}"));
        }
        // Capacity 2: frames 0..=2 are lost, 3 and 4 remain.
        assert_eq!(sub.recv().await.map(|f| f.text), Some("3".to_owned()));
        assert_eq!(tap.lost(), 3);
        assert_eq!(sub.try_recv().map(|f| f.text), Some("4".to_owned()));
        assert!(sub.try_recv().is_none());
    }
}
