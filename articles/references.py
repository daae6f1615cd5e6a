"""References between articles as publishers make them: a related listing's items and the "Also
read" lines of a body (RelatedLink). Each points at an article here, or waits as an *entry* (the
piece as the publisher's page described it) until an article with its title is saved.

Titles are compared as folded words (articles.richtext.folded_words), in the citing article's
language; an entry whose title the page cut short ("…") takes any article whose title starts
with it at a word boundary. Linking happens on the write path: articles.derived.content_changed()
hands every saved article to link_arrivals(), so an import, an editor's save, a restore or the
bulk importer all link the entries waiting for them, with no editor action.
"""

from collections import defaultdict

from django.db.models import Count

from articles import search
from articles.models import Article, RelatedLink, slug_for
from articles.richtext import folded_words
from articles.search.query import MAX_TERMS
from articles.search.query import parse as parse_query

WAITING_ON_DASHBOARD = 20
FOUND_BY_SLUG = 20  # articles whose slugs start with a cut title's, looked at
FOUND_BY_WORDS = 50  # articles with all of a title's words, looked at
ARRIVALS_BATCH = 500  # articles looked up at once (each gives its title's word prefixes)
# A title cut short names the articles starting with it only from this many words on: publishers
# cut long titles ("Forecasts on Korea’s Foreign Policies…"), and a cut "A…" or "The plan…" would
# link to whatever piece starts so (a probe for others' drafts, too).
MIN_CUT_WORDS = 3


def find_article(title, *, language, truncated=False):
    """The article here that a reference's title names, if any: by the slug the title gives
    (indexed; for a title cut short, a slug starting with it), else among the articles the search
    index finds by the title's words (an article whose slug an editor changed). Never a scan."""
    slug, key = slug_for(title), folded_words(title)
    if not slug:
        return None
    in_language = Article.objects.filter(language=language).order_by("pk")
    candidates = list(in_language.filter(slug=slug)[:1])
    if truncated:
        candidates += in_language.filter(slug__startswith=slug + "-")[:FOUND_BY_SLUG]
    query = parse_query(" ".join(f'"{word}"' for word in key.split()[:MAX_TERMS]))
    if query and not any(_names(found.title, key, truncated) for found in candidates):
        candidates += in_language.filter(pk__in=search.backend().match_ids(query, FOUND_BY_WORDS))
    return next((found for found in candidates if _names(found.title, key, truncated)), None)


def link_arrivals(article_ids):
    """Link the entries waiting for these articles (by their titles); returns the ids of the
    articles whose references changed (their pages and bodies change)."""
    citing = set()
    ids = list(article_ids)
    for start in range(0, len(ids), ARRIVALS_BATCH):
        arrivals = Article.objects.filter(pk__among=ids[start : start + ARRIVALS_BATCH]).values_list(
            "pk", "title", "language"
        )
        by_key = defaultdict(list)  # a title's key and each of its word prefixes -> (article, title key)
        for pk, title, language in arrivals:
            key = folded_words(title)
            words = key.split()
            for count in range(MIN_CUT_WORDS, len(words)):
                by_key[" ".join(words[:count])].append((pk, key, language))
            if words:
                by_key[key].append((pk, key, language))
        if not by_key:
            continue
        waiting = RelatedLink.objects.filter(related__isnull=True, title_key__among=list(by_key)).values_list(
            "pk", "title_key", "truncated", "article_id", "article__language"
        )
        links = {}
        for link, key, truncated, article, language in waiting:
            for pk, title, arrival_language in by_key[key]:
                if arrival_language == language and pk != article and (title == key or truncated):
                    links[link] = pk
                    citing.add(article)
                    break
        by_target = defaultdict(list)
        for link, pk in links.items():
            by_target[pk].append(link)
        for pk, waiting_links in by_target.items():  # a statement per arriving article, not per link
            RelatedLink.objects.filter(pk__in=waiting_links, related__isnull=True).update(related_id=pk)
    return citing


def link_saved(link_ids):
    """Link the references of these that wait, where their article is here (an editor's new entry)."""
    waiting = RelatedLink.objects.filter(pk__in=list(link_ids), related__isnull=True).exclude(title_key="")
    for link in waiting.select_related("article"):
        target = find_article(link.title, language=link.article.language, truncated=link.truncated)
        if target is not None and target.pk != link.article_id:
            RelatedLink.objects.filter(pk=link.pk).update(related=target)


def drop_orphans():
    """Delete the links left pointing at nothing: an editor's pick (no entry of its own) whose
    article was deleted. An entry stays, waiting again."""
    RelatedLink.objects.filter(related__isnull=True, title_key="").delete()


def citing(article_ids):
    """Ids of the articles whose bodies refer to these ("Also read"): their bodies show the target's
    title, address and whether it is published, so they are written again when it changes."""
    refs = RelatedLink.objects.filter(kind=RelatedLink.Kind.ALSO_READ, related__pk__among=list(article_ids))
    return set(refs.values_list("article_id", flat=True))


def waiting(citing_articles):
    """The references still waiting for their article (the editors' dashboard): each title once, the
    most cited first, with the pages of `citing_articles` (those the reader may see) citing it; a
    title cited only by pages the reader may not see is left out. Two queries, whatever the number
    of references: the waiting ones grouped (their own index, never the archive), then the few
    citing them, checked against `citing_articles` one by one."""
    grouped = (
        RelatedLink.objects.filter(related__isnull=True)
        .exclude(title_key="")
        .values("title_key")
        .annotate(cited=Count("pk"))
        .order_by("-cited", "title_key")[: WAITING_ON_DASHBOARD * 2]
    )
    grouped = list(grouped)
    keys = [row["title_key"] for row in grouped]
    refs = (
        RelatedLink.objects.filter(related__isnull=True, title_key__in=keys, article__in=citing_articles)
        .select_related("article")
        .only(
            "title",
            "title_key",
            "truncated",
            "published_on",
            "url",
            "kind",
            "article__title",
            "article__slug",
        )
        .order_by("pk")
    )
    by_key = defaultdict(list)
    for ref in refs:
        by_key[ref.title_key].append(ref)
    return [
        {
            "reference": by_key[row["title_key"]][0],
            "citing": [ref.article for ref in by_key[row["title_key"]]],
        }
        for row in grouped
        if by_key[row["title_key"]]
    ][:WAITING_ON_DASHBOARD]


def _names(title, key, truncated):
    """Whether an article titled `title` is the one a reference keyed `key` names."""
    found = folded_words(title)
    cut_enough = len(key.split()) >= MIN_CUT_WORDS
    return found == key or (truncated and cut_enough and found.startswith(key + " "))


def entries_query(article):
    """An article's own references (listing items, then "Also read"), with what an entry shows."""
    return (
        RelatedLink.objects.filter(article=article)
        .select_related("expert", "category")
        .order_by("position", "pk")
    )
