//! `gatewatch sim`: run the simulator of the five gateways on loopback.
//!
//! Prints each gateway's URL and credentials (or, with `--json`, one JSON line once every
//! gateway is listening), then runs until Ctrl-C or `--for SECONDS`.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use gatewatch_sim::{
    parse_fault_arg, FaultSpec, Faults, Rate, Scenario, SimInfo, SimOptions,
    DEFAULT_OVERSIZED_BYTES,
};
use tokio_util::sync::CancellationToken;

/// Arguments of `gatewatch sim`.
///
/// Fault flags take `GW`, `GW=VALUE` or a bare `VALUE` (every gateway); `GW` is
/// `dimes-partner`, `dimes-customer`, `dimes` (both), `axisor`, `zkde`, `hashi`, `fusion`
/// or `all`. Flags can be repeated.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object on one line when every gateway is listening.
    #[arg(long)]
    json: bool,
    /// Put the gateways on ports N..N+4 (Dimes, Axisor, zkde, Hashi, Fusion); default: OS-assigned.
    #[arg(long, value_name = "N")]
    port_base: Option<u16>,
    /// Seed of the scenario (same seed, same events).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// `demo` (a few events/s), a number of events per second, or `max`.
    #[arg(long, default_value = "demo")]
    rate: Rate,
    /// `default`, or `quiet` (protocol only, no generated events).
    #[arg(long, default_value = "default")]
    scenario: Scenario,
    /// Exit after this many seconds.
    #[arg(long = "for", value_name = "SECONDS")]
    for_secs: Option<f64>,
    /// Seconds between zkde's `{"type":"ping"}` messages.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    zkde_ping_interval: f64,
    /// Seconds zkde waits for `{"type":"pong"}` before dropping a client (default: 30).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    zkde_pong_timeout: f64,
    /// Deliver events twice with this probability (default 0.1).
    #[arg(long, value_name = "GW[=PROB]")]
    dup: Vec<String>,
    /// Hold an event back and deliver it after the next one, with this probability (default 0.1).
    #[arg(long, value_name = "GW[=PROB]")]
    reorder: Vec<String>,
    /// Drop every connection about every SECS seconds (±50%, seeded; default 20).
    #[arg(long, value_name = "GW[=SECS]")]
    drop_every: Vec<String>,
    /// Send a malformed frame before an event with this probability (default 0.05).
    #[arg(long, value_name = "GW[=PROB]")]
    malformed: Vec<String>,
    /// Send an oversized frame before an event with this probability (default 0.01).
    #[arg(long, value_name = "GW[=PROB]")]
    oversized: Vec<String>,
    /// Size of oversized frames in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_OVERSIZED_BYTES)]
    oversized_bytes: usize,
    /// Go silent (stop sending and answering pings) after SECS seconds (default 10).
    #[arg(long, value_name = "GW[=SECS]")]
    silent_after: Vec<String>,
    /// Reject every credential (zkde and Fusion, which have none, refuse connections).
    #[arg(long, value_name = "GW")]
    reject_auth: Vec<String>,
}

fn secs(s: f64, what: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .with_context(|| format!("{what}: `{s}` is not a duration in seconds"))
}

/// The fault table from the flags.
fn faults(args: &Args) -> anyhow::Result<Faults> {
    let mut faults = Faults::default();
    let probability = |v: f64, flag: &str| -> anyhow::Result<f64> {
        anyhow::ensure!(
            v <= 1.0,
            "--{flag}: a probability is between 0 and 1, got {v}"
        );
        Ok(v)
    };
    type Apply = fn(&mut FaultSpec, f64);
    let prob_flags: [(&str, &Vec<String>, f64, Apply); 4] = [
        ("dup", &args.dup, 0.1, |s, v| s.dup = v),
        ("reorder", &args.reorder, 0.1, |s, v| s.reorder = v),
        ("malformed", &args.malformed, 0.05, |s, v| s.malformed = v),
        ("oversized", &args.oversized, 0.01, |s, v| s.oversized = v),
    ];
    for (flag, values, default, apply) in prob_flags {
        for raw in values {
            let (target, v) = parse_fault_arg(raw).with_context(|| format!("--{flag} {raw}"))?;
            let v = probability(v.unwrap_or(default), flag)?;
            faults.update(target, |s| apply(s, v));
        }
    }
    for raw in &args.drop_every {
        let (target, v) = parse_fault_arg(raw).with_context(|| format!("--drop-every {raw}"))?;
        let d = secs(v.unwrap_or(20.0), "--drop-every")?;
        anyhow::ensure!(!d.is_zero(), "--drop-every: the interval must be positive");
        faults.update(target, |s| s.drop_every = Some(d));
    }
    for raw in &args.silent_after {
        let (target, v) = parse_fault_arg(raw).with_context(|| format!("--silent-after {raw}"))?;
        let d = secs(v.unwrap_or(10.0), "--silent-after")?;
        faults.update(target, |s| s.silent_after = Some(d));
    }
    for raw in &args.reject_auth {
        let (target, v) = parse_fault_arg(raw).with_context(|| format!("--reject-auth {raw}"))?;
        anyhow::ensure!(v.is_none(), "--reject-auth takes a gateway, not a value");
        faults.update(target, |s| s.reject_auth = true);
    }
    let bytes = args.oversized_bytes;
    for spec in faults.0.values_mut() {
        spec.oversized_bytes = bytes;
    }
    Ok(faults)
}

