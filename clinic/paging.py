"""A paginator for a list whose size is maintained elsewhere, so a page never counts its rows."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    """Told its count (a maintained one) instead of running COUNT(*) over every row.

    A page is still read as `per_page` rows from its offset rather than up to the count, so
    a count that lags its rows for a moment (it moves with the summary rows, just after the
    write commits) never hides a row; only the number of pages can be a page out.
    """

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = max(count, 0)

    @cached_property
    def count(self) -> int:
        return self._known_count

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)
