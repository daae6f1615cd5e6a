"""The routes of the read-only JSON API under /api/ (namespace "api"), its schema and its docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from articles.api import ArticleViewSet, TopicViewSet
from experts.api import ExpertViewSet

app_name = "api"

router = DefaultRouter()
router.register("articles", ArticleViewSet, basename="article")
router.register("experts", ExpertViewSet, basename="expert")
router.register("topics", TopicViewSet, basename="topic")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
