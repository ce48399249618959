"""The parts the columnar import makes many of at once agree with the one-at-a-time versions:
the filter of event ids met earlier in a load, and the uids of new records."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from bluehelmet.imports.acled_mapping import _SeenEvents
from bluehelmet.services.column_load import _new_uids

_IDS = st.lists(st.lists(st.text(alphabet="MLICAF0123456789", min_size=1, max_size=6), max_size=30), max_size=6)


@given(calls=_IDS)
@settings(max_examples=200, deadline=None)
def test_an_id_met_before_is_always_said_to_be_met(calls: list[list[str]]) -> None:
    # A small filter, so that it also says "met" of ids it never met: never the other way round.
    together, one_by_one = _SeenEvents(1 << 10), _SeenEvents(1 << 10)
    met: set[str] = set()
    for keys in calls:
        said = together.add_many(keys).tolist()
        assert len(said) == len(keys)
        for key, was_met in zip(keys, said, strict=True):
            if key in met:
                assert was_met, key
            assert one_by_one.add(key) or key not in met
            met.add(key)
    for key in met:  # every id now met, by both
        assert together.add(key) and one_by_one.add(key)


@given(keys=st.lists(st.text(min_size=1, max_size=12), max_size=40))
@settings(max_examples=100, deadline=None)
def test_one_at_a_time_and_together_set_the_same_bits(keys: list[str]) -> None:
    one_by_one, together = _SeenEvents(1 << 12), _SeenEvents(1 << 12)
    for key in keys:
        one_by_one.add(key)
    together.add_many(keys)
    assert one_by_one._bits.tobytes() == together._bits.tobytes()


def test_a_large_filter_rarely_says_met_of_an_id_never_met() -> None:
    seen = _SeenEvents(1 << 20)
    assert not seen.add_many([f"MLI{i}" for i in range(10_000)]).any()  # distinct ids: none met before
    wrong = seen.add_many([f"NER{i}" for i in range(10_000)]).mean()
    assert wrong < 0.01  # four positions in 2**20 bits after 10,000 ids: about 2 in a million expected


def test_uids_made_together_are_version_4_uuids_all_different() -> None:
    made = _new_uids(20_000)
    assert len(set(made)) == len(made) == 20_000
    for text in made[:2000]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert _new_uids(0) == []
    assert len({text[i] for text in made for i in (0, 35)}) == 16  # every hex digit turns up at both ends
