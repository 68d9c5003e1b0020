//! The simulator's error type.

/// Why the simulator could not start or could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port} for {gateway}: {source}")]
    Bind {
        /// Which server.
        gateway: &'static str,
        /// The port asked for (0 = any).
        port: u16,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `--port-base` leaves no room for five ports.
    #[error("port base {0} is too high: five consecutive ports are needed")]
    PortBase(u16),
    /// An option value that makes no sense.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// An injected frame that cannot be sent on that gateway.
    #[error("cannot inject on {gateway}: {reason}")]
    Inject {
        /// The gateway kind.
        gateway: String,
        /// What is wrong with the frame.
        reason: String,
    },
    /// Other I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
