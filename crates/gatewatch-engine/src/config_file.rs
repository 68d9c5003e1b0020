//! Finding and reading the config file, and resolving credential references (the I/O half
//! of `gatewatch_core::config`).

use std::path::{Path, PathBuf};

use gatewatch_core::config::{Config, ConfigError, CredentialRef};

/// The keychain service every Gatewatch secret is stored under.
pub const KEYCHAIN_SERVICE: &str = "gatewatch";

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file's content is invalid (names file, connection, field).
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// A credential reference could not be resolved.
    #[error("{file}: connection \"{connection}\": field `credential`: {message}")]
    Credential {
        /// The file.
        file: String,
        /// The connection.
        connection: String,
        /// What went wrong (never the secret).
        message: String,
    },
}

/// Where the config comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--config FILE` (must exist).
    Explicit(PathBuf),
    /// `$GATEWATCH_CONFIG` (must exist).
    Env(PathBuf),
    /// The default location, if a file is there.
    Default(PathBuf),
    /// No file: run on the embedded simulator.
    None,
}

/// The default config location: `~/.config/gatewatch/config.toml` (XDG on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("gatewatch").join("config.toml"))
}

/// Decide where the config comes from: an explicit path, `$GATEWATCH_CONFIG`, the default
/// file if it exists, else none (demo mode).
pub fn locate(explicit: Option<&Path>) -> ConfigSource {
    if let Some(p) = explicit {
        return ConfigSource::Explicit(p.to_owned());
    }
    if let Some(p) = std::env::var_os("GATEWATCH_CONFIG").filter(|p| !p.is_empty()) {
        return ConfigSource::Env(PathBuf::from(p));
    }
    match default_config_path() {
        Some(p) if p.is_file() => ConfigSource::Default(p),
        _ => ConfigSource::None,
    }
}

/// Read and validate the config at `source`; `Ok(None)` means "no config: demo mode".
pub fn load(source: &ConfigSource) -> Result<Option<Config>, LoadError> {
    let path = match source {
        ConfigSource::Explicit(p) | ConfigSource::Env(p) | ConfigSource::Default(p) => p,
        ConfigSource::None => return Ok(None),
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    Ok(Some(Config::parse(&text, &shown)?))
}

/// Resolve a credential reference to the secret itself.
///
/// Errors name the variable or keychain entry, never the secret.
pub fn resolve_credential(
    file: &str,
    connection: &str,
    cred: &CredentialRef,
) -> Result<Option<String>, LoadError> {
    let fail = |message: String| LoadError::Credential {
        file: file.to_owned(),
        connection: connection.to_owned(),
        message,
    };
    match cred {
        CredentialRef::None => Ok(None),
        CredentialRef::Literal(s) => Ok(Some(s.clone())),
        CredentialRef::Env(var) => match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(v)),
            Ok(_) => Err(fail(format!("environment variable {var} is empty"))),
            Err(_) => Err(fail(format!("environment variable {var} is not set"))),
        },
        CredentialRef::Keychain(entry) => {
            let e = keyring::Entry::new(KEYCHAIN_SERVICE, entry)
                .map_err(|e| fail(format!("keychain entry \"{entry}\": {e}")))?;
            match e.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Err(fail(format!(
                    "no keychain entry \"{entry}\" (service \"{KEYCHAIN_SERVICE}\"): save it from the app's Settings"
                ))),
                Err(e) => Err(fail(format!("keychain entry \"{entry}\": {e}"))),
            }
        }
    }
}

/// Save a secret in the OS keychain under `entry` (service [`KEYCHAIN_SERVICE`]).
pub fn store_credential(entry: &str, secret: &str) -> Result<(), keyring::Error> {
    keyring::Entry::new(KEYCHAIN_SERVICE, entry)?.set_password(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_missing_file_is_an_error_naming_it() {
        let src = ConfigSource::Explicit(PathBuf::from("/nonexistent/gw.toml"));
        let e = load(&src).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/gw.toml"), "{e}");
    }

    #[test]
    fn invalid_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(
            &p,
            "[[connection]]\nname = \"x\"\nkind = \"zkde\"\nurl = 5\n",
        )
        .unwrap();
        let e = load(&ConfigSource::Explicit(p.clone()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad.toml") && e.contains("\"x\"") && e.contains("`url`"),
            "{e}"
        );
    }

    #[test]
    fn env_credential_resolution_never_echoes_the_secret() {
        let var = "GATEWATCH_TEST_CRED_7731";
        let e = resolve_credential("f", "c", &CredentialRef::Env(var.into())).unwrap_err();
        assert!(e.to_string().contains(var));
        // SAFETY-free: tests in this module are the only users of this variable.
        std::env::set_var(var, "s3cr3t-canary");
        let v = resolve_credential("f", "c", &CredentialRef::Env(var.into())).unwrap();
        assert_eq!(v.as_deref(), Some("s3cr3t-canary"));
        std::env::remove_var(var);
    }

    #[test]
    fn none_source_is_demo() {
        assert!(load(&ConfigSource::None).unwrap().is_none());
    }
}
