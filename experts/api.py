"""The read-only JSON API for experts (routes: config/api.py; field names: docs/api.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from articles.api import SLUG_PATTERN, RichTextField, TopicRefSerializer, WebUrlField, articles_api_url
from experts.filters import ExpertFilterSet
from experts.models import Expert, ExpertLink


class ExpertLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertLink
        fields = ["label", "url"]


class ExpertSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:expert-detail", lookup_field="slug")
    web_url = WebUrlField()
    photo = serializers.SerializerMethodField()
    links = ExpertLinkSerializer(many=True, read_only=True)
    research_interests = TopicRefSerializer(source="topics", many=True, read_only=True)
    article_count = serializers.IntegerField(read_only=True, help_text="Published articles by this expert.")
    articles_url = serializers.SerializerMethodField(help_text="This expert's articles, newest first.")
    bio = RichTextField(read_only=True, help_text="HTML, cleaned to the site's allow-list.")

    class Meta:
        model = Expert
        fields = [
            "slug",
            "name",
            "last_name",
            "position",
            "organisation",
            "country",
            "bio",
            "photo",
            "links",
            "research_interests",
            "article_count",
            "url",
            "web_url",
            "articles_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_photo(self, expert):
        return self.context["request"].build_absolute_uri(expert.photo.url) if expert.photo else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_articles_url(self, expert):
        return articles_api_url(self.context["request"], expert=expert.slug)


class ExpertViewSet(viewsets.ReadOnlyModelViewSet):
    """Experts A–Z by last name, filtered as on /experts/ (letter, topic, organisation)."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet
    queryset = Expert.objects.prefetch_related("links", "topics")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        experts = Expert.objects.with_article_counts(page)
        return self.get_paginated_response(self.get_serializer(experts, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        (expert,) = Expert.objects.with_article_counts([self.get_object()])
        return Response(self.get_serializer(expert).data)
