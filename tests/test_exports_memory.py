"""Exports run in bounded memory: more rows, the same peak (not a timing test).

The rows go through the real path (a list screen, streamed to the test client chunk by chunk);
``bench/exports.py`` measures the same up to a million rows.
"""

import tracemalloc

import pytest
from sqlalchemy import insert

from app.models import Owner


def add_owners(session, count: int) -> None:
    session.execute(
        insert(Owner),
        [
            {
                "community_id": 1 + n % 2,
                "name": f"测试业主{n}",
                "phone": f"137{n:08d}",
                "id_number": f"110105199001{n:06d}",
                "notes": "备注：按时缴费",
            }
            for n in range(count)
        ],
    )
    session.commit()


def traced_export(client, fmt: str) -> tuple[int, int]:
    """(bytes received, peak traced memory) of one export consumed chunk by chunk."""
    tracemalloc.start()
    try:
        response = client.get(f"/ownerview/export/{fmt}", buffered=False)
        assert response.status_code == 200
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return size, peak


# From two chunks of rows on (CHUNK_ROWS = 500) the peak no longer grows; XLSX is slower to
# write under tracemalloc, hence fewer rows.
@pytest.mark.parametrize(("fmt", "large"), [("csv", 10_000), ("xlsx", 5_000)])
def test_more_rows_in_the_same_memory(login, session, fmt, large):
    client = login("Auditor")
    add_owners(session, 100)
    traced_export(client, fmt)  # warm up: caches, compiled queries
    add_owners(session, 900)
    small_size, small_peak = traced_export(client, fmt)
    add_owners(session, large - 1_000)
    large_size, large_peak = traced_export(client, fmt)
    assert large_size > large / 1_000 * small_size / 2  # the rows did come out (XLSX: zipped)
    # Rows kept in memory would make the peak grow with them (×5 or ×10 here); caches filled by
    # earlier tests of a full run have been seen to add up to ×1.4.
    assert large_peak < 1.6 * small_peak, (small_peak, large_peak)
