from django.contrib import admin, messages
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import ngettext

from articles.models import (
    Article,
    ArticleAuthor,
    Category,
    RelatedLink,
    Source,
    Topic,
    published_condition,
)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "slug"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    autocomplete_fields = ["expert"]
    fields = ["expert", "position"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "article"
    autocomplete_fields = ["related"]
    fields = ["related", "position"]
    extra = 1
    verbose_name_plural = "related articles (shown first, in this order)"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "published_at", "byline", "category", "source", "needs_review"]
    list_select_related = ["category", "source"]
    list_filter = ["status", "needs_review", "category", "source", "topics", "published_at"]
    date_hierarchy = "published_at"
    search_fields = ["title", "slug", "lead"]
    autocomplete_fields = ["topics", "category", "source"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ArticleAuthorInline, RelatedLinkInline]
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body"]}),
        ("Publication", {"fields": ["status", "published_at", "needs_review"]}),
        ("Classification", {"fields": ["category", "topics", "source", "original_url"]}),
        ("Lead image", {"fields": ["image", "image_alt", "image_caption", "image_credit"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        authors = ArticleAuthor.objects.select_related("expert").order_by("position")
        articles = super().get_queryset(request).prefetch_related(Prefetch("article_authors", authors))
        if self.edits_everything(request):
            return articles
        own = Q(created_by=request.user)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # Choosing a related article: anything readers can see, and one's own drafts.
            return articles.filter(own | published_condition())
        return articles.filter(own)

    def edits_everything(self, request):
        """Editors (who may publish) edit every article; Contributors only their own drafts."""
        return self.has_publish_permission(request)

    def may_touch(self, request, article):
        return (
            article is None
            or self.edits_everything(request)
            or (article.created_by_id == request.user.pk and article.status == Article.Status.DRAFT)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_touch(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if not self.edits_everything(request):
            obj.status = Article.Status.DRAFT  # a Contributor's article stays a draft, whatever was sent
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        """Only those allowed to publish may change an article's status or date."""
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields += ["status", "published_at"]
        return fields

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    @admin.display(description="state")
    def state(self, article):
        if article.status == Article.Status.DRAFT:
            return "Draft"
        return "Published" if article.is_public else "Scheduled"

    @admin.display(description="authors")
    def byline(self, article):
        return ", ".join(expert.name for expert in article.ordered_authors())

    @admin.action(
        description="Publish selected articles (now, or at their set date)", permissions=["publish"]
    )
    def publish(self, request, queryset):
        now = timezone.now()
        count = queryset.filter(status=Article.Status.DRAFT).update(
            status=Article.Status.PUBLISHED, published_at=Coalesce("published_at", Value(now)), updated_at=now
        )
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = queryset.filter(status=Article.Status.PUBLISHED).update(
            status=Article.Status.DRAFT, updated_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%d article unpublished.", "%d articles unpublished.", count) % count,
            messages.SUCCESS,
        )
