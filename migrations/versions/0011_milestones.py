"""milestones of their own, and the dates announced for them as chained, append-only events

Until now each item carried a copy of its milestone's title and date (`target_label`,
`target_date`), and the 2+2's date could change only by editing the fixture. Here:

- `milestones`: per declaration, the meetings its items' targets name (slug, title, the date the
  text gives or implies, and the rule that implies it), and the declaration's cut-off (kind
  `cutoff`, made by the first `tracker cutoff set`);
- `milestone_events`: the dates announced for a milestone, each a row that is never updated or
  deleted (guarded as status_events is), hash-chained per milestone (tracker.chain);
- `commitments.milestone`: the slug of the milestone an item's target names.

An existing database gets one milestone per declaration and target label its items carry, with
a slug made from the label (a later `tracker load` of the fixture adds the fixture's own slugs
and points the items at them); the items' `target_date` is unchanged, so no content hash moves.
The triggers' SQL is this revision's own copy (tracker.triggers is `tracker db guard`'s).

Revision ID: 0011_milestones
Revises: 0010_cutoff
Create Date: 2026-12-07 19:20:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_milestones"
down_revision: str | None = "0010_cutoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = "milestone_events"
PG_FUNCTION = "tracker_append_only"


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:80] or "milestone"


def _guard(bind: sa.Connection) -> None:
    if bind.dialect.name == "postgresql":
        # The function is 0007's, shared by every guarded table.
        for name, when, each in (
            (f"{GUARDED}_append_only", "UPDATE OR DELETE", "ROW"),
            (f"{GUARDED}_no_truncate", "TRUNCATE", "STATEMENT"),
        ):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {when} ON {GUARDED} "
                f"FOR EACH {each} EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {GUARDED}_no_{operation.lower()} BEFORE {operation} ON {GUARDED} "
            f"BEGIN SELECT RAISE(ABORT, '{GUARDED} is append-only: {operation} refused "
            "(tracker)'); END"
        )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), server_default="meeting", nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_ja", sa.String(length=200), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rule", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("kind IN ('meeting', 'cutoff')", name=op.f("ck_milestones_kind")),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_milestones_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint(
            "declaration_id", "slug", name=op.f("uq_milestones_declaration_id_slug")
        ),
    )
    op.create_table(
        "milestone_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_events_milestone_id_milestones"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_events")),
        sa.UniqueConstraint(
            "milestone_id", "seq", name=op.f("uq_milestone_events_milestone_id_seq")
        ),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("milestone", sa.String(length=80), nullable=True))

    commitments = sa.table(
        "commitments",
        sa.column("declaration_id", sa.Integer()),
        sa.column("target_label", sa.String()),
        sa.column("target_label_ja", sa.String()),
        sa.column("target_date", sa.Date()),
        sa.column("milestone", sa.String()),
    )
    milestones = sa.table(
        "milestones",
        sa.column("declaration_id", sa.Integer()),
        sa.column("slug", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("title", sa.String()),
        sa.column("title_ja", sa.String()),
        sa.column("date", sa.Date()),
        sa.column("rule", sa.Text()),
    )
    labelled = bind.execute(
        sa.select(
            commitments.c.declaration_id,
            commitments.c.target_label,
            sa.func.max(commitments.c.target_label_ja),
            sa.func.max(commitments.c.target_date),
        )
        .where(commitments.c.target_label.is_not(None), commitments.c.target_date.is_not(None))
        .group_by(commitments.c.declaration_id, commitments.c.target_label)
    ).all()
    taken: set[tuple[int, str]] = set()
    for declaration_id, label, label_ja, date in labelled:
        slug = base = _slug(label)
        n = 1
        while (declaration_id, slug) in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add((declaration_id, slug))
        bind.execute(
            sa.insert(milestones).values(
                declaration_id=declaration_id,
                slug=slug,
                kind="meeting",
                title=label,
                title_ja=label_ja,
                date=date,
                rule="",
            )
        )
        bind.execute(
            sa.update(commitments)
            .where(
                commitments.c.declaration_id == declaration_id,
                commitments.c.target_label == label,
            )
            .values(milestone=slug)
        )
    _guard(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for suffix in ("append_only", "no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_{suffix} ON {GUARDED}")
    else:
        for suffix in ("no_update", "no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {GUARDED}_{suffix}")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_column("milestone")
    op.drop_table("milestone_events")
    op.drop_table("milestones")
