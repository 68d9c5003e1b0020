//! `gatewatch config example|check|path`.

use std::path::PathBuf;

use gatewatch_engine::config_file::{self, ConfigSource};

/// Arguments of `gatewatch config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print a complete, commented example config.
    Example,
    /// Validate a config file (and resolve its credentials) without connecting.
    Check {
        /// The file (default: $GATEWATCH_CONFIG, else ~/.config/gatewatch/config.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print where Gatewatch looks for its config.
    Path,
}

/// Run `gatewatch config`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.action {
        Action::Example => {
            print!("{}", gatewatch_core::config::EXAMPLE);
            Ok(())
        }
        Action::Path => {
            match config_file::default_config_path() {
                Some(p) => println!("{}", p.display()),
                None => println!("(no config directory on this system)"),
            }
            Ok(())
        }
        Action::Check { config } => {
            let source = config_file::locate(config.as_deref());
            let file = match &source {
                ConfigSource::None => {
                    println!(
                        "no config file: Gatewatch would start its embedded simulator (demo data)"
                    );
                    return Ok(());
                }
                ConfigSource::Explicit(p) | ConfigSource::Env(p) | ConfigSource::Default(p) => {
                    p.display().to_string()
                }
            };
            let Some(cfg) = config_file::load(&source)? else {
                return Ok(());
            };
            for w in &cfg.warnings {
                eprintln!("warning: {w}");
            }
            let mut unresolved = 0;
            for c in &cfg.connections {
                match config_file::resolve_credential(&file, &c.name, &c.credential) {
                    Ok(_) => println!(
                        "ok  {:<24} {:<15} {:<11} {}",
                        c.name,
                        c.kind,
                        c.environment,
                        gatewatch_core::redact::redact_url(&c.url)
                    ),
                    Err(e) => {
                        unresolved += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            if unresolved > 0 {
                anyhow::bail!("{unresolved} credential(s) could not be resolved");
            }
            Ok(())
        }
    }
}
