import io
import json
from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from experts.models import Expert


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    kind = Topic.Kind.THEME


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")
    url = "https://publisher.example/"
    disclaimer = "Views are the author's own."


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"Expert Person{n}")
    slug = factory.Sequence(lambda n: f"expert-{n}")
    position = "Senior Fellow"
    organisation = "Institute of Examples"


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article; pass status/published_at for drafts and scheduled pieces."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    lead = "A short standfirst."
    body = "<p>Body text.</p>"
    status = Article.Status.PUBLISHED
    published_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, minutes=n))
    category = factory.SubFactory(CategoryFactory)

    @factory.post_generation
    def authors(self, create, experts, **kwargs):
        for position, expert in enumerate(experts or []):
            ArticleAuthor.objects.create(article=self, expert=expert, position=position)

    @factory.post_generation
    def topics(self, create, topics, **kwargs):
        if topics:
            self.topics.set(topics)


def on(year, month, day):
    """A publication time on that day (noon UTC)."""
    return datetime(year, month, day, 12, tzinfo=UTC)


# The demo's two sample pages, as the demo loader files them.
VALDAI_SLUG = "as-north-korean-conflict-threat-rises-us-and-russia-could-see-opportunity-for-cooperation"
RUSSIA_DIRECT_SLUG = "russia-us-security-collaboration-on-the-korean-peninsula-risks-being-overshadowed"


def draft(**kwargs):
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


def scheduled(**kwargs):
    return ArticleFactory(published_at=timezone.now() + timedelta(days=3), **kwargs)


def relate(article, *related):
    for position, other in enumerate(related):
        RelatedLink.objects.create(article=article, related=other, position=position)


def picture_file(width=1200, height=800, image_format="JPEG", name="picture.jpg"):
    """An uploaded picture of this size: a dusk sky's gradient, as a photo would fill the frame."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageOps

    buffer = io.BytesIO()
    sky = Image.linear_gradient("L").resize((width, height))
    ImageOps.colorize(sky, "#1d3557", "#e9c46a").save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def give_pictures(article_slug, expert_slug):
    """A lead image for the article and a portrait for the expert, with the copies the task worker
    makes of them: the pages that show pictures, as on a site where editors upload them."""
    from articles.pictures import render_missing

    article = Article.objects.get(slug=article_slug, language="en")
    article.image, article.image_alt = picture_file(), "Harbour cranes at dusk"
    article.save()
    expert = Expert.objects.get(slug=expert_slug)
    expert.photo = picture_file(400, 400)
    expert.save()
    render_missing(Article, [article.pk], now=True)
    render_missing(Expert, [expert.pk], now=True)


def exported_items():
    """The knowledge base as export_kb writes it, one dict per line."""
    out = io.StringIO()
    call_command("export_kb", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def import_items(items, tmp_path):
    """Import these items with import_kb, as an editor would from a file."""
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in items), encoding="utf-8")
    call_command("import_kb", str(path), stdout=io.StringIO())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-word-123")
