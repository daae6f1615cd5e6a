"""The benchmark corpus (`generate_corpus`): written around the ORM for speed, it must leave the
archive as the ORM would: found by search as a reindex finds it, counted, open to new articles."""

import io

import pytest
from django.core.management import call_command

from articles import search
from articles.importers import corpus
from articles.models import Article, SearchTerm, Tally
from tests.factories import ArticleFactory
from tests.test_tallies import assert_counts_true

pytestmark = pytest.mark.django_db


def found(words):
    return {
        word: set(search.search(Article.objects.published(), word).values_list("pk", flat=True))
        for word in words
    }


def test_a_generated_archive_is_indexed_as_a_reindex_would_index_it():
    call_command("generate_corpus", articles=60, experts=6, topics=8, stdout=io.StringIO())
    published = Article.objects.published()
    assert published.count() > 40
    assert 0.15 < published.filter(language="ru").count() / published.count() < 0.45  # about 30%
    titles = published.values_list("title", flat=True)[:30]
    words = {word for title in titles for word in title.split()}
    words |= {
        published.values_list("article_authors__expert__name", flat=True)
        .exclude(article_authors=None)
        .first()
        .split()[-1]
    }
    before = {word: ids for word, ids in found(words).items() if ids}  # stop words find nothing
    vocabulary = set(SearchTerm.objects.values_list("term", flat=True))
    assert len(before) > 10
    assert any(not word.isascii() for word in before)  # Russian words are found too

    search.rebuild_index()

    assert found(before) == before
    assert set(SearchTerm.objects.values_list("term", flat=True)) == vocabulary


def test_articles_added_after_a_generated_archive_get_new_ids():
    call_command("generate_corpus", articles=10, experts=2, topics=3, stdout=io.StringIO())
    newest = Article.objects.order_by("-pk").first().pk
    assert ArticleFactory().pk > newest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed, as the command writes
def test_a_generated_archive_counted_batch_by_batch_as_its_writers_go_is_counted_right(monkeypatch):
    """Outside a transaction, on PostgreSQL, batches are written from connections of their own
    while the command counts those already written: each is counted once its writer is done."""
    monkeypatch.setattr(corpus, "BATCH", 7)
    call_command("generate_corpus", articles=45, experts=5, topics=6, stdout=io.StringIO())

    assert Tally.objects.get(kind="a", language="").count == Article.objects.published().count() > 30
    assert_counts_true()
    titles = Article.objects.published().values_list("title", flat=True)
    before = {word: ids for word, ids in found({w for t in titles for w in t.split()}).items() if ids}
    assert len(before) > 10
    search.rebuild_index()
    assert found(before) == before
