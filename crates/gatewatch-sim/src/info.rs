//! What `gatewatch sim --json` prints: every gateway's URL(s) and the credentials it
//! accepts.

use std::collections::BTreeMap;

use gatewatch_core::event::GatewayKind;
use serde::{Deserialize, Serialize};

use crate::creds::{Credentials, DIMES_PARTNER_KEY};
use crate::options::Scenario;
use crate::server::dimes::{CUSTOMER_NS, PARTNER_NS};

/// What kind of secret a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A Dimes partner API key.
    ApiKey,
    /// A JWT.
    Jwt,
    /// A zkde Starknet address (goes in the URL path; not a secret).
    Address,
}

/// One accepted credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// API key, JWT or address.
    pub kind: CredentialKind,
    /// The value to send.
    pub value: String,
    /// Who it identifies: customer wallet, user id, player id or the address itself;
    /// `None` for the partner key.
    pub subject: Option<String>,
    /// A human label (`customer A`, `alice`, …).
    pub label: String,
    /// How to present it, in the document's words.
    pub how: String,
}

/// One gateway as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayInfo {
    /// Which gateway.
    pub kind: GatewayKind,
    /// `socket.io` or `websocket`.
    pub transport: String,
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// What to connect to. Dimes: base URL + namespace; zkde: the demo address's URL.
    pub url: String,
    /// Socket.IO base URL (Engine.IO path stays `/socket.io/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Socket.IO namespace (Dimes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// REST base for `GET /positions` and `GET /positions/{id}` (Dimes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest_base: Option<String>,
    /// URL with a placeholder (`ws://127.0.0.1:P/ws/{address}`, Hashi's `?token={jwt}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_template: Option<String>,
    /// What it accepts (empty for Fusion: no auth documented).
    pub credentials: Vec<Credential>,
}

impl GatewayInfo {
    /// The `i`-th credential's value.
    pub fn credential(&self, i: usize) -> Option<&str> {
        self.credentials.get(i).map(|c| c.value.as_str())
    }
}

/// The whole simulator, as printed by `gatewatch sim --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimInfo {
    /// Seed of the scenario.
    pub seed: u64,
    /// Rate (`demo`, `max` or events per second).
    pub rate: String,
    /// Scenario.
    pub scenario: Scenario,
    /// Per gateway kind (`dimes-partner`, `dimes-customer`, `axisor`, `zkde`, `hashi`, `fusion`).
    pub gateways: BTreeMap<GatewayKind, GatewayInfo>,
}

impl SimInfo {
    /// One gateway's info (every kind is always present).
    pub fn gateway(&self, kind: GatewayKind) -> Option<&GatewayInfo> {
        self.gateways.get(&kind)
    }

    /// Builds the info from the five bound ports (Dimes, Axisor, zkde, Hashi, Fusion).
    pub(crate) fn new(seed: u64, rate: String, scenario: Scenario, ports: [u16; 5]) -> Self {
        let [dimes, axisor, zkde, hashi, fusion] = ports;
        let creds = Credentials::get();
        let http = |p: u16| format!("http://127.0.0.1:{p}");
        let ws = |p: u16| format!("ws://127.0.0.1:{p}");
        let jwts = |ids: &[crate::creds::Identity], how: &str| -> Vec<Credential> {
            ids.iter()
                .map(|i| Credential {
                    kind: CredentialKind::Jwt,
                    value: i.token.clone(),
                    subject: Some(i.subject.clone()),
                    label: i.label.to_owned(),
                    how: how.to_owned(),
                })
                .collect()
        };
        let demo_address = creds.zkde_addresses.first().cloned().unwrap_or_default();
        let mut gateways = BTreeMap::new();
        let mut put = |g: GatewayInfo| {
            gateways.insert(g.kind, g);
        };
        put(GatewayInfo {
            kind: GatewayKind::DimesPartner,
            transport: "socket.io".into(),
            port: dimes,
            url: format!("{}{PARTNER_NS}", http(dimes)),
            base_url: Some(http(dimes)),
            namespace: Some(PARTNER_NS.into()),
            rest_base: Some(http(dimes)),
            url_template: None,
            credentials: vec![Credential {
                kind: CredentialKind::ApiKey,
                value: DIMES_PARTNER_KEY.into(),
                subject: None,
                label: "partner (sandbox key, fake)".into(),
                how: "auth: {apiKey} or header `Authorization: Api-Key <key>`".into(),
            }],
        });
        put(GatewayInfo {
            kind: GatewayKind::DimesCustomer,
            transport: "socket.io".into(),
            port: dimes,
            url: format!("{}{CUSTOMER_NS}", http(dimes)),
            base_url: Some(http(dimes)),
            namespace: Some(CUSTOMER_NS.into()),
            rest_base: Some(http(dimes)),
            url_template: None,
            credentials: jwts(
                &creds.dimes_customers,
                "auth: {token} or header `Authorization: Bearer <jwt>`",
            ),
        });
        put(GatewayInfo {
            kind: GatewayKind::Axisor,
            transport: "websocket".into(),
            port: axisor,
            url: format!("{}/ws", ws(axisor)),
            base_url: None,
            namespace: None,
            rest_base: None,
            url_template: None,
            credentials: jwts(
                &creds.axisor_users,
                "header `Authorization: Bearer <jwt>` or first message {\"type\":\"auth\",\"token\":<jwt>}",
            ),
        });
        put(GatewayInfo {
            kind: GatewayKind::Zkde,
            transport: "websocket".into(),
            port: zkde,
            url: format!("{}/ws/{demo_address}", ws(zkde)),
            base_url: None,
            namespace: None,
            rest_base: None,
            url_template: Some(format!("{}/ws/{{address}}", ws(zkde))),
            credentials: creds
                .zkde_addresses
                .iter()
                .enumerate()
                .map(|(i, a)| Credential {
                    kind: CredentialKind::Address,
                    value: a.clone(),
                    subject: Some(a.clone()),
                    label: if i == 0 {
                        "demo address"
                    } else {
                        "second address"
                    }
                    .into(),
                    how: "in the path: /ws/{address}".into(),
                })
                .collect(),
        });
        put(GatewayInfo {
            kind: GatewayKind::Hashi,
            transport: "websocket".into(),
            port: hashi,
            url: format!("{}/", ws(hashi)),
            base_url: None,
            namespace: None,
            rest_base: None,
            url_template: Some(format!("{}/?token={{jwt}}", ws(hashi))),
            credentials: jwts(&creds.hashi_players, "query string: ?token=<jwt>"),
        });
        put(GatewayInfo {
            kind: GatewayKind::Fusion,
            transport: "socket.io".into(),
            port: fusion,
            url: http(fusion),
            base_url: Some(http(fusion)),
            namespace: Some("/".into()),
            rest_base: None,
            url_template: None,
            credentials: Vec::new(),
        });
        SimInfo {
            seed,
            rate,
            scenario,
            gateways,
        }
    }
}
