"""Fetch batches are bounded by count and by bytes: a backlog of big mails is not read 50 at a time."""
import pytest

from mailproc.cycle import batches

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
