"""Writing a parsed publisher's page (articles.importers.pages.Page) as an article with its parts:
experts, source, category, and its related listing (entries until their own page arrives:
articles.references links them then)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.db import transaction
from django.db.models import Q

import pagecache
from articles.derived import content_changed, one_pass
from articles.importers.pages import PUBLISHERS, ExpertMention
from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, slug_for, unique_slug
from articles.pictures import PictureFormField
from articles.references import find_article
from articles.richtext import clean_html, folded_words, paragraphs_to_html
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
@one_pass()  # the write path once, for the article, its byline and its listing, in this transaction
def save_page(page, *, publish=False, translation_of=None, picture=None):
    """Write a parsed page (articles.importers.pages.Page) as an article with its parts.

    Found again by title (or, for a derived title, by lead), importing the same page twice
    changes nothing; an edited page updates the article. The related listing's items are kept in
    the page's order, each linked to its article where it is here, else an entry that the article
    links once it arrives. Imported articles are drafts unless `publish`.
    The article is in the page's language; `translation_of` (an article in another language)
    makes it a version of that piece.

    `picture`, the page's photo saved beside it (a django File), becomes the lead image of an
    article that has none: an editor's picture stands, and importing again stores nothing twice.
    It is judged as an upload is (articles.pictures.PictureFormField): not a picture, nothing of
    the page is written.

    Names are matched as written in the page's language: an expert, a category by its name or
    its translation into that language (an editor's "Ричард Вайц" for Richard Weitz), never by a
    guess; a name found nowhere makes a new expert or category.
    """
    result = PageImport(article=None)
    language = page.language
    source = _source(page.publisher, page, result)
    category = _category(page.category, language, result)
    experts = [_expert(mention, language, result) for mention in page.experts]
    article = _find_article(page)
    values = {
        "lead": page.lead,
        "body": clean_html(paragraphs_to_html("\n\n".join(page.paragraphs))),
        "category": category,
        "source": source,
        "image_caption": page.caption,
        "image_credit": page.credit,
    }
    if page.published:
        values["published_at"] = _midnight(page.published)
    if picture is not None and not (article and article.image):
        values["image"] = PictureFormField().clean(picture)  # a ValidationError says why not
    if article is None or not page.title_derived:  # an editor's review of a derived title stands
        values["title"] = page.title
    if page.title_derived and article is None:
        values["needs_review"] = True
    if publish and (values.get("published_at") or (article and article.published_at)):
        values["status"] = Article.Status.PUBLISHED
    if translation_of is not None:
        values["translation_of"] = translation_of.translation_of or translation_of  # the original
    if article is None:
        article = Article(
            slug=unique_slug(Article, page.title, language=language), language=language, **values
        )
        if translation_of is not None:
            article.clean()  # a version of a piece in another language, once per language
        article.save()
        result.changes.append(f"created article {article.slug!r}")
    else:
        changed = [
            name for name, value in values.items() if name == "image" or getattr(article, name) != value
        ]
        if changed:
            for name in changed:
                setattr(article, name, values[name])
            if "translation_of" in changed:
                article.clean()
            article.save()
            result.changes.append(f"updated article {article.slug!r}: {', '.join(changed)}")
    result.article = article
    _set_authors(article, experts, result)
    _set_related(article, page.related, result)
    return result


def _find_article(page):
    in_language = Article.objects.filter(language=page.language)
    if page.title_derived:
        return in_language.filter(lead=page.lead).order_by("pk").first()
    by_title = in_language.filter(Q(slug=slug_for(page.title)) | Q(title__iexact=page.title)).order_by("pk")
    return by_title.first()


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


def _set_related(article, items, result):
    """The page's related items first, in its order, each linked to its article if it is here, else
    an entry; links an editor added stay after them."""
    language = article.language
    current = list(article.related_links.filter(kind=RelatedLink.Kind.LISTING).order_by("position", "pk"))
    by_key = {link.title_key: link for link in current if link.title_key}
    wanted = []
    for item in items:
        link = by_key.pop(folded_words(item.title), None)
        related = link.related if link and link.related_id else None
        if related is None:
            related = find_article(item.title, language=language, truncated=item.truncated)
        wanted.append(
            RelatedLink(
                article=article,
                kind=RelatedLink.Kind.LISTING,
                related=related if related and related.pk != article.pk else None,
                title=item.title,
                title_key=folded_words(item.title),
                truncated=item.truncated,
                published_on=item.published,
                lead=item.lead,
                expert=_expert(ExpertMention(name=item.expert), language, result) if item.expert else None,
                category=_category(item.category, language, result) if item.category else None,
            )
        )
    on_page = {link.related_id for link in wanted if link.related_id}
    wanted += [
        link
        for link in current
        if link.title_key not in {w.title_key for w in wanted}
        and (link.related_id is None or link.related_id not in on_page)
    ]
    fields = ["related_id", "title", "truncated", "published_on", "lead", "expert_id", "category_id"]
    if [[getattr(link, name) for name in fields] for link in current] != [
        [getattr(link, name) for name in fields] for link in wanted
    ]:
        article.related_links.filter(kind=RelatedLink.Kind.LISTING).delete()
        for position, link in enumerate(wanted):
            link.pk, link.position = None, position
        RelatedLink.objects.bulk_create(wanted)
        content_changed(pages=pagecache.related_links_edited(article.pk), index=False)  # bulk: no signal
        result.changes.append(f"set the related articles of {article.slug!r}")


def _source(name, page, result):
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
    # The disclaimer as this language's pages print it, kept with the source's translations.
    printed = page.disclaimer or known.get("disclaimers", {}).get(page.language, "")
    if printed and printed != source.disclaimer and source.translated("disclaimer", page.language) != printed:
        entry = source.translations.setdefault(page.language, {})
        entry["disclaimer"] = printed
        source.save(update_fields=["translations"])
        result.changes.append(f"set the {page.language} disclaimer of {name!r}")
    return source


def _disclaimer(known):
    return {"disclaimer": known["disclaimer"]} if known.get("disclaimer") else {}


def _category(name, language, result):
    category = Category.objects.filter(Q(name__iexact=name) | _translated_name(language, name)).first()
    if category is None:
        category = Category.objects.create(name=name, slug=unique_slug(Category, name))
        result.changes.append(f"created category {name!r}")
    return category


def _expert(mention, language, result):
    by_name = Expert.objects.filter(name__iexact=mention.name).order_by("pk").first()
    expert = by_name or Expert.objects.filter(_translated_name(language, mention.name)).order_by("pk").first()
    if expert is None:
        expert = Expert.objects.create(
            name=mention.name, position=mention.position, organisation=mention.organisation
        )
        result.changes.append(f"created expert {mention.name!r}")
        return expert
    # Named here as entered: the fields themselves; named by a translation: that language's.
    entry = {} if by_name else expert.translations.setdefault(language, {})
    changed = [
        name
        for name in ("position", "organisation")
        if getattr(mention, name)
        and (getattr(expert, name) if by_name else entry.get(name)) != getattr(mention, name)
    ]
    if changed:
        for name in changed:
            if by_name:
                setattr(expert, name, getattr(mention, name))
            else:
                entry[name] = getattr(mention, name)
        expert.save()
        result.changes.append(f"updated expert {mention.name!r}: {', '.join(changed)}")
    return expert


def _translated_name(language, name):
    """Rows whose name in `language` is `name` (as an editor wrote it in their translations)."""
    return Q(**{f"translations__{language}__name": name})


def _midnight(day):
    return datetime.combine(day, time.min, tzinfo=UTC)
