"""The one ArticleFilterSet: every article listing (and later search and the API) filters through it."""

import datetime
import functools
from collections import Counter, namedtuple
from operator import itemgetter

import django_filters
from django import forms
from django.conf import settings
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, ExtractYear, Substr
from django.utils import dates, timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language, get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from articles import pagination, search, tallies
from articles.models import Article, ArticleAuthor, Category, Source, Tally, Topic, localized
from articles.richtext import fold
from articles.search import documents as terms
from experts.models import Expert

TopicRow = namedtuple("TopicRow", "pk name slug kind parent_id")  # lighter than 300 model instances
TOPICS_SHOWN = 30  # a facet lists at most this many topics (and every chosen one)
YEARS_NARROWED = 30  # a date range over at most this many years is also a group of year terms
# A filter's choices are counted over at most this many articles; over more, offered uncounted.
FACET_COUNT_LIMIT = 1_000
# A page of filters matching many is walked off a timeline if that reads at most about this many
# of its rows (ArticleFilterSet.timeline_walk): at a million articles, page 300 of a broad topic's
# interviews read 24,000 rows, each with its article, in 519 ms; sorting the match took 370.
WALKED_AT_MOST = 20_000


class SearchTextField(forms.CharField):
    """The search text, spaces folded before its length is checked (search.normalise)."""

    def to_python(self, value):
        return " ".join(super().to_python(value).split())


class SearchFilter(django_filters.CharFilter):
    field_class = SearchTextField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


# Days a date filter takes: a day before or after these has no next or previous day to compute a
# range with (9999-12-31 + 1 day overflows), and no article is dated there.
FIRST_DAY, LAST_DAY = datetime.date(1000, 1, 1), datetime.date(9998, 12, 31)


