"""The text each article is found by: title, lead, body, its authors' and its topics' names (in
every language they are written in), and the article's language; and the filters it is found by,
as terms of the same index (`Document.filters`)."""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Topic
from experts.models import Expert

TAG = re.compile(r"<[^>]*>")


@dataclass
class Document:
    article_id: int
    title: str
    lead: str
    body: str
    authors: str
    topics: str
    is_public: bool
    language: str = settings.LANGUAGE_CODE
    filters: tuple = ()  # filter_terms(): what a listing's filters find the article by


WORD = re.compile(r"[^\W\d_]{3,40}")  # a word of the vocabulary: 3 to 40 letters


def words_of(documents):
    """The distinct words of these documents, lowercased, for the "did you mean" vocabulary: runs
    of 3 to 40 letters (WORD). Found in the distinct whitespace-separated tokens of the whole
    batch, each looked at once: a batch's articles share most of their words, and a token of
    letters alone is a word as it is (the regular expression over every body was 0.14 ms an
    article, most of the vocabulary's cost)."""
    tokens = set()
    for document in documents:
        for text in (document.title, document.lead, document.body, document.authors, document.topics):
            tokens.update(text.lower().split())
    words = set()
    for token in tokens:
        if token.isalpha() and 3 <= len(token) <= 40:
            words.add(token)
        else:  # punctuation, digits or marks within it, or too long: WORD finds its runs
            words.update(WORD.findall(token))
    return words


# The kinds of filter term: an article's own topics (a chosen topic is looked up with its
# subtopics), its authors, category, source, year of publication (in the site's time zone, as the
# year filter reads it) and language; and whether readers could see it when it was indexed (a
# scheduled piece is indexed again when it is released, derived.release_due).
TOPIC, EXPERT, CATEGORY, SOURCE, YEAR, LANGUAGE, PUBLIC = "t", "e", "c", "s", "y", "l", "p"
# Filter terms nearly every article has: whether it is public, its language. Looking them up in
# an index reads nearly all of it.
BROAD_TERMS = {PUBLIC, LANGUAGE}


def narrow_and_broad(terms):
    """Groups of filter terms split in two: those that narrow the match, and the BROAD_TERMS."""
    broad = [group for group in terms if all(kind in BROAD_TERMS for kind, _ in group)]
    return [group for group in terms if group not in broad], broad


def filter_terms(*, topics, experts, category_id, source_id, published_at, language, is_public):
    """The filter terms of an article, (kind, value) pairs: each backend spells them as words no
    text can hold (PostgreSQL "t=12", SQLite a column of their own)."""
    terms = [(PUBLIC, 1)] if is_public else []
    terms += [(TOPIC, pk) for pk in topics] + [(EXPERT, pk) for pk in experts]
    if category_id is not None:
        terms.append((CATEGORY, category_id))
    if source_id is not None:
        terms.append((SOURCE, source_id))
    if published_at is not None:
        terms.append((YEAR, timezone.localtime(published_at).year))
    terms.append((LANGUAGE, language))
    return tuple(dict.fromkeys(terms))


def html_to_text(markup):
    """Plain text of stored rich text: tags removed, entities decoded, spaces folded.

    Stored bodies are nh3's well-formed output, so a tag is simply `<…>`; a regular expression
    does here what an HTML parser would, several times faster (it runs for every indexed body).
    """
    return " ".join(html.unescape(TAG.sub(" ", markup or "")).split())  # spaces folded (str.split: 10× `\s+`)


def documents_for(article_ids):
    """Build the Documents of the given articles in three queries, whatever their number."""
    articles = Article.objects.filter(pk__in=article_ids).only(
        "title", "lead", "body", "status", "published_at", "language", "category_id", "source_id"
    )
    authors, topics, expert_ids, topic_ids = {}, {}, {}, {}
    for article_id, expert_id, name, translations in (
        ArticleAuthor.objects.filter(article_id__in=article_ids)
        .order_by("position")
        .values_list("article_id", "expert_id", "expert__name", "expert__translations")
    ):
        authors.setdefault(article_id, []).extend(Expert(name=name, translations=translations).every_name())
        expert_ids.setdefault(article_id, []).append(expert_id)
    for article_id, topic_id, name, translations in Article.topics.through.objects.filter(
        article_id__in=article_ids
    ).values_list("article_id", "topic_id", "topic__name", "topic__translations"):
        topics.setdefault(article_id, []).extend(Topic(name=name, translations=translations).every_name())
        topic_ids.setdefault(article_id, []).append(topic_id)
    return [
        Document(
            article_id=article.pk,
            title=article.title,
            lead=article.lead,
            body=html_to_text(article.body),
            authors=", ".join(authors.get(article.pk, [])),
            topics=", ".join(topics.get(article.pk, [])),
            is_public=article.is_public,
            language=article.language,
            filters=filter_terms(
                topics=topic_ids.get(article.pk, []),
                experts=expert_ids.get(article.pk, []),
                category_id=article.category_id,
                source_id=article.source_id,
                published_at=article.published_at,
                language=article.language,
                is_public=article.is_public,
            ),
        )
        for article in articles
    ]
