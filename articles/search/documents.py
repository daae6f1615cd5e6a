"""The text each article is found by: title, lead, body, its authors' and its topics' names (in
every language they are written in), and the article's language."""

import html
import re
from dataclasses import dataclass

from django.conf import settings

from articles.models import Article, ArticleAuthor, Topic
from experts.models import Expert

SPACES = re.compile(r"\s+")
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

    def words(self):
        """The distinct words of the document, for the "did you mean" vocabulary."""
        text = " ".join([self.title, self.lead, self.body, self.authors, self.topics]).lower()
        return set(re.findall(r"[^\W\d_]{3,40}", text))


def html_to_text(markup):
    """Plain text of stored rich text: tags removed, entities decoded, spaces folded.

    Stored bodies are nh3's well-formed output, so a tag is simply `<…>`; a regular expression
    does here what an HTML parser would, several times faster (it runs for every indexed body).
    """
    return SPACES.sub(" ", html.unescape(TAG.sub(" ", markup or ""))).strip()


def documents_for(article_ids):
    """Build the Documents of the given articles in three queries, whatever their number."""
    articles = Article.objects.filter(pk__in=article_ids).only(
        "title", "lead", "body", "status", "published_at", "language"
    )
    authors, topics = {}, {}
    for article_id, name, translations in (
        ArticleAuthor.objects.filter(article_id__in=article_ids)
        .order_by("position")
        .values_list("article_id", "expert__name", "expert__translations")
    ):
        authors.setdefault(article_id, []).extend(Expert(name=name, translations=translations).every_name())
    for article_id, name, translations in Article.topics.through.objects.filter(
        article_id__in=article_ids
    ).values_list("article_id", "topic__name", "topic__translations"):
        topics.setdefault(article_id, []).extend(Topic(name=name, translations=translations).every_name())
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
        )
        for article in articles
    ]


# Where a sentence begins and ends, for passages cut out of a text.
SENTENCE_START = re.compile(r"[\W_]*[A-ZА-ЯЁ0-9]")
SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*\s*$")


def as_excerpt(passage, start, end):
    """A passage whose cuts are unknown (PostgreSQL's headline) with "…" at either end where it
    does not look like a sentence's start or end; `start` and `end` are its highlight markers."""
    plain = passage.replace(start, "").replace(end, "").strip()
    passage = passage.strip()
    if not SENTENCE_START.match(plain):
        passage = "…" + passage
    if not SENTENCE_END.search(plain):
        passage += "…"
    return passage
