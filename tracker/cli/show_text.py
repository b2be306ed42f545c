"""The text of `tracker show`, in the user's language: fields, provenance, guidelines, timeline.

Plain data in (the dict `show --format json` prints), lines out; the command prints them.
Labels are padded by display width, so Japanese labels (two columns a character) align too.
Every value from the database is put on one line (one_line): the item's fields and its prose
(description, quote, basis, guidelines: single paragraphs in a declaration file, but a database
someone sent can hold a line break or a carriage return in any of them). A note or reason keeps
its line breaks, each line indented under its event. So no text can forge a line of its own.
"""

from __future__ import annotations

from typing import Any

from tracker.cli.table import display_width
from tracker.i18n import DEFAULT, Language
from tracker.reports.presentation import change_text, inferred_notes, signed_text
from tracker.scrub import lines as text_lines
from tracker.scrub import one_line
from tracker.statuses import Kind, unscored_label


def recorded_text(stamp: str, zone: str | None) -> str:
    """When an event was recorded, to the minute, in the tracker's time zone, named: a reader
    needs the day and the hour, not microseconds and an offset (`--format json` keeps those)."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    moment = dt.datetime.fromisoformat(stamp)
    try:
        where = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        where = ZoneInfo("UTC")
    local = moment.astimezone(where)
    name = "UTC" if where.key == "UTC" else f"{local:%Z} ({where.key})"
    return f"{local:%Y-%m-%d %H:%M} {name}"


def _link_lines(data: dict[str, Any], lang: Language) -> list[str]:
    """What the item continues and what continues it, each with its status (tracker.links)."""
    _ = lang._
    lines: list[str] = []
    for key, heading in (
        ("follows", _("Continues (earlier items):")),
        ("followed_by", _("Continued by (later items):")),
    ):
        if not data.get(key):
            continue
        lines.append(heading)
        for x in data[key]:
            since = (
                " " + _("since {date}").format(date=lang.date_text(x["since"]))
                if x["since"]
                else ""
            )
            link = _("follows") if x["link"] == "follows" else _("reaffirms")
            lines.append(
                f"  {one_line(x['code'])}  [{one_line(x['declaration'])}]  {link}  "
                f"{lang.status(x['status'])}{since}  "
                f"{one_line(x['title'])}"
            )
        lines.append("")
    return lines


def show_lines(data: dict[str, Any], lang: Language) -> list[str]:
    _ = lang._
    marks: dict[str, str] = data["provenance"]

    notes = inferred_notes(
        marks, data.get("provenance_origins") or {}, data.get("provenance_ja") or {}, lang
    )
    sep = _(", ")

    def origin(name: str) -> str:
        if name not in marks:
            return ""
        if lang.code != DEFAULT:  # the note starts with its origin's label: 分析者による割当：…
            return "  " + _("[{note}]").format(note=one_line(notes[name]))
        return "  " + _("[inferred: {origin}]").format(origin=one_line(marks[name]))

    owners = data["owners"]
    if lang.code != DEFAULT and data.get("owners_ja"):
        owners = data["owners_ja"]
    pillar = one_line(lang.text(data["pillar_title"], data.get("pillar_title_ja")))
    if lang.code == DEFAULT:
        pillar += f" [{one_line(data['pillar'])}]"  # the slug --pillar takes

    target = lang.date_text(data["target"]) if data["target"] else _("none")
    if data["target_label"]:
        label = data["target_label"]
        if lang.code != "en":
            label = lang.text(label, data.get("target_label_ja"))
        target = f"{one_line(label)} ({target})"
        milestone = data.get("milestone")
        if milestone and milestone["announced_on"]:
            target += " " + _("announced {date}; the text's deadline was {deadline}").format(
                date=lang.date_text(milestone["announced_on"]),
                deadline=lang.date_text(milestone["deadline"]),
            )
        elif milestone and milestone["deadline"] == data["target"]:
            target += " " + _("deadline: no date announced")
    if data["score"] is None:
        score = _(unscored_label(Kind(data["kind"])))
    else:
        score = _("score {score}").format(score=signed_text(data["score"]))
    kind = lang.kind(data["kind"])
    if not Kind(data["kind"]).scored:
        kind += " " + _("(not scored)")
    fields = [
        (_("Status:"), f"{lang.status(data['status'])} ({score})"),
        (
            _("By party:"),
            "; ".join(
                f"{one_line(lang.party(p))}: {lang.status(st)}"
                for p, st in data["party_status"].items()
            ),
        ),
        (_("Pillar:"), pillar),
        (_("Kind:"), kind),
        (_("Parties:"), one_line(sep.join(map(lang.party, data["parties"]))) + origin("parties")),
        (_("Lead bodies:"), (one_line(sep.join(owners)) or "—") + origin("owners")),
        (_("Target:"), target + origin("target")),
        (_("Declaration:"), one_line(data["declaration"])),
    ]
    pad = max(display_width(label) for label, _value in fields) + 1
    lines = [
        f"{one_line(data['code'])}  {one_line(lang.text(data['title'], data.get('title_ja')))}"
    ]
    lines += [label + " " * (pad - display_width(label)) + value for label, value in fields]
    lines += ["", one_line(lang.text(data["description"], data.get("description_ja"))), ""]
    if lang.code != "en":
        lines.append(_("(Titles and descriptions: the project's unofficial translation.)"))
    lines.append(_("Source: “{quote}”").format(quote=one_line(data["quote"])))
    if data["basis"]:
        lines.append(_("Basis:  {basis}").format(basis=one_line(data["basis"])))
    lines.append("")
    lines += _link_lines(data, lang)
    if data["guidelines"]:
        lines.append(_("Scoring guidelines (per party):"))
        lines += [
            f"  {signed_text(int(k)) if k != '0' else k:>2}  {one_line(data['guidelines'][k])}"
            for k in ("+1", "0", "-1")
        ]
        lines.append("")
    events: list[dict[str, Any]] = data["events"]
    lines.append(
        lang.ngettext("Timeline ({n} event):", "Timeline ({n} events):", len(events)).format(
            n=len(events)
        )
    )
    if not events:
        lines.append("  " + _("no events yet: not started (not yet rated)"))
    for e in events:
        who = f"[{one_line(lang.party(e['party']))}] " if e["party"] else ""
        flags = ""
        if e["corrected_by"]:
            flags += "  " + _("[corrected by #{id}]").format(id=e["corrected_by"])
        if e["corrects"]:
            flags += "  " + _("[correction of #{id}]").format(id=e["corrects"])
        change = change_text(e["from_status"], e["to_status"], lang)
        actor = one_line(e["actor"])
        if e.get("db_user") and e["db_user"] != e["actor"]:
            # The typed name is a claim; the database user is who the server let in.
            actor = _("{actor} (database user {user})").format(
                actor=actor, user=one_line(e["db_user"])
            )
        lines.append(
            f"  {lang.date_text(e['on'])}  {who}{change}  "
            + _("by {actor}  (#{id}, recorded {recorded}){flags}").format(
                actor=actor,
                id=e["id"],
                recorded=recorded_text(e["recorded_at"], data.get("time_zone")),
                flags=flags,
            )
        )
        if e["note"]:
            lines += ["      " + line for line in text_lines(e["note"])]
        elif e["corrects"]:
            lines.append("      " + _("(no note of its own)"))
        if e["reason"]:
            reason = _("reason: {reason}").format(reason=e["reason"])
            lines += ["      " + line for line in text_lines(reason)]
        for ev in e["evidence_details"]:
            extra = [_(ev["kind"].replace("_", " "))]
            if ev["title"]:
                extra.append(f"“{one_line(ev['title'])}”")
            if ev["published_on"]:
                extra.append(lang.date_text(ev["published_on"]))
            if "attachment" in ev:
                # The id `tracker evidence get` takes, and enough of the hash to compare.
                document = ev["attachment"]
                extra.append(
                    _("attached as #{id}: {size} bytes, sha256 {sha256}").format(
                        id=ev["id"], size=document["size"], sha256=document["sha256"][:12] + "…"
                    )
                )
            lines.append(
                "      "
                + _("evidence: {reference} ({details})").format(
                    reference=one_line(ev["reference"]), details=", ".join(extra)
                )
            )
    return lines
