"""articles.bulk: rows straight into and out of their tables, without model instances or signals."""

import pytest
from django.db.models.signals import post_delete

from articles import bulk
from articles.models import ArticleAuthor
from tests.factories import ArticleFactory, ExpertFactory

pytestmark = pytest.mark.django_db


def test_insert_writes_the_rows_and_delete_removes_only_the_filtered_ones_without_signals():
    first, second = ArticleFactory(), ArticleFactory()
    ArticleAuthor.objects.all().delete()
    ann, bo = ExpertFactory(name="Ann Lee"), ExpertFactory(name="Bo Ray")
    bulk.insert(
        ArticleAuthor,
        ["article_id", "expert_id", "position"],
        [(first.pk, ann.pk, 0), (first.pk, bo.pk, 1), (second.pk, bo.pk, 0)],
    )
    assert list(first.article_authors.values_list("expert__name", "position")) == [
        ("Ann Lee", 0),
        ("Bo Ray", 1),
    ]
    signalled = []

    def deleted(instance, **kwargs):
        signalled.append(instance)

    post_delete.connect(deleted, sender=ArticleAuthor)
    try:
        assert bulk.delete(ArticleAuthor.objects.filter(article_id__in=[first.pk])) == 2
        assert bulk.delete(ArticleAuthor.objects.filter(article_id__in=[])) == 0
    finally:
        post_delete.disconnect(deleted, sender=ArticleAuthor)
    assert signalled == []
    assert list(ArticleAuthor.objects.values_list("article_id", "expert_id")) == [(second.pk, bo.pk)]
