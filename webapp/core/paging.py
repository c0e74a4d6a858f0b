"""Lists shown a page at a time: the page a query string asks for, read leniently (anything
that is not a page number is the first page), and how many pages a total makes."""

from __future__ import annotations

from flask import request

MAX_PAGE = 100_000


def page_number(name: str = "page") -> int:
    raw = request.args.get(name, "1")
    return max(1, min(int(raw), MAX_PAGE)) if raw.isascii() and raw.isdigit() else 1


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
