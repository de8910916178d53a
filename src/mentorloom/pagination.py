"""Paging a query: one count, one page of rows, and the API's page envelope."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
R = TypeVar("R")


class Page(BaseModel, Generic[T]):
    """The API's envelope of one page of a list."""

    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


@dataclass(frozen=True)
class PageSlice(Generic[R]):
    """One page of rows plus where it sits: ``page`` of ``pages`` (at least 1) over ``total`` rows."""

    rows: Sequence[R]
    total: int
    page: int
    pages: int
    per_page: int

    def as_page(self, convert: Callable[[R], T]) -> Page[T]:
        return Page[T](
            items=[convert(r) for r in self.rows],
            total=self.total,
            page=self.page,
            per_page=self.per_page,
            pages=self.pages,
        )


def paginate(
    session: Session, query: Select[Any], page: int, per_page: int, *, order_by: Sequence[Any], clamp: bool = False
) -> PageSlice[Any]:
    """Rows of ``page`` in ``order_by`` order, with the total count.

    ``clamp`` turns a page past the end into the last one: pages do that so an old link still shows something,
    the API answers an empty page instead.
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    if clamp:
        page = min(max(1, page), pages)
    rows = session.scalars(query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)).all()
    return PageSlice(rows, total, page, pages, per_page)
