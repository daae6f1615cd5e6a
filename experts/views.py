from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Topic
from articles.views import article_listing
from experts.filters import ExpertFilterSet, letters_in_use
from experts.models import Expert

EXPERTS_PER_PAGE = 60


def expert_list(request):
    filterset = ExpertFilterSet(request.GET or None, queryset=Expert.objects.all())
    page = Paginator(filterset.qs, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    experts = list(page.object_list)
    counts = Expert.objects.filter(pk__in=[expert.pk for expert in experts]).article_counts()
    for expert in experts:
        expert.article_count = counts[expert.pk]
    ctx = {
        "filterset": filterset,
        "page_obj": page,
        "experts": experts,
        "letters": letters_in_use(),
        "topic_groups": _topic_groups(),
        "current_topic": request.GET.get("topic", ""),
        "current_letter": request.GET.get("letter", "").upper()[:1],
    }
    return render(request, "experts/expert_list.html", ctx)


def _topic_groups():
    """Themes and regions, each by name, for the topic select (one query)."""
    groups = {Topic.Kind.THEME: [], Topic.Kind.REGION: []}
    for topic in Topic.objects.only("name", "slug", "kind").order_by("name"):
        groups[topic.kind].append(topic)
    return [("Themes", groups[Topic.Kind.THEME]), ("Regions", groups[Topic.Kind.REGION])]


def expert_detail(request, slug):
    expert = get_object_or_404(Expert.objects.prefetch_related("links"), slug=slug)
    by_expert = Article.objects.published().for_expert(expert)
    top_topics = (
        Article.topics.through.objects.filter(article__in=by_expert.order_by())
        .values("topic__slug", "topic__name")
        .annotate(count=Count("article_id"))
        .order_by("-count", "topic__name")[:8]
    )
    return article_listing(
        request, by_expert, "experts/expert_detail.html", expert=expert, top_topics=top_topics
    )
