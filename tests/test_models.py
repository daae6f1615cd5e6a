from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, ArticleMention, RelatedLink, Topic, unique_slug
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, relate, scheduled

pytestmark = pytest.mark.django_db


def test_it_publishes_only_articles_whose_time_has_come():
    public = ArticleFactory()
    draft()
    scheduled()

    assert list(Article.objects.published()) == [public]


def test_a_scheduled_article_appears_once_its_time_arrives():
    article = ArticleFactory(published_at=timezone.now() + timedelta(seconds=1))
    assert article.is_scheduled and not Article.objects.published().exists()

    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    assert list(Article.objects.published()) == [article]


def test_a_draft_with_a_past_date_is_still_hidden():
    ArticleFactory(status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(days=5))

    assert not Article.objects.published().exists()


def test_a_published_article_needs_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(published_at=None)


def test_related_links_keep_the_editors_order():
    article, first, second, third = ArticleFactory.create_batch(4)
    relate(article, third, first, second)

    assert [link.related for link in article.related_links.all()] == [third, first, second]


def test_an_article_cannot_relate_to_itself():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(article=article, related=article)


def test_an_article_relates_to_another_only_once():
    article, other = ArticleFactory.create_batch(2)
    relate(article, other)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedLink.objects.create(article=article, related=other, position=5)


def test_deleting_an_article_removes_its_links_but_not_the_other_articles():
    ExpertFactory(name="Richard Weitz")
    article, other, linking = ArticleFactory.create_batch(3)
    article.body = '<p>Richard Weitz said so.</p><p>Also read: "A piece not here"</p>'
    article.save()
    relate(article, other)
    relate(linking, article)
    assert article.mentions.exists() and article.related_links.filter(kind="also-read").exists()

    article.delete()

    assert set(Article.objects.all()) == {other, linking}
    assert not RelatedLink.objects.exists()
    assert not ArticleMention.objects.exists()


def test_a_deleted_article_that_a_publisher_listed_waits_again_as_its_entry():
    article, listed = ArticleFactory.create_batch(2)
    RelatedLink.objects.create(article=article, title=listed.title)
    assert article.related_links.get().related == listed  # linked the moment it was saved

    listed.delete()

    entry = article.related_links.get()
    assert (entry.related, entry.title) == (None, listed.title)


def test_article_slugs_are_unique():
    ArticleFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(slug="same")


def test_a_missing_slug_is_made_from_the_title_and_kept_unique():
    first = Article.objects.create(title="Korea: What Next?")
    second = Article.objects.create(title="Korea: What Next?")

    assert first.slug == "korea-what-next"
    assert second.slug == "korea-what-next-2"
    assert unique_slug(Article, "Korea: What Next?") == "korea-what-next-3"


def test_the_body_is_sanitised_when_saved():
    article = ArticleFactory(
        body='<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:x">l</a></p>'
    )
    article.refresh_from_db()

    assert "script" not in article.body
    assert "onclick" not in article.body
    assert "javascript" not in article.body
    assert article.body.startswith("<p>Hi")


def test_a_topic_includes_its_subtopics():
    asia = TopicFactory(name="Asia", kind=Topic.Kind.REGION)
    korea = TopicFactory(name="Korean Peninsula", kind=Topic.Kind.REGION, parent=asia)
    north = TopicFactory(parent=korea)
    elsewhere = TopicFactory()
    in_korea = ArticleFactory(topics=[north])
    in_asia = ArticleFactory(topics=[asia])
    ArticleFactory(topics=[elsewhere])

    assert Topic.objects.subtree_ids([asia.pk]) == {asia.pk, korea.pk, north.pk}
    assert set(Article.objects.published().for_topic(asia)) == {in_korea, in_asia}
    assert set(Article.objects.published().for_topic(korea)) == {in_korea}


def test_an_article_under_several_matching_topics_is_listed_once():
    parent = TopicFactory()
    child = TopicFactory(parent=parent)
    ArticleFactory(topics=[parent, child])

    assert Article.objects.published().for_topic(parent).count() == 1


def test_experts_sort_by_last_name():
    ExpertFactory(name="Richard Weitz", last_name="")
    ExpertFactory(name="Georgy Toloraya", last_name="")
    ExpertFactory(name="Lee Jae-Young", last_name="Lee")

    assert [expert.name for expert in Expert.objects.all()] == [
        "Lee Jae-Young",
        "Georgy Toloraya",
        "Richard Weitz",
    ]


def test_authors_keep_their_byline_order():
    first, second = ExpertFactory.create_batch(2)
    article = ArticleFactory(authors=[second, first])

    assert Article.objects.with_cards().get(pk=article.pk).ordered_authors() == [second, first]


def test_expert_article_counts_ignore_drafts_and_scheduled_pieces():
    expert = ExpertFactory()
    ArticleFactory.create_batch(2, authors=[expert])
    draft(authors=[expert])
    scheduled(authors=[expert])
    silent = ExpertFactory()

    experts = Expert.objects.with_article_counts([expert, silent])

    assert [e.article_count for e in experts] == [2, 0]


def test_a_body_citing_a_deleted_article_shows_its_entry_again():
    target = ArticleFactory(title="A piece here")
    citing = ArticleFactory(body='<p>Also read: "A piece here"</p>')
    assert target.get_absolute_url() in Article.objects.get(pk=citing.pk).body_html

    target.delete()

    body_html = Article.objects.get(pk=citing.pk).body_html
    assert "also-read--waiting" in body_html and "/articles/" not in body_html
