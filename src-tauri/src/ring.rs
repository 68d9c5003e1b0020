//! The inspector's bounded ring of frames. One pump writes every frame into it; each live
//! subscriber reads what is new since its cursor on every flush, so no per-frame message
//! goes anywhere and a slow reader loses the oldest frames (counted), never blocks a socket.

use std::collections::VecDeque;

use crate::ipc::FrameRow;

/// How many frames the ring keeps (the UI keeps as many).
pub const FRAME_RING_CAPACITY: usize = 20_000;

/// What a reader got from [`FrameRing::read_from`].
#[derive(Debug, Default)]
pub struct Read {
    /// The frames, oldest first.
    pub frames: Vec<FrameRow>,
    /// Frames the reader will never see: they rotated out before it read them, or were
    /// beyond the per-read cap.
    pub skipped: u64,
    /// Where the reader continues next time.
    pub cursor: u64,
}

/// A bounded ring of frames numbered by `seq`.
#[derive(Debug)]
pub struct FrameRing {
    frames: VecDeque<FrameRow>,
    capacity: usize,
    next_seq: u64,
    /// Frames the pump never got (the engine's frame tap overflowed), all time.
    lost: u64,
}

impl FrameRing {
    /// An empty ring keeping at most `capacity` frames.
    pub fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::with_capacity(capacity.min(4_096)),
            capacity: capacity.max(1),
            next_seq: 0,
            lost: 0,
        }
    }

    /// Append a frame, numbering it; the oldest frame goes when the ring is full.
    pub fn push(&mut self, mut frame: FrameRow) -> u64 {
        let seq = self.next_seq;
        frame.seq = seq;
        if self.frames.len() == self.capacity {
            self.frames.pop_front();
        }
        self.frames.push_back(frame);
        self.next_seq += 1;
        seq
    }

    /// The `seq` the next frame will get: a new reader starts here.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The oldest `seq` still held.
    fn first_seq(&self) -> u64 {
        self.next_seq - self.frames.len() as u64
    }

    /// Count frames that never reached the ring.
    pub fn add_lost(&mut self, n: u64) {
        self.lost += n;
    }

    /// Frames that never reached the ring, all time.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Everything from `cursor` on, at most the newest `max` of it.
    pub fn read_from(&self, cursor: u64, max: usize) -> Read {
        let first = self.first_seq();
        let start = cursor.clamp(first, self.next_seq);
        let available = self.next_seq - start;
        let take = available.min(max as u64);
        let from = start + (available - take);
        let skipped = (start - cursor.min(start)) + (available - take);
        // `from - first` < len, so the range is in bounds; `skip`/`take` can't panic anyway.
        let frames = self
            .frames
            .iter()
            .skip((from - first) as usize)
            .cloned()
            .collect();
        Read {
            frames,
            skipped,
            cursor: self.next_seq,
        }
    }

    /// Skip everything up to now (the inspector is paused): how many frames were skipped.
    pub fn skip_from(&self, cursor: u64) -> (u64, u64) {
        (self.next_seq.saturating_sub(cursor), self.next_seq)
    }

    /// The frames before `end` (exclusive), oldest first: what a snapshot shows when live
    /// batches already carry the frames from `end` on.
    pub fn before(&self, end: u64) -> Vec<FrameRow> {
        self.frames
            .iter()
            .take_while(|f| f.seq < end)
            .cloned()
            .collect()
    }

    /// How many frames the ring holds.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use gatewatch_core::{Direction, GatewayKind};

    fn frame(text: &str) -> FrameRow {
        FrameRow {
            seq: u64::MAX,
            connection: "c".into(),
            gateway: GatewayKind::Zkde,
            direction: Direction::In,
            at: Utc::now(),
            event_type: None,
            entity_kind: None,
            entity_id: None,
            decode_error: None,
            text: text.into(),
        }
    }

    fn texts(r: &Read) -> Vec<&str> {
        r.frames.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn numbers_frames_and_keeps_the_newest() {
        let mut ring = FrameRing::new(3);
        for n in 0..5 {
            assert_eq!(ring.push(frame(&n.to_string())), n);
        }
        assert_eq!(ring.len(), 3);
        let r = ring.read_from(0, 100);
        assert_eq!(texts(&r), ["2", "3", "4"]);
        assert_eq!(
            r.frames.iter().map(|f| f.seq).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(r.skipped, 2, "frames 0 and 1 rotated out before the read");
        assert_eq!(r.cursor, 5);
    }

    #[test]
    fn a_reader_gets_only_what_is_new() {
        let mut ring = FrameRing::new(10);
        ring.push(frame("a"));
        let first = ring.read_from(ring.next_seq(), 100);
        assert!(first.frames.is_empty());
        ring.push(frame("b"));
        ring.push(frame("c"));
        let r = ring.read_from(first.cursor, 100);
        assert_eq!(texts(&r), ["b", "c"]);
        assert_eq!(r.skipped, 0);
        let again = ring.read_from(r.cursor, 100);
        assert!(again.frames.is_empty() && again.skipped == 0);
    }

    #[test]
    fn a_read_is_capped_to_the_newest_and_counts_the_rest() {
        let mut ring = FrameRing::new(100);
        for n in 0..10 {
            ring.push(frame(&n.to_string()));
        }
        let r = ring.read_from(0, 4);
        assert_eq!(texts(&r), ["6", "7", "8", "9"]);
        assert_eq!(r.skipped, 6);
        assert_eq!(r.cursor, 10);
    }

    #[test]
    fn pause_skips_and_snapshot_stops_where_live_starts() {
        let mut ring = FrameRing::new(10);
        for n in 0..4 {
            ring.push(frame(&n.to_string()));
        }
        assert_eq!(ring.skip_from(1), (3, 4));
        let before: Vec<u64> = ring.before(2).iter().map(|f| f.seq).collect();
        assert_eq!(before, [0, 1]);
        ring.add_lost(7);
        assert_eq!(ring.lost(), 7);
    }
}
