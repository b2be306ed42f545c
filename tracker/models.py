"""The tables: declarations, their pillars and commitments, and the append-only status history.

`Commitment.status` is a cache of the latest event (by effective date, then by recording order),
written in the same transaction as that event; `tracker verify` and the tests check they agree.
Lists of short names (parties, owners) are JSON arrays: portable across SQLite and PostgreSQL
and filtered in SQL by their text form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    type_coerce,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from tracker.chain import GENESIS
from tracker.statuses import DEFAULT_STATUS, KINDS, STATUSES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_STATUS_SQL = ", ".join(f"'{s}'" for s in STATUSES)
_KIND_SQL = ", ".join(f"'{k}'" for k in KINDS)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite stores it without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("recorded times must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return read_utc(value)


# --- bulk reads --------------------------------------------------------------------------------
# The report reads 100,000 items with their latest events: SQLite's Date and DateTime types parse
# each value with a regular expression (they accept any storage format), a fifth of reading the
# rows. A bulk read selects dates and times as plain values (plain) and converts them itself,
# from the one format this schema stores, as the types would.


def plain(column: Any) -> Any:
    """`column` read without its type's conversion: read_date or read_utc converts it."""
    return type_coerce(column, String)


def read_date(value: str | dt.date | None) -> dt.date | None:
    """A Date column read with plain(): SQLite gives ISO text, PostgreSQL a date. One date
    object per day (a history of years has a few thousand days, a report 100,000 dates)."""
    if not isinstance(value, str):
        return value
    found = _DAYS.get(value)
    if found is None:
        found = _DAYS[value] = dt.date.fromisoformat(value)
    return found


_DAYS: dict[str, dt.date] = {}
# A day already read (its ISO text on SQLite), or None: a reader of many rows tries this C call
# before read_date's Python one (`cached_day(v) or read_date(v)`).
cached_day = _DAYS.get


def read_utc(value: str | dt.datetime | None) -> dt.datetime | None:
    """A UTCDateTime value as UTC: a column read with plain() (SQLite gives text), or what the
    driver gave UTCDateTime (a datetime, with or without a zone)."""
    if isinstance(value, str):
        # SQLite's DateTime writes UTC without an offset ("2026-01-31 09:00:00.000000"):
        # parsing it with one is a fifth of the cost of replace(tzinfo=...) afterwards.
        value = dt.datetime.fromisoformat(value if len(value) > 26 else value + "+00:00")
    if value is None or value.tzinfo is dt.UTC:
        return value
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Declaration(Base):
    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # The project's own (unofficial) Japanese translation; None shows the English, marked.
    title_ja: Mapped[str | None] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    parties: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    # Fields whose value the source text does not give, each with where it comes from instead.
    inferred: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    # The end of the compliance period: after it, the final assessment (tracker.statuses).
    cutoff: Mapped[dt.date | None] = mapped_column(Date)
    # The place in Japanese; where each inferred value comes from (tracker.provenance: public
    # reporting, the analyst, a rule) and its note in Japanese. None: the English, marked.
    place_ja: Mapped[str | None] = mapped_column(String(200))
    inferred_origins: Mapped[dict[str, str] | None] = mapped_column(JSON)
    inferred_ja: Mapped[dict[str, str] | None] = mapped_column(JSON)


