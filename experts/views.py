"""The experts' pages: the A–Z list (by letter or topic, with each expert's count of pieces) and
a profile, with the expert's pieces (through articles.listing, like every article listing), their
top topics and the pieces that mention them. Both render in a fixed number of queries and declare
their tags to the page cache.
"""

from django.core.paginator import Paginator
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

import pagecache
from articles import seo, tallies
from articles.listing import article_listing
from articles.models import Article, Tally, Timeline, Topic
from experts.filters import ExpertFilterSet, letters_in_use
from experts.models import Expert

EXPERTS_PER_PAGE = 60
TOP_TOPICS = 8
MENTIONED_PER_PAGE = 10


def expert_list(request):
    pagecache.depends_on(request, *pagecache.expert_list_page())
    filterset = ExpertFilterSet(request.GET or None, queryset=Expert.objects.in_index_order())
    page = Paginator(filterset.qs, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    experts = Expert.objects.with_article_counts(page.object_list)
    ctx = {
        "filterset": filterset,
        "page_obj": page,
        "experts": experts,
        "letters": letters_in_use(),
        "topic_groups": _topic_groups(),
        "current_topic": request.GET.get("topic", ""),
        "current_letter": request.GET.get("letter", "").upper()[:1],
    }
    letter = ctx["current_letter"] if ctx["current_letter"] in ctx["letters"] else ""
    title = _("Experts A–Z: %(letter)s") % {"letter": letter} if letter else _("Experts A–Z")
    description = _(
        "The authors of the expert opinions, by last name, with their positions and organisations."
    )
    absolute = request.build_absolute_uri
    ctx["meta"] = seo.PageMeta(
        title,
        description,
        structured_data=[
            seo.collection(absolute, request.path, title, description),
            seo.breadcrumbs(absolute, [(_("Home"), reverse("articles:home")), (_("Experts"), request.path)]),
        ],
    ).for_page(page.number)
    return render(request, "experts/expert_list.html", ctx)


def _topic_groups():
    """Themes and regions, each by name, for the topic select (one query)."""
    groups = {Topic.Kind.THEME: [], Topic.Kind.REGION: []}
    for topic in Topic.objects.only("name", "slug", "kind", "translations").order_by("name"):
        groups[topic.kind].append(topic)
    return [(_("Themes"), groups[Topic.Kind.THEME]), (_("Regions"), groups[Topic.Kind.REGION])]


def expert_detail(request, slug):
    # The expert with their stored counts (pieces, mentions by others), and the topics of their
    # profile with theirs: ten queries in all, with the listing and "Mentioned in".
    with_counts = Expert.objects.prefetch_related("links").annotate(
        article_count=tallies.stored(Tally.Kind.EXPERT, OuterRef("pk")),
        mention_count=tallies.stored(Tally.Kind.MENTION, OuterRef("pk")),
    )
    expert = get_object_or_404(with_counts, slug=slug)
    pagecache.depends_on(request, *pagecache.expert_page_tags(expert.pk))
    by_expert = Article.objects.published().for_expert(expert)
    topics = list(Topic.objects.on_profile_of(expert))
    written_on = [topic for topic in topics if topic.expert_article_count]
    top_topics = sorted(written_on, key=lambda topic: -topic.expert_article_count)[:TOP_TOPICS]
    absolute = request.build_absolute_uri
    name = expert.translated("name")
    feed = seo.feed(
        _("articles by %(name)s") % {"name": name}, "experts:feed", "experts:atom", slug=expert.slug
    )
    trail = [
        (_("Home"), reverse("articles:home")),
        (_("Experts"), reverse("experts:list")),
        (name, request.path),
    ]
    meta = seo.PageMeta(
        name,
        seo.describe(
            _("%(name)s, %(affiliation)s: expert opinions and profile.")
            % {"name": name, "affiliation": expert.affiliation}
            if expert.affiliation
            else _("%(name)s: expert opinions and profile.") % {"name": name}
        ),
        og_type="profile",
        image=expert.photo.url if expert.photo else "",
        image_alt=_("Portrait of %(name)s") % {"name": name},
        feeds=(feed,),
        structured_data=[
            seo.profile(absolute, expert, [topic.translated("name") for topic in top_topics]),
            seo.breadcrumbs(absolute, trail),
        ],
    )
    return article_listing(
        request,
        by_expert,
        "experts/expert_detail.html",
        meta,
        expert=expert,
        interests=[topic for topic in topics if topic.is_interest],
        top_topics=top_topics,
        mentioned=_mentioned_in(expert, request.GET.get("mentioned")),
        counted_as=(Tally.Kind.EXPERT, expert.pk),
        stored_count=expert.article_count,
        stored_topic_counts={topic.pk: topic.under_count for topic in topics if topic.under_count},
        page_language="",  # an expert's pieces in every language they write in
    )


def _mentioned_in(expert, number):
    """A page of the published pieces by others that name `expert` ("Mentioned in"), newest first:
    the cards of a walk of the expert's mentions timeline (and their bylines), as many as the stored
    count read with the expert says; two queries however many pieces name them, none when none does."""
    paginator = Paginator(range(expert.mention_count), MENTIONED_PER_PAGE)
    page = paginator.get_page(number)
    if paginator.count:
        walk = Timeline.objects.filter(kind=Timeline.Kind.MENTION, ref=expert.pk)
        walk = walk.order_by("-published_at", "-article_id").values("article_id")
        cards = Article.objects.published().with_cards().defer("body", "body_html")
        page.object_list = list(cards.filter(pk__in=walk[page.start_index() - 1 : page.end_index()]))
    return page
