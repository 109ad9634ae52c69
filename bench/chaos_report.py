"""`make chaos`'s fixtures (signed-in pages, API paths, tracked notes), the settling wait and
the report (markdown, printed and written to bench/results/chaos-<date>.md)."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from bench import chaos_deals
from bench.chaos_traffic import Client, Recorder

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
API_PATHS = ["/api/v1/campaigns", "/api/v1/explore", "/api/v1/contracts", "/api/v1/bids"]
KILL_GRACE = 2.0  # seconds after a gunicorn SIGKILL in which a request may get no answer


def fixtures(app, stack, pages: dict[str, list[str]]) -> dict:
    """Demo users (`flask seed`) and the pages each gets 200 on; a demo KOL API key; the
    published notes tracking hits go to."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.services import create_api_key
    from app.extensions import db
    from app.notes.models import Note, NoteStatus
    from app.seed import DEMO_PASSWORD

    browsers = [(role, f"{role}@demo.kol.test", DEMO_PASSWORD) for role in pages]
    kept: dict[str, list[str]] = {}
    for role, email, password in browsers:
        client = Client(stack.web_port, Recorder(), "setup")
        if not client.sign_in(email, password, time.monotonic() + 30):
            raise RuntimeError(f"could not sign in as {email}")
        kept[role] = [p for p in pages[role] if client.request("GET", p).status == 200]
        dropped = sorted(set(pages[role]) - set(kept[role]))
        if dropped:
            print(f"  {role}: not 200 before the run, left out: {dropped}", flush=True)
    with app.app_context():
        kol = db.session.scalar(select(User).where(User.email == "kol@demo.kol.test"))
        kol_key = create_api_key(user_id=kol.id, name="chaos")[1]
        db.session.commit()
        notes = [
            {"id": n.id, "path": f"/n/{n.id}-{n.slug}", "code": n.tracking_code}
            for n in db.session.scalars(
                select(Note).where(Note.status == NoteStatus.PUBLISHED).order_by(Note.id)
            )
        ]
        db.session.remove()
    if not notes:
        raise RuntimeError("`flask seed` left no published note to track")
    return {"browsers": browsers, "pages": kept, "kol_key": kol_key, "api_paths": API_PATHS,
            "notes": notes, "note_ids": [n["id"] for n in notes]}  # fmt: skip


def stored_events(app, note_ids: list[int]) -> int:
    from sqlalchemy import func, select

    from app.analytics.models import TrackingEvent
    from app.extensions import db

    with app.app_context():
        try:
            return int(db.session.scalar(
                select(func.count()).select_from(TrackingEvent)
                .where(TrackingEvent.note_id.in_(note_ids))
            ))  # fmt: skip
        finally:
            db.session.remove()


def window_hits(recorder: Recorder, kills: list[float]) -> int:
    """Hits answered in the last FLUSH_SECONDS before a gunicorn worker was SIGKILLed: what a
    killed process may lose by design (docs/analytics.md, app/analytics/hitbuffer.py). All
    workers' hits are counted: an upper bound of the killed worker's."""
    from app.analytics.hitbuffer import FLUSH_SECONDS

    return sum(1 for at, _ in recorder.hits for k in kills if k - FLUSH_SECONDS - 0.05 <= at <= k)


def settle(app, emulator, setup: dict, before: int, recorder: Recorder, deadline: float) -> dict:
    """Wait (until ``deadline``) for every acknowledged money step's effects and every accepted
    tracking hit to be stored; then count."""
    deals, start = setup["deals"], time.monotonic()
    last_stored, steady_since = -1, time.monotonic()
    while True:
        found = chaos_deals.count_effects(app, emulator, deals)
        duplicates, missing = chaos_deals.verdicts(deals, found)
        stored = stored_events(app, setup["note_ids"]) - before
        if stored != last_stored:
            last_stored, steady_since = stored, time.monotonic()
        sent = len(recorder.hits)
        tracking_done = stored >= sent or time.monotonic() - steady_since > 20
        done = not missing and tracking_done
        if done or time.monotonic() > deadline:
            break
        time.sleep(2)
    return {"found": found, "duplicates": duplicates, "missing": missing, "sent": sent,
            "stored": stored, "done": done, "seconds": round(time.monotonic() - start)}  # fmt: skip


def gunicorn_errors(log: Path) -> tuple[list[dict], list[dict]]:
    """(bare, logged) ERROR records of gunicorn's JSON log: "Error handling request" (an error
    escaped the app: gunicorn's bare 500) and the app's own (answered by its error handlers)."""
    bare, logged = [], []
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") not in ("ERROR", "CRITICAL") or "SIGKILL" in entry["message"]:
            continue
        is_bare = entry.get("logger") == "gunicorn.error"
        (bare if is_bare else logged).append(entry)
    return bare, logged


def short_traceback(text: str, lines: int = 40) -> str:
    """The frames and messages of a traceback, without the caret lines, its last ``lines``."""
    kept = [ln for ln in text.splitlines() if ln.strip() and not set(ln.strip()) <= set("^~")]
    return "\n".join(kept[-lines:])


