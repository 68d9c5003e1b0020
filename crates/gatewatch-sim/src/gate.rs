//! A listener whose connections can be frozen (a silent server) or cut (a dropped
//! connection) from outside, below every protocol.
//!
//! Freezing at the byte level is the only faithful "silent server" for Socket.IO:
//! socketioxide answers Engine.IO heartbeats by itself, and tungstenite answers
//! WebSocket pings by itself, so stopping our own messages is not silence. Cutting at the
//! TCP level (shutdown of a duplicated descriptor) looks to the client like a network
//! drop, not a polite close, so its reconnect logic is exercised.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Wakers of one connection, woken when the gate thaws or cuts.
#[derive(Default)]
struct Wakers {
    read: AtomicWaker,
    write: AtomicWaker,
}

impl Wakers {
    fn wake(&self) {
        self.read.wake();
        self.write.wake();
    }
}

struct Conn {
    /// A duplicate of the socket, only used to shut it down from outside.
    handle: std::net::TcpStream,
    wakers: Arc<Wakers>,
}

/// Shared switch of one server's connections.
#[derive(Default)]
pub(crate) struct Gate {
    frozen: AtomicBool,
    /// Bumped by every cut: connections from an older generation fail.
    generation: AtomicU64,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Conn>>,
}

impl Gate {
    /// Freezes (or thaws) every connection: no byte is read or written while frozen.
    pub(crate) fn set_frozen(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::SeqCst);
        if !frozen {
            self.wake_all();
        }
    }

    /// Cuts every open connection now.
    pub(crate) fn cut_all(&self) -> usize {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        for c in conns.values() {
            // Errors mean it is already closed, which is the goal.
            let _ = c.handle.shutdown(Shutdown::Both);
            c.wakers.wake();
        }
        conns.len()
    }

    fn wake_all(&self) {
        if let Ok(conns) = self.conns.lock() {
            for c in conns.values() {
                c.wakers.wake();
            }
        }
    }
}

/// A [`TcpListener`] whose streams obey a [`Gate`].
pub(crate) struct GatedListener {
    inner: TcpListener,
    gate: Arc<Gate>,
}

impl GatedListener {
    pub(crate) fn new(inner: TcpListener, gate: Arc<Gate>) -> Self {
        GatedListener { inner, gate }
    }

    fn wrap(&self, stream: TcpStream) -> io::Result<GatedStream> {
        // Nagle would batch small frames and distort latency measurements.
        stream.set_nodelay(true)?;
        let std = stream.into_std()?;
        let handle = std.try_clone()?;
        let inner = TcpStream::from_std(std)?;
        let wakers = Arc::new(Wakers::default());
        let id = self.gate.next_id.fetch_add(1, Ordering::Relaxed);
        let generation = self.gate.generation.load(Ordering::SeqCst);
        if let Ok(mut conns) = self.gate.conns.lock() {
            conns.insert(
                id,
                Conn {
                    handle,
                    wakers: wakers.clone(),
                },
            );
        }
        Ok(GatedStream {
            inner,
            gate: self.gate.clone(),
            id,
            generation,
            wakers,
        })
    }
}

impl axum::serve::Listener for GatedListener {
    type Io = GatedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => match self.wrap(stream) {
                    Ok(s) => return (s, addr),
                    Err(e) => tracing::debug!("dropping an accepted connection: {e}"),
                },
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that stalls while its gate is frozen and fails once it is cut.
pub(crate) struct GatedStream {
    inner: TcpStream,
    gate: Arc<Gate>,
    id: u64,
    generation: u64,
    wakers: Arc<Wakers>,
}

impl GatedStream {
    /// `Some(result)` when the gate decides instead of the socket.
    fn check(&self, waker: &AtomicWaker, cx: &Context<'_>) -> Option<io::Result<()>> {
        if self.gate.generation.load(Ordering::SeqCst) != self.generation {
            return Some(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection dropped by the simulator",
            )));
        }
        if self.gate.frozen.load(Ordering::SeqCst) {
            waker.register(cx.waker());
            // Re-check after registering so a thaw in between is not missed.
            if self.gate.frozen.load(Ordering::SeqCst) {
                return Some(Ok(()));
            }
        }
        None
    }
}

impl Drop for GatedStream {
    fn drop(&mut self) {
        // Removing the entry closes the duplicate descriptor; without this the socket
        // would stay open after hyper is done with it.
        if let Ok(mut conns) = self.gate.conns.lock() {
            conns.remove(&self.id);
        }
    }
}

impl AsyncRead for GatedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.check(&self.wakers.read, cx) {
            Some(Err(e)) => Poll::Ready(Err(e)),
            Some(Ok(())) => Poll::Pending,
            None => Pin::new(&mut self.inner).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for GatedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.check(&self.wakers.write, cx) {
            Some(Err(e)) => Poll::Ready(Err(e)),
            Some(Ok(())) => Poll::Pending,
            None => Pin::new(&mut self.inner).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.check(&self.wakers.write, cx) {
            Some(Err(e)) => Poll::Ready(Err(e)),
            Some(Ok(())) => Poll::Pending,
            None => Pin::new(&mut self.inner).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.check(&self.wakers.write, cx) {
            Some(Err(e)) => Poll::Ready(Err(e)),
            Some(Ok(())) => Poll::Pending,
            None => Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