class DayField(forms.DateField):
    """A day as readers write it, the way the site shows dates ("20 June 2018", "20 июня 2018", with
    any language's month names or their short forms) or as numbers (2018-06-20, links and the API)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            words = (value or "").replace(",", " ").split()
            if len(words) == 3 and words[0].isdigit() and words[2].isdigit():
                month = month_numbers().get(fold(words[1].rstrip(".")))
                if month:
                    try:
                        return datetime.date(int(words[2]), month, int(words[0]))
                    except ValueError:
                        pass
            raise

    def validate(self, value):
        super().validate(value)
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                f"Enter a date between {FIRST_DAY} and {LAST_DAY}.", code="out_of_range"
            )


@functools.cache
def month_numbers():
    """Month names in every language of the site, as dates show them and as they are listed, folded."""
    names = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for table in (dates.MONTHS, dates.MONTHS_ALT, dates.MONTHS_3, dates.MONTHS_AP):
                for number, name in table.items():
                    names.setdefault(fold(str(name).rstrip(".")), number)
    return names


class DayFilter(django_filters.DateFilter):
    field_class = DayField


ALL_LANGUAGES = "all"


def language_choices():
    """The language filter's choices (no choice: the page's language)."""
    return [*settings.LANGUAGES, (ALL_LANGUAGES, _("All languages"))]


class ArticleFilterSet(django_filters.FilterSet):
    SORTS = [("relevance", _("Best match")), ("newest", _("Newest first")), ("oldest", _("Oldest first"))]

    q = SearchFilter(label=_("Search"), method="filter_search", max_length=search.MAX_QUERY_LENGTH)
    # Without a choice, a listing shows the articles in the page's language (filter_queryset).
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=language_choices, method="filter_language"
    )
    # Either takes any topic: a region given as a topic (?topic=korean-peninsula, an old link, a
    # hand-written address) is what the reader meant. The facets offer each under its own kind.
    topic = django_filters.ModelMultipleChoiceFilter(
        label=_("Topic"), to_field_name="slug", queryset=Topic.objects.all(), method="filter_topics"
    )
    region = django_filters.ModelMultipleChoiceFilter(
        label=_("Region"), to_field_name="slug", queryset=Topic.objects.all(), method="filter_topics"
    )
    expert = django_filters.ModelMultipleChoiceFilter(
        label=_("Expert"), to_field_name="slug", queryset=Expert.objects.all(), method="filter_experts"
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), to_field_name="slug", queryset=Category.objects.all()
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Source"), to_field_name="slug", queryset=Source.objects.all()
    )
    date_from = DayFilter(
        label=pgettext_lazy("date", "From"),
        method="filter_date_from",
    )
    date_to = DayFilter(label=pgettext_lazy("date", "To"), method="filter_date_to")
    year = YearFilter(
        label=_("Year"), field_name="published_at", lookup_expr="year", min_value=1900, max_value=2100
    )
    sort = django_filters.ChoiceFilter(label=_("Sort"), choices=SORTS, method="sort_by", empty_label=None)

    class Meta:
        model = Article
        fields = []

    def __init__(self, data=None, *args, page_language=None, within=None, **kwargs):
        """`within`: the page's own topic, expert, category or source, as (Tally.Kind, id), when the
        queryset holds its pieces alone: a filter on such a page combines with it in the index."""
        super().__init__(data, *args, **kwargs)
        # What is listed when the reader chooses no language: the page's ("" for every language).
        self.page_language = get_language() if page_language is None else page_language
        self.within = within if within and within[0] in self.WITHIN_TERMS else None
        self._results_rows = None  # read by _few_results_rows, for the count and the facets

    def not_used(self):
        """What the page left out of the filters, in plain words: [(the filter's label, the values as
        given)], for a bound form with errors."""
        if not self.is_bound or self.form.is_valid():
            return []
        return [
            (self.filters[name].label, ", ".join(f"“{value}”" for value in self.data.getlist(name)))
            for name in self.form.errors
            if name in self.filters
        ]

    def filter_language(self, queryset, name, value):
        return queryset if value == ALL_LANGUAGES else queryset.filter(language=value)

    # The filters the search index holds as terms (articles.search.documents.filter_terms), with
    # the search text and the language, which its match also reads.
    INDEXED = ("q", "language", "topic", "region", "expert", "category", "source", "year")
    WITHIN_TERMS = {
        Tally.Kind.UNDER_TOPIC: terms.TOPIC,
        Tally.Kind.EXPERT: terms.EXPERT,
        Tally.Kind.CATEGORY: terms.CATEGORY,
        Tally.Kind.SOURCE: terms.SOURCE,
    }

    @property
    def uses_index(self):
        """Whether the results are a match found once a page (index_matches): with a search text,
        two filters or more combined, or one topic or expert between dates (off its timeline:
        _found_elsewhere). One filter alone is a plain condition (a topic's or an expert's pieces
        are listed off their stored timeline, articles.listing)."""
        chosen = self._cleaned_data()
        if chosen.get("q"):
            return True
        chosen_filters = sum(1 for name in self.INDEXED[2:] if _is_chosen(chosen.get(name)))
        if chosen_filters + (self.within is not None) >= 2:
            return True
        return self._between_dates and bool(self._one_place(self._chosen_but(None)))

    @property
    def _between_dates(self):
        """Whether a first or last day narrows the results (a condition outside the index)."""
        chosen = self._cleaned_data()
        return any(_is_chosen(chosen.get(name)) for name in ("date_from", "date_to"))

    def filter_queryset(self, queryset):
        if not self.uses_index:
            queryset = super().filter_queryset(queryset)
            return self._in_page_language(queryset)
        return self._index_filtered(queryset, without=None)

    def _index_filtered(self, queryset, *, without, best=False, top=None):
        """`queryset` with every valid filter but `without`: those the index holds in one match,
        the others (dates, the sort) as they filter. `best`: the match's best first, up to result
        `top` (Matches.best). None when without a filter the match finds more than
        FACET_COUNT_LIMIT (index_matches)."""
        matches = self.index_matches(without=without)
        if matches is None:
            return None
        if self.within is not None:
            # The page's queryset is published() narrowed to its own topic, expert, category or
            # source (articles.listing's `counted_as`), which is a group of the match's terms: that
            # condition again only slowed the count. At a million articles, a topic's interviews
            # counted on its page took 1 s (a semi-join over the topic's tags), 150 ms without.
            queryset = Article.objects.published()
        for name, value in self._cleaned_data().items():
            if name not in self.INDEXED and name != without:
                queryset = self.filters[name].filter(queryset, value)
        return matches.best(queryset, top=top) if best else matches.restrict(queryset)

    def index_matches(self, *, without=None):
        """The index's match (search.Matches) for the text and the indexed filters, found once per
        page. Without one filter (`without`, what that filter's choices are counted over): the
        match if it finds at most FACET_COUNT_LIMIT articles, listed; None if more (the matches
        without each filter are looked for together: find_facet_bases)."""
        key = self._index_key(without)
        found = self._found_by_index = getattr(self, "_found_by_index", {})
        if without is None:
            if key not in found:
                text, groups = key
                rows, language = self._found_elsewhere(None), self.results_language
                if rows is not None:
                    found[key] = search.Matches.from_rows(rows, search.MATCH_LIMIT, language, groups)
                elif text is None and self._stored_alone(None) > search.MATCH_LIMIT:
                    # More than the index lists, as stored: not looked for (listed off a timeline).
                    found[key] = search.Matches(None, language, groups, listed=False)
                else:
                    found[key] = search.Matches(text, language, groups, counted_to=self._counted_to())
            return found[key]
        if key in found:  # the results' own match (the filter left out chose nothing the index holds)
            results = found[key]
            return results if results.complete and len(results.ids) <= FACET_COUNT_LIMIT else None
        if (key, "few") not in found:
            self.find_facet_bases([without])
        return found[key, "few"]

    def find_facet_bases(self, names):
        """Look for the index's matches without each of the filters `names` in one query (for
        index_matches)."""
        found = self._found_by_index = getattr(self, "_found_by_index", {})
        asked = {self._index_key(name): name for name in sorted(names)}
        asked = {key: name for key, name in asked.items() if key not in found and (key, "few") not in found}
        for key, name in list(asked.items()):
            # One choice alone, whose stored count says it is many: nothing to read.
            if self._stored_alone(name) > FACET_COUNT_LIMIT:
                found[key, "few"] = None
                del asked[key]
        # Each match once, off a timeline or the dates where the index is not needed (_found_elsewhere).
        searches = [(text, groups, self._found_elsewhere(name)) for (text, groups), name in asked.items()]
        for key, matches in zip(
            asked,
            search.Matches.each_at_most(FACET_COUNT_LIMIT, self.results_language, searches),
            strict=True,
        ):
            found[key, "few"] = matches

    def _found_elsewhere(self, without):
        """The match without the filter `without` as a subquery of article ids, when the index is
        not needed for it: when what is left is the pieces of one topic or one expert, in a year
        or between dates if chosen, a range of that one's stored timeline (articles.tallies), where
        the index would intersect its posting lists; when only a year or dates are left, a range
        of the articles' dates. None otherwise: with a search text, another filter, or several
        choices of a topic or an expert.

        At a million articles, a broad topic's pieces of a year took 20 ms from the index (a GIN
        bitmap is the whole intersection before its first row) and take 4 off the timeline; the
        three facets' bases of that topic × the busiest expert × a year 72 → 30 ms, the one left
        (topic × expert) the index's."""
        chosen = self._chosen_but(without)
        place = self._one_place(chosen)
        if place is None or not chosen.keys() <= {*self.ON_TIMELINES, *self.DATES}:
            return None
        conditions = self._date_conditions(chosen)
        if place:
            return tallies.listed(*place, None, language=self.results_language, conditions=conditions)
        rows = Article.objects.published().filter(*conditions)
        if self.results_language:
            rows = rows.filter(language=self.results_language)
        return rows.order_by("-published_at").annotate(article_id=F("pk")).values("article_id")

    def _stored_alone(self, without):
        """How many published articles the filters but `without` (and the page's own) give, as
        stored (articles.tallies), when what they give is one stored count's: one choice alone (a
        topic, an expert, a category, a source, a year), or one topic's pieces by one expert or of
        one category; 0 otherwise.

        A facet's base is read up to one article more than FACET_COUNT_LIMIT to find out that it
        is many: 1,001 rows of a timeline or of the articles (8 ms of a topic's year at 100,000
        articles on SQLite), or, for a topic × an expert, the index's intersection of the two,
        which it builds whole (25 ms at a million); the stored count says so from one row. So for
        a topic × a category, whose intersection the index counted to the cap in 28 ms (a broad
        topic's interviews on its page)."""
        chosen = self._chosen_but(without)
        if not chosen.keys() <= self.STORED_KINDS.keys() | {"expert"}:
            return 0
        keys = self._stored_keys(chosen)
        if len(keys) == 2 and (pairs := self._pairs(keys)):
            keys = pairs
        return self.stored_sizes().get(keys[0], 0) if len(keys) == 1 else 0

    def stored_sizes(self):
        """{(Tally kind, ref): published articles} stored for each choice made and the page's own
        place, and for the one topic × the one expert or category among them, in the results'
        language: read once a page (tallies.sizes)."""
        if not hasattr(self, "_stored_sizes"):
            keys = self._stored_keys(self._chosen_but(None))
            self._stored_sizes = tallies.sizes(keys, pairs=self._pairs(keys), language=self.results_language)
        return self._stored_sizes

    @staticmethod
    def _pairs(keys):
        """The stored pairs (tallies.sizes) of one topic and one expert, and of one topic and one
        category, among `keys`: [(tallies.PAIR, topic id, expert id)], [(tallies.PAIR_CATEGORY,
        topic id, category id)], both, or []."""
        refs = {kind: [ref for kind_, ref in keys if kind_ == kind] for kind in Tally.Kind.values}
        topics = refs[Tally.Kind.UNDER_TOPIC]
        if len(topics) != 1:
            return []
        return [
            (pair, topics[0], refs[kind][0])
            for pair, kind in (
                (tallies.PAIR, Tally.Kind.EXPERT),
                (tallies.PAIR_CATEGORY, Tally.Kind.CATEGORY),
            )
            if len(refs[kind]) == 1
        ]

    def _stored_keys(self, chosen):
        """The (Tally kind, ref) of each of the `chosen` filters' choices and of the page's own."""
        keys = [tuple(self.within)] if self.within is not None else []
        for name, kind in self.ON_TIMELINES.items():
            keys += [(kind, choice.pk) for choice in chosen.get(name) or ()]
        for name in ("category", "source"):
            if chosen.get(name) is not None:
                keys.append((self.STORED_KINDS[name], chosen[name].pk))
        if _is_chosen(chosen.get("year")):
            keys.append((Tally.Kind.YEAR, int(chosen["year"])))
        return keys

    def count_paging(self, *, faceted=False):
        """The paginator's count: {"known_count": …} when the results are one stored count's (one
        topic × one expert, _stored_alone) or many matches of filters alone (counted in the index:
        _counted_in_index), {"count_from": counted_qs} otherwise. At a million articles, counting
        10,001 of a region × the busiest expert took 144 ms from the index. `faceted`: the page
        counts its facets over the results too; when the index found them all and they are few,
        the rows the facets count are read now and their number is the count (_few_results_rows)."""
        if self.uses_index and not self.search_text and (known := self._stored_alone(None)):
            return {"known_count": known}
        if self.uses_index and not self.search_text and (known := self._counted_in_index()) is not None:
            return {"known_count": known}
        if self.within is None and not self.search_text and not self._chosen_but(None):
            # The whole archive (the API's list): its stored count, as the site's list reads it.
            # Counted, it read 10,001 articles by date for their language: 82 ms at a million on SQLite.
            return {"known_count": tallies.count(Tally.Kind.ARCHIVE, language=self.results_language)}
        if (known := self._listed_in_index()) is not None:
            return {"known_count": known}
        if faceted and (rows := self._few_results_rows()) is not None:
            return {"known_count": len(rows)}
        return {"count_from": self.counted_qs}

    def _listed_in_index(self):
        """How many results there are when the index listed every match (a search's, most often) and
        nothing outside it narrows them (a date does): its ids, each a public piece as its public
        term says (_counted_in_index). None otherwise. Counted over the articles, the 1,374 matches
        of a word by the busiest expert were read again one by one: 7.5 ms at a million articles."""
        if not self.uses_index or self._between_dates:
            return None
        matches = self.index_matches()
        return len(matches.ids) if matches.complete else None

    def _few_results_rows(self):
        """The results' rows (_published_rows), read once, when the index listed every match and
        they are at most FACET_COUNT_LIMIT; None otherwise. Counted, then read again for the facets,
        the published articles among the 864 matches of a Russian word were read twice."""
        if not self.uses_index:
            return None
        matches = self.index_matches()
        if not matches.complete or len(matches.ids) > FACET_COUNT_LIMIT:
            return None
        if self._results_rows is None:
            self._results_rows = self._published_rows({"results": self.unranked_qs})["results"]
        return self._results_rows

    def _counted_to(self):
        """How far the page counts filters alone in the index (_counted_in_index), for their match
        to count them as it lists them; None when the page counts otherwise (a text, dates)."""
        chosen = self._cleaned_data()
        if chosen.get("q") or self._between_dates:
            return None
        return pagination.COUNT_CAP + 1

    def _counted_in_index(self):
        """The results' count (up to the cap and one more) from the index alone, when filters alone
        find more than it lists and nothing outside it narrows them (a date does); None otherwise.

        The page's articles are published() (or its place's pieces, a group of the match's terms),
        and the match's public term says which are: the write path indexes a piece again whenever
        it is published or taken back, and a scheduled one when it is released. Counting the
        articles as well built the index's intersection a second time and read each article: 113–164
        ms for a broad topic's interviews at a million articles on PostgreSQL, 46–59 from the index."""
        if (limit := self._counted_to()) is None:
            return None
        matches = self.index_matches()
        if matches.complete or matches.rows is not None or matches.nothing:
            return None
        return matches.count_in_index(limit)

    def _chosen_but(self, without):
        """{name: value} of the filters chosen but `without` (the language and the sort aside)."""
        return {
            name: value
            for name, value in self._cleaned_data().items()
            if name not in (without, "language", "sort") and _is_chosen(value)
        }

    def _one_place(self, chosen):
        """(Tally kind, id) of the one topic or expert among the `chosen` filters and the page's own
        (`within`) whose stored timeline holds what they give; () if there is none of either; None
        if there are several, or the page is a category's or a source's."""
        places = [self.within] if self.within is not None else []
        for name, kind in self.ON_TIMELINES.items():
            places += [(kind, choice.pk) for choice in chosen.get(name) or ()]
        if len(places) > 1 or (places and places[0][0] not in (Tally.Kind.UNDER_TOPIC, Tally.Kind.EXPERT)):
            return None
        return tuple(places[0]) if places else ()

    # The filters whose choices have a stored timeline each; those that are ranges of its dates.
    ON_TIMELINES = {
        "topic": Tally.Kind.UNDER_TOPIC,
        "region": Tally.Kind.UNDER_TOPIC,
        "expert": Tally.Kind.EXPERT,
    }
    DATES = ("year", "date_from", "date_to")

    @staticmethod
    def _date_conditions(chosen):
        """The chosen year and dates as conditions on a date (a timeline row's `published_at`)."""
        conditions = []
        if _is_chosen(chosen.get("year")):
            conditions.append(Q(published_at__year=int(chosen["year"])))
        if chosen.get("date_from") is not None:
            conditions.append(Q(published_at__gte=_start_of(chosen["date_from"])))
        if chosen.get("date_to") is not None:
            conditions.append(Q(published_at__lt=_start_of(chosen["date_to"] + datetime.timedelta(days=1))))
        return conditions

    def _index_key(self, without):
        """(text, groups of filter terms) the index is asked, for search.Matches: the text and the
        indexed filters but `without`."""
        chosen = {name: value for name, value in self._cleaned_data().items() if name != without}
        # Readers' listings: the public pieces (the queryset's published() decides; this keeps
        # drafts out of a common word's best matches).
        groups = [[(terms.PUBLIC, 1)]]
        if self.within is not None:
            kind, pk = self.within
            if kind == Tally.Kind.UNDER_TOPIC:
                groups.append([(terms.TOPIC, topic) for topic in self._subtopics([Topic(pk=pk)])])
            else:
                groups.append([(self.WITHIN_TERMS[kind], pk)])
        for name in ("topic", "region"):
            if _is_chosen(chosen.get(name)):
                groups.append([(terms.TOPIC, pk) for pk in self._subtopics(chosen[name])])
        if _is_chosen(chosen.get("expert")):
            groups.append([(terms.EXPERT, expert.pk) for expert in chosen["expert"]])
        for name, kind in (("category", terms.CATEGORY), ("source", terms.SOURCE)):
            if _is_chosen(chosen.get(name)):
                groups.append([(kind, chosen[name].pk)])
        if _is_chosen(chosen.get("year")):
            groups.append([(terms.YEAR, int(chosen["year"]))])
        if self.results_language:
            groups.append([(terms.LANGUAGE, self.results_language)])
        # Dates stay conditions on the results; their years, when few, narrow the match too.
        start, end = chosen.get("date_from"), chosen.get("date_to")
        if start is not None:
            last = end.year if end is not None else timezone.localdate().year
            if 0 <= last - start.year <= YEARS_NARROWED:
                groups.append([(terms.YEAR, year) for year in range(start.year, last + 1)])
        return chosen.get("q") or None, tuple(map(tuple, groups))

    def _subtopics(self, chosen):
        """The ids of the chosen topics and of every topic under them (the tree read once a page)."""
        children = self._topic_children()
        found, waiting = set(), [topic.pk for topic in chosen]
        while waiting:
            pk = waiting.pop()
            if pk not in found:
                found.add(pk)
                waiting += children.get(pk, [])
        return sorted(found)

    def _topic_children(self):
        """{topic id: the ids of the topics right under it}, made once a page: a page asks for the
        subtopics of its choices up to eight times (its match and each facet's), and the tree of
        300 topics was made again each time."""
        if not hasattr(self, "_children"):
            self._children = {}
            for topic in self.topic_rows():
                self._children.setdefault(topic.parent_id, []).append(topic.pk)
        return self._children

    def topic_rows(self):
        """Every topic, light (one query a page, for the facets and the index's terms)."""
        if not hasattr(self, "_topic_rows"):
            self._topic_rows = [
                TopicRow(*row)
                for row in Topic.objects.values_list("pk", localized("name"), "slug", "kind", "parent_id")
            ]
        return self._topic_rows

    def _in_page_language(self, queryset):
        if self._cleaned_data().get("language") or not self.page_language:
            return queryset
        return queryset.filter(language=self.page_language)

    def language_options(self):
        """The language select's options: first what is listed when none is chosen (the page's
        language, or all of them on a page that lists every language), then the others."""
        chosen = self._cleaned_data().get("language") or ""
        default = self.page_language
        options = [
            {
                "value": "",
                "label": _language_name(default) if default else _("All languages"),
                "selected": not chosen,
            }
        ]
        options += [
            {"value": code, "label": _language_name(code), "selected": chosen == code}
            for code, _name in settings.LANGUAGES
            if code != default
        ]
        if default:
            options.append(
                {"value": ALL_LANGUAGES, "label": _("All languages"), "selected": chosen == ALL_LANGUAGES}
            )
        return options

    @property
    def results_language(self):
        """The language the results are in ("" for all of them): the page's unless one is chosen."""
        chosen = self._cleaned_data().get("language")
        return "" if chosen == ALL_LANGUAGES else chosen or self.page_language

    def filter_search(self, queryset, name, query):
        # Only ever given a blank text, which filters nothing: a search is the index's match, with
        # the filters it holds (filter_queryset).
        return queryset

    @extend_schema_field(OpenApiTypes.STR)  # the API schema: chosen by slug
    def filter_topics(self, queryset, name, topics):
        return queryset.for_topics(topics) if topics else queryset

    @extend_schema_field(OpenApiTypes.STR)  # the API schema: chosen by slug
    def filter_experts(self, queryset, name, experts):
        if not experts:
            return queryset
        authored = ArticleAuthor.objects.filter(expert__in=experts).values("article_id")
        return queryset.filter(pk__in=authored)

    def filter_date_from(self, queryset, name, day):
        return queryset.filter(published_at__gte=_start_of(day))

    def filter_date_to(self, queryset, name, day):
        return queryset.filter(published_at__lt=_start_of(day + datetime.timedelta(days=1)))

    @property
    def qs(self):
        """The results; with a search and no other sort asked for, best match first."""
        return self.first_results(top=None)

    def first_results(self, *, top):
        """The results as far as a page ending at result `top` lists them (all of them: None); a
        common word's best are then read only that far (search.Matches.best)."""
        if self.by_relevance:
            return self._index_filtered(self.queryset.all(), without=None, best=True, top=top)
        return self.unranked_qs

    @property
    def by_relevance(self):
        """Whether the results are a search's, best match first (no other sort asked for)."""
        return bool(self.search_text) and self._cleaned_data().get("sort") in (None, "", "relevance")

    @property
    def count_cap(self):
        """How many results are counted at most, when fewer than all of them are listed (a common
        word's best): search.MATCH_LIMIT; None otherwise (the paginator's own cap)."""
        return search.MATCH_LIMIT if self.best_only else None

    def best_paging(self, shown=None):
        """For the paginator of a common word's best matches, when the index's match decides the
        page alone (no date narrows it after): the count is "more than search.MATCH_LIMIT" without
        counting, and a page reads the best only as far as itself ({} otherwise). `shown(queryset)`
        adds what the page shows of each article."""
        if not self.best_only or self._between_dates:
            return {}

        def first(top):
            results = self.first_results(top=top)
            return results if shown is None else shown(results)

        return {"known_count": len(self.index_matches().ids) + 1, "first": first}

    def timeline_walk(self, *, top):
        """For filters alone that match more articles than the index lists (search.MATCH_LIMIT): a
        callable giving the ids of the first `count` results in the page's order, as a subquery
        (the paginator's `first` takes the page from them), off the stored timeline of the chosen
        topic or expert with the fewest pieces, every other filter a condition on its rows
        (tallies.listed). None when the results are not such, when no single topic or expert is
        chosen to walk, or when the page, ending at result `top`, lies too deep for a walk
        (WALKED_AT_MOST).

        From the match itself, the newest were found by walking the archive by date and reading
        each article's terms, until 20 had them all: 266 ms for a broad topic × an expert of 80,000
        pieces at a million articles. The walk reads `top` ÷ the share of the walked timeline's
        rows that the other filters keep, a share of at least MATCH_LIMIT ÷ the timeline's length."""
        if self.search_text or not self.uses_index or self.index_matches().complete:
            return None
        chosen = self._cleaned_data()
        on = []  # (timeline kind, refs): every result is on one of the refs' timelines
        if self.within is not None and self.within[0] in (Tally.Kind.UNDER_TOPIC, Tally.Kind.EXPERT):
            on.append((self.within[0], (self.within[1],)))
        for name, kind in self.ON_TIMELINES.items():
            if _is_chosen(chosen.get(name)):
                on.append((kind, tuple(sorted(choice.pk for choice in chosen[name]))))
        single = sorted((kind, refs[0]) for kind, refs in on if len(refs) == 1)
        if not single:
            return None
        sizes = self.stored_sizes()
        kind, ref = min(single, key=lambda place: sizes.get(place, 0))
        length = sizes.get((kind, ref), 0)
        checked = [tallies.on_timeline(*other) for other in set(on) - {(kind, (ref,))}]
        for name in ("category", "source"):
            if _is_chosen(chosen.get(name)):
                checked.append(self._article_is(**{name: chosen[name]}))
        if self.within is not None and self.within[0] in (Tally.Kind.CATEGORY, Tally.Kind.SOURCE):
            field = "category_id" if self.within[0] == Tally.Kind.CATEGORY else "source_id"
            checked.append(self._article_is(**{field: self.within[1]}))
        # A deep page: the walk could read more rows than sorting the match costs. Dates are a
        # range of the timeline's index, not checked row by row: with nothing else, it reads `top`.
        if (checked and top * length > WALKED_AT_MOST * (search.MATCH_LIMIT + 1)) or top > WALKED_AT_MOST:
            return None
        return functools.partial(
            tallies.listed,
            kind,
            ref,
            oldest=self.oldest_first,
            language=self.results_language,
            conditions=[*checked, *self._date_conditions(chosen)],
        )

    @staticmethod
    def _article_is(**fields):
        """A condition on timeline rows: their article has these field values."""
        return Exists(Article.objects.filter(pk=OuterRef("article_id"), **fields))

    @property
    def best_only(self):
        """Whether the results are the best search.MATCH_LIMIT of more matches (a common word):
        listed as far as they are ranked; sorted by date, every match is listed."""
        matches = self.index_matches() if self.by_relevance else None
        return matches is not None and matches.ranked and not matches.complete

    @property
    def unranked_qs(self):
        """The results without ranking: what counts are taken from."""
        # Unbound (no parameters at all), django-filter filters nothing: the page's language still applies.
        return super().qs if self.is_bound else self._in_page_language(super().qs)

    @property
    def counted_qs(self):
        """What the results are counted from: the stored timeline's rows when the results are
        read off one and are many (_found_elsewhere), one row an article; the results otherwise.
        Counting the articles those rows are read each one's row too: 107 ms for 10,001 of
        Africa's pieces of a year at a million articles, against 17 for the rows."""
        if self.uses_index and not self.search_text:
            rows = self.index_matches().rows
            if rows is not None:
                return rows
        return self.unranked_qs

    def sort_by(self, queryset, name, sort):
        """Newest or oldest first; "relevance" is applied by `qs` (newest without a search)."""
        if sort == "oldest":
            return queryset.order_by("published_at", "id")
        if sort == "newest":
            return queryset.order_by("-published_at", "-id")
        return queryset

    @property
    def oldest_first(self):
        """Whether the results are listed oldest first (the reader's choice)."""
        return self._cleaned_data().get("sort") == "oldest"

    def by_date(self, queryset):
        """`queryset` newest first, or oldest first if the reader asked: the order of a page taken
        off a timeline (articles.pagination's `first`)."""
        return self.sort_by(queryset, "sort", "oldest" if self.oldest_first else "newest")

    @property
    def search_text(self):
        """The valid search text in use, or ""."""
        return (self._cleaned_data().get("q") or "").strip()

    FACETS = ("topic", "region", "expert", "category", "source", "year")
    STORED = "stored"  # a facet counted over the whole archive: its counts are stored

    def facets(self, *, counted=True, whole_archive=False, topic_counts=None, experts_shown=12):
        """The choices of each filter, with counts over the results of all the *other* filters.

        A count costs what it reads, never the size of the archive. A filter with nothing chosen
        counts over the results themselves, when `counted` says they are few (at most
        FACET_COUNT_LIMIT). A filter with a choice made counts over what the other filters give:
        if that is the `whole_archive` (the page's queryset, nothing else chosen), its stored counts
        (articles.tallies); otherwise if that is few too (finding out reads one article more than
        the limit); otherwise its choices come without counts. A fixed number of queries.
        `topic_counts`, read from the stored counts by the page, are those of the topics while no
        filter is chosen (an expert's profile). The categories are counted as stored when the other
        filters give one topic's pieces alone (a topic's page, or ?topic= on the archive), however
        many they are: a broad topic's categories over its hundreds of thousands of pieces.
        """
        topics = self.topic_rows()
        chosen = self._chosen()
        if whole_archive and not chosen:
            return self._stored_facets(topics, experts_shown)
        # One topic's pieces alone but for the category: its categories as stored, unless they are
        # counted over the results' rows anyway (few, and no category chosen).
        under = self._one_topic_but("category") if not counted or "category" in chosen else None
        names = [name for name in self.FACETS if not (under and name == "category")]
        facets = {"category": self._categories_under(under)} if under else {}
        if not counted:
            facets.update(self._uncounted_facets(topics, names))
            return {name: facets[name] for name in self.FACETS}
        results = self.unranked_qs
        bases = dict.fromkeys(names, results)
        if self.uses_index:
            self.find_facet_bases(chosen & set(names))
        for name in chosen & set(names):
            bases[name] = self.STORED if whole_archive and chosen == {name} else self._facet_base(name)
        facets.update(self._uncounted_facets(topics, [name for name, base in bases.items() if base is None]))
        facets.update(
            self._stored_facets(
                topics, experts_shown, [name for name, base in bases.items() if base is self.STORED]
            )
        )
        counted = {id(base): base for base in bases.values() if base is not None and base is not self.STORED}
        if (listed := self._listed_bases(bases, counted, results)) is not None:
            facets.update(self._facets_from_terms(bases, listed, topics, experts_shown))
            return {name: facets[name] for name in self.FACETS}
        # Read as rows: the results, and the bases the category, source and year are counted over;
        # the topics and experts are counted by the ids read, or over a base as a subquery.
        read = {id(bases[name]) for name in ("category", "source", "year") if name in bases} | {id(results)}
        # The results' rows already read for their count (count_paging) are not read again.
        rows = {} if self._results_rows is None else {id(results): self._results_rows}
        rows.update(
            self._published_rows({key: base for key, base in counted.items() if key in read - rows.keys()})
        )
        articles = {
            key: [row["pk"] for row in rows[key]] if key in rows else base for key, base in counted.items()
        }
        counted_topics = {} if topic_counts is None else {id(results): topic_counts}
        for name, kind in (("topic", Topic.Kind.THEME), ("region", Topic.Kind.REGION)):
            key = id(bases[name])
            if key in counted:
                if key not in counted_topics:  # without a topic or region chosen, counted once
                    counted_topics[key] = _topic_counts(articles[key])
                facets[name] = _topic_tree(topics, kind, counted_topics[key], self._selected(name))
        if id(bases["expert"]) in counted:
            facets["expert"] = _expert_facet(
                articles[id(bases["expert"])], self._selected("expert"), experts_shown
            )
        for name in ("category", "source", "year"):
            if name in bases and id(bases[name]) in counted:
                facets[name] = self._field_facet(name, rows[id(bases[name])])
        return {name: facets[name] for name in self.FACETS}

    def _listed_bases(self, bases, counted, results):
        """{key: article ids} of each `counted` base (facets()), when the index listed every one's
        matches whole (a search's, filters combined) and no date narrows them outside it; None
        otherwise, when their articles are read (_published_rows)."""
        if not self.uses_index or self._between_dates:
            return None
        listed = {}
        for name, base in bases.items():
            if id(base) in counted and id(base) not in listed:
                # A chosen filter's base is the match without it (_facet_base has looked for it).
                matches = self.index_matches(without=None if base is results else name)
                if matches is None or not (matches.complete or matches.nothing):
                    return None
                listed[id(base)] = matches.ids or []
        return listed

    def _facets_from_terms(self, bases, listed, topics, experts_shown):
        """The choices of each filter whose base is `listed` (_listed_bases), counted from the
        filter terms the index holds for those articles (search.term_counts): one read of the
        index, and the experts', categories' and sources' names."""
        counts = search.term_counts(listed, self._topic_lineage())
        facets = {}
        for name, kind in (("topic", Topic.Kind.THEME), ("region", Topic.Kind.REGION)):
            if (key := id(bases[name])) in listed:
                facets[name] = _topic_tree(topics, kind, counts[key][terms.TOPIC], self._selected(name))
        if (key := id(bases["expert"])) in listed:
            chosen = self._selected("expert")
            facets["expert"] = _experts_counted(counts[key][terms.EXPERT], chosen, experts_shown)
        counted = {
            name: counts[id(bases[name])][kind]
            for name, kind in (("category", terms.CATEGORY), ("source", terms.SOURCE))
            if name in bases and id(bases[name]) in listed
        }
        names = self._categories_and_sources() if any(counted.values()) else {}
        for name, counted_here in counted.items():
            chosen = self._selected(name)
            entries = [
                _entry(slug, label, counted_here[pk], slug in chosen)
                for pk, slug, label in names.get(name, ())
            ]
            facets[name] = sorted((entry for entry in entries if entry["count"]), key=itemgetter("label"))
        if (key := id(bases["year"])) in listed:
            chosen = self._selected("year")
            years = sorted(counts[key][terms.YEAR].items(), reverse=True)
            facets["year"] = [_entry(str(y), str(y), count, str(y) in chosen) for y, count in years]
        return facets

    def _topic_lineage(self):
        """{topic id: the ids of it and of every topic above it}, from the tree the page reads."""
        parents = {topic.pk: topic.parent_id for topic in self.topic_rows()}
        lineage = {}
        for pk in parents:
            line, at = [], pk
            while at is not None and at not in line:
                line.append(at)
                at = parents.get(at)
            lineage[pk] = frozenset(line)
        return lineage

    def _one_topic_but(self, without):
        """The id of the topic (or region) whose pieces alone the filters but `without` and the
        page's own give, when that is what they give (a topic's page, or one topic chosen on a page
        of the whole archive); None otherwise."""
        chosen = self._chosen_but(without)
        if not chosen.keys() <= {"topic", "region"} or (self.within is None and not chosen):
            return None
        place = self._one_place(chosen)
        return place[1] if place and place[0] == Tally.Kind.UNDER_TOPIC else None

    def _categories_under(self, topic):
        """The category's choices, counted as stored under `topic` (TopicCategoryTally), in the
        results' language; a category with none there is not offered, unless chosen."""
        selected = self._selected("category")
        stored = Category.objects.filter(
            topic_tallies__topic_id=topic, topic_tallies__language=self.results_language
        ).annotate(count=F("topic_tallies__articles"), label=localized("name"))
        rows = stored.filter(Q(count__gt=0) | Q(slug__in=selected)).order_by("label")
        return [
            _entry(slug, label, count, slug in selected)
            for slug, label, count in rows.values_list("slug", "label", "count")
        ]

    def _chosen(self):
        """The names of the filters with a valid choice made (the language and the sort aside)."""
        return {
            name
            for name, value in self._cleaned_data().items()
            if name not in ("language", "sort") and _is_chosen(value)
        }

    def _facet_base(self, name):
        """The results of every filter but `name`, when they are at most FACET_COUNT_LIMIT; None
        when more. At most one more than the limit is read to find out."""
        if self.uses_index:
            return self._index_filtered(self.queryset.all(), without=name)
        queryset = self.queryset.all()
        for field, value in self._cleaned_data().items():
            if field != name:
                queryset = self.filters[field].filter(queryset, value)
        found = list(
            self._in_page_language(queryset).order_by().values_list("pk", flat=True)[: FACET_COUNT_LIMIT + 1]
        )
        return self.queryset.filter(pk__among=frozenset(found)) if len(found) <= FACET_COUNT_LIMIT else None

    @staticmethod
    def _published_rows(bases):
        """{key: rows} for each base ({key: queryset}): its published articles, each as its id and
        the value and label of its category, source and year (at most FACET_COUNT_LIMIT of them);
        the bases in one query (UNION ALL).

        Read once, a base's rows give the category, source and year counts, and their ids the
        topics' and the experts'. Each facet counted over the base as a subquery, its articles
        were checked as published once a facet: at a million articles, the 864 matches of a
        Russian word 3–4.5 ms a time, five times a page. Only the bases these counts need are read:
        with a base that only the topics are counted over in it too (719 rows), PostgreSQL read
        them with parallel workers, twice as slow as alone."""
        if not bases:
            return {}
        columns = {
            "category_value": F("category__slug"),
            "category_label": localized("name", "category__"),
            "source_value": F("source__slug"),
            "source_label": localized("name", "source__"),
            "year_value": YearText("published_at"),  # its own label
        }
        keys = list(bases)
        parts = [
            bases[key].order_by().annotate(part=Value(position)).values("part", "pk", **columns)
            for position, key in enumerate(keys)
        ]
        rows = {key: [] for key in keys}
        for row in parts[0].union(*parts[1:], all=True).order_by():
            rows[keys[row["part"]]].append(row)
        return rows

    def _field_facet(self, name, rows):
        """The category's, source's or year's choices, counted over `rows` (_published_rows)."""
        # Counted by Counter over (value, label) pairs, in C: a loop of our own took 2-3 ms of CPU
        # for the three facets over 864 rows. A year is its own label.
        choice = itemgetter(f"{name}_value", f"{name}_value" if name == "year" else f"{name}_label")
        counted = Counter(map(choice, rows))
        counted.pop((None, None), None)
        chosen = self._selected(name)
        return sorted(
            (_entry(value, label, count, value in chosen) for (value, label), count in counted.items()),
            key=lambda entry: entry["value" if name == "year" else "label"],
            reverse=name == "year",
        )

    # The kind of stored count each filter's choices are counted by over the whole archive.
    STORED_KINDS = {
        "topic": Tally.Kind.UNDER_TOPIC,
        "region": Tally.Kind.UNDER_TOPIC,
        "category": Tally.Kind.CATEGORY,
        "source": Tally.Kind.SOURCE,
        "year": Tally.Kind.YEAR,
    }

    def _stored_facets(self, topics, experts_shown, names=FACETS):
        """The whole archive's choices of the filters `names`, with its stored counts: a read of
        small rows, at any size (a query for the experts, one for the other counts, one for the
        categories' and sources' names). The choices made are marked (a filter's own counts are
        the whole archive's while it is the only one chosen)."""
        stored = {kind: {} for kind in Tally.Kind.values}
        in_language = Tally.objects.filter(language=self.results_language)
        kinds = {self.STORED_KINDS[name] for name in names if name in self.STORED_KINDS}
        if kinds:
            for kind, ref, count in in_language.filter(kind__in=kinds, count__gt=0).values_list(
                "kind", "ref", "count"
            ):
                stored[kind][ref] = count
        facets = {}
        for name, kind in (("topic", Topic.Kind.THEME), ("region", Topic.Kind.REGION)):
            if name in names:
                facets[name] = _topic_tree(topics, kind, stored[Tally.Kind.UNDER_TOPIC], self._selected(name))
        if "expert" in names:
            busiest = in_language.filter(kind=Tally.Kind.EXPERT, count__gt=0).order_by("-count", "ref")
            count = in_language.filter(kind=Tally.Kind.EXPERT, ref=OuterRef("pk")).values("count")[:1]
            experts = (
                Expert.objects.filter(pk__in=busiest.values("ref")[:experts_shown])
                .annotate(article_count=Subquery(count))
                .order_by("-article_count", "name")
                .only("slug", "name", "translations")
            )
            facets["expert"] = [
                _entry(e.slug, e.translated("name"), e.article_count, e.slug in self._selected("expert"))
                for e in experts
            ]
        named = self._categories_and_sources() if "category" in names or "source" in names else {}
        for name in ("category", "source"):
            if name in names:
                stored_counts, chosen = stored[self.STORED_KINDS[name]], self._selected(name)
                facets[name] = [
                    _entry(slug, label, stored_counts[pk], slug in chosen)
                    for pk, slug, label in named[name]
                    if pk in stored_counts
                ]
        if "year" in names:
            years = stored[Tally.Kind.YEAR]
            facets["year"] = [
                _entry(str(y), str(y), years[y], str(y) in self._selected("year"))
                for y in sorted(years, reverse=True)
            ]
        return facets

    @staticmethod
    def _categories_and_sources():
        """{"category": [(id, slug, label)], "source": [...]}, each by label: both in one query."""
        named = (
            Category.objects.order_by()
            .annotate(kind=Value("category"), label=localized("name"))
            .values_list("kind", "pk", "slug", "label")
            .union(
                Source.objects.order_by()
                .annotate(kind=Value("source"), label=localized("name"))
                .values_list("kind", "pk", "slug", "label"),
                all=True,
            )
            .order_by("label")
        )
        rows = {"category": [], "source": []}
        for kind, pk, slug, label in named:
            rows[kind].append((pk, slug, label))
        return rows

    def _uncounted_facets(self, topics, names):
        """The choices of the filters `names`, without counts (a query at most for each of the
        category, the source and the year)."""
        facets = {}
        if "topic" in names:
            facets["topic"] = _topic_tree(topics, Topic.Kind.THEME, None, self._selected("topic"))
        if "region" in names:
            facets["region"] = _topic_tree(topics, Topic.Kind.REGION, None, self._selected("region"))
        if "expert" in names:
            chosen_experts = self._cleaned_data().get("expert") or []
            facets["expert"] = [_entry(e.slug, e.translated("name"), None, True) for e in chosen_experts]
        for name, model in (("category", Category), ("source", Source)):
            if name in names:
                facets[name] = [
                    _entry(item.slug, item.translated("name"), None, item.slug in self._selected(name))
                    for item in model.objects.all()
                ]
        if "year" in names:
            # The first year by the date index; every year since then is offered.
            first = (
                Article.objects.published()
                .order_by("published_at")
                .values_list("published_at", flat=True)
                .first()
            )
            year_range = range(timezone.now().year, first.year - 1, -1) if first else []
            facets["year"] = [
                _entry(str(y), str(y), None, str(y) in self._selected("year")) for y in year_range
            ]
        return facets

    def one_choice(self):
        """(Tally kind, id) when exactly one topic, region, expert, category or source narrows the
        results and nothing else does (a sort and a page aside); None otherwise."""
        kinds = {
            "topic": Tally.Kind.UNDER_TOPIC,
            "region": Tally.Kind.UNDER_TOPIC,
            "expert": Tally.Kind.EXPERT,
            "category": Tally.Kind.CATEGORY,
            "source": Tally.Kind.SOURCE,
        }
        names = set(self.data) - {"page", "sort", "language"} if self.is_bound else set()
        if len(names) != 1 or not names <= kinds.keys() or not self.form.is_valid():
            return None
        (name,) = names
        chosen = _several(self.form.cleaned_data.get(name))
        if len(chosen) != 1 or chosen[0] is None or len(self.data.getlist(name)) != 1:
            return None
        return kinds[name], chosen[0].pk

    def active_filters(self):
        """(label, name, value) for each valid filter value in use, for "remove this filter" links."""
        active = []
        for name, value in self._cleaned_data().items():
            if name in ("sort", "language") or value in (None, "", []):
                continue
            for item in _several(value):
                remaining = self.data.copy()
                if _is_several(value):  # one of several chosen
                    raw = getattr(item, "slug", None) or str(item)
                    remaining.setlist(name, [v for v in self.data.getlist(name) if v != raw])
                else:  # the filter's one value, however it was written ("1 May 2017", 2017-05-01)
                    remaining.pop(name, None)
                remaining.pop("page", None)
                # A day as the site writes dates.
                text = date_format(item, "j E Y") if isinstance(item, datetime.date) else str(item)
                label = self.filters[name].label
                active.append({"label": label, "text": text, "query": remaining.urlencode()})
        return active

    def _cleaned_data(self):
        """The valid values of a bound form (invalid ones left out); {} when nothing was sent."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data

    def _selected(self, name):
        return set(self.data.getlist(name)) if hasattr(self.data, "getlist") else set()


def _language_name(code):
    return get_language_info(code)["name_local"]


def _several(value):
    """A filter's cleaned value as a list: a multiple choice gives a list or a queryset (already
    read by the form's validation), a single one a value."""
    return list(value) if _is_several(value) else [value]


