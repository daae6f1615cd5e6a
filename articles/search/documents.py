"""The text each article is found by: title, lead, body, its authors' and its topics' names."""

import html
import re
from dataclasses import dataclass

from articles.models import Article, ArticleAuthor

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
        "title", "lead", "body", "status", "published_at"
    )
    authors, topics = {}, {}
    for article_id, name in (
        ArticleAuthor.objects.filter(article_id__in=article_ids)
        .order_by("position")
        .values_list("article_id", "expert__name")
    ):
        authors.setdefault(article_id, []).append(name)
    for article_id, name in Article.topics.through.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "topic__name"
    ):
        topics.setdefault(article_id, []).append(name)
    return [
        Document(
            article_id=article.pk,
            title=article.title,
            lead=article.lead,
            body=html_to_text(article.body),
            authors=", ".join(authors.get(article.pk, [])),
            topics=", ".join(topics.get(article.pk, [])),
            is_public=article.is_public,
        )
        for article in articles
    ]
