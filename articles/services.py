"""Writes that span several models."""

from datetime import datetime

from django.db import transaction

from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink


@transaction.atomic
def load_demo_content(data):
    """Create or update the demo content described by `data` (see articles/demo/demo.json).

    Everything is matched by slug, so loading the same data twice changes nothing the second time.
    Returns the number of articles loaded.
    """
    for item in data["sources"]:
        Source.objects.update_or_create(slug=item["slug"], defaults=_without(item, "slug"))
    for item in data["categories"]:
        Category.objects.update_or_create(slug=item["slug"], defaults=_without(item, "slug"))

    topics = {}
    for item in data["topics"]:  # parents come before their children in the file
        defaults = _without(item, "slug", "parent")
        defaults["parent"] = topics.get(item["parent"]) if item["parent"] else None
        topics[item["slug"]], _ = Topic.objects.update_or_create(slug=item["slug"], defaults=defaults)

    experts = {}
    for item in data["experts"]:
        expert, _ = Expert.objects.update_or_create(
            slug=item["slug"], defaults=_without(item, "slug", "topics", "links")
        )
        expert.topics.set(topics[slug] for slug in item["topics"])
        expert.links.all().delete()
        ExpertLink.objects.bulk_create(
            ExpertLink(expert=expert, position=position, **link)
            for position, link in enumerate(item["links"])
        )
        experts[item["slug"]] = expert

    categories = {category.slug: category for category in Category.objects.all()}
    sources = {source.slug: source for source in Source.objects.all()}
    articles = {}
    for item in data["articles"]:
        defaults = _without(
            item, "slug", "authors", "topics", "category", "source", "related", "published_at"
        )
        defaults["published_at"] = (
            datetime.fromisoformat(item["published_at"]) if item["published_at"] else None
        )
        defaults["category"] = categories.get(item["category"])
        defaults["source"] = sources.get(item["source"])
        article, _ = Article.objects.update_or_create(slug=item["slug"], defaults=defaults)
        article.topics.set(topics[slug] for slug in item["topics"])
        article.article_authors.all().delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, expert=experts[slug], position=position)
            for position, slug in enumerate(item["authors"])
        )
        articles[item["slug"]] = article

    for item in data["articles"]:  # links last: they may point forward in the file
        article = articles[item["slug"]]
        article.related_links.all().delete()
        RelatedLink.objects.bulk_create(
            RelatedLink(article=article, related=articles[slug], position=position)
            for position, slug in enumerate(item["related"])
        )
    return len(articles)


def _without(item, *keys):
    return {key: value for key, value in item.items() if key not in keys}
