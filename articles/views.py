"""The reader's pages of the articles app: home, the archive and search, an article (and its
citation), topics, categories, sources, robots.txt and the 404 page.

Views stay thin: an article listing renders through articles.listing.article_listing() (filters,
counts, pagination, facets), an article's visibility is permissions' and published()'s, and every
page declares what it shows to the page cache (pagecache.depends_on) so that the write path can
forget it. Each page renders in a fixed number of queries (tests/test_query_budget.py).
"""

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import pagecache
from articles import citations, permissions, search, seo, tallies
from articles.listing import article_listing
from articles.models import Article, Category, Source, Tally, Topic, published_condition
from articles.related import related_listing
from experts.models import Expert

HOME_LATEST = 8
HOME_RECENT = 50
TOP_EXPERTS = 8


def home(request):
    pagecache.depends_on(request, *pagecache.archive_page())
    published = Article.objects.published().filter(language=get_language())
    recent = list(published.values_list("pk", flat=True)[:HOME_RECENT])
    featured = published.filter(featured=True).with_cards().first()
    latest = published.with_cards().exclude(pk=featured.pk) if featured else published.with_cards()
    ctx = {
        "featured": featured,
        "latest": latest[:HOME_LATEST],
        # The topics and experts of the most recent pieces: active now, and cheap at any size.
        "active_topics": Topic.objects.filter(articles__in=recent)
        .annotate(recent_count=Count("articles"))
        .order_by("-recent_count", "name")[:10],
        "experts": Expert.objects.filter(authorships__article__in=recent)
        .annotate(recent_count=Count("authorships"))
        .order_by("-recent_count", "last_name")[:6],
        "meta": seo.PageMeta(
            _("Commentary by named experts"),
            feeds=(seo.latest_feed(),),
            structured_data=[seo.website(request.build_absolute_uri)],
        ),
    }
    return render(request, "articles/home.html", ctx)


def article_list(request):
    pagecache.depends_on(request, *pagecache.archive_page())
    meta = _listing_meta(
        request,
        _("Articles"),
        _(
            "Every published expert opinion, newest first, by topic, region, expert, category, source "
            "and date."
        ),
        trail=[(_("Articles"), request.path)],
        feeds=(seo.latest_feed(),),
    )
    return article_listing(
        request,
        Article.objects.published(),
        "articles/article_list.html",
        meta,
        counted_as=(Tally.Kind.ARCHIVE, 0),
    )


def search_results(request):
    pagecache.depends_on(request, *pagecache.archive_page())
    query = search.normalise(request.GET.get("q", "")) or ""  # as the filter form reads it
    title = _("Search: %(query)s") % {"query": query} if query else _("Search")
    description = (
        _("Expert opinions matching “%(query)s”.") % {"query": query}
        if query
        else _("Search the expert opinions.")
    )
    meta = seo.PageMeta(
        title,
        description,
        structured_data=[
            seo.collection(
                request.build_absolute_uri, request.path, title, description, kind="SearchResultsPage"
            )
        ],
    )
    return article_listing(request, Article.objects.published(), "articles/search.html", meta)


def article_detail(request, slug):
    article, versions = _visible_article(request, slug)
    if article.language != get_language():
        # An old link, or another language's prefix: the version in this language if there is
        # one, else the article under its own language.
        return redirect(versions.get(get_language(), article))
    topics = list(article.topics.all())
    absolute = request.build_absolute_uri
    trail = [(_("Articles"), reverse("articles:list"))]
    if article.category:
        trail.append((article.category.translated("name"), article.category.get_absolute_url()))
    trail.append((article.title, article.get_absolute_url()))
    meta = seo.PageMeta(
        article.title,
        seo.describe(article.lead or strip_tags(article.body)) or seo.DEFAULT_DESCRIPTION,
        og_type="article",
        image=article.image.url if article.image else "",
        image_alt=article.image_alt,
        structured_data=[seo.article(absolute, article, topics), seo.breadcrumbs(absolute, _home(trail))],
    )
    related, targets = related_listing(article)
    if article.is_public:
        shown = {item.article.pk for item in related if item.article} | targets
        _depends_on_article(request, article, topics, shown)
    ctx = {
        "article": article,
        "topics": topics,
        "related": related,
        # "About the author" tells who they are; name and position are in the header already.
        "authors_with_bio": [expert for expert in article.ordered_authors() if expert.local.bio],
        "versions": versions,
        "meta": meta,
        "citation": citations.plain(article, absolute(article.get_absolute_url())),
        "citation_formats": citations.FORMATS,
    }
    response = render(request, "articles/article_detail.html", ctx)
    return response if article.is_public else keep_private(response)  # a staff preview


