"""The article listing every page that lists articles renders through: the archive, search,
a topic's, a category's, a source's and an expert's page."""

from functools import partial

from django.shortcuts import render

from articles import filters, search, tallies
from articles.filters import ArticleFilterSet
from articles.models import Article, Tally
from articles.pagination import CappedPaginator, taken_from, whole_number

ARTICLES_PER_PAGE = 20


def article_listing(
    request,
    queryset,
    template,
    meta,
    *,
    counted_as=None,
    page_language=None,
    stored_count=None,
    stored_topic_counts=None,
    **context,
):
    """Filter, count and paginate `queryset` (already published()) and render `template`.

    Every page that lists articles goes through here, so they all filter, paginate and count the
    same way and in the same fixed number of queries. `counted_as` names the stored count
    (articles.tallies) of what `queryset` holds, a (Tally.Kind, id) pair: it is read instead of
    counting when nothing narrows the listing, or when the whole archive is narrowed to one topic,
    expert, category or source. Counting reads up to 10,000 rows: 350 ms for the broadest topic
    at 1M articles. Articles are listed in the page's language unless the reader asks for another
    or all; `page_language=""` lists all of them by default (an expert's profile). A page that has
    read its own stored counts already, in every language, passes them on: `stored_count` (that of
    `counted_as`) and `stored_topic_counts` ({topic id: count, subtopics included}, the topic facet's
    counts while nothing narrows the listing).
    """
    filterset = ArticleFilterSet(
        request.GET or None, queryset=queryset, page_language=page_language, within=counted_as
    )
    cards = shown(filterset.qs)
    unfiltered = set(request.GET) <= {"page", "sort", "language"}
    whole_archive = counted_as == (Tally.Kind.ARCHIVE, 0)
    # What is listed, as stored: the page's own count when nothing narrows it; when the whole
    # archive is narrowed to one topic, expert, category or source, that one's.
    stored = counted_as if unfiltered else (filterset.one_choice() if whole_archive else None)
    if stored and stored[0] in (Tally.Kind.UNDER_TOPIC, Tally.Kind.EXPERT):
        # A topic's or an expert's pieces, and nothing else narrows them: listed off their timeline.
        first_ids = partial(
            tallies.listed, *stored, oldest=filterset.oldest_first, language=filterset.results_language
        )
    else:  # filters alone matching many: off the timeline of one, the others checked on its rows
        number = whole_number(request.GET.get("page") or "1") or 1
        first_ids = filterset.timeline_walk(top=number * ARTICLES_PER_PAGE)
    first = None
    if first_ids:
        # Sorting all of them for a page grew with the topic (74 ms for the broadest at 100k articles
        # on SQLite); the timeline's walk keeps every filter, so their conditions go.
        cards = filterset.by_date(shown(Article.objects.published()))
        first = taken_from(cards, first_ids)
    read_already = stored == counted_as and not filterset.results_language
    if not stored:
        counting = filterset.count_paging(faceted=True)
    elif read_already and stored_count is not None:
        counting = {"known_count": stored_count}
    else:
        counting = {"known_count": tallies.count(*stored, language=filterset.results_language)}
    paging = {"first": first, **counting, **filterset.best_paging(shown)}
    paginator = CappedPaginator(cards, ARTICLES_PER_PAGE, cap=filterset.count_cap, **paging)
    page = paginator.get_page(request.GET.get("page"))
    articles = list(page.object_list)
    query = filterset.search_text
    if query:
        passages = search.snippets(articles, query)
        for article in articles:
            article.snippet = passages.get(article.pk)
        context.update(
            experts_found=search.matching_experts(query),
            suggestion=search.did_you_mean(query),
            best_only=filterset.best_only,
            match_limit=search.MATCH_LIMIT,
        )
    context.update(
        meta=meta.for_page(page.number),
        filterset=filterset,
        query=query,
        page_obj=page,
        articles=articles,
        # Counts only over few articles: a count reads what it counts. The limit is the filters'
        # own, read where it is set (a name bound at import would keep whatever it was then).
        facets=useful_choices(
            filterset.facets(
                counted=paginator.counted <= filters.FACET_COUNT_LIMIT,
                whole_archive=whole_archive,
                topic_counts=stored_topic_counts if unfiltered and read_already else None,
            ),
            results=None if paginator.capped else paginator.count,
        ),
        active_filters=filterset.active_filters(),
    )
    return render(request, template, context)


def shown(articles):
    """What a card shows of each article (its category, source and experts); not the body: cards
    show the lead, and bodies are long."""
    return articles.with_cards().defer("body", "body_html")


def useful_choices(facets, *, results):
    """The choices that can change the listing: in a filter with nothing chosen yet, a choice every
    listed article has would list the same articles (the expert's own name on their profile, a
    topic's parent regions on its page), and is left out. Uncounted choices all stay."""
    if results is None:  # more than we count
        return facets
    return {
        name: entries
        if any(entry["selected"] for entry in entries)
        else _lifted(entries, lambda entry: entry.get("count") is None or entry["count"] < results)
        for name, entries in facets.items()
    }


def _lifted(entries, keep):
    """The entries `keep` keeps, a topic whose parent is left out moved up to where the parent was:
    never indented under a topic that is not there."""
    kept, above = [], []  # above: the original depths of the kept entries this one is under
    for entry in entries:
        depth = entry.get("depth", 0)
        while above and above[-1] >= depth:
            above.pop()
        if keep(entry):
            kept.append({**entry, "depth": len(above)} if "depth" in entry else entry)
            above.append(depth)
    return kept