class Report:
    def __init__(self, run, setup: dict, settled: dict, ledger: str, seconds: float):
        self.run, self.setup, self.settled, self.ledger = run, setup, settled, ledger
        self.seconds = seconds
        rec = run.recorder
        self.unexplained = [
            (at, what) for at, what in rec.no_answer
            if not any(k <= at <= k + KILL_GRACE for k in run.kills)
        ]  # fmt: skip
        self.allowed = window_hits(rec, run.kills)
        self.lost = max(0, settled["sent"] - settled["stored"])
        self.bare, self.logged = gunicorn_errors(run.stack.logs / "gunicorn.log")
        self.ledger_ok = "ledger OK" in ledger and "PROBLEM" not in ledger
        self.problems = [
            *(["wrong money effects"] if settled["duplicates"] or settled["missing"] else []),
            *([f"{len(rec.unclean)} unclean 5xx"] if rec.unclean else []),
            *([f"{len(self.unexplained)} requests without an answer outside a worker kill"]
              if self.unexplained else []),
            *([f"{self.lost} tracking events lost, {self.allowed} allowed"]
              if self.lost > self.allowed else []),
            *(["ledger check failed"] if not self.ledger_ok else []),
        ]  # fmt: skip

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        run, rec, st = self.run, self.run.recorder, self.settled
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        out = [f"# Chaos run, {when}", "",
               f"`make chaos`: {self.seconds:.0f} s of traffic against gunicorn "
               f"({run.stack.env()['WEB_CONCURRENCY']} sync workers) + PostgreSQL 15 + Redis + "
               "an RQ worker + the scheduler, all on 127.0.0.1 and thrown away afterwards; "
               "Stripe is the built-in emulator over HTTP. Verdict: "
               + ("**PASS**" if self.ok else "**FAIL** — " + "; ".join(self.problems)), "",
               "## Faults (seconds from the start)", ""]  # fmt: skip
        out += [f"- {at:.1f} s: {what}" for at, what in run.events]
        out += run_exits(run)
        out += ["", "## Answers by client and status", "",
                "| client | status | count |", "|---|---|---|"]  # fmt: skip
        for (kind, status), n in sorted(rec.statuses.items()):
            out.append(f"| {kind} | {status or 'no answer'} | {n:,} |")
        total = sum(rec.statuses.values())
        out += ["", f"{total:,} requests. 5xx: {sum(rec.clean_503.values()):,} clean 503s with "
                f"Retry-After ({dict(rec.clean_503)}), {len(rec.unclean)} other.",
                f"No answer (connection refused or reset): {len(rec.no_answer)}, "
                f"{len(rec.no_answer) - len(self.unexplained)} within {KILL_GRACE:.0f} s after "
                f"a gunicorn worker was SIGKILLed, {len(self.unexplained)} otherwise."]  # fmt: skip
        out += self.unclean_section()
        out += self.money_section()
        out += ["", "## Tracking", "",
                f"- accepted hits (302 from /go, 200 note pages): {st['sent']:,}",
                f"- stored after the pipeline drained: {st['stored']:,}",
                f"- lost: {self.lost} (allowed: {self.allowed}, the hits answered in the last "
                "200 ms before a gunicorn worker was SIGKILLed — docs/analytics.md)",
                "", "## Ledger check", "", "```", self.ledger.strip(), "```"]  # fmt: skip
        return "\n".join(out) + "\n"

    def unclean_section(self) -> list[str]:
        rec = self.run.recorder
        out = []
        if rec.unclean:
            out += ["", "### Unclean 5xx (first 20)", ""]
            for item in rec.unclean[:20]:
                at = item["at"] - self.run.started
                out.append(f"- {at:.1f} s `{item['request']}` ({item['kind']}): "
                           f"{item['status']}, Retry-After {item['retry_after']}, "
                           f"{item['content_type']}, request id {item['request_id']}")  # fmt: skip
        if self.unexplained:
            out += ["", "### No answer outside a worker kill (first 10)", ""]
            out += [f"- {at - self.run.started:.1f} s {what}" for at, what in self.unexplained[:10]]
        if self.logged:
            kinds = Counter(e.get("message", "")[:100] for e in self.logged)
            out += ["", f"The app logged {len(self.logged)} errors it answered itself (most: "
                    + "; ".join(f"{n} × {m}" for m, n in kinds.most_common(3)) + ")."]  # fmt: skip
        for entry in self.bare[:3]:
            out += ["", f"gunicorn: {entry['message']} ({entry['timestamp']}), "
                    "the error that escaped the app:", "", "```",
                    short_traceback(entry.get("exception", "")), "```"]  # fmt: skip
        return out

    def money_section(self) -> list[str]:
        st, deals = self.settled, self.setup["deals"]
        finished = sum(1 for d in deals if d.failed is None)
        out = ["", "## Money effects per contract", "",
               f"{len(deals)} deals ({sum(d.path == 'approve' for d in deals)} approve → "
               f"transfer, {sum(d.path == 'cancel' for d in deals)} cancel → refund), "
               f"{finished} driven to the end; settled in {st['seconds']} s"
               + ("" if st["done"] else " (time ran out)") + ". "
               f"**{len(st['duplicates'])} duplicates, {len(st['missing'])} missing.**", "",
               "| contract | path | steps acknowledged | charges | transfers | refunds | "
               "ledger entries |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for deal in deals:
            have = st["found"][deal.contract_id]
            ledger = ", ".join(f"{k} {n}" for k, n in sorted(have["ledger"].items()))
            steps = " → ".join(deal.done) + (f" (stopped at {deal.failed})" if deal.failed else "")
            out.append(f"| {deal.contract_id} | {deal.path} | {steps} | {have['charges']} | "
                       f"{have['transfers']} | {have['refunds']} | {ledger} |")  # fmt: skip
        out += [f"- duplicate: {d}" for d in st["duplicates"]]
        out += [f"- missing: {m}" for m in st["missing"]]
        return out

    def write(self, text: str) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"chaos-{time.strftime('%Y-%m-%d', time.gmtime())}.md"
        path.write_text(text)
        return path


def run_exits(run) -> list[str]:
    if not run.unexpected_exits:
        return ["- no process ended on its own (only the run's SIGKILLs)"]
    return [f"- {what}" for what in run.unexpected_exits]
