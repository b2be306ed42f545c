"""What `tracker progress` shows a person at a terminal before recording: the statuses to choose
from, the guideline each claims, and the template of the note, git-commit style.

Plain data and text; the one read (item_brief) takes a session that the caller closes before
any prompt or editor opens, so nobody's open editor holds a transaction or a row lock that a
colleague would wait on. The recording itself is tracker.progress's, in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tracker.i18n import Language
from tracker.scrub import one_line
from tracker.statuses import CLAIMS, STATUSES, Kind, Status, needs_reason

# Lines of the note template starting with this are dropped from the note, as in git.
COMMENT = "#"
GUIDELINE_ORDER = ("+1", "0", "-1")


@dataclass(frozen=True)
class ItemBrief:
    """An item as the prompt and the template show it."""

    code: str
    title: str
    title_ja: str | None
    kind: Kind
    status: Status  # the party's own when a party is assessed
    party: str | None
    guidelines: dict[str, str]


@dataclass(frozen=True)
class Choice:
    status: Status
    current: bool
    needs_reason: bool
    claim: tuple[str, str] | None  # the guideline this status claims (scored items)


def item_brief(session: Session, code: str, party: str | None = None) -> ItemBrief:
    from tracker.commitments import get_commitment, resolve_party
    from tracker.progress import events_of, status_on

    c = get_commitment(session, code)
    if party is not None:
        party = resolve_party(party, c.parties, what=f"{c.code} is a pledge of")
    status = status_on(events_of(session, c.id), None, party)
    kind = Kind(c.kind)
    return ItemBrief(
        code=c.code,
        title=c.title,
        title_ja=c.title_ja,
        kind=kind,
        status=status,
        party=party,
        guidelines=dict(c.guidelines or {}) if kind.scored else {},
    )


def choices(brief: ItemBrief) -> list[Choice]:
    """Every status, in the vocabulary's order: none is forbidden, but leaving a settled one
    needs a reason, and a scored item's settled statuses claim a guideline."""
    out = []
    for status in STATUSES:
        key = CLAIMS.get(status)
        claim = (key, brief.guidelines[key]) if key and key in brief.guidelines else None
        out.append(
            Choice(status, status is brief.status, needs_reason(brief.status, status), claim)
        )
    return out


def note_template(brief: ItemBrief, new: Status, lang: Language) -> str:
    """The text the editor opens: an empty first line to write on, then comments. Every text
    from the database is put on one line behind the comment mark, so none can become a line of
    the note."""
    _ = lang._
    who = f" [{one_line(brief.party)}]" if brief.party else ""
    change = (
        lang.status(new)
        if new is brief.status
        else f"{lang.status(brief.status)} → {lang.status(new)}"
    )
    lines = [
        "",
        "# "
        + _("Note for {code}{party}: {change}").format(
            code=one_line(brief.code), party=who, change=change
        ),
        "# " + one_line(lang.text(brief.title, brief.title_ja)),
        "# " + _("Status now: {status}").format(status=lang.status(brief.status)),
    ]
    if brief.guidelines:
        lines.append("# " + _("Guidelines:"))
        # Best first, as `show` lists them; any other key after those.
        keys = [k for k in GUIDELINE_ORDER if k in brief.guidelines]
        keys += [k for k in brief.guidelines if k not in GUIDELINE_ORDER]
        lines += [f"#   {one_line(k)}: {one_line(brief.guidelines[k])}" for k in keys]
    lines += [
        "#",
        "# " + _("Write what happened above. Lines starting with '#' are dropped;"),
        "# " + _("an empty note aborts, and nothing is recorded."),
    ]
    return "\n".join(lines) + "\n"


def note_from_edit(text: str) -> str:
    """The note in what the editor left: comment lines dropped, trailing spaces and blank lines
    at either end removed (git's `--cleanup=strip`)."""
    kept = [line.rstrip() for line in text.splitlines() if not line.startswith(COMMENT)]
    return "\n".join(kept).strip("\n")