fn options(args: &Args) -> anyhow::Result<SimOptions> {
    Ok(SimOptions {
        port_base: args.port_base,
        seed: args.seed,
        rate: args.rate,
        scenario: args.scenario,
        zkde_ping_interval: secs(args.zkde_ping_interval, "--zkde-ping-interval")?,
        zkde_pong_timeout: secs(args.zkde_pong_timeout, "--zkde-pong-timeout")?,
        faults: faults(args)?,
        ..SimOptions::default()
    })
}

/// The human-readable listing.
fn describe(info: &SimInfo) -> String {
    let mut out = format!(
        "gatewatch simulator: seed {}, rate {}, scenario {} (credentials are fake, for the simulator only)\n",
        info.seed,
        info.rate,
        match info.scenario {
            Scenario::Default => "default",
            Scenario::Quiet => "quiet",
        }
    );
    for g in info.gateways.values() {
        out.push_str(&format!(
            "\n{:<15} {:<10} {}\n",
            g.kind.as_str(),
            g.transport,
            g.url
        ));
        if let (Some(base), Some(ns)) = (&g.base_url, &g.namespace) {
            out.push_str(&format!("{:27}base {base}  namespace {ns}\n", ""));
        }
        if let Some(t) = &g.url_template {
            out.push_str(&format!("{:27}template {t}\n", ""));
        }
        if let Some(rest) = &g.rest_base {
            out.push_str(&format!(
                "{:27}REST {rest}/positions, {rest}/positions/{{id}}\n",
                ""
            ));
        }
        if g.credentials.is_empty() {
            out.push_str(&format!("{:27}no auth\n", ""));
        }
        for c in &g.credentials {
            match c.subject.as_deref().filter(|s| *s != c.value) {
                Some(who) => out.push_str(&format!("{:27}{} ({who}): {}\n", "", c.label, c.value)),
                None => out.push_str(&format!("{:27}{}: {}\n", "", c.label, c.value)),
            }
        }
        if let Some(c) = g.credentials.first() {
            out.push_str(&format!("{:27}send it as: {}\n", "", c.how));
        }
    }
    out
}

/// Run `gatewatch sim`.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let opts = options(&args)?;
    let shutdown = CancellationToken::new();
    let sim = gatewatch_sim::start(opts, shutdown.clone())
        .await
        .context("starting the simulator")?;
    let control = sim.control();
    {
        let mut stdout = std::io::stdout().lock();
        if args.json {
            writeln!(stdout, "{}", serde_json::to_string(sim.info())?)?;
        } else {
            write!(stdout, "{}", describe(sim.info()))?;
            writeln!(stdout, "\nRunning; Ctrl-C to stop.")?;
        }
        stdout.flush()?;
    }
    let limit = match args.for_secs {
        Some(s) => Some(secs(s, "--for")?),
        None => None,
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = async {
            match limit {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        } => {}
    }
    shutdown.cancel();
    if tokio::time::timeout(Duration::from_secs(5), sim.stopped())
        .await
        .is_err()
    {
        eprintln!("gatewatch sim: some connections did not close within 5 s");
    }
    if !args.json {
        let stats = control.stats();
        eprintln!(
            "gatewatch sim: {} scenario steps, {} frames delivered",
            stats.steps,
            control.emitted_count()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use gatewatch_core::event::GatewayKind;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> anyhow::Result<SimOptions> {
        let cli = Cli::try_parse_from(std::iter::once("sim").chain(argv.iter().copied()))?;
        options(&cli.args)
    }

    #[test]
    fn fault_flags_land_on_the_named_gateways() -> anyhow::Result<()> {
        let o = parse(&[
            "--dup",
            "hashi=0.5",
            "--dup",
            "zkde",
            "--reorder",
            "dimes",
            "--malformed",
            "0.2",
            "--drop-every",
            "axisor=3",
            "--silent-after",
            "fusion=7",
            "--reject-auth",
            "dimes-customer",
            "--rate",
            "max",
            "--seed",
            "9",
            "--oversized-bytes",
            "1000",
        ])?;
        let f = |k| o.faults.get(k);
        assert_eq!(f(GatewayKind::Hashi).dup, 0.5);
        assert_eq!(f(GatewayKind::Zkde).dup, 0.1);
        assert_eq!(f(GatewayKind::DimesPartner).reorder, 0.1);
        assert_eq!(f(GatewayKind::DimesCustomer).reorder, 0.1);
        assert_eq!(f(GatewayKind::Axisor).reorder, 0.0);
        assert!(GatewayKind::ALL.iter().all(|k| f(*k).malformed == 0.2));
        assert_eq!(
            f(GatewayKind::Axisor).drop_every,
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            f(GatewayKind::Fusion).silent_after,
            Some(Duration::from_secs(7))
        );
        assert!(
            f(GatewayKind::DimesCustomer).reject_auth && !f(GatewayKind::DimesPartner).reject_auth
        );
        assert_eq!(f(GatewayKind::Hashi).oversized_bytes, 1000);
        assert_eq!((o.rate, o.seed), (Rate::Max, 9));
        Ok(())
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse(&["--dup", "hashi=2"]).is_err());
        assert!(parse(&["--reject-auth", "hashi=1"]).is_err());
        assert!(parse(&["--drop-every", "0"]).is_err());
        assert!(parse(&["--rate", "fast"]).is_err());
        assert!(parse(&["--malformed", "mars"]).is_err());
    }
}
