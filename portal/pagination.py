"""Pages of a list: the one place that counts pages and picks a page's rows.

Lists shown a page at a time (a category's articles, the staff article list,
the feedback inbox, search results) use :func:`page_count` and :func:`paginate`
and the ``pagination`` macro of ``templates/_pagination.html``, which reads a
:class:`Page` (``number``, ``pages``, ``has_previous``, ``has_next``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select


def page_count(total: int, per_page: int) -> int:
    """Pages needed for ``total`` rows; an empty list is one (empty) page."""
    return max(1, -(-total // per_page))


class PageLinks:
    """What the pagination macro asks of a page, from its ``number`` and ``pages``."""

    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass
class Page(PageLinks):
    """One page of rows; ``number`` counts from 1."""

    items: list = field(default_factory=list)
    number: int = 1
    pages: int = 1
    total: int = 0

    # the name templates and older callers use for the number
    @property
    def page(self) -> int:
        return self.number


def paginate(session, statement: Select, page: int, per_page: int, *, scalars: bool = True) -> Page:
    """Page ``page`` of ``statement`` (already ordered), clamped to 1 .. last page.

    ``scalars`` returns the first column of each row (ORM objects); otherwise
    rows come back as tuples (``select(A, B)``).
    """
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = page_count(total, per_page)
    number = min(max(1, page or 1), pages)
    window = statement.limit(per_page).offset((number - 1) * per_page)
    items = list(session.scalars(window)) if scalars else [tuple(row) for row in session.execute(window)]
    return Page(items=items, number=number, pages=pages, total=total)