def _is_chosen(value):
    """Whether a filter's cleaned value chooses something (a multiple choice's queryset was read
    by the form's validation: its length costs no query)."""
    if _is_several(value):
        return len(value) > 0
    return value not in (None, "")


def _is_several(value):
    return isinstance(value, list | tuple) or hasattr(value, "model")


def _entry(value, label, count, selected):
    return {"value": value, "label": label, "count": count, "selected": selected}


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class YearText(Func):
    """The year of a date and time in the site's time zone, as text: a facet's value.

    SQLite has no time zones: Django's ExtractYear there calls a Python function on each row
    (counting the facets over 1,500 articles took 8.7 ms at a million articles with it, 2.5
    without). SQLite stores dates as UTC text ("2025-06-20 08:00:00"), so in a site on UTC the
    year is the text's first four characters, read by SQLite itself."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(Cast(ExtractYear(*self.get_source_expressions()), CharField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        if settings.TIME_ZONE != "UTC":
            return self.as_sql(compiler, connection, **extra_context)
        return compiler.compile(Substr(*self.get_source_expressions(), 1, 4))


def _topic_counts(articles):
    """{topic id: articles under it or its subtopics} among these published `articles` (ids read
    already, or a queryset)."""
    rows = (
        Article.topics.through.objects.filter(_of(articles))
        .values("topic__ancestor_links__ancestor")
        .annotate(count=Count("article_id", distinct=True))
    )
    return {row["topic__ancestor_links__ancestor"]: row["count"] for row in rows}


def _of(articles):
    """The rows (bylines, topic links) of these published `articles`: ids read already, or a
    queryset (read as a subquery)."""
    if isinstance(articles, list):
        return Q(article__pk__among=frozenset(articles))
    return Q(article__in=articles.order_by())


def _topic_tree(topics, kind, counts, selected):
    """The topics of one kind as a pre-ordered list of facet entries with their depth."""
    children = {}
    for topic in topics:
        if topic.kind == kind:
            children.setdefault(topic.parent_id, []).append(topic)
    known = {topic.pk for topic in topics if topic.kind == kind}
    roots = [topic for parent, items in children.items() if parent not in known for topic in items]
    entries = []

    def walk(items, depth):
        for topic in sorted(items, key=lambda t: t.name):
            if counts is not None and not counts.get(topic.pk) and topic.slug not in selected:
                continue  # nothing under it in these results, and nothing below it either
            entries.append(
                {
                    "value": topic.slug,
                    "label": topic.name,
                    "count": None if counts is None else counts.get(topic.pk, 0),
                    "depth": depth,
                    "selected": topic.slug in selected,
                }
            )
            walk(children.get(topic.pk, []), depth + 1)

    walk(roots, 0)
    if len(entries) <= TOPICS_SHOWN:
        return entries
    # A large taxonomy: the most frequent topics (or, uncounted, the top level) and the chosen ones;
    # the topic pages show the whole tree. A long list would cost more to render than to query.
    if counts is None:
        shown = [entry for entry in entries if entry["depth"] == 0 or entry["selected"]]
    else:
        by_count = sorted(entries, key=lambda entry: (-entry["count"], entry["label"]))
        shown = by_count[:TOPICS_SHOWN] + [e for e in by_count[TOPICS_SHOWN:] if e["selected"]]
    return [{**entry, "depth": 0} for entry in shown]


def _experts_counted(counted, selected, limit):
    """The experts with most articles in `counted` ({expert id: articles}), up to `limit`; among as
    many, by name (as _expert_facet)."""
    if not counted:
        return []
    ordered = counted.most_common()
    least = ordered[min(limit, len(ordered)) - 1][1]
    candidates = frozenset(pk for pk, count in ordered if count >= least)
    rows = (
        Expert.objects.filter(pk__among=candidates)
        .annotate(label=localized("name"))
        .order_by("name")
        .values_list("pk", "slug", "label")
    )
    best = sorted(rows, key=lambda row: -counted[row[0]])[:limit]  # a stable sort: by name among equals
    return [_entry(slug, label, counted[pk], slug in selected) for pk, slug, label in best]


def _expert_facet(articles, selected, limit):
    """The experts who wrote most of these published `articles` (as _of takes them), up to `limit`."""
    rows = (
        ArticleAuthor.objects.filter(_of(articles))
        .values("expert__slug", "expert__name", label=localized("name", "expert__"))
        .annotate(count=Count("id"))
        .order_by("-count", "expert__name")[:limit]
    )
    entries = [{"value": row["expert__slug"], "label": row["label"], "count": row["count"]} for row in rows]
    for entry in entries:
        entry["selected"] = entry["value"] in selected
    return entries
