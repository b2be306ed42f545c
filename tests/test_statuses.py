"""The domain rules: vocabulary, scores, and which moves need a reason."""

from __future__ import annotations

import pytest

from tracker.statuses import (
    OPEN,
    SCORES,
    STATUSES,
    ReasonRequired,
    Status,
    TransitionError,
    check_transition,
    needs_reason,
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
