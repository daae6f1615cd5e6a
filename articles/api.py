"""The read-only JSON API for articles and topics (experts: experts/api.py; routes: config/api.py).

It lists exactly what the site shows: published() articles, filtered and searched by the site's
own ArticleFilterSet, so a query string gives the same articles on /articles/ and /api/articles/.
Field names are a public interface, documented in docs/api.md: add fields, never rename them.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from articles import search
from articles.filters import ArticleFilterSet
from articles.models import Article, Category, Source, Topic
from articles.related import related_articles
from articles.richtext import clean_html

# A slug in a path, as the site's own URLs take it: never a NUL byte or other control character,
# which PostgreSQL refuses in a query (a 500 where a 404 is the answer).
SLUG_PATTERN = r"[-\w]+"


def articles_api_url(request, **filters):
    """The full address of the API's article list with these filters."""
    return request.build_absolute_uri(f"{reverse('api:article-list')}?{urlencode(filters)}")


@extend_schema_field(OpenApiTypes.URI)
class WebUrlField(serializers.Field):
    """The full address of the object's page on the site."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return self.context["request"].build_absolute_uri(value.get_absolute_url())


class RichTextField(serializers.CharField):
    """Rich text (a body, a bio) as the site's pages give it: cleaned again on the way out, as the
    templates' `richtext` filter does, so a row stored before a rule was tightened reaches no
    consumer of the API with what the rule now removes."""

    def to_representation(self, value):
        return clean_html(value)


class CategorySerializer(serializers.ModelSerializer):
    web_url = WebUrlField()

    class Meta:
        model = Category
        fields = ["slug", "name", "web_url"]


class SourceSerializer(serializers.ModelSerializer):
    web_url = WebUrlField()
    website = serializers.URLField(source="url", read_only=True)

    class Meta:
        model = Source
        fields = ["slug", "name", "website", "disclaimer", "web_url"]


class TopicRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:topic-detail", lookup_field="slug")
    web_url = WebUrlField()

    class Meta:
        model = Topic
        fields = ["slug", "name", "kind", "url", "web_url"]


class AuthorSerializer(serializers.Serializer):
    """An expert as a byline shows them."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    position = serializers.CharField(read_only=True)
    organisation = serializers.CharField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:expert-detail", lookup_field="slug")
    web_url = WebUrlField()


class ArticleSerializer(serializers.ModelSerializer):
    """An article as a listing shows it."""

    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail", lookup_field="slug")
    web_url = WebUrlField()
    authors = AuthorSerializer(source="ordered_authors", many=True, read_only=True)
    topics = TopicRefSerializer(many=True, read_only=True)
    category = CategorySerializer(read_only=True)
    source = SourceSerializer(read_only=True)
    snippet = serializers.SerializerMethodField(
        help_text="With a search (q): the matched passage as HTML, matches in <mark>; otherwise null."
    )

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "lead",
            "published_at",
            "updated_at",
            "authors",
            "topics",
            "category",
            "source",
            "snippet",
            "url",
            "web_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_snippet(self, article):
        return self.context.get("snippets", {}).get(article.pk)


class RelatedArticleSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:article-detail", lookup_field="slug")
    web_url = WebUrlField()
    authors = AuthorSerializer(source="ordered_authors", many=True, read_only=True)
    category = CategorySerializer(read_only=True)

    class Meta:
        model = Article
        fields = ["slug", "title", "lead", "published_at", "authors", "category", "url", "web_url"]


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    alt = serializers.CharField(source="image_alt")
    caption = serializers.CharField(source="image_caption")
    credit = serializers.CharField(source="image_credit")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, article):
        return self.context["request"].build_absolute_uri(article.image.url)


class ArticleDetailSerializer(ArticleSerializer):
    """An article whole: its body (sanitised HTML), lead image and related listing."""

    body = RichTextField(read_only=True, help_text="HTML, cleaned to the site's allow-list.")
    image = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField(
        help_text="The article's related listing: editors' picks first, then the closest articles."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [
            *(name for name in ArticleSerializer.Meta.fields if name != "snippet"),
            "body",
            "original_url",
            "image",
            "related",
        ]

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, article):
        return ImageSerializer(article, context=self.context).data if article.image else None

    @extend_schema_field(RelatedArticleSerializer(many=True))
    def get_related(self, article):
        return RelatedArticleSerializer(related_articles(article), many=True, context=self.context).data


class KeptFilterBackend(DjangoFilterBackend):
    """django-filter's backend, keeping the filterset on the view for the paginator to count by."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published articles, newest first; with `q`, best match first. Filters as on /articles/."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filterset_class = ArticleFilterSet
    filter_backends = [KeptFilterBackend]

    def get_queryset(self):
        articles = Article.objects.published().with_cards().prefetch_related("topics")
        return articles if self.action == "retrieve" else articles.defer("body", "body_html")

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def list(self, request, *args, **kwargs):
        articles = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        query = search.normalise(request.query_params.get("q")) or ""  # a longer one was refused (400)
        context = {**self.get_serializer_context(), "snippets": search.snippets(articles, query)}
        serializer = self.get_serializer_class()(articles, many=True, context=context)
        return self.get_paginated_response(serializer.data)


class TopicSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:topic-detail", lookup_field="slug")
    web_url = WebUrlField()
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    articles_url = serializers.SerializerMethodField(help_text="This topic's articles (subtopics included).")

    class Meta:
        model = Topic
        fields = ["slug", "name", "kind", "description", "parent", "url", "web_url", "articles_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, topic):
        field = "region" if topic.kind == Topic.Kind.REGION else "topic"
        return articles_api_url(self.context["request"], **{field: topic.slug})


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Themes and regions, by name; `parent` is the slug of the topic above, or null."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    serializer_class = TopicSerializer
    queryset = Topic.objects.select_related("parent").order_by("name", "pk")
    filterset_fields = ["kind"]
