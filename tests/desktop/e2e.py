"""Desktop end-to-end test: the real app, driven through its real window (tauri-driver +
WebKitWebDriver), running on its embedded simulator (no config file).

It checks, with bounded waits:
  1. the page shows the version and the "demo data" banner (snapshot().demo is true);
  2. a position card appears (data from the engine, through the live Channel);
  3. a Dimes position the test saw open or pending turns "liquidated" (the simulator's default
     scenario liquidates the first Dimes position within the first minute) and moves to the
     History section;
  4. the inspector lists frames, an intent looked up by id shows its timeline from SQLite;
  5. every gateway tile shows a heartbeat round trip in ms, and no position card reads
     "unknown" (zkde positions, which have no status field, read "open");
  6. Export (to ~/, the test's own HOME) writes JSON lines oldest first, as many as it says;
then takes a screenshot of every view (WebDriver screenshot of the webview), and finally
  7. Settings: saving a first real connection leaves demo mode without a restart (banner,
     demo tiles and cards gone), and removing a connection removes its tile.

Run inside a display and a private session bus (tests/suites/60-desktop-e2e.sh does that):
    python3 tests/desktop/e2e.py --app target/debug/gatewatch-app --shots assets/screenshots
Exit status 0 on success; otherwise a message on stderr says which step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from webdriver import Session, TauriDriver, WebDriverError, http, wait_until  # noqa: E402

VIEWS = ["positions", "intents", "lobbies", "inspector", "notifications", "settings"]

# Every card's identity and badge, read in one round trip.
CARDS_JS = """
return Array.from(document.querySelectorAll('[data-testid="position-card"]')).map(c => ({
  id: c.dataset.id, venue: c.dataset.venue, status: c.dataset.status,
  history: !!c.closest('[data-testid="history-positions"]'),
}));
"""


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def click(session: Session, element: str) -> None:
    http("POST", f"{session.url}/element/{element}/click", {})


def type_into(session: Session, element: str, text: str) -> None:
    http("POST", f"{session.url}/element/{element}/clear", {})
    http("POST", f"{session.url}/element/{element}/value", {"text": text})


def settle(session: Session) -> None:
    """Wait two animation frames, so a screenshot shows the page after its last update."""
    http(
        "POST",
        f"{session.url}/execute/async",
        {
            "script": "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            "args": [],
        },
    )


def clear_toasts(session: Session) -> None:
    """Dismiss the toasts on screen (through their own buttons), so a view's screenshot shows
    the view; the ones dismissed stay in the Notifications history."""
    session.execute(
        "document.querySelectorAll('[data-testid=\"toast\"] button.close').forEach(b => b.click());"
    )


def shot(session: Session, directory: str, name: str, keep_toasts: bool = False) -> None:
    if not keep_toasts:
        clear_toasts(session)
    settle(session)
    session.screenshot(os.path.join(directory, f"app-{name}.png"))


def cards(session: Session) -> list[dict[str, Any]]:
    value = session.execute(CARDS_JS)
    return value if isinstance(value, list) else []


def count(session: Session, selector: str) -> int:
    return int(session.execute(f"return document.querySelectorAll({json.dumps(selector)}).length;") or 0)


def open_tab(session: Session, view: str) -> None:
    click(session, session.wait_for_element("css selector", f'[data-testid="tab-{view}"]'))
    # The tab is selected once the panel says so; bounded.
    wait_until(
        f"the {view} tab to open",
        lambda: True
        if session.execute(
            f"return document.querySelector('[data-testid=\"tab-{view}\"]').getAttribute('aria-selected');"
        )
        == "true"
        else None,
        10,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {}
    with TauriDriver(log_path=args.driver_log) as driver:
        with driver.session(args.app, timeout_s=args.timeout) as session:
            t0 = time.monotonic()
            version = wait_until(
                "the version in the header",
                lambda: (lambda t: t if args.version in t else None)(
                    session.text(session.find("css selector", "#app-version"))
                ),
                args.timeout,
            )
            step(f"header: {version!r}")
            banner = session.text(session.wait_for_element("css selector", '[data-testid="demo-banner"]', args.timeout))
            step(f"demo banner: {banner!r}")
            report["demo_banner"] = banner

            # 2. A position card appears.
            first = wait_until("a position card", lambda: cards(session) or None, args.timeout)
            report["first_card_s"] = round(time.monotonic() - t0, 1)
            step(f"first card after {report['first_card_s']} s: {first[0]}")

            # 3. A Dimes position seen live turns liquidated (and moves to History).
            seen_live: set[str] = set()

            def liquidated() -> Optional[dict[str, Any]]:
                for card in cards(session):
                    if card.get("venue") != "dimes":
                        continue
                    if card.get("status") == "liquidated":
                        if card.get("id") in seen_live:
                            return card
                    else:
                        seen_live.add(str(card.get("id")))
                return None

            card = wait_until("a Dimes card seen live to turn liquidated", liquidated, args.liquidation_timeout)
            report["liquidated_s"] = round(time.monotonic() - t0, 1)
            report["liquidated_card"] = card
            step(f"liquidated after {report['liquidated_s']} s: {card}")
            if not card.get("history"):
                raise WebDriverError(f"liquidated card {card['id']} is not in the History section")
            badge = session.text(
                session.find(
                    "css selector",
                    f'[data-testid="history-positions"] [data-id="{card["id"]}"] [data-testid="status-badge"]',
                )
            )
            if badge.strip() != "liquidated":
                raise WebDriverError(f"badge reads {badge!r}, not 'liquidated'")
            os.makedirs(args.shots, exist_ok=True)
            # The board with the toasts of the liquidation as they popped up.
            shot(session, args.shots, "positions", keep_toasts=True)

            # The gateway strip, and one connection's details.
            tiles = count(session, '[data-testid^="gateway-"]')
            report["gateway_tiles"] = tiles
            if tiles < 6:
                raise WebDriverError(f"{tiles} gateway tiles, expected 6")
            # 5. A heartbeat round trip on every tile (the first ping goes out a second after
            # subscribing; zkde and Dimes through WebSocket pings), and no "unknown" status.
            rtts = wait_until(
                "a round trip on every gateway tile",
                lambda: (
                    lambda r: r
                    if r and len(r) >= 6 and all(v.endswith(" ms") for v in r.values())
                    else None
                )(
                    session.execute(
                        "const o = {}; document.querySelectorAll('.strip [data-testid^=\"gateway-\"]').forEach("
                        "t => { const r = t.querySelector('[data-testid=\"rtt\"]');"
                        " o[t.dataset.testid.slice(8)] = r ? r.textContent.replace(/^rtt /, '').trim() : ''; });"
                        "return o;"
                    )
                ),
                45,
            )
            report["rtt"] = rtts
            step(f"round trips: {rtts}")
            unknown = [c for c in cards(session) if c.get("status") == "unknown"]
            if unknown:
                raise WebDriverError(f"cards with status 'unknown': {unknown}")
            zkde = [c for c in cards(session) if c.get("venue") == "zkde"]
            report["zkde_statuses"] = sorted({str(c.get("status")) for c in zkde})
            step(f"zkde cards: {len(zkde)}, statuses {report['zkde_statuses']}")

            click(session, session.find("css selector", '[data-testid="gateway-dimes-partner"]'))
            wait_until("the connection details", lambda: count(session, "dialog[open]") or None, 10)
            shot(session, args.shots, "gateway-details")
            click(session, session.find("css selector", 'dialog[open] [aria-label="Close details"]'))
            wait_until("the details to close", lambda: True if count(session, "dialog[open]") == 0 else None, 10)

            # 4a. The inspector lists frames.
            open_tab(session, "inspector")
            rows = wait_until("frames in the inspector", lambda: count(session, '[data-testid="frame-row"]') or None, 30)
            report["inspector_rows_in_dom"] = rows
            step(f"inspector: {rows} rows in the DOM")
            # Select the newest frame: the detail pane shows it as pretty JSON.
            rows_now = session.execute(
                "const r = document.querySelectorAll('[data-testid=\"frame-row\"]'); r[r.length - 1].click(); return r.length;"
            )
            step(f"selected the last of {rows_now} rows")
            shot(session, args.shots, "inspector")

            # 6. Export everything stored to the test's HOME: oldest first, the count it says.
            path_field = session.find("css selector", '[data-testid="export-path"]')
            type_into(session, path_field, "~/e2e-export.jsonl")
            click(session, session.find("css selector", '[data-testid="export-button"]'))
            msg = wait_until(
                "the export's message",
                lambda: session.execute(
                    "const m = document.querySelector('[data-testid=\"export-msg\"]'); return m ? m.textContent : null;"
                ),
                30,
            )
            if not msg.startswith("Exported"):
                raise WebDriverError(f"export failed: {msg!r}")
            with open(os.path.join(os.environ["HOME"], "e2e-export.jsonl"), encoding="utf-8") as f:
                ids = [json.loads(line)["id"] for line in f]
            said = int(msg.split()[1].replace(",", ""))
            if said != len(ids) or not ids:
                raise WebDriverError(f"export says {said} events, the file has {len(ids)}")
            if any(a >= b for a, b in zip(ids, ids[1:])):
                raise WebDriverError("the export is not in chronological order")
            report["export_events"] = len(ids)
            step(f"export: {len(ids)} events, oldest first")

            # Pause keeps the list still (and counts what it skipped); Resume takes frames again.
            def shown() -> int:
                text = session.execute(
                    "return document.querySelector('[data-testid=\"inspector-count\"]').textContent;"
                )
                return int(str(text).split()[0].replace(",", ""))

            click(session, session.find("css selector", '[data-testid="inspector-pause"]'))
            paused_at = shown()
            time.sleep(3)
            if shown() != paused_at:
                raise WebDriverError("the inspector kept taking frames while paused")
            click(session, session.find("css selector", '[data-testid="inspector-pause"]'))
            wait_until("frames after Resume", lambda: True if shown() > paused_at else None, 30)
            step(f"pause held the list at {paused_at} frames; resume took frames again")

            # Free text searches the SQLite history (debounced), not just the screen.
            type_into(session, session.find("css selector", '[data-testid="inspector-text"]'), "position")
            hits = wait_until(
                "history results for free text",
                lambda: count(session, '[data-testid="history-results"] li') or None,
                30,
            )
            report["history_hits"] = hits
            step(f"free text 'position': {hits} history results from SQLite")
            session.execute(
                "const b = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Clear'); if (b) b.click();"
            )

            # 4b. An intent from the live stream, looked up by id: timeline from SQLite.
            open_tab(session, "intents")
            intent_id = wait_until(
                "an intent on the live stream",
                lambda: session.execute(
                    "const b = document.querySelector('ul.recent button');"
                    "return b ? b.textContent.trim() : null;"
                ),
                60,
            )
            field = session.find("css selector", '[data-testid="intent-input"]')
            type_into(session, field, str(intent_id))
            click(session, session.find("css selector", '[data-testid="intent-lookup"]'))
            events = wait_until(
                "the intent's timeline",
                lambda: count(session, '[data-testid="intent-timeline"] > li') or None,
                30,
            )
            report["intent"] = {"id": intent_id, "timeline_events": events}
            step(f"intent {intent_id}: {events} events in the timeline")
            shot(session, args.shots, "intents")

            ready = {
                "lobbies": '[data-testid="lobby"]',
                "notifications": '[data-testid="notification-history"]',
                "settings": '[data-testid="add-connection"]',
            }
            for view, selector in ready.items():
                open_tab(session, view)
                wait_until(f"the {view} view", lambda: count(session, selector) or None, 60)
                shot(session, args.shots, view)
            report["screenshots"] = sorted(f for f in os.listdir(args.shots) if f.startswith("app-"))

            # Which gateways' notifications reached the history by now (reported, not asserted:
            # the scenario's timing decides which have fired yet).
            open_tab(session, "notifications")
            report["notification_sources"] = session.execute(
                "return Array.from(new Set(Array.from(document.querySelectorAll('[data-testid=\"notification-history\"] .meta'))"
                ".map(m => m.textContent.split(' · ')[0].trim()))).sort();"
            )
            step(f"notification history from: {report['notification_sources']}")

            # 7. Settings, applied without a restart: a first real connection (a closed port:
            # it only has to exist) ends demo mode; a second one, then the first removed.
            def save_connection(name: str, url: str) -> None:
                click(session, session.find("css selector", '[data-testid="add-connection"]'))
                session.wait_for_element("css selector", '[data-testid="connection-form"]', 10)
                session.execute(
                    "const k = document.querySelector('[data-testid=\"conn-kind\"]');"
                    "k.value = 'zkde'; k.dispatchEvent(new Event('change', { bubbles: true }));"
                )
                type_into(session, session.find("css selector", '[data-testid="conn-name"]'), name)
                type_into(session, session.find("css selector", '[data-testid="conn-url"]'), url)
                click(session, session.find("css selector", '[data-testid="conn-save"]'))
                wait_until(
                    f"{name} saved",
                    lambda: (lambda t: t if t and "Saved" in t else None)(
                        session.execute(
                            "const m = document.querySelector('[data-testid=\"form-msg\"]'); return m ? m.textContent : null;"
                        )
                    ),
                    30,
                )

            def tiles_now() -> list[str]:
                value = session.execute(
                    "return Array.from(document.querySelectorAll('.strip [data-testid^=\"gateway-\"]')).map(t => t.dataset.testid.slice(8));"
                )
                return value if isinstance(value, list) else []

            open_tab(session, "settings")
            save_connection("e2e-zkde-a", "ws://127.0.0.1:9/ws/0x0123abcd")
            wait_until("the demo banner to go", lambda: True if count(session, '[data-testid="demo-banner"]') == 0 else None, 30)
            wait_until("only the saved tile", lambda: True if tiles_now() == ["e2e-zkde-a"] else None, 30)
            open_tab(session, "positions")
            session.wait_for_element("css selector", '[data-testid="positions-empty"]', 10)
            if cards(session):
                raise WebDriverError(f"demo cards left after leaving demo mode: {cards(session)[:3]}")
            step("saved a first connection: demo banner, demo tiles and cards gone")
            open_tab(session, "settings")
            save_connection("e2e-zkde-b", "ws://127.0.0.1:9/ws/0x0456cdef")
            wait_until("two tiles", lambda: True if sorted(tiles_now()) == ["e2e-zkde-a", "e2e-zkde-b"] else None, 30)
            session.execute(
                "Array.from(document.querySelectorAll('[data-testid=\"connection-list\"] li')).find("
                "li => li.textContent.includes('e2e-zkde-a')).querySelector('button.danger').click();"
            )
            click(session, session.wait_for_element("css selector", '[data-testid="confirm-remove"]', 10))
            wait_until("the removed tile to go", lambda: True if tiles_now() == ["e2e-zkde-b"] else None, 30)
            report["settings"] = "saved 2, removed 1: tiles follow without a restart"
            step("removed a connection: its tile is gone")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", required=True, help="path of the gatewatch-app binary")
    parser.add_argument("--version", default="", help="the version the header must show")
    parser.add_argument("--shots", required=True, help="directory for app-<view>.png")
    parser.add_argument("--driver-log", help="append tauri-driver's output here")
    parser.add_argument("--report", help="write what was measured here (JSON)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per ordinary wait")
    parser.add_argument("--liquidation-timeout", type=float, default=90, help="seconds to wait for the liquidation")
    args = parser.parse_args()
    try:
        report = run(args)
    except (WebDriverError, OSError, ValueError) as error:
        print(f"desktop e2e failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