def article_citation(request, slug, style):
    """The article's citation as a file to download (BibTeX, RIS or plain text)."""
    citation_format = citations.FORMATS.get(style)
    if citation_format is None:
        raise Http404("No such citation format.")
    article, _versions = _visible_article(request, slug)
    if article.language != get_language():
        raise Http404("No such article in this language.")
    url = request.build_absolute_uri(article.get_absolute_url())
    response = HttpResponse(
        citation_format.write(article, url), content_type=f"{citation_format.media_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{citation_format.filename(article)}"'
    return response if article.is_public else keep_private(response)


def topic_list(request):
    pagecache.depends_on(request, *pagecache.topic_list_page())
    counts = tallies.counts(Tally.Kind.UNDER_TOPIC, language=get_language())
    topics = list(Topic.objects.all())
    for topic in topics:
        topic.article_count = counts.get(topic.pk, 0)
    ctx = {
        "themes": _tree([t for t in topics if t.kind == Topic.Kind.THEME]),
        "regions": _tree([t for t in topics if t.kind == Topic.Kind.REGION]),
        "meta": _listing_meta(
            request,
            _("Topics and regions"),
            _("Every theme and region of the expert opinions, with the number of articles under each."),
            trail=[(_("Topics"), request.path)],
        ),
    }
    return render(request, "articles/topic_list.html", ctx)


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    pagecache.depends_on(request, *pagecache.topic_page_tags(topic.pk))
    in_topic = Article.objects.published().for_topic(topic)
    # In the page's language, as its listing: "12 articles here" is what `?expert=` lists.
    top_experts = Expert.objects.top_under_topic(topic, TOP_EXPERTS, language=get_language())
    ancestors = topic.ancestors()
    trail = [(_("Topics"), reverse("articles:topics"))]
    trail += [(above.name, above.get_absolute_url()) for above in [*ancestors, topic]]
    meta = _listing_meta(
        request,
        topic.translated("name"),
        seo.describe(topic.translated("description"))
        or _("Expert opinions on %(topic)s.") % {"topic": topic.translated("name")},
        trail=trail,
        feeds=(
            seo.feed(topic.translated("name"), "articles:topic_feed", "articles:topic_atom", slug=topic.slug),
        ),
    )
    return article_listing(
        request,
        in_topic,
        "articles/topic_detail.html",
        meta,
        topic=topic,
        ancestors=ancestors,
        subtopics=topic.children.all(),
        top_experts=top_experts,
        counted_as=(Tally.Kind.UNDER_TOPIC, topic.pk),
    )


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    pagecache.depends_on(request, *pagecache.archive_page())
    queryset = Article.objects.published().filter(category=category)
    meta = _listing_meta(
        request,
        category.translated("name"),
        seo.describe(category.translated("description"))
        or _("%(category)s: every piece of this kind.") % {"category": category.translated("name")},
        trail=[(_("Articles"), reverse("articles:list")), (category.translated("name"), request.path)],
    )
    return article_listing(
        request,
        queryset,
        "articles/category_detail.html",
        meta,
        category=category,
        counted_as=(Tally.Kind.CATEGORY, category.pk),
    )


def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    pagecache.depends_on(request, *pagecache.archive_page())
    queryset = Article.objects.published().filter(source=source)
    meta = _listing_meta(
        request,
        source.translated("name"),
        _("Expert opinions first published by %(source)s.") % {"source": source.translated("name")},
        trail=[(_("Articles"), reverse("articles:list")), (source.translated("name"), request.path)],
    )
    return article_listing(
        request,
        queryset,
        "articles/source_detail.html",
        meta,
        source=source,
        counted_as=(Tally.Kind.SOURCE, source.pk),
    )


def robots_txt(request):
    """The sitemap, and what crawlers leave alone: the admin, the API and search results, whose
    addresses are under each language's prefix ("/en/search/")."""
    searches = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            searches.append(reverse("articles:search"))
    context = {"sitemap": request.build_absolute_uri(reverse("sitemap")), "searches": searches}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


def page_not_found(request, exception):
    meta = seo.PageMeta(_("Page not found"), _("There is no page at this address."))
    return render(request, "404.html", {"meta": meta}, status=404)


def keep_private(response):
    """A page only staff may see (a preview): never stored by a cache, never indexed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _depends_on_article(request, article, topics, related):
    authors = [link.expert_id for link in article.article_authors.all()]
    pages = pagecache.article_page(
        article.pk, related=sorted(related), authors=authors, topics=[t.pk for t in topics]
    )
    pagecache.depends_on(request, *pages)


def _visible_article(request, slug):
    """The article at `slug` as the page shows it (published, or one the signed-in user may
    preview), in the page's language if several languages use the slug; and its published
    versions, {language: article}, itself included. One query with its versions."""
    pieces = Article.objects.filter(slug=slug).annotate(piece=Coalesce("translation_of_id", "id"))
    pieces = pieces.order_by().values("piece")
    # A UNION of index lookups (slug, id, translation_of), not an OR of subqueries: PostgreSQL ran
    # the OR as a scan of the archive (1,080 ms an article page at a million articles).
    ids = (
        Article.objects.filter(Q(slug=slug) & permissions.readable_condition(request.user))
        .order_by()
        .values("pk")
        .union(
            Article.objects.filter(published_condition(), pk__in=pieces).order_by().values("pk"),
            Article.objects.filter(published_condition(), translation_of_id__in=pieces)
            .order_by()
            .values("pk"),
        )
    )
    rows = list(Article.objects.with_cards().prefetch_related("topics").filter(pk__in=ids))
    found = sorted((row for row in rows if row.slug == slug), key=lambda row: row.language != get_language())
    if not found:
        raise Http404("No article at this address.")
    article = found[0]
    versions = {row.language: row for row in rows if row.original_id == article.original_id and row.is_public}
    versions[article.language] = article
    return article, versions


def _listing_meta(request, title, description, *, trail, feeds=()):
    """The metadata of a page that lists things: a CollectionPage and its breadcrumbs."""
    absolute = request.build_absolute_uri
    return seo.PageMeta(
        title,
        description,
        feeds=feeds,
        structured_data=[
            seo.collection(absolute, request.path, title, description),
            seo.breadcrumbs(absolute, _home(trail)),
        ],
    )


def _home(trail):
    return [(_("Home"), reverse("articles:home")), *trail]


def _tree(topics):
    """Attach `subtopics` to each topic and return the roots, all sorted by name."""
    by_id = {topic.pk: topic for topic in topics}
    roots = []
    for topic in topics:
        topic.subtopics = []
    for topic in sorted(topics, key=lambda t: t.name):
        parent = by_id.get(topic.parent_id)
        (parent.subtopics if parent else roots).append(topic)
    return roots
