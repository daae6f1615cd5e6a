"""Page benchmark: SQL queries and p50/p95 server time of every page type, by database and size.

    python bench/pages.py [--sizes 1000 100000] [--databases postgres sqlite] [--requests 30]

In-process (Django's test client, production settings), after warm-up requests. Same bench
databases as the other benchmarks. Writes bench/results/pages.json and the "Pages" section of
docs/performance.md. Throughput under gunicorn is in docs/reliability.md (bench/reliability.py).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def child(url, size, requests):
    common.setup_django()
    common.ensure_corpus(size, **common.corpus_shape(size))
    from django.db.models import Count
    from django.test import Client

    from articles.models import Article, Tally, Topic
    from articles.sitemaps import ArticleSitemap
    from experts.models import Expert

    def largest(kind):
        return (
            Tally.objects.filter(kind=kind, language="")
            .order_by("-count")
            .values_list("ref", flat=True)
            .first()
        )

    published = Article.objects.published()
    article = published.first()
    broad_topic = Topic.objects.get(pk=largest(Tally.Kind.UNDER_TOPIC))  # subtopics included
    busiest = Expert.objects.get(pk=largest(Tally.Kind.EXPERT))
    # The worst related fill-in: the busiest expert's newest piece tagged with the most used topic.
    most_tagged = (
        Article.topics.through.objects.values("topic").annotate(n=Count("*")).order_by("-n").first()["topic"]
    )
    worst = published.filter(article_authors__expert=busiest, topics=most_tagged).first() or article
    year = published.first().published_at.year - 1
    last_sitemap_page = ArticleSitemap().paginator.num_pages
    pages = {
        "home": "/en/",
        "article list": "/en/articles/",
        "article list, by topic": f"/en/articles/?topic={broad_topic.slug}"
        if broad_topic.kind == Topic.Kind.THEME
        else f"/en/articles/?region={broad_topic.slug}",
        "article list, by expert": f"/en/articles/?expert={busiest.slug}",
        "article list, by dates": f"/en/articles/?date_from={year}-01-01&date_to={year}-06-30",
        "article list, deep page": "/en/articles/?page=400",
        "article": article.get_absolute_url(),
        "article (busiest expert, most used topic)": worst.get_absolute_url(),
        "expert list": "/en/experts/",
        "expert profile (busiest)": busiest.get_absolute_url(),
        "topic page (broadest)": broad_topic.get_absolute_url(),
        "topics": "/en/topics/",
        "search": "/en/search/?q=korea",
        "feed": "/en/feeds/latest/",
        "sitemap index": "/sitemap.xml",
        "sitemap, last articles page": f"/sitemap-articles.xml?p={last_sitemap_page}",
        "sitemap, experts": "/sitemap-experts.xml",
        "sitemap, topics": "/sitemap-topics.xml",
        "API article list": "/api/articles/",
    }
    from django.conf import settings
    from django.core.cache import cache

    cache.clear()  # a cold start: nothing from an earlier run
    client = Client()
    results = {}
    for label, path in pages.items():
        settings.PAGE_CACHE_SECONDS = 0  # rendered every time
        rendered = common.measure(client, path, requests=requests)
        settings.PAGE_CACHE_SECONDS = 3600  # from the page cache (this process's memory)
        results[label] = {"url": path, **rendered, "cached": common.measure(client, path, requests=requests)}
    print(json.dumps({"cases": results, "writes": writes(worst, broad_topic, requests)}))


def writes(article, topic, requests):
    """An editor's save of the worst-placed article: its title, then its topics (all replaced by
    one it did not have: every count of the old topics and their ancestors moves)."""
    from articles.models import Article, Topic

    article = Article.objects.get(pk=article.pk)
    others = [Topic.objects.exclude(articles=article).exclude(pk=topic.pk).order_by("-pk").first()]

    def save_title():
        article.title += "!"
        article.save()

    def retag():
        article.topics.set(others)

    return {
        "article save (a new title)": common.measure_write(save_title, repeats=requests),
        "article retagged": common.measure_write(retag, repeats=requests),
    }


def describe(requests):
    return (
        f"In-process server time of each page type (production settings) over {requests} requests"
        " after 3 warm-up requests, rendered (page cache off: view, queries, template) and then"
        " served from the page cache (an anonymous reader; the production set-up without Redis: files"
        " shared by the processes, each process's copy in memory); the query counts are of one"
        " request. Target (issue 7, PostgreSQL, 100k): p95 under 30 ms for every page but search,"
        " 50 ms for search. Listings count at most 10,000 results and page no further"
        " (the deep page is capped at page 500). The API is not page-cached."
    )


def main():
    common.page_benchmark(
        Path(__file__),
        child,
        name="pages",
        section="Pages",
        describe=describe,
        sizes=[1000, 100000],
        databases=["postgres", "sqlite"],
        requests=30,
    )


if __name__ == "__main__":
    main()
