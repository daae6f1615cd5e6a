from django.core.paginator import InvalidPage, Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000  # results counted and paged at most, on the site and in the API


def whole_number(text):
    """`text` as a whole number if it is one in ASCII digits, else None.

    str.isdigit() alone is not enough: "²" and "¹" are digits to it and not to int().
    """
    return int(text) if text.isascii() and text.isdigit() else None


def taken_from(queryset, first_ids):
    """CappedPaginator's `first` for a list whose first ids `first_ids(top)` gives, as a subquery
    (a stored timeline's): those of `queryset`, in its order."""
    return lambda top: queryset.filter(pk__in=first_ids(top))


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` items (COUNT_CAP unless told otherwise, read when the
    paginator is made: every listing's cap is decided here).

    Neither the count nor a page's OFFSET then grows with the archive: past the cap a listing says
    "10,000+" and its pages stop there (narrowing the filters or sorting oldest first reaches the rest).
    """

    def __init__(
        self, object_list, per_page, *, cap=None, count_from=None, known_count=None, first=None, **kwargs
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.count_from = object_list if count_from is None else count_from
        self.known_count = known_count
        self.first = first

    def page(self, number):
        """The page; with `first` (a callable giving the list's first `top` items, a queryset in
        the list's order) a page is taken from the items up to it alone, not from the whole list
        sorted: a topic's newest pieces off its timeline (articles.tallies.listed), a common
        word's best as far as they are ranked (articles.search.Matches.best)."""
        page = super().page(number)
        if self.first is not None:
            bottom = (page.number - 1) * self.per_page
            top = bottom + self.per_page
            page.object_list = self.first(top)[bottom:top]
        return page

    @cached_property
    def counted(self):
        if self.known_count is not None:  # stored (articles.tallies): nothing to count
            return self.known_count
        # Only the ids: no ranking, ordering or wide rows to count.
        return self.count_from.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self.counted, self.cap)

    @property
    def capped(self):
        """Whether there are more items than were counted."""
        return self.counted > self.cap


class ApiPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator  # counts as the site does: no COUNT or OFFSET grows
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        number = whole_number(request.query_params.get(self.page_query_param, "1"))
        if number is None or number < 1:
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        self.request = request
        size = self.get_page_size(request)
        queryset, paging = self.paging(queryset, view, top=number * size)
        self.paginator = self.django_paginator_class(queryset, size, **paging)
        try:
            self.page = self.paginator.page(number)
        except InvalidPage as error:
            raise NotFound(f"There is no page {number}: {error}") from error
        return list(self.page)

    @staticmethod
    def paging(queryset, view, *, top):
        """(What to page, the paginator's arguments), as the site's listings page (articles.listing):
        a search's best matches of more (ArticleFilterSet.count_cap) counted as the site counts
        them, every match up to the ranked ones, then "capped"; filters alone matching many taken
        off a timeline (ArticleFilterSet.timeline_walk), for a page that ends at result `top`."""
        filterset = getattr(view, "filterset", None)
        cap = getattr(filterset, "count_cap", None)
        if cap:
            return queryset, {"count_from": filterset.unranked_qs, "cap": cap, **filterset.best_paging()}
        if not hasattr(filterset, "timeline_walk"):
            return queryset, {}
        walk = filterset.timeline_walk(top=top)
        if walk is None:
            return queryset, filterset.count_paging()
        by_date = filterset.by_date(view.get_queryset())
        return by_date, {**filterset.count_paging(), "first": taken_from(by_date, walk)}

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_is_capped"] = {
            "type": "boolean",
            "description": f"True when there are more than {COUNT_CAP:,} results (count stops there).",
        }
        paginated["required"].append("count_is_capped")
        return paginated