class Pillar(Base):
    __tablename__ = "pillars"
    __table_args__ = (UniqueConstraint("declaration_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    title_ja: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KIND_SQL})", name="kind"),
        CheckConstraint(f"status IN ({_STATUS_SQL})", name="status"),
        Index("ix_commitments_pillar_id_position", "pillar_id", "position"),
        Index("ix_commitments_status_target_date", "status", "target_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper case; input is upper-cased first, so codes are case-insensitive.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # Unofficial Japanese translations (the verbatim English quote stays the source).
    title_ja: Mapped[str | None] = mapped_column(String(200))
    description_ja: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    parties: Mapped[list[str]] = mapped_column(JSON)
    owners: Mapped[list[str]] = mapped_column(JSON)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    target_label: Mapped[str | None] = mapped_column(String(200))
    target_label_ja: Mapped[str | None] = mapped_column(String(200))
    # The slug of the declaration's milestone its target names (tracker.milestones): an
    # announced date for it is the item's target in reports.
    milestone: Mapped[str | None] = mapped_column(String(80))
    # Why the item has its kind, naming the operative words of the text.
    basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Fields whose value the source text does not give, each with where it comes from instead.
    inferred: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    # Scoring guidelines of a scored item: the evidence that earns "-1", "0" and "+1".
    guidelines: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The owners' Japanese names, in the order of `owners` (from the fixture's table of names);
    # where each inferred value comes from and its note in Japanese, as the declaration's.
    owners_ja: Mapped[list[str] | None] = mapped_column(JSON)
    inferred_origins: Mapped[dict[str, str] | None] = mapped_column(JSON)
    inferred_ja: Mapped[dict[str, str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        String(20), default=DEFAULT_STATUS.value, server_default=DEFAULT_STATUS.value
    )
    # The end of the event chain, kept with each event: deleting the latest events shows here.
    chain_length: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chain_head: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    # The hash of the item's text (tracker.chain.item_hash), kept by `load` so that a report of
    # 100,000 items need not hash each; `verify` recomputes it from the text. Derived: not
    # exported, recomputed on import.
    content_hash: Mapped[str] = mapped_column(
        String(64), default="", server_default="", info={"derived": True}
    )
    # The effective date of the item's latest live event, of any party (None: no events yet),
    # for `list`: a cache like `status`, written in the same transaction as each event and
    # checked by `verify`, so a list of 100,000 items reads it with the row. Derived: not
    # exported, recomputed on import (tracker.progress.store_last_updates).
    last_update: Mapped[dt.date | None] = mapped_column(Date, info={"derived": True})

    declaration: Mapped[Declaration] = relationship()
    pillar: Mapped[Pillar] = relationship()


class StatusEvent(Base):
    """One dated assessment of a commitment. Rows are inserted, never updated or deleted."""

    __tablename__ = "status_events"
    __table_args__ = (
        CheckConstraint(f"from_status IN ({_STATUS_SQL})", name="from_status"),
        CheckConstraint(f"to_status IN ({_STATUS_SQL})", name="to_status"),
        # The timeline of one commitment, and the latest event as of a date.
        Index("ix_status_events_commitment_id_effective_on", "commitment_id", "effective_on", "id"),
        # `log --since` and the report's "changed since".
        Index("ix_status_events_effective_on", "effective_on"),
        # A party's own assessments of a commitment (None = the commitment as a whole).
        Index("ix_status_events_commitment_id_party", "commitment_id", "party", "effective_on"),
        # Every party's own assessments at once (few among many whole-commitment events), so a
        # report finds them without a lookup per commitment and party.
        Index("ix_status_events_party", "party", "commitment_id"),
        # The chain order of one commitment's events; also serves lookups by commitment.
        UniqueConstraint("commitment_id", "seq"),
        Index("ix_status_events_corrects_id", "corrects_id"),
        # `log --recorded-since` and `news`: what was recorded since a moment.
        Index("ix_status_events_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    # The party this event assesses (G7 style: a joint pledge can be kept by one side only);
    # None assesses the commitment as a whole and is what the cached status follows.
    party: Mapped[str | None] = mapped_column(String(80))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Position in the commitment's chain (1, 2, ...), its link and its own digest (tracker.chain).
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # A correction names the event it supersedes; reports and statuses use the correction.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("status_events.id"))
    # PostgreSQL: the database user that inserted the row (`session_user`), set by a trigger
    # (0013_clock), beside the name typed with --by. None on SQLite, which has no users.
    db_user: Mapped[str | None] = mapped_column(String(63))

    commitment: Mapped[Commitment] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(order_by="Evidence.position")


EVIDENCE_KINDS = ("official_statement", "news_report", "document", "other")
_EVIDENCE_KIND_SQL = ", ".join(f"'{k}'" for k in EVIDENCE_KINDS)


class Evidence(Base):
    """A source behind an event: a URL or a document citation, with its kind, title and date."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("event_id", "position"),
        CheckConstraint(f"kind IN ({_EVIDENCE_KIND_SQL})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("status_events.id"))
    position: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30), default="other", server_default="other")
    title: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    # A document attached with `--attach` (tracker.attachments): its file name, size in bytes,
    # media type and SHA-256, inside the event's hash; the bytes are in `attachments`, by hash.
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))


class Attachment(Base):
    """The bytes of an attached document, stored once however many evidence records cite them,
    keyed by their SHA-256. Rows are inserted, never updated or deleted (tracker.triggers);
    `tracker verify` hashes each again."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Milestone(Base):
    """A meeting the items' targets name, or a declaration's cut-off (kind `cutoff`), with the
    date the text gives or implies (a deadline until a date is announced: Announcement)."""

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("declaration_id", "slug"),
        CheckConstraint("kind IN ('meeting', 'cutoff')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="meeting", server_default="meeting")
    title: Mapped[str] = mapped_column(String(200))
    title_ja: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date)
    # How the date follows from the text when the text gives none ("in 2026": 31 December).
    rule: Mapped[str] = mapped_column(Text, default="", server_default="")


class Announcement(Base):
    """A date announced for a milestone, with its evidence. Rows are inserted, never updated
    or deleted; each milestone's announcements form a hash chain (tracker.chain)."""

    __tablename__ = "milestone_events"
    __table_args__ = (UniqueConstraint("milestone_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"))
    seq: Mapped[int] = mapped_column(Integer)
    # The date announced, and the day it was announced (a report as of an earlier day uses
    # the date known then).
    date: Mapped[dt.date] = mapped_column(Date)
    announced_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # [{reference, kind, title, published_on}], in order: covered by the hash.
    evidence: Mapped[list[dict[str, str | None]]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainBuild(Base):
    """A chain computed by a migration over events that existed before it: their hashes show
    changes made after `built_at`, not before. Inserted by the upgrade that builds it (0003),
    never updated or deleted; `tracker verify` reports it."""

    __tablename__ = "chain_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[str] = mapped_column(String(32))
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Events #1..last_event_id (by id) existed when the chain was built over them.
    events: Mapped[int] = mapped_column(Integer)
    last_event_id: Mapped[int] = mapped_column(Integer)


class TextRevision(Base):
    """A change of a declaration's text (its own fields, its pillars, milestones and items) made
    by `tracker load`, or the text as an upgrade found it (0014): hash-chained per declaration,
    inserted, never updated or deleted. It records the declaration's content hash and the
    content hash of each item it added or changed (tracker.revisions), so text changed by plain
    SQL is text that no revision explains, and `verify` names it."""

    __tablename__ = "text_revisions"
    __table_args__ = (UniqueConstraint("declaration_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    # What made it: "load" (with the fixture's name) or the upgrade that recorded the text.
    source: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # What changed, in words: {"CYB-01": ["title", "title_ja"], "declaration": ["source text"]}.
    changes: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    # The declaration's content hash after it, and each added or changed item's.
    declaration_hash: Mapped[str] = mapped_column(String(64))
    items: Mapped[dict[str, str]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


LINK_KINDS = ("follows", "reaffirms")
_LINK_KIND_SQL = ", ".join(f"'{k}'" for k in LINK_KINDS)


class ItemLink(Base):
    """A later item's link to an earlier one it continues (`follows`) or restates
    (`reaffirms`), from a fixture's `follows:`/`reaffirms:` or `tracker link` (tracker.links).
    Each item keeps its own history and chain; the links form one hash chain of their own (by
    `seq`), inserted, never updated or deleted."""

    __tablename__ = "item_links"
    __table_args__ = (
        UniqueConstraint("seq"),
        UniqueConstraint("commitment_id", "target_id"),
        CheckConstraint(f"kind IN ({_LINK_KIND_SQL})", name="kind"),
        CheckConstraint("commitment_id <> target_id", name="not_self"),
        # What follows an item: `show` of the earlier one.
        Index("ix_item_links_target_id", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    # The later item, and the earlier one it continues.
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    # What made it: "load FILE" or "link".
    source: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """A setting of the whole tracker, the same for everyone who uses it (tracker.clock's time
    zone): kept in the database, not per user, so two users' commands agree."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class StatusDay(Base):
    """The burn-up cache (tracker.burnup): per declaration, day and status, the net change in
    the number of its items in that status, from their live whole-item timelines. Derived: not
    exported, rebuilt on import, written in the same transaction as each event, and checked
    against the history by `tracker verify`."""

    __tablename__ = "status_days"
    __table_args__ = (
        PrimaryKeyConstraint("declaration_id", "day", "status"),
        CheckConstraint(f"status IN ({_STATUS_SQL})", name="status"),
        {"info": {"derived": True}},
    )

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    delta: Mapped[int] = mapped_column(Integer)
    # How many moves into or out of the status the day holds: a day whose moves cancel out
    # (delta 0) is still a point of the burn-up series, and a row with no moves left goes.
    moves: Mapped[int] = mapped_column(Integer)


# The Core tables under the classes. Paths that need rows, not objects (list, report, bulk
# writes), use these: a Core statement skips the ORM's compile step, mapper configuration and
# per-row work.
commitments_table = cast(Table, Commitment.__table__)
pillars_table = cast(Table, Pillar.__table__)
declarations_table = cast(Table, Declaration.__table__)
events_table = cast(Table, StatusEvent.__table__)
evidence_table = cast(Table, Evidence.__table__)
chain_builds_table = cast(Table, ChainBuild.__table__)
status_days_table = cast(Table, StatusDay.__table__)
milestones_table = cast(Table, Milestone.__table__)
settings_table = cast(Table, Setting.__table__)
revisions_table = cast(Table, TextRevision.__table__)
announcements_table = cast(Table, Announcement.__table__)
links_table = cast(Table, ItemLink.__table__)
attachments_table = cast(Table, Attachment.__table__)
