"""A long list of a screen shown a page at a time (``?page=N``), with a pager that keeps the
page's other filters: arrears, early warning, the collector's tasks of the day."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request, url_for

from app.services.queries import whole_number

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    number: int  # from 1
    count: int  # pages
    total: int  # rows in all pages
    first: int  # the ordinal of this page's first row (from 1)

    def url(self, number: int) -> str:
        """This page's address with another page number and the same filters."""
        args = {key: values for key, values in request.args.lists() if key != "page"}
        return url_for(request.endpoint, **(request.view_args or {}), **args, page=number)


def page_of(rows: Sequence[T], size: int = PAGE_SIZE) -> Page[T]:
    """The page ``?page=N`` asks for of ``rows`` (the last one past the end, the first one for
    nonsense)."""
    count = max(1, -(-len(rows) // size))
    number = min(max(whole_number(request.args.get("page")) or 1, 1), count)
    start = (number - 1) * size
    return Page(rows[start : start + size], number, count, len(rows), start + 1)
