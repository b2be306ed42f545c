"""A database made with the first, over-classified declaration upgrades and resyncs intact.

The old data is written at revision 0004 the way that version stored it (old kinds, hash-chained
history on items that are reclassified or retired); the upgrade and `tracker load` of the new
fixture must keep every event, report each change, and leave `tracker verify` OK.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from support import BUNDLED, Cli

from tracker import chain, paths, schema

OLD_FIXTURE = Path(__file__).parent / "data" / "japan-uk-2026-v1.yaml"
# (code, party, from, to, note) in recording order; each item's events chain in this order.
HISTORY = [
    ("CYB-01", None, "not_started", "in_progress", "Strategic Cyber Partnership dialogue"),
    ("ECO-03", None, "not_started", "in_progress", "stockpiling talks"),
    ("ECO-03", "UK", "not_started", "achieved", "UK stockpile set up"),
    ("MIN-01", None, "not_started", "in_progress", "date being agreed"),
    ("TEC-02", None, "not_started", "stalled", "nothing since March"),
]


def _codes(fixture: Path) -> set[str]:
    raw = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    return {item["code"] for pillar in raw["pillars"] for item in pillar["commitments"]}


# The old database holds the first fixture's items; a load of the current one adds its new items
# and keeps the ones it no longer lists (retired, with their history).
OLD_ITEMS = len(_codes(OLD_FIXTURE))
SYNCED_ITEMS = len(_codes(OLD_FIXTURE) | _codes(paths.bundled_fixture()))


def _write_v1(url: str) -> list[tuple[Any, ...]]:
    raw = yaml.safe_load(OLD_FIXTURE.read_text(encoding="utf-8"))
    source = paths.bundled_fixture().with_suffix(".txt").read_text(encoding="utf-8")
    d = raw["declaration"]
    with schema.migrating(url) as conn:
        schema.upgrade(conn, url, "0004_party_index")
        conn.execute(
            text(
                "INSERT INTO declarations (id, slug, title, date, place, parties, source, "
                "source_text) VALUES (1, :slug, :title, :date, :place, :parties, :source, :text)"
            ),
            {**{k: d[k] for k in ("slug", "title", "date", "place", "source")},
             "parties": json.dumps(d["parties"]), "text": source},
        )  # fmt: skip
        ids: dict[str, int] = {}
        for n, pillar in enumerate(raw["pillars"], start=1):
            conn.execute(
                text("INSERT INTO pillars (id, declaration_id, slug, title, position) "
                     "VALUES (:id, 1, :slug, :title, :id)"),
                {"id": n, "slug": pillar["slug"], "title": pillar["title"]},
            )  # fmt: skip
            for item in pillar["commitments"]:
                ids[item["code"]] = len(ids) + 1
                target = item.get("target")
                milestone = raw["milestones"].get(target) if isinstance(target, str) else None
                conn.execute(
                    text(
                        "INSERT INTO commitments (id, code, declaration_id, pillar_id, position, "
                        "title, description, quote, kind, parties, owners, target_date, "
                        "target_label) VALUES (:id, :code, 1, :pillar, :id, :title, :description, "
                        ":quote, :kind, :parties, :owners, :target, :label)"
                    ),
                    {
                        "id": ids[item["code"]],
                        "pillar": n,
                        **{k: item[k] for k in ("code", "title", "description", "quote", "kind")},
                        "parties": json.dumps(item["parties"]),
                        "owners": json.dumps(item.get("owners", [])),
                        "target": milestone["date"] if milestone else target,
                        "label": milestone["title"] if milestone else None,
                    },
                )
        heads: dict[str, tuple[int, str]] = {}
        for n, (code, party, old, new, note) in enumerate(HISTORY, start=1):
            seq, previous = heads.get(code, (0, chain.GENESIS))
            on, at = dt.date(2026, 3, n), dt.datetime(2026, 3, n, 9, tzinfo=dt.UTC)
            content = chain.EventContent(
                code, seq + 1, party, old, new, note, None, "analyst", on, at, None, []
            )
            digest = chain.event_hash(previous, content)
            conn.execute(
                text(
                    "INSERT INTO status_events (id, commitment_id, party, from_status, to_status, "
                    "note, actor, effective_on, recorded_at, seq, prev_hash, hash) VALUES (:id, "
                    ":cid, :party, :old, :new, :note, 'analyst', :on, :at, :seq, :prev, :hash)"
                ),
                {"id": n, "cid": ids[code], "party": party, "old": old, "new": new,
                 "note": note, "on": on, "at": at, "seq": seq + 1, "prev": previous,
                 "hash": digest},
            )  # fmt: skip
            heads[code] = (seq + 1, digest)
            if party is None:
                conn.execute(
                    text("UPDATE commitments SET status = :s WHERE id = :id"),
                    {"s": new, "id": ids[code]},
                )
        for code, (length, head) in heads.items():
            conn.execute(
                text("UPDATE commitments SET chain_length = :n, chain_head = :h WHERE id = :id"),
                {"n": length, "h": head, "id": ids[code]},
            )
        if conn.dialect.name == "postgresql":
            # The rows above came with their ids (a real database drew them from the sequences):
            # move each sequence past them, or the load's first new row (a new pillar, a new
            # item) would take an id already used.
            for table in ("declarations", "pillars", "commitments", "status_events"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return _events(url)


def _events(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, commitment_id, party, to_status, note, hash FROM status_events "
                     "ORDER BY id")
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]


def _kinds(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, kind FROM commitments")).all()
            return dict(rows)  # a list of rows: pairs, not a mapping
    finally:
        engine.dispose()


def test_old_database_upgrades_and_resyncs_with_history_intact(empty_url: str) -> None:
    before = _write_v1(empty_url)
    assert _kinds(empty_url)["TEC-02"] == "prospective"
    cli = Cli(empty_url)
    cli.ok("db", "upgrade")
    kinds = _kinds(empty_url)
    # The migration maps only what it can know: prospective becomes outlook.
    assert kinds["TEC-02"] == "outlook" and kinds["CYB-01"] == "commitment"
    assert "prospective" not in kinds.values()
    assert _events(empty_url) == before
    assert cli.ok("verify").startswith(f"verify: OK, {OLD_ITEMS} commitments, 5 events")

    out = cli.ok("load", str(paths.bundled_fixture()))
    changes = {
        line.split(":")[0].removeprefix("  changed "): line.split(": ", 1)[1]
        for line in out.splitlines()
        if line.startswith("  changed ")
    }
    assert "kind commitment -> priority" in changes["CYB-01"]
    assert "kind commitment -> priority, target_date, target_label" in changes["GEO-01"]
    assert "kind ongoing -> outlook, owners" in changes["ECO-05"]
    assert "target_date" in changes["IND-01"] and "kind" not in changes["IND-01"]
    assert "guidelines" in changes["MIN-01"]
    assert "retired ECO-03 (kept, with its history; now part of ECO-02)" in out
    assert "retired TEC-02 (kept, with its history; now part of TEC-01)" in out
    assert "missing" not in out
    assert _events(empty_url) == before
    assert cli.ok("verify").startswith(f"verify: OK, {SYNCED_ITEMS} commitments, 5 events")

    kinds = _kinds(empty_url)
    # Retired items take the kind of the item they became: ECO-03 no longer scores.
    assert kinds["ECO-03"] == "priority" and kinds["ECO-04"] == "priority"
    assert kinds["TEC-02"] == "outlook"
    scored = sorted(c for c, k in kinds.items() if k == "commitment")
    assert scored == ["CYB-02", "CYB-03", "CYB-04", "MIN-01"]
    shown = json.loads(cli.ok("show", "ECO-03", "--format", "json"))
    assert [e["note"] for e in shown["events"]] == ["stockpiling talks", "UK stockpile set up"]
    assert shown["score"] is None
    # Loading again changes nothing more.
    again = cli.ok("load", str(paths.bundled_fixture()))
    assert f"0 added, 0 changed, {BUNDLED} unchanged" in again
