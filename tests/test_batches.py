"""Fetch batches are bounded by count and by bytes: a backlog of big mails is not read 50 at a time."""
import pytest

from mailproc.cycle import batches
from mailproc.fetch import uid_set

MB = 2**20
CASES = [
    ("small mails: by count", [(u, 10_000) for u in range(1, 6)], 2, 64 * MB, [[1, 2], [3, 4], [5]]),
    ("big mails: by bytes", [(1, 25 * MB), (2, 25 * MB), (3, 25 * MB)], 50, 64 * MB, [[1, 2], [3]]),
    ("one mail above the limit travels alone", [(1, 1000), (2, 90 * MB), (3, 1000)], 50, 64 * MB,
     [[1], [2], [3]]),
    ("nothing new", [], 50, 64 * MB, []),
]


@pytest.mark.parametrize("sizes,count,limit,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_batches(sizes, count, limit, expected):
    assert batches(sizes, count, limit) == expected


UID_SETS = [
    ("a run is a range", [1, 2, 3, 4], "1:4"),
    ("runs and single UIDs", [3, 4, 5, 9, 11, 12], "3:5,9,11:12"),
    ("out of order", [12, 11, 3], "3,11:12"),
    ("one UID", [7], "7"),
]


@pytest.mark.parametrize("uids,expected", [c[1:] for c in UID_SETS], ids=[c[0] for c in UID_SETS])
def test_uid_sets_are_short_enough_for_a_backlog_of_thousands(uids, expected):
    assert uid_set(uids) == expected
