"""Coverage: the records a figure rests on out of those it speaks for (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluehelmet.analytics.coverage import Coverage, coverage_of, known_sum


def test_an_unknown_value_is_left_out_of_the_sum_and_counted_as_missing() -> None:
    total, cover = known_sum([645, None, 0, 849, None], "units")
    assert total == 645 + 849
    assert cover == Coverage(3, 5, "units")  # 0 is a known zero, None is unknown
    assert cover.missing == 2
    assert not cover.complete
    assert cover.share == pytest.approx(0.6)
    assert cover.sentence("strength") == "strength known for 3 of 5 units"


def test_the_sentence_of_complete_and_of_empty_coverage() -> None:
    assert Coverage(3, 3, "units").sentence("strength") == "strength known for all 3 units"
    assert Coverage(0, 0, "units").sentence("strength") == "no units recorded"
    assert Coverage(0, 0, "units").share is None
    assert Coverage(0, 0, "units").complete


@pytest.mark.parametrize(("known", "total"), [(-1, 3), (4, 3), (0, -1)])
def test_an_impossible_coverage_is_refused(known: int, total: int) -> None:
    with pytest.raises(ValueError, match="impossible"):
        Coverage(known, total, "units")


def test_coverages_of_different_kinds_do_not_add() -> None:
    assert Coverage(1, 2, "units") + Coverage(3, 3, "units") == Coverage(4, 5, "units")
    with pytest.raises(ValueError, match="vehicles"):
        Coverage(1, 2, "units") + Coverage(1, 1, "vehicles")


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 10_000)))))
def test_sum_and_coverage_do_not_depend_on_grouping(groups: list[list[int | None]]) -> None:
    whole_sum, whole = known_sum([v for g in groups for v in g], "units")
    parts = [known_sum(g, "units") for g in groups]
    assert sum(s for s, _ in parts) == whole_sum
    added = Coverage(0, 0, "units")
    for _, cover in parts:
        added = added + cover
    assert added == whole
    assert coverage_of([v for g in groups for v in g], "units") == whole
