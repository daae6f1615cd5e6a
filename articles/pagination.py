from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` items.

    Neither the count nor a page's OFFSET then grows with the archive: past the cap a listing says
    "10,000+" and its pages stop there (narrowing the filters or sorting oldest first reaches the rest).
    """

    def __init__(self, object_list, per_page, *, cap, count_from=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.count_from = object_list if count_from is None else count_from

    @cached_property
    def counted(self):
        # Only the ids: no ranking, ordering or wide rows to count.
        return self.count_from.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self.counted, self.cap)

    @property
    def capped(self):
        """Whether there are more items than were counted."""
        return self.counted > self.cap
