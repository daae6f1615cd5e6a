"""Every public page renders in a small, pinned number of SQL queries (issue 7 asks about ten at
most). The tests beside each page show the count does not grow with the data; these pin its size,
so a change that adds a query to a page has to say so here."""

import pytest

from articles.models import Article, Category, Source

BUDGET = {
    "home": 5,
    "article list": 7,
    "article list, by topic and expert": 9,
    "article list, by dates": 6,
    "search": 12,
    "article": 7,  # 6 before its references were read in a query of their own (issue 16)
    "topics": 2,
    "topic page": 11,
    "experts": 7,
    "expert profile": 14,  # 10 before research interests and "Mentioned in" (issue 16)
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
