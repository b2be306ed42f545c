"""Golden vectors: the chain's FORMAT 1 and the anchor's ANCHOR_FORMAT 1 and 2 are frozen.

Every stored hash depends on tracker.chain computing exactly these digests. A change to the
canonical form (a field dropped, renamed or reordered, the previous hash not fed in, text not
normalised, heads not sorted) changes a digest here, so it cannot pass unnoticed: it would
silently break every database already written. The values were computed once and are never
updated; a new form is a new FORMAT with vectors of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace

import pytest

from tracker import chain

AT = dt.datetime(2026, 3, 12, 9, 30, 0, 123456, tzinfo=dt.UTC)

FIRST = chain.EventContent(
    code="CYB-01",
    seq=1,
    party=None,
    from_status="not_started",
    to_status="in_progress",
    note="First Strategic Cyber Partnership dialogue held in London",
    reason=None,
    actor="j.smith",
    effective_on=dt.date(2026, 3, 12),
    recorded_at=AT,
    corrects_seq=None,
    evidence=(
        chain.EvidenceContent("https://www.ncsc.gov.uk/", "other", None, None),
        chain.EvidenceContent(
            "https://www.meti.go.jp/press", "official_statement", "METI release",
            dt.date(2026, 4, 2),
        ),
    ),
)  # fmt: skip
# CRLF and a lone CR in the note, a decomposed "é" (e + U+0301) in the actor and title.
SECOND = replace(
    FIRST,
    seq=2,
    party="UK",
    from_status="in_progress",
    to_status="stalled",
    note="Talks paused\r\nafter the election\rresume in May",
    reason="ministerial change",
    actor="Ame\u0301lie",
    effective_on=dt.date(2026, 5, 1),
    recorded_at=AT.replace(month=5, day=1),
    evidence=(chain.EvidenceContent("Cafe\u0301 report", "document", "Re\u0301sume\u0301", None),),
)
# A correction of the second event.
THIRD = replace(
    FIRST,
    seq=3,
    party="UK",
    from_status="in_progress",
    to_status="in_progress",
    note="",
    reason="misread the statement",
    actor="k.tanaka",
    effective_on=dt.date(2026, 5, 1),
    recorded_at=dt.datetime(2026, 5, 2, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    corrects_seq=2,
    evidence=(),
)

H1 = "c4694e4e2a4dceb6143940c9e90e7b03f0c778ccc29be061891cbffde66f06d4"
H2 = "bec3dd108241ff9321f6725784aa1251cda69d502534b768b04998745030024b"
H3 = "ce4a263576a164c81384766d98bb6a1cb212b71f2a1d07cf32106c0a3bc3921e"


def test_canonical_form_is_frozen() -> None:
    assert chain.FORMAT == 1
    expected = (
        b'[["format",1],["code","CYB-01"],["seq",1],["party",null],'
        b'["from_status","not_started"],["to_status","in_progress"],'
        b'["note","First Strategic Cyber Partnership dialogue held in London"],'
        b'["reason",null],["actor","j.smith"],["effective_on","2026-03-12"],'
        b'["recorded_at","2026-03-12T09:30:00.123456Z"],["corrects_seq",null],'
        b'["evidence",[["https://www.ncsc.gov.uk/","other",null,null],'
        b'["https://www.meti.go.jp/press","official_statement","METI release","2026-04-02"]]]]'
    )
    assert chain.canonical(FIRST) == expected
    # The first link, computed here without tracker.chain: SHA-256(previous hash + content).
    assert hashlib.sha256(chain.GENESIS.encode() + expected).hexdigest() == H1
    text = chain.canonical(SECOND).decode()
    assert '"Talks paused\\nafter the election\\nresume in May"' in text
    assert '"Amélie"' in text and "\u0301" not in text
    assert '["reason","ministerial change"]' in text
    # A recorded time in another zone is written as the same instant in UTC.
    assert '["recorded_at","2026-05-01T15:00:00.000000Z"]' in chain.canonical(THIRD).decode()


def test_event_hashes_are_frozen() -> None:
    h1 = chain.event_hash(chain.GENESIS, FIRST)
    h2 = chain.event_hash(h1, SECOND)
    h3 = chain.event_hash(h2, THIRD)
    assert (h1, h2, h3) == (H1, H2, H3)


def test_each_hashed_field_changes_the_hash() -> None:
    base = chain.event_hash(chain.GENESIS, SECOND)
    changes = {
        "code": "CYB-02",
        "seq": 7,
        "party": "Japan",
        "from_status": "not_started",
        "to_status": "achieved",
        "note": "other",
        "reason": "another reason",
        "actor": "mallory",
        "effective_on": dt.date(2026, 5, 2),
        "recorded_at": AT,
        "corrects_seq": 1,
    }
    for name, value in changes.items():
        assert chain.event_hash(chain.GENESIS, replace(SECOND, **{name: value})) != base, name
    evidence = SECOND.evidence[0]
    for name, value in {
        "reference": "x",
        "kind": "other",
        "title": None,
        "published_on": dt.date(2026, 1, 1),
    }.items():
        edited = replace(SECOND, evidence=(replace(evidence, **{name: value}),))
        assert chain.event_hash(chain.GENESIS, edited) != base, f"evidence {name}"
    assert chain.event_hash(chain.GENESIS, replace(SECOND, reason=None)) != base
    # The previous hash is part of each event's hash: that is what links the chain.
    assert chain.event_hash(H1, SECOND) != base


def test_a_time_without_a_zone_is_read_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite hands back recorded times without a zone (the 0003 upgrade reads them so): they
    are UTC whatever the machine's local zone."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        naive = replace(FIRST, recorded_at=AT.replace(tzinfo=None))
        assert chain.event_hash(chain.GENESIS, naive) == H1
    finally:
        monkeypatch.undo()
        time.tzset()


def test_text_is_normalised_before_hashing() -> None:
    lf = replace(SECOND, note="Talks paused\nafter the election\nresume in May", actor="Amélie")
    assert chain.event_hash(chain.GENESIS, lf) == chain.event_hash(chain.GENESIS, SECOND)


HEADS = [("ECO-01", "b" * 64), ("CYB-02", chain.GENESIS), ("CYB-01", "a" * 64)]


def test_heads_digest_is_frozen_and_order_free() -> None:
    expected = "acc16b54386f4da42d67ce9893e95add4e8ef9522e6713c6950db750abe8a907"
    assert chain.heads_digest(HEADS) == expected
    assert chain.heads_digest(reversed(HEADS)) == expected
    assert chain.heads_digest([]) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # of nothing
    )


ITEM = chain.ItemContent(
    code="CYB-01",
    pillar="cyber",
    title="Make cyber defence a core part of the partnership",
    description="A bilateral cyber framework\r\nwith a work plan.",
    quote="Cyber defense and cyber resilience were identified as essential",
    kind="commitment",
    parties=["Japan", "UK"],
    owners=["NCSC", "NCO"],
    target_date=dt.date(2026, 12, 31),
    target_label="ministers-2026",
)
DECLARATION = chain.DeclarationContent(
    slug="japan-uk-2026",
    title="Japan–UK leaders' declaration",
    date=dt.date(2026, 1, 31),
    place="Tokyo",
    parties=["Japan", "UK"],
    source="https://example.org/declaration",
    source_text="The leaders met in Tokyo.\r\nThey agreed \u201cco, operation\u201d.",
)
ITEM_HASH = "54637f56f24cc323b662e3581fa01043b25c358dfba62bdbf5ca230b93d7d3d9"
DECLARATION_HASH = "86d998c26aa1d1e0f3d7c08a2d02a9b39374b9f28d5d681154e5e52a2813bede"
ANCHOR = "105da1337083d752f8d07709f3a84e7989ec080eb5ee2c1ffa5ddd92eaca38f2"


def test_item_canonical_form_is_json_and_frozen() -> None:
    assert chain.ANCHOR_FORMATS == (1, 2)
    fields = [
        1, "CYB-01", "cyber", ITEM.title, "A bilateral cyber framework\nwith a work plan.",
        ITEM.quote, "commitment", ["Japan", "UK"], ["NCSC", "NCO"], "2026-12-31",
        "ministers-2026",
    ]  # fmt: skip
    assert chain.item_canonical(ITEM, 1) == json.dumps(
        fields, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    odd = replace(ITEM, title='"quoted"\t\\ é\u2028', target_date=None, target_label=None)
    assert json.loads(chain.item_canonical(odd, 1))[3] == '"quoted"\t\\ é\u2028'
    assert chain.item_hash(ITEM, 1) == ITEM_HASH
    crlf = replace(ITEM, title="Make cyber defence\r\na core part", kind="Cafe\u0301")
    lf = replace(ITEM, title="Make cyber defence\na core part", kind="Café")
    assert chain.item_hash(crlf, 1) == chain.item_hash(lf, 1) != ITEM_HASH


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("code", "CYB-09"),
        ("pillar", "security"),
        ("title", "Another title"),
        ("description", "Another description"),
        ("quote", "Another quote"),
        ("kind", "priority"),
        ("parties", ["Japan"]),
        ("owners", ["NCSC"]),
        ("target_date", dt.date(2027, 1, 1)),
        ("target_label", None),
    ],
)
def test_each_item_field_changes_its_hash(name: str, value: object) -> None:
    assert chain.item_hash(replace(ITEM, **{name: value}), 1) != ITEM_HASH


def test_declaration_and_anchor_digests_are_frozen() -> None:
    assert chain.declaration_hash(DECLARATION, 1) == DECLARATION_HASH
    edited = replace(DECLARATION, source_text=DECLARATION.source_text + " ")
    assert chain.declaration_hash(edited, 1) != DECLARATION_HASH
    items = [
        chain.ItemAnchor("ECO-01", 0, chain.GENESIS, ITEM_HASH),
        chain.ItemAnchor("CYB-01", 3, H3, ITEM_HASH),
    ]
    declarations = [("japan-uk-2026", DECLARATION_HASH)]
    assert chain.anchor_digest(declarations, items, 1) == ANCHOR
    assert chain.anchor_digest(declarations, reversed(items), 1) == ANCHOR
    # A chain cut back to an earlier head changes the anchor, unlike the heads digest.
    cut = [items[0], chain.ItemAnchor("CYB-01", 2, H3, ITEM_HASH)]
    assert chain.anchor_digest(declarations, cut, 1) != ANCHOR


# --- ANCHOR_FORMAT 2: everything readers read (0014) ----------------------------------------

ITEM2 = replace(
    ITEM,
    declaration="japan-uk-2026",
    pillar_title="Cyber",
    pillar_title_ja="サイバー",
    title_ja="サイバー防衛\r\nを中核に",
    description_ja=None,
    target_label_ja="2026年",
    milestone="ministers-2026",
    basis="'will': a pledge",
    inferred={"owners": "assigned by the analyst", "Café": "x"},
    guidelines={"+1": "done", "0": "partly", "-1": "nothing"},
)
DECLARATION2 = replace(
    DECLARATION,
    title_ja="日英首脳会談",
    inferred={"place": "public reporting"},
    cutoff=dt.date(2026, 12, 31),
    milestones=[
        chain.MilestoneContent(
            "ministers-2026", "meeting", "2+2", "日英2+2", dt.date(2026, 12, 31), "in 2026"
        )
    ],
)
ITEM2_HASH = "62d30f62eca646c5ea3397d9674178e8040a616810721bb14adbdd2e4ebfdeda"
DECLARATION2_HASH = "f7b0b5d1f8696bc662ad262b66e4028c8b80e299665a6bbbe107470a97242e46"
ANCHOR2 = "f74fd7aac1c9c1b702a7df4033a57e5ecbe5d1583279e05b660ff00612f926a6"
REVISION = "5629281f08137efc23c7f7079b919377d72176831a5c2e784ba24a23534b7822"


def test_format_2_is_format_1_extended_and_frozen() -> None:
    assert chain.ANCHOR_FORMAT == 2
    normalised = ITEM2.title_ja.replace("\r\n", "\n")  # type: ignore[union-attr]
    fields = [
        2, "CYB-01", "cyber", ITEM.title, "A bilateral cyber framework\nwith a work plan.",
        ITEM.quote, "commitment", ["Japan", "UK"], ["NCSC", "NCO"], "2026-12-31",
        "ministers-2026", "japan-uk-2026", "Cyber", "サイバー", normalised, None, "2026年",
        "ministers-2026", "'will': a pledge",
        {"Café": "x", "owners": "assigned by the analyst"},
        {"+1": "done", "-1": "nothing", "0": "partly"},
    ]  # fmt: skip
    assert chain.item_canonical(ITEM2) == json.dumps(
        fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")
    assert chain.item_hash(ITEM2) == ITEM2_HASH
    # FORMAT 1 of the same item ignores what FORMAT 2 adds.
    assert chain.item_hash(ITEM2, 1) == ITEM_HASH
    assert chain.declaration_hash(DECLARATION2) == DECLARATION2_HASH
    assert chain.declaration_hash(DECLARATION2, 1) == DECLARATION_HASH
    items = [
        chain.ItemAnchor("ECO-01", 0, chain.GENESIS, ITEM2_HASH),
        chain.ItemAnchor("CYB-01", 3, H3, ITEM2_HASH),
    ]
    assert chain.anchor_digest([("japan-uk-2026", DECLARATION2_HASH)], items) == ANCHOR2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("declaration", "another-declaration"),
        ("pillar_title", "Cyber security"),
        ("pillar_title_ja", None),
        ("title_ja", "別の題"),
        ("description_ja", "説明"),
        ("target_label_ja", None),
        ("milestone", None),
        ("basis", "'may': an aspiration"),
        ("inferred", {}),
        ("inferred", {"owners": "public reporting"}),
        ("guidelines", None),
        ("guidelines", {"+1": "done", "0": "partly", "-1": "nothing at all"}),
    ],
)
def test_each_format_2_item_field_changes_its_hash(name: str, value: object) -> None:
    assert chain.item_hash(replace(ITEM2, **{name: value})) != ITEM2_HASH


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("title_ja", None),
        ("inferred", {}),
        ("cutoff", None),
        ("milestones", []),
        ("milestones", [chain.MilestoneContent(
            "ministers-2026", "meeting", "2+2", "日英外務・防衛閣僚会合", dt.date(2026, 12, 31),
            "in 2026")]),
    ],
)  # fmt: skip
def test_each_format_2_declaration_field_changes_its_hash(name: str, value: object) -> None:
    assert chain.declaration_hash(replace(DECLARATION2, **{name: value})) != DECLARATION2_HASH


def test_a_text_revisions_hash_is_frozen() -> None:
    revision = chain.RevisionContent(
        "japan-uk-2026", 2, "load japan-uk-2026.yaml", "analyst",
        dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC),
        {"CYB-01": ["title_ja"], "added": ["CYB-05"]}, "a" * 64,
        {"CYB-01": "b" * 64, "CYB-05": "c" * 64},
    )  # fmt: skip
    assert chain.revision_hash("d" * 64, revision) == REVISION
    for changed in (
        replace(revision, changes={"CYB-01": ["title"]}),
        replace(revision, items={"CYB-01": "b" * 64}),
        replace(revision, declaration_hash="e" * 64),
        replace(revision, actor="someone else"),
    ):
        assert chain.revision_hash("d" * 64, changed) != REVISION


# --- 0015: the Japanese names and provenance, appended only when set ---------------------------

ITEM3 = replace(
    ITEM2,
    owners_ja=["英国家サイバーセキュリティセンター", "国家サイバー統括室"],
    inferred_origins={"owners": "analyst", "Café": "rule"},
    inferred_ja={"owners": "原文に記載なし"},
)
DECLARATION3 = replace(
    DECLARATION2,
    place_ja="東京・総理大臣官邸",
    inferred_origins={"place": "reporting"},
    inferred_ja={"place": "記事には「東京で」とのみ記載"},
)
ITEM3_HASH = "0f383386aae81fed2f2f58e7e11de175a333ba0caeb4862360316b911f004bd4"
DECLARATION3_HASH = "10c76160468334368deec40a7a1102216fc68e1acbce205b6ae80386ed12a6e8"


def test_japanese_names_extend_format_2_only_when_set() -> None:
    # Unset (None or empty), they leave every hash made before them as it was.
    for empty in (None, [], {}):
        blank = {"owners_ja": empty, "inferred_origins": empty, "inferred_ja": empty}
        assert chain.item_hash(replace(ITEM2, **blank)) == ITEM2_HASH  # type: ignore[arg-type]
    assert chain.declaration_hash(replace(DECLARATION2, place_ja=None)) == DECLARATION2_HASH
    # Set, each is a [name, value] pair after FORMAT 2's fields, as json.dumps writes them.
    base = json.loads(chain.item_canonical(ITEM2))
    fields = [
        *base,
        ["owners_ja", ["英国家サイバーセキュリティセンター", "国家サイバー統括室"]],
        ["inferred_origins", {"Café": "rule", "owners": "analyst"}],
        ["inferred_ja", {"owners": "原文に記載なし"}],
    ]
    assert chain.item_canonical(ITEM3) == json.dumps(
        fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")
    assert chain.item_hash(ITEM3) == ITEM3_HASH
    assert chain.item_hash(ITEM3, 1) == ITEM_HASH
    assert chain.declaration_hash(DECLARATION3) == DECLARATION3_HASH
    assert chain.declaration_hash(DECLARATION3, 1) == DECLARATION_HASH


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("owners_ja", ["英国家サイバーセキュリティセンター"]),
        ("owners_ja", None),
        ("inferred_origins", {"owners": "reporting", "Café": "rule"}),
        ("inferred_origins", None),
        ("inferred_ja", {"owners": "別の注記"}),
        ("inferred_ja", None),
    ],
)
def test_each_japanese_item_field_changes_its_hash(name: str, value: object) -> None:
    assert chain.item_hash(replace(ITEM3, **{name: value})) != ITEM3_HASH


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("place_ja", "東京"),
        ("place_ja", None),
        ("inferred_origins", {"place": "analyst"}),
        ("inferred_ja", None),
    ],
)
def test_each_japanese_declaration_field_changes_its_hash(name: str, value: object) -> None:
    assert chain.declaration_hash(replace(DECLARATION3, **{name: value})) != DECLARATION3_HASH


# --- evidence with an attached document (0018) ---------------------------------------------
# The attachment's name, size, media type and SHA-256 follow the evidence's four fields only when
# a document is attached: evidence without one hashes as above, so no existing hash changed.

PDF_SHA256 = "92d4ef0d3bd81e9fe82b0920b20e8b02e81b98e79377609929b388ee763e7db5"
ATTACHED = replace(
    FIRST,
    code="CYB-03",
    note="Readout attached",
    actor="a.clarke",
    evidence=(
        chain.EvidenceContent("https://www.ncsc.gov.uk/", "other", None, None),
        chain.EvidenceContent(
            "readout.pdf", "document", None, None,
            "readout.pdf", 51, "application/pdf", PDF_SHA256,
        ),
    ),
)  # fmt: skip
H_ATTACHED = "9eaca5e93257eeb780d6dbe2bcaa41ceaa24a51a5b696dc59dc120784a94dfe3"


def test_an_attached_document_is_hashed_after_the_evidence_fields() -> None:
    expected = (
        b'[["format",1],["code","CYB-03"],["seq",1],["party",null],'
        b'["from_status","not_started"],["to_status","in_progress"],'
        b'["note","Readout attached"],["reason",null],["actor","a.clarke"],'
        b'["effective_on","2026-03-12"],["recorded_at","2026-03-12T09:30:00.123456Z"],'
        b'["corrects_seq",null],["evidence",[["https://www.ncsc.gov.uk/","other",null,null],'
        b'["readout.pdf","document",null,null,"readout.pdf",51,"application/pdf",'
        b'"' + PDF_SHA256.encode() + b'"]]]]'
    )
    assert chain.canonical(ATTACHED) == expected
    assert hashlib.sha256(chain.GENESIS.encode() + expected).hexdigest() == H_ATTACHED
    assert chain.event_hash(chain.GENESIS, ATTACHED) == H_ATTACHED
    # Each attachment field is covered.
    document = ATTACHED.evidence[1]
    for name, value in {
        "attachment_name": "other.pdf",
        "attachment_size": 52,
        "attachment_type": "text/plain",
        "attachment_sha256": "0" * 64,
    }.items():
        edited = replace(
            ATTACHED, evidence=(ATTACHED.evidence[0], replace(document, **{name: value}))
        )
        assert chain.event_hash(chain.GENESIS, edited) != H_ATTACHED, name
    # Without a document, the evidence hashes exactly as before attachments existed.
    assert chain.event_hash(chain.GENESIS, FIRST) == H1


def test_a_follow_up_links_hash_is_frozen() -> None:
    """The links' chain (tracker.links) in the canonical form of events: a new kind of link,
    so no existing hash changes; computed here from its documented form, and frozen."""
    import hashlib

    link = chain.LinkContent(
        1, "GCP-02", "IND-01", "follows", "stated in gcap-trilateral-2026.yaml",
        "load gcap-trilateral-2026.yaml", "analyst", dt.datetime(2026, 12, 8, 0, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    fields = [
        ["format", 1], ["link", ["GCP-02", "IND-01"]], ["seq", 1], ["kind", "follows"],
        ["reason", "stated in gcap-trilateral-2026.yaml"],
        ["source", "load gcap-trilateral-2026.yaml"], ["actor", "analyst"],
        ["recorded_at", "2026-12-08T00:30:00.000000Z"],
    ]  # fmt: skip
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(chain.GENESIS.encode() + text.encode("utf-8")).hexdigest()
    assert chain.link_hash(chain.GENESIS, link) == expected == LINK
    for changed in (
        replace(link, target="IND-02"),
        replace(link, kind="reaffirms"),
        replace(link, reason="another reason"),
        replace(link, seq=2),
    ):
        assert chain.link_hash(chain.GENESIS, changed) != LINK


LINK = "b591d44f76b332d212f5823caa9b64d39b8e86f28d0adc5d372a7ddcfc48cde2"
