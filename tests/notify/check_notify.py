#!/usr/bin/python3
"""OS notifications end to end, on a private D-Bus with python-dbusmock's notification
daemon. Run it inside `dbus-run-session` (tests/suites/50-notify.sh does).

Modes:
  watch    `gatewatch watch --notify --for N` with no config: the embedded simulator's
           default scenario. Asserts a liquidation and a margin-risk crossing each raised
           a critical notification (urgency 2) within the first 60 s, with summary and
           body saying what, where and the numbers; and that no liquidated position was
           notified twice.
  dup      `gatewatch sim --json --dup dimes=1 --dup axisor=1` (every Dimes and Axisor
           event delivered twice) started separately, and
           `gatewatch watch --config <generated> --notify --for N` pointed at it: each
           liquidated position must still appear in exactly one notification.
  example  the engine's `notify_demo` example (no simulator, no engine): one liquidation
           delivered three times, one margin crossing; checks escaping too.

Uses Debian's /usr/bin/python3 (it has the `dbus` module) and `python3 -m dbusmock`.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import dbus

BUS_NAME = "org.freedesktop.Notifications"
OBJ_PATH = "/org/freedesktop/Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
CRITICAL = 2

FAILURES = []


def check(cond, what):
    """Record a failed expectation (all are reported, not only the first)."""
    if cond:
        print(f"  ok    {what}")
    else:
        print(f"  FAIL  {what}")
        FAILURES.append(what)
    return cond


def start_mock_daemon(log_path):
    if "DBUS_SESSION_BUS_ADDRESS" not in os.environ:
        sys.exit("no session bus: run me under dbus-run-session")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "dbusmock", "--session", "-t", "notification_daemon", "-l", log_path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    bus = dbus.SessionBus()
    # Wait for the daemon's name to have an owner (a condition, with a deadline).
    deadline = time.monotonic() + 30
    while not bus.name_has_owner(BUS_NAME):
        if daemon.poll() is not None:
            sys.exit("dbusmock exited: " + daemon.stderr.read().decode(errors="replace"))
        if time.monotonic() > deadline:
            daemon.kill()
            sys.exit("dbusmock did not claim org.freedesktop.Notifications within 30 s")
        time.sleep(0.05)
    return daemon, bus


def notify_calls(bus):
    """Every Notify call the mock received, as dicts."""
    mock = dbus.Interface(bus.get_object(BUS_NAME, OBJ_PATH), MOCK_IFACE)
    out = []
    for ts, method, args in mock.GetCalls():
        if str(method) != "Notify":
            continue
        app, _replaces, _icon, summary, body, _actions, hints, timeout = args
        urgency = hints.get("urgency")
        out.append(
            {
                "ts": float(ts),
                "app": str(app),
                "summary": str(summary),
                "body": str(body),
                "urgency": int(urgency) if urgency is not None else None,
                "timeout": int(timeout),
            }
        )
    return out


LIQ_SINGLE = re.compile(r"^Liquidated: (\S+)")
LIQ_GROUP = re.compile(r"^\d+ positions liquidated on ")
MARGIN_SINGLE = re.compile(r"^Margin risk: (\S+)")
MARGIN_GROUP = re.compile(r"^\d+ positions at margin risk on ")
BULLET = re.compile(r"^• (\S+)", re.M)


def liquidated_ids(notes):
    """Position id -> how many notifications named it (single or inside a group)."""
    counts = {}
    for n in notes:
        ids = []
        m = LIQ_SINGLE.match(n["summary"])
        if m:
            ids = [m.group(1)]
        elif LIQ_GROUP.match(n["summary"]):
            ids = BULLET.findall(n["body"])
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
    return counts


def is_liquidation(n):
    return bool(LIQ_SINGLE.match(n["summary"]) or LIQ_GROUP.match(n["summary"]))


def is_margin_risk(n):
    return bool(MARGIN_SINGLE.match(n["summary"]) or MARGIN_GROUP.match(n["summary"]))


def common_checks(notes, started, within):
    for n in notes:
        print(f"    {n['ts'] - started:6.1f}s u={n['urgency']} {n['summary']!r}")
        print(f"            {n['body']!r}")
    check(len(notes) > 0, "at least one Notify call reached the daemon")
    check(all(n["app"] == "Gatewatch" for n in notes), "app name is Gatewatch")

    liq = [n for n in notes if is_liquidation(n)]
    margin = [n for n in notes if is_margin_risk(n)]
    if check(len(liq) >= 1, "a liquidation was notified"):
        first = liq[0]
        check(first["urgency"] == CRITICAL, "liquidation urgency is critical (2)")
        check(first["ts"] - started <= within, f"first liquidation within {within:.0f} s ({first['ts'] - started:.1f} s)")
        m = LIQ_SINGLE.match(first["summary"])
        if m:
            pos = m.group(1)
            check(pos in first["body"], f"liquidation body names the position ({pos})")
        check("liquidated" in first["body"], "liquidation body says what happened")
        check(re.search(r"\bon dimes-(partner|customer)\b", first["body"]) is not None,
              "liquidation body names the connection")
        check("dimes" in first["body"], "liquidation body names the venue")
    if check(len(margin) >= 1, "a margin-risk crossing was notified"):
        first = margin[0]
        check(first["urgency"] == CRITICAL, "margin-risk urgency is critical (2)")
        check(first["ts"] - started <= within, f"first margin-risk within {within:.0f} s ({first['ts'] - started:.1f} s)")
        check("distance to liquidation" in first["body"].lower() or "at risk" in first["body"],
              "margin-risk body gives the distance to liquidation")
        check("axisor" in first["body"], "margin-risk body names the connection/venue")
        m = MARGIN_SINGLE.match(first["summary"])
        if m:
            check(m.group(1) in first["body"], f"margin-risk body names the position ({m.group(1)})")
    counts = liquidated_ids(notes)
    twice = {k: v for k, v in counts.items() if v != 1}
    check(not twice, f"each liquidated position in exactly one notification ({len(counts)} positions; repeats: {twice})")
    return liq, margin


def run(cmd, secs, env=None):
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=secs)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        check(False, f"{cmd[0]} finished within {secs} s")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def clean_env(tmp):
    """No config from the environment or the home directory: the embedded simulator."""
    env = dict(os.environ)
    env.pop("GATEWATCH_CONFIG", None)
    env["HOME"] = tmp
    env["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
    env["XDG_DATA_HOME"] = os.path.join(tmp, "data")
    env.setdefault("RUST_LOG", "warn")
    return env


def mode_watch(args, bus, tmp):
    started = time.time()
    code, out, err = run([args.bin, "watch", "--notify", "--for", str(args.for_secs)], args.for_secs + 60, clean_env(tmp))
    check(code == 0, f"gatewatch watch exited 0 (got {code})")
    if code != 0:
        print(err[-3000:])
    notes = notify_calls(bus)
    common_checks(notes, started, args.within)


def write_config(info, path):
    gw = info.get("gateways", {})
    env = {}
    lines = []
    wanted = [("dimes-partner", "GW_TEST_DIMES_PARTNER_KEY", ""), ("dimes-customer", "GW_TEST_DIMES_CUSTOMER_JWT", ""),
              ("axisor", "GW_TEST_AXISOR_JWT", 'rooms = ["positions", "notifications", "margin_guard", "market:BTC_USD"]\n')]
    for kind, var, extra in wanted:
        g = gw.get(kind)
        if not g:
            check(False, f"gatewatch sim --json lists {kind}")
            continue
        creds = g.get("credentials") or []
        lines.append(f'[[connection]]\nname = "{kind}"\nkind = "{kind}"\nurl = "{g["url"]}"\nenvironment = "simulator"\n')
        if creds:
            env[var] = creds[0]["value"]
            lines.append(f'credential = {{ env = "{var}" }}\n')
        lines.append(extra + "\n")
    with open(path, "w") as f:
        f.write("".join(lines))
    return env


def mode_dup(args, bus, tmp):
    sim_cmd = [args.bin, "sim", "--json"] + args.sim_args.split()
    print("$ " + " ".join(sim_cmd), flush=True)
    sim = subprocess.Popen(sim_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = sim.stdout.readline().decode(errors="replace")
        if not line.strip():
            err = sim.stderr.read().decode(errors="replace") if sim.poll() is not None else ""
            check(False, f"gatewatch sim --json printed its line ({err.strip()[-500:]})")
            return
        info = json.loads(line)
        cfg = os.path.join(tmp, "sim.toml")
        env = clean_env(tmp)
        env.update(write_config(info, cfg))
        started = time.time()
        code, out, err = run([args.bin, "watch", "--config", cfg, "--notify", "--for", str(args.for_secs)],
                             args.for_secs + 60, env)
        check(code == 0, f"gatewatch watch --config <sim> exited 0 (got {code})")
        if code != 0:
            print(err[-3000:])
        dup_lines = sum(1 for l in out.splitlines() if "(duplicate)" in l)
        dup_liq = sum(1 for l in out.splitlines() if "(duplicate)" in l and "position.liquidated" in l)
        print(f"    watch printed {dup_lines} duplicate deliveries, {dup_liq} of them liquidations")
        notes = notify_calls(bus)
        common_checks(notes, started, args.within)
        check(dup_liq > 0, "liquidations were delivered twice (the fault was active)")
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()


def mode_example(args, bus, tmp):
    started = time.time()
    code, out, err = run(args.example_cmd.split(), 900)
    check(code == 0, f"notify_demo exited 0 (got {code})")
    print(err[-2000:])
    notes = notify_calls(bus)
    liq, margin = common_checks(notes, started, args.within)
    check(len(liq) == 1, f"one liquidation notification for three deliveries (got {len(liq)})")
    check(len(margin) == 1, f"one margin-risk notification for two readings below threshold (got {len(margin)})")
    if liq:
        b = liq[0]["body"]
        check("S&amp;P &lt;500&gt; YES" in b, "body markup is escaped (& < >)")
        check("<500>" not in b, "no raw markup left in the body")
        check("PnL -42.5" in b and "liquidation fee 1.25" in b, "liquidation body has PnL and fee")
        check(liq[0]["summary"].startswith("Liquidated: dm_pos_demo1"), "summary says what and which position")
        check(liq[0]["timeout"] == 0, "critical notifications do not expire (timeout 0)")
    if margin:
        b = margin[0]["body"]
        check("distance to liquidation 0.82" in b and "alert below 0.85" in b, "margin body has the numbers")
        check("BTC_USD" in b and "pos_demo7" in b, "margin body has symbol and position id")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["watch", "dup", "example"], default="watch")
    p.add_argument("--bin", default=os.environ.get("GATEWATCH_BIN", "gatewatch"))
    p.add_argument("--for-secs", type=int, default=75)
    p.add_argument("--within", type=float, default=60.0, help="first notifications due within this many seconds")
    p.add_argument("--sim-args", default=os.environ.get("GATEWATCH_SIM_DUP_ARGS", "--dup dimes=1 --dup axisor=1"))
    p.add_argument("--example-cmd", default="cargo run -q -p gatewatch-engine --example notify_demo")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="gw-notify-") as tmp:
        daemon, bus = start_mock_daemon(os.path.join(tmp, "mock.log"))
        try:
            print(f"== notify check, mode {args.mode}")
            {"watch": mode_watch, "dup": mode_dup, "example": mode_example}[args.mode](args, bus, tmp)
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
    if FAILURES:
        print(f"== {len(FAILURES)} failed ({args.mode})")
        sys.exit(1)
    print(f"== all passed ({args.mode})")


if __name__ == "__main__":
    main()
