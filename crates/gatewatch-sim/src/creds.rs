//! The credentials the simulator accepts: fixed, clearly fake, the same for every seed
//! so scripts and docs can quote them.
//!
//! JWTs are real-looking (three base64url parts) so clients that peek at the payload
//! (`sub`, `exp`) work, but the signature is a constant string: nothing verifies it.

use std::sync::OnceLock;

/// The Dimes partner API key (sandbox prefix; not a real key anywhere).
pub(crate) const DIMES_PARTNER_KEY: &str = "dm_sbx_skey_gwsim0000000000000000notarealkey";

/// One identity behind a JWT (a Dimes customer, an Axisor user, a Hashi player).
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// Who the token belongs to: wallet address, user id or player id.
    pub(crate) subject: String,
    /// A human label for the printout.
    pub(crate) label: &'static str,
    /// The bearer token.
    pub(crate) token: String,
}

/// Everything the five gateways accept.
#[derive(Debug)]
pub(crate) struct Credentials {
    /// Dimes customers (wallet address is the subject).
    pub(crate) dimes_customers: Vec<Identity>,
    /// Axisor users (user id is the subject).
    pub(crate) axisor_users: Vec<Identity>,
    /// Hashi players (player id is the subject).
    pub(crate) hashi_players: Vec<Identity>,
    /// zkde Starknet addresses that have per-address traffic.
    pub(crate) zkde_addresses: Vec<String>,
}

impl Credentials {
    /// The process-wide set (built once).
    pub(crate) fn get() -> &'static Credentials {
        static CREDS: OnceLock<Credentials> = OnceLock::new();
        CREDS.get_or_init(|| Credentials {
            dimes_customers: vec![
                identity(
                    "0x7a3f9c2e41b8d05a6e19c3f2b7d48e0a1c5f6b29",
                    "customer A",
                    "dimes-customer",
                ),
                identity(
                    "0x1c4e8b7a2d9f30e56b1a7c4d8e2f9a0b3c6d5e71",
                    "customer B",
                    "dimes-customer",
                ),
            ],
            axisor_users: vec![
                identity("user_123", "demo user", "axisor"),
                identity("user_456", "second user", "axisor"),
            ],
            hashi_players: vec![
                identity("8f14e45f-ceea-4e7a-a8d1-2b6c3a9e0f11", "alice", "hashi"),
                identity("c9f0f895-fb98-4b91-9d2c-5e8a7b1d3c22", "bob", "hashi"),
                identity("45c48cce-2e2d-4fbd-b7a1-6c9e3d8f4a33", "carol", "hashi"),
            ],
            zkde_addresses: vec![
                "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7".to_owned(),
                "0x053c91253bc9682c04929ca02ed00b3e423f6710d2ee7e0d5ebb06f3ecf368a8".to_owned(),
            ],
        })
    }

    /// The customer wallet a Dimes JWT belongs to.
    pub(crate) fn dimes_customer(&self, token: &str) -> Option<&Identity> {
        self.dimes_customers.iter().find(|i| i.token == token)
    }

    /// The Axisor user a JWT belongs to.
    pub(crate) fn axisor_user(&self, token: &str) -> Option<&Identity> {
        self.axisor_users.iter().find(|i| i.token == token)
    }

    /// The Hashi player a JWT belongs to.
    pub(crate) fn hashi_player(&self, token: &str) -> Option<&Identity> {
        self.hashi_players.iter().find(|i| i.token == token)
    }
}

fn identity(subject: &str, label: &'static str, audience: &str) -> Identity {
    Identity {
        subject: subject.to_owned(),
        label,
        token: fake_jwt(subject, audience),
    }
}

/// A JWT-shaped token: `{"alg":"HS256","typ":"JWT"}.{"sub",…}.constant-signature`.
fn fake_jwt(subject: &str, audience: &str) -> String {
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let payload = serde_json::json!({
        "sub": subject,
        "aud": audience,
        "iss": "gatewatch-sim",
        "iat": 1_767_225_600u64,
        "exp": 4_102_444_800u64,
    })
    .to_string();
    format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes()),
        base64url(b"gatewatch-sim-fake-signature")
    )
}

/// Unpadded base64url (RFC 4648 §5), all a fake JWT needs.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = ((n >> (18 - 6 * i)) & 0x3F) as usize;
            out.push(char::from(ALPHABET[idx]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn tokens_are_distinct_jwts_and_map_back_to_their_subject() {
        let c = Credentials::get();
        let all: Vec<&Identity> = c
            .dimes_customers
            .iter()
            .chain(&c.axisor_users)
            .chain(&c.hashi_players)
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.token.split('.').count(), 3, "{}", a.token);
            assert!(a.token.starts_with("eyJ"));
            for b in all.iter().skip(i + 1) {
                assert_ne!(a.token, b.token);
            }
        }
        let bob = &c.hashi_players[1];
        assert_eq!(
            c.hashi_player(&bob.token).map(|i| &i.subject),
            Some(&bob.subject)
        );
        assert!(c.axisor_user(&bob.token).is_none());
        assert!(c.dimes_customer("").is_none());
    }
}
