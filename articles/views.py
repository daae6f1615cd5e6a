from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from articles import search
from articles.filters import ArticleFilterSet
from articles.models import Article, Category, Source, Topic
from articles.pagination import CappedPaginator
from articles.related import related_articles
from experts.models import Expert

ARTICLES_PER_PAGE = 20
COUNT_CAP = 10_000  # results counted and paged at most (no COUNT or OFFSET grows with the archive)
FACET_COUNT_LIMIT = 1_000  # above this many results, filter choices are shown without counts
HOME_LATEST = 8
HOME_RECENT = 50


def article_listing(request, queryset, template, **context):
    """Filter, count and paginate `queryset` (already published()) and render `template`.

    Every page that lists articles goes through here, so they all filter, paginate and count the
    same way and in the same fixed number of queries.
    """
    filterset = ArticleFilterSet(request.GET or None, queryset=queryset)
    cards = filterset.qs.with_cards().defer("body")  # cards show the lead; bodies are long
    paginator = CappedPaginator(cards, ARTICLES_PER_PAGE, cap=COUNT_CAP, count_from=filterset.unranked_qs)
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
            search_ranked=filterset.search_ranked,
            match_limit=search.MATCH_LIMIT,
        )
    context.update(
        filterset=filterset,
        query=query,
        page_obj=page,
        articles=articles,
        # Counts only for narrow results, and not when a search matched too much to rank: each
        # count would repeat that large match.
        facets=filterset.facets(counted=paginator.counted <= FACET_COUNT_LIMIT and filterset.search_ranked),
        active_filters=filterset.active_filters(),
    )
    return render(request, template, context)


def home(request):
    published = Article.objects.published()
    recent = list(published.values_list("pk", flat=True)[:HOME_RECENT])
    ctx = {
        "latest": published.with_cards()[:HOME_LATEST],
        # The topics and experts of the most recent pieces: active now, and cheap at any size.
        "active_topics": Topic.objects.filter(articles__in=recent)
        .annotate(recent_count=Count("articles"))
        .order_by("-recent_count", "name")[:10],
        "experts": Expert.objects.filter(authorships__article__in=recent)
        .annotate(recent_count=Count("authorships"))
        .order_by("-recent_count", "last_name")[:6],
    }
    return render(request, "articles/home.html", ctx)


def article_list(request):
    return article_listing(request, Article.objects.published(), "articles/article_list.html", nav="articles")


def search_results(request):
    return article_listing(request, Article.objects.published(), "articles/search.html")


def article_detail(request, slug):
    articles = Article.objects.visible_to(request.user).select_related("category", "source")
    article = get_object_or_404(articles.with_cards().prefetch_related("topics"), slug=slug)
    ctx = {"article": article, "related": related_articles(article)}
    response = render(request, "articles/article_detail.html", ctx)
    if not article.is_public:  # a staff preview of a draft or scheduled piece
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def topic_list(request):
    published = Article.objects.published().order_by()
    counts = dict(
        Article.topics.through.objects.filter(article__in=published)
        .values("topic__ancestor_links__ancestor")
        .annotate(count=Count("article_id", distinct=True))
        .values_list("topic__ancestor_links__ancestor", "count")
    )
    topics = list(Topic.objects.all())
    for topic in topics:
        topic.article_count = counts.get(topic.pk, 0)
    ctx = {
        "themes": _tree([t for t in topics if t.kind == Topic.Kind.THEME]),
        "regions": _tree([t for t in topics if t.kind == Topic.Kind.REGION]),
    }
    return render(request, "articles/topic_list.html", ctx)


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    in_topic = Article.objects.published().for_topic(topic)
    top_experts = (
        Expert.objects.filter(authorships__article__in=in_topic.order_by())
        .annotate(topic_article_count=Count("authorships"))
        .order_by("-topic_article_count", "last_name")[:8]
    )
    return article_listing(
        request,
        in_topic,
        "articles/topic_detail.html",
        topic=topic,
        ancestors=topic.ancestors(),
        subtopics=topic.children.all(),
        top_experts=top_experts,
    )


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    queryset = Article.objects.published().filter(category=category)
    return article_listing(request, queryset, "articles/category_detail.html", category=category)


def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    queryset = Article.objects.published().filter(source=source)
    return article_listing(request, queryset, "articles/source_detail.html", source=source)


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
