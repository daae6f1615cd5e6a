"""The demo content (articles/demo/): its pages through the page importer, the rest as it stands."""

from datetime import datetime

from django.db import transaction

from articles.derived import content_changed
from articles.importers.page_import import save_page
from articles.importers.pages import parse_page, read_text
from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink


@transaction.atomic
def load_demo_content(data, *, pages):
    """Create or update the demo content described by `data` (see articles/demo/demo.json).

    Articles with a "page" are imported from that file of `pages` (a folder) through the page
    importer, then given what the page does not say; the others are written as they stand.
    Everything is matched by slug (or by its page), so loading twice changes nothing the second
    time. Returns the number of articles loaded.
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
        wanted_links = [(link["label"], link["url"]) for link in item["links"]]
        if [(link.label, link.url) for link in expert.links.all()] != wanted_links:
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
        values = _without(
            item, "page", "slug", "authors", "topics", "category", "source", "related", "translation_of"
        )
        if item.get("translation_of"):
            values["translation_of"] = articles[item["translation_of"]]  # originals come first
        values["published_at"] = (
            datetime.fromisoformat(item["published_at"]) if item["published_at"] else None
        )
        for name, known in (("category", categories), ("source", sources)):
            if name in item:
                values[name] = known.get(item[name])
        if "page" in item:
            page = parse_page(read_text((pages / item["page"]).read_bytes()), language=item.get("language"))
            article = save_page(page).article
            changed = {
                name: value
                for name, value in {"slug": item["slug"], **values}.items()
                if getattr(article, name) != value
            }
            if changed:
                for name, value in changed.items():
                    setattr(article, name, value)
                article.save()
        else:
            article, _ = Article.objects.update_or_create(
                slug=item["slug"], language=item.get("language", "en"), defaults=values
            )
        if set(article.topics.all()) != {topics[slug] for slug in item["topics"]}:
            article.topics.set(topics[slug] for slug in item["topics"])
        wanted = [experts[slug].pk for slug in item["authors"]]
        if wanted and [link.expert_id for link in article.article_authors.all()] != wanted:
            article.article_authors.all().delete()
            for position, expert_id in enumerate(wanted):
                ArticleAuthor.objects.create(article=article, expert_id=expert_id, position=position)
        articles[item["slug"]] = article

    for item in data["articles"]:  # links last: they may point forward in the file
        article = articles[item["slug"]]
        listing = article.related_links.filter(kind=RelatedLink.Kind.LISTING)
        linked, position = set(listing.values_list("related_id", flat=True)), listing.count()
        for slug in item["related"]:
            if articles[slug].pk not in linked:
                RelatedLink.objects.create(article=article, related=articles[slug], position=position)
                position += 1
    # Expert links were written in bulk, without signals; and the bodies' links are written again, for
    # a database made before them (an article unchanged here is not saved).
    content_changed(articles=[article.pk for article in articles.values()], whole_site=True)
    return len(articles)


def _without(item, *keys):
    return {key: value for key, value in item.items() if key not in keys}
