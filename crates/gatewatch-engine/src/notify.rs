//! OS notifications for critical alerts (owned by the alerts work; stub).
