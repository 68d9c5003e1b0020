//! gatewatch-net: Connectors to the five gateways: raw WebSocket and Socket.IO v4, auth, heartbeats, backoff, subscriptions.
