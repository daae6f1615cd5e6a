"""Every public page renders in a small, pinned number of SQL queries (about ten at most). The
tests beside each page show the count does not grow with the data; these pin its size,
so a change that adds a query to a page has to say so here."""

import pytest
from django.db import connection

from articles.models import Article, Category, Source

BUDGET = {
    "home": 6,  # with the featured piece (none here: one query that finds none)
    "article list": 7,
    "article list, by topic and expert": 9,
    "article list, by dates": 6,
    # PostgreSQL finds a text's matches in two queries: the best summaries off the RUM index, then
    # the matches in bodies alone (issue 29: ranked first, not matched first); before them, one
    # word is looked up among the experts' names (best.author_named). A few matches are counted
    # by reading the rows their facets count (ArticleFilterSet.count_paging).
    "search": 13 if connection.vendor == "postgresql" else 11,
    "article": 7,  # its references ("Also read", entries) in a query of their own
    "topics": 2,
    "topic page": 11,
    "experts": 7,
    "expert profile": 10,  # with research interests and "Mentioned in"
    "category page": 8,
    "source page": 8,
    "feed": 3,
}


def urls():
    article = Article.objects.published().filter(article_authors__isnull=False, topics__isnull=False).first()
    topic = article.topics.first()
    expert = article.article_authors.first().expert
    return {
        "home": "/en/",
        "article list": "/en/articles/",
        "article list, by topic and expert": f"/en/articles/?{topic.kind}={topic.slug}&expert={expert.slug}",
        "article list, by dates": "/en/articles/?date_from=2016-01-01&date_to=2016-12-31",
        "search": "/en/search/?q=energy",
        "article": article.get_absolute_url(),
        "topics": "/en/topics/",
        "topic page": topic.get_absolute_url(),
        "experts": "/en/experts/",
        "expert profile": expert.get_absolute_url(),
        "category page": Category.objects.filter(articles__isnull=False).first().get_absolute_url(),
        "source page": Source.objects.filter(articles__isnull=False).first().get_absolute_url(),
        "feed": "/en/feeds/latest/",
    }


@pytest.mark.parametrize("page", BUDGET)
def test_each_page_keeps_to_its_query_budget(demo, count_queries, page):
    assert count_queries(urls()[page]) <= BUDGET[page]


# An editor's save of a new article with two authors, two topics and two related links: the form's
# own queries (permissions, choices, validation, the revision) and one pass of the write path.
SAVE_QUERIES = {"sqlite": 74, "postgresql": 73}


@pytest.mark.django_db
def test_an_admin_save_with_authors_topics_and_related_links_runs_the_write_path_once(
    client, editor, article_form
):
    """Every row the form saves (the article, two bylines, two topics, two related links) reported
    to the write path, which ran for each report: six passes, each relinking, recounting and
    reindexing. Now the request's writes are collected and the write path runs once,
    at its end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles import derived
    from tests.factories import ArticleFactory, ExpertFactory, TopicFactory

    authors = [ExpertFactory(name="Richard Weitz"), ExpertFactory(name="Georgy Toloraya")]
    topics = [TopicFactory(name="Korean Peninsula"), TopicFactory(name="Nuclear weapons")]
    related = [ArticleFactory(title="One related piece"), ArticleFactory(title="Another related piece")]
    client.force_login(editor)
    form = article_form(title="A piece with everything", slug="everything", topics=[t.pk for t in topics])
    form |= {
        "article_authors-TOTAL_FORMS": "2",
        "related_links-TOTAL_FORMS": "2",
        **{f"article_authors-{n}-expert": str(expert.pk) for n, expert in enumerate(authors)},
        **{f"article_authors-{n}-position": str(n) for n in range(2)},
        **{f"related_links-{n}-related": str(piece.pk) for n, piece in enumerate(related)},
        **{f"related_links-{n}-position": str(n) for n in range(2)},
    }
    warm_up = {**form, "title": "Warm-up", "slug": "warm-up"}
    assert client.post("/admin/articles/article/add/", warm_up).status_code == 302  # caches filled
    before = derived.passes()

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/admin/articles/article/add/", form)

    assert response.status_code == 302
    saved = Article.objects.get(slug="everything")
    assert saved.article_authors.count() == saved.topics.count() == saved.related_links.count() == 2
    assert derived.passes() - before == 1
    assert len(queries) == SAVE_QUERIES[connection.vendor], len(queries)
