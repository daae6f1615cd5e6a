"""Writing a parsed publisher's page (articles.importers.pages.Page) as an article with its parts:
experts, source, category, related articles (stubs until their own page arrives)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from articles import pagecache
from articles.derived import content_changed
from articles.importers.pages import PUBLISHERS, ExpertMention
from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, unique_slug
from articles.richtext import clean_html, paragraphs_to_html
from experts.models import Expert


@dataclass
class PageImport:
    """What importing one page did (or, in a dry run, would do)."""

    article: Article
    changes: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.changes)


@transaction.atomic
def save_page(page, *, publish=False):
    """Write a parsed page (articles.importers.pages.Page) as an article with its parts.

    Found again by title (or, for a derived title, by lead), importing the same page twice
    changes nothing; an edited page updates the article; a stub made earlier from a related
    listing is completed rather than duplicated. Imported articles are drafts unless `publish`.
    """
    result = PageImport(article=None)
    source = _source(page.publisher, result)
    category = _category(page.category, result)
    experts = [_expert(mention, result) for mention in page.experts]
    article = _find_article(page)
    values = {
        "lead": page.lead,
        "body": clean_html(paragraphs_to_html("\n\n".join(page.paragraphs))),
        "category": category,
        "source": source,
        "image_caption": page.caption,
        "image_credit": page.credit,
        "is_stub": False,
    }
    if page.published:
        values["published_at"] = _midnight(page.published)
    if article is None or not page.title_derived:  # an editor's review of a derived title stands
        values["title"] = page.title
    if page.title_derived and article is None:
        values["needs_review"] = True
    if publish and (values.get("published_at") or (article and article.published_at)):
        values["status"] = Article.Status.PUBLISHED
    if article is None:
        article = Article(slug=unique_slug(Article, page.title), **values)
        article.save()
        result.changes.append(f"created article {article.slug!r}")
    else:
        changed = [name for name, value in values.items() if getattr(article, name) != value]
        if changed:
            for name in changed:
                setattr(article, name, values[name])
            article.save()
            verb = "completed stub" if "is_stub" in changed else "updated article"
            result.changes.append(f"{verb} {article.slug!r}: {', '.join(changed)}")
    result.article = article
    _set_authors(article, experts, result)
    _set_related(article, [_related(item, result) for item in page.related], result)
    return result


def _find_article(page):
    if page.title_derived:
        return Article.objects.filter(lead=page.lead).order_by("pk").first()
    by_title = Article.objects.filter(Q(slug=slugify(page.title)) | Q(title__iexact=page.title)).order_by(
        "pk"
    )
    if found := by_title.first():
        return found
    # A stub carries a title cut short in a listing ("…" removed): any word-boundary prefix.
    words = page.title.split()
    prefixes = [" ".join(words[:count]) for count in range(3, len(words))]
    stubs = Article.objects.filter(is_stub=True, title__in=prefixes)
    return max(stubs, key=lambda stub: len(stub.title), default=None)


def _related(item, result):
    """The article a related item names: found by its (possibly cut) title, else a draft stub."""
    matches = Article.objects.filter(title__istartswith=item.title) if item.truncated else None
    found = (matches if matches is not None else Article.objects.filter(title__iexact=item.title)).first()
    if found:
        return found
    stub = Article(
        title=item.title,
        slug=unique_slug(Article, item.title),
        lead=item.lead,
        published_at=_midnight(item.published) if item.published else None,
        status=Article.Status.DRAFT,
        is_stub=True,
        category=_category(item.category, result) if item.category else None,
    )
    stub.save()
    if item.expert:
        ArticleAuthor.objects.create(article=stub, expert=_expert(ExpertMention(name=item.expert), result))
    result.changes.append(f"created stub {stub.slug!r}")
    return stub


def _set_authors(article, experts, result):
    current = [link.expert_id for link in article.article_authors.order_by("position")]
    wanted = list(dict.fromkeys(expert.pk for expert in experts))
    if wanted and current != wanted:
        article.article_authors.all().delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, expert_id=expert_id, position=position)
            for position, expert_id in enumerate(wanted)
        )
        content_changed(articles=[article.pk])  # bulk_create sends no signal; deleting reported the old
        result.changes.append(f"set the authors of {article.slug!r}")


def _set_related(article, related, result):
    """The page's related articles first, in its order; links an editor added stay after them."""
    current = [link.related_id for link in article.related_links.order_by("position", "pk")]
    from_page = list(dict.fromkeys(other.pk for other in related if other.pk != article.pk))
    wanted = from_page + [pk for pk in current if pk not in from_page]
    if current != wanted:
        article.related_links.all().delete()
        RelatedLink.objects.bulk_create(
            RelatedLink(article=article, related_id=pk, position=position)
            for position, pk in enumerate(wanted)
        )
        content_changed(
            pages=pagecache.related_links_edited(article.pk), index=False
        )  # bulk_create sends no signal
        result.changes.append(f"set the related articles of {article.slug!r}")


def _source(name, result):
    known = PUBLISHERS.get(name, {})
    source, created = Source.objects.get_or_create(
        name=name,
        defaults={"slug": unique_slug(Source, name), "url": known.get("url", ""), **_disclaimer(known)},
    )
    if created:
        result.changes.append(f"created source {name!r}")
    elif not source.disclaimer and known.get("disclaimer"):
        source.disclaimer = known["disclaimer"]
        source.save(update_fields=["disclaimer"])
        result.changes.append(f"set the disclaimer of {name!r}")
    return source


def _disclaimer(known):
    return {"disclaimer": known["disclaimer"]} if known.get("disclaimer") else {}


def _category(name, result):
    category = Category.objects.filter(name__iexact=name).first()
    if category is None:
        category = Category.objects.create(name=name, slug=unique_slug(Category, name))
        result.changes.append(f"created category {name!r}")
    return category


def _expert(mention, result):
    expert = Expert.objects.filter(name__iexact=mention.name).order_by("pk").first()
    if expert is None:
        expert = Expert.objects.create(
            name=mention.name, position=mention.position, organisation=mention.organisation
        )
        result.changes.append(f"created expert {mention.name!r}")
        return expert
    changed = [
        name
        for name in ("position", "organisation")
        if getattr(mention, name) and getattr(expert, name) != getattr(mention, name)
    ]
    if changed:
        for name in changed:
            setattr(expert, name, getattr(mention, name))
        expert.save()
        result.changes.append(f"updated expert {mention.name!r}: {', '.join(changed)}")
    return expert


def _midnight(day):
    return datetime.combine(day, time.min, tzinfo=UTC)
