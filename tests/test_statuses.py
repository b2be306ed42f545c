"""The domain rules: vocabulary, scores, and which moves need a reason."""

from __future__ import annotations

import pytest

from tracker.statuses import (
    CLAIMS,
    KIND_LABELS,
    OPEN,
    SCORES,
    STATUSES,
    Kind,
    ReasonRequired,
    Status,
    TransitionError,
    check_transition,
    needs_reason,
    parse_kind,
    parse_status,
)


def test_vocabulary_and_open_set() -> None:
    assert [s.value for s in STATUSES] == [
        "not_started",
        "in_progress",
        "stalled",
        "partially_achieved",
        "achieved",
        "dropped",
    ]
    assert {Status.NOT_STARTED, Status.IN_PROGRESS, Status.STALLED} == OPEN


def test_scores_follow_the_g7_scale() -> None:
    assert SCORES == {
        Status.ACHIEVED: 1,
        Status.IN_PROGRESS: 0,
        Status.PARTIALLY_ACHIEVED: 0,
        Status.NOT_STARTED: -1,
        Status.STALLED: -1,
        Status.DROPPED: -1,
    }


@pytest.mark.parametrize("text", ["in_progress", "IN-PROGRESS", " In Progress "])
def test_parse_status_is_forgiving_about_spelling(text: str) -> None:
    assert parse_status(text) is Status.IN_PROGRESS


def test_parse_status_lists_the_valid_ones() -> None:
    with pytest.raises(TransitionError, match="valid statuses: not_started, in_progress"):
        parse_status("done")


@pytest.mark.parametrize("old", list(Status))
@pytest.mark.parametrize("new", list(Status))
def test_only_leaving_a_settled_status_needs_a_reason(old: Status, new: Status) -> None:
    settled = {Status.ACHIEVED, Status.PARTIALLY_ACHIEVED, Status.DROPPED}
    forward = old is Status.PARTIALLY_ACHIEVED and new is Status.ACHIEVED
    expected = old in settled and new != old and not forward
    assert needs_reason(old, new) is expected
    if expected:
        with pytest.raises(ReasonRequired, match="re-opens a settled assessment"):
            check_transition(old, new, None)
        with pytest.raises(TransitionError):
            check_transition(old, new, "   ")
        check_transition(old, new, "new evidence")
    else:
        check_transition(old, new, None)


def test_parse_status_names_the_input_and_every_status() -> None:
    with pytest.raises(TransitionError) as refused:
        parse_status("Done ")
    assert str(refused.value) == (
        "invalid status 'Done '; valid statuses: not_started, in_progress, stalled, "
        "partially_achieved, achieved, dropped"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("commitment", Kind.COMMITMENT),
        (" Priority ", Kind.PRIORITY),
        ("ONGOING", Kind.ONGOING),
        ("outlook", Kind.OUTLOOK),
        # The kind of earlier versions, read as the one that replaced it.
        ("prospective", Kind.OUTLOOK),
        (" Prospective", Kind.OUTLOOK),
    ],
)
def test_parse_kind(text: str, kind: Kind) -> None:
    assert parse_kind(text) is kind


def test_parse_kind_names_the_input_and_every_kind() -> None:
    with pytest.raises(TransitionError) as refused:
        parse_kind("pledge")
    assert str(refused.value) == (
        "invalid kind 'pledge'; valid kinds: commitment, priority, ongoing, outlook"
    )


def test_labels_as_people_read_them() -> None:
    assert [s.label for s in STATUSES] == [
        "not started",
        "in progress",
        "stalled",
        "partially achieved",
        "achieved",
        "dropped",
    ]
    assert [KIND_LABELS[k] for k in Kind] == ["commitment", "priority", "ongoing", "outlook"]


def test_claims_name_the_guideline_a_settled_status_meets() -> None:
    assert CLAIMS == {Status.ACHIEVED: "+1", Status.PARTIALLY_ACHIEVED: "0"}


def test_the_reason_error_says_which_move() -> None:
    with pytest.raises(ReasonRequired) as refused:
        check_transition(Status.DROPPED, Status.IN_PROGRESS, None)
    assert str(refused.value) == "moving from dropped to in_progress re-opens a settled assessment"
