//! Catch-up after a reconnect: Dimes documents `GET /positions` as the way to recover
//! missed state changes ("Use REST API as fallback").

use std::time::Duration;

use gatewatch_core::config::{ConnectionConfig, CredentialRef};
use gatewatch_core::GatewayKind;

/// Why a catch-up fetch failed (the secret never appears in it).
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// Transport or HTTP error.
    #[error("GET {url}: {message}")]
    Http {
        /// The redacted URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// A Dimes REST client for one connection.
#[derive(Clone)]
pub struct DimesRest {
    positions_url: String,
    auth_header: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for DimesRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DimesRest")
            .field("positions_url", &self.positions_url)
            .finish_non_exhaustive()
    }
}

impl DimesRest {
    /// Build the client for a Dimes connection: the REST base is the WebSocket URL's origin
    /// (`wss://api.dimes.fi/v1/ws/…` → `https://api.dimes.fi/positions`).
    pub fn new(c: &ConnectionConfig, secret: String) -> Option<Self> {
        let mut url = url::Url::parse(&c.url).ok()?;
        let scheme = match url.scheme() {
            "wss" | "https" => "https",
            _ => "http",
        };
        url.set_scheme(scheme).ok()?;
        url.set_path("/positions");
        url.set_query(None);
        let auth_header = match (c.kind, &c.credential) {
            (GatewayKind::DimesPartner, CredentialRef::None) => return None,
            (GatewayKind::DimesPartner, _) => format!("Api-Key {secret}"),
            (GatewayKind::DimesCustomer, _) => format!("Bearer {secret}"),
            _ => return None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .ok()?;
        Some(Self {
            positions_url: url.to_string(),
            auth_header,
            client,
        })
    }

    /// `GET /positions`: the current position objects (a JSON array, or an object with
    /// the array under `data`/`positions`/`items`).
    pub async fn fetch_positions(&self) -> Result<Vec<serde_json::Value>, CatchUpError> {
        let err = |message: String| CatchUpError::Http {
            url: self.positions_url.clone(),
            message,
        };
        let resp = self
            .client
            .get(&self.positions_url)
            .header("Authorization", &self.auth_header)
            .send()
            .await
            .map_err(|e| err(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(err(format!("status {}", resp.status())));
        }
        let body: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| err(e.without_url().to_string()))?;
        Ok(positions_of(body))
    }
}

/// Accept the shapes a positions list plausibly comes in.
fn positions_of(body: serde_json::Value) -> Vec<serde_json::Value> {
    match body {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) => ["data", "positions", "items", "results"]
            .iter()
            .find_map(|k| match o.remove(*k) {
                Some(serde_json::Value::Array(a)) => Some(a),
                _ => None,
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_shapes() {
        assert_eq!(positions_of(json!([{"id":1}])).len(), 1);
        assert_eq!(positions_of(json!({"data":[{"id":1},{"id":2}]})).len(), 2);
        assert_eq!(positions_of(json!({"positions":[{"id":1}]})).len(), 1);
        assert!(positions_of(json!({"other":1})).is_empty());
    }

    #[test]
    fn rest_url_from_socket_url() {
        let c: ConnectionConfig = toml::from_str(
            "name='d'\nkind='dimes-partner'\nurl='wss://api.dimes.fi/v1/ws/prediction-markets/positions'\ncredential={env='X'}\n",
        )
        .unwrap();
        let r = DimesRest::new(&c, "k".into()).unwrap();
        assert_eq!(r.positions_url, "https://api.dimes.fi/positions");
        assert_eq!(r.auth_header, "Api-Key k");
        assert!(!format!("{r:?}").contains("Api-Key"));
    }
}
