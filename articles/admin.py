"""The desk: the admin of articles, topics, categories and sources.

ArticleAdmin carries the editorial workflow (review, versions, preview, schedule: the views are in
articles.editorial), its inlines (authors, related links, mentions, review steps) and translations'
fields (`translations_form`). Who may see or change what is decided in articles.permissions, never
here. Every admin of content saves through OneWritePass, so that one request (a form with its
inlines, a bulk action) runs the write path (articles.derived) once. ArticleChoices keeps every
choice of an article to those the user may read.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, ORDER_VAR, PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import get_language_info, gettext, ngettext
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles import derived, editorial, permissions, search
from articles.derived import content_changed, pages_showing
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleMention,
    Category,
    RelatedLink,
    ReviewStep,
    Source,
    Topic,
)
from articles.pagination import CappedPaginator, whole_number
from articles.search import documents as terms
from experts.models import Expert

# The fields of a Translatable's other languages: "Name (Русский)", "Bio (Русский)", … a field per
# language of settings.LANGUAGES and per translated field, stored in the row's `translations`;
# blank means "as entered". Built when the admin loads: a language added to the settings gets its
# fields without a code change.
LONG_FIELDS = {"bio", "description", "disclaimer"}


def field_name(language, field):
    return f"translation_{language}_{field}"


def translation_fieldset(model):
    """The admin fieldset with `model`'s translation fields, collapsed."""
    names = [field_name(code, field) for code, _ in settings.LANGUAGES for field in model.TRANSLATED]
    return (
        "Other languages",
        {
            "classes": ["collapse"],
            "fields": names,
            "description": "Each name and text as readers of that language see it; "
            "left blank, they see the one above.",
        },
    )


def translations_form(model):
    """A ModelForm for `model` (a Translatable) with its translation fields."""
    declared = {}
    for code, language in settings.LANGUAGES:
        for field in model.TRANSLATED:
            label = f"{model._meta.get_field(field).verbose_name.capitalize()} ({language})"
            widget = forms.Textarea(attrs={"rows": 3}) if field in LONG_FIELDS else None
            declared[field_name(code, field)] = forms.CharField(label=label, required=False, widget=widget)

    def __init__(self, *args, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        stored = self.instance.translations or {}
        for code, _ in settings.LANGUAGES:
            for field in model.TRANSLATED:
                entry = stored.get(code) if isinstance(stored.get(code), dict) else {}
                self.initial.setdefault(field_name(code, field), entry.get(field, ""))

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        translations = {
            key: value
            for key, value in (self.instance.translations or {}).items()
            if key not in dict(settings.LANGUAGES)
        }
        for code, _ in settings.LANGUAGES:
            entry = {
                field: cleaned.get(field_name(code, field), "").strip()
                for field in model.TRANSLATED
                if cleaned.get(field_name(code, field), "").strip()
            }
            if entry:
                translations[code] = entry
        self.instance.translations = translations
        return cleaned

    meta = type("Meta", (), {"model": model, "exclude": ["translations"]})
    return type(
        f"{model.__name__}TranslationsForm",
        (forms.ModelForm,),
        {**declared, "Meta": meta, "__init__": __init__, "clean": clean},
    )


class OneWritePass:
    """Whatever one admin request writes (the object and its inlines, a delete with what goes with
    it, a bulk action) brings the derived data up to date once, at its end, in the request's
    transaction (articles.derived.one_pass), instead of once for every row and relation saved."""

    def changeform_view(self, request, *args, **kwargs):
        with transaction.atomic(), derived.one_pass():
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with transaction.atomic(), derived.one_pass():
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().changelist_view(request, *args, **kwargs)
        with transaction.atomic(), derived.one_pass():
            return super().changelist_view(request, *args, **kwargs)


class RowLinks(ChangeList):
    """A change list whose rows link to their change forms without the work Django does for each
    row: it reverses the change URL, then resolves that URL again to decide how to carry the
    list's filters onto it (add_preserved_filters), 0.2-0.3 ms a row, a fifth of the time of a
    filtered page of 100 articles. Here the URL is reversed once and the filters added to it; the
    links are the same, and Django, given no filters to preserve, resolves nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""
        change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        self.change_url = reverse(change, args=["__pk__"], current_app=self.model_admin.admin_site.name)

    def url_for_result(self, result):
        url = self.change_url.replace("__pk__", quote(str(getattr(result, self.pk_attname))))
        return f"{url}?{self.row_filters}" if self.row_filters else url


class LongList:
    """For the admins of the models counted in thousands (articles, experts): their change lists'
    rows made with less per-row work (RowLinks, and the empty value set here: Django looks for it
    on the ModelAdmin first, through an AttributeError for each cell, when it is not)."""

    empty_value_display = "-"
    # Django's 100 rows cost 0.5-0.6 ms each to render on these machines (its admin builds every
    # cell through the template machinery): 50, as most editorial desks show, brings a filtered
    # page to about 100 ms at a million articles (docs/performance.md, "The desk's lists").
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return RowLinks


class BestFirst(RowLinks):
    """The articles' change list. A search lists its results best match first, in the order
    ArticleAdmin.get_search_results gives them, unless a column's sort is asked for: then no column
    is shown as the one sorted by (Django would show the articles' default, the date)."""

    def get_ordering_field_columns(self):
        if self.query and ORDER_VAR not in self.params:
            return {}
        return super().get_ordering_field_columns()


@admin.register(Topic)
class TopicAdmin(OneWritePass, admin.ModelAdmin):
    form = translations_form(Topic)
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "parent", "description"]}),
        translation_fieldset(Topic),
    ]
    list_display = ["name", "kind", "parent", "slug"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(OneWritePass, admin.ModelAdmin):
    form = translations_form(Category)
    fieldsets = [(None, {"fields": ["name", "slug", "description"]}), translation_fieldset(Category)]
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(OneWritePass, admin.ModelAdmin):
    form = translations_form(Source)
    fieldsets = [(None, {"fields": ["name", "slug", "url", "disclaimer"]}), translation_fieldset(Source)]
    list_display = ["name", "url"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ArticleChoices:
    """Every choice of an article in the admin (a related article, the original a version
    translates) offers and accepts only the articles the user may read: a Contributor never sees
    nor names another's draft. The autocomplete behind these widgets asks the same
    (ArticleAdmin.get_queryset)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Article:
            kwargs["queryset"] = permissions.readable_articles(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VersionInitialMixin:
    """An inline that a new version of a piece starts with the original's rows in
    (version_initial()): as many forms as those rows, else one empty form."""

    def get_extra(self, request, obj=None, **kwargs):
        return max(1, len(version_initial(request).get(self.model, [])))


class ArticleAuthorInline(VersionInitialMixin, admin.TabularInline):
    model = ArticleAuthor
    autocomplete_fields = ["expert"]
    fields = ["expert", "position"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class RelatedLinkInline(ArticleChoices, VersionInitialMixin, admin.TabularInline):
    """The article's own related listing, in order (drag a row, or use its buttons): an article here,
    or an entry (a title, and what the publisher's page said of it) for a piece not here yet, which
    becomes a link by itself when that piece is saved. "Also read" lines live in the body."""

    model = RelatedLink
    fk_name = "article"
    autocomplete_fields = ["related", "expert", "category"]
    fields = [
        "related",
        "title",
        "truncated",
        "published_on",
        "lead",
        "expert",
        "category",
        "url",
        "position",
    ]
    extra = 1
    classes = ["sortable-inline"]
    verbose_name = "related item"
    verbose_name_plural = "related articles (shown first, in this order; drag to reorder)"

    class Media:
        js = ["admin/js/sortable-inline.js"]
        css = {"all": ["admin/css/sortable-inline.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=RelatedLink.Kind.LISTING)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "lead":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 30, "aria-label": "Lead"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ArticleMentionInline(admin.TabularInline):
    """The experts the body names, found at save (articles.linking); unticking one leaves that name
    unlinked in this article from now on."""

    model = ArticleMention
    fields = ["expert", "linked"]
    readonly_fields = ["expert"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def version_original(request):
    """The article a new version is being added for (the add form's ?translation_of=<id>), if it is
    one the user may read."""
    pk = request.GET.get("translation_of", "")
    if request.resolver_match.url_name != "articles_article_add" or not pk.isdigit():
        return None
    return permissions.readable_articles(request.user).filter(pk=pk).first()


def version_initial(request):
    """{inline model: initial rows} a new version starts with: the original's byline, and its related
    links (each to that piece's version in the new language where there is one)."""
    if not hasattr(request, "_version_initial"):
        original, rows = version_original(request), {}
        if original is not None:
            language = request.GET.get("language", "")
            rows[ArticleAuthor] = [
                {"expert": link.expert_id, "position": link.position}
                for link in original.article_authors.order_by("position")
            ]
            links = list(
                original.related_links.filter(kind=RelatedLink.Kind.LISTING)
                .order_by("position", "pk")
                .select_related("related")
            )
            pieces = [link.related.original_id for link in links if link.related]
            in_language = dict(
                Article.objects.filter(Q(pk__in=pieces) | Q(translation_of__in=pieces), language=language)
                .annotate(piece=Coalesce("translation_of_id", "pk"))
                .values_list("piece", "pk")
            )
            rows[RelatedLink] = [
                {
                    "related": in_language.get(link.related.original_id, link.related_id)
                    if link.related
                    else None,
                    "title": link.title,
                    "truncated": link.truncated,
                    "published_on": link.published_on,
                    "lead": link.lead,
                    "expert": link.expert_id,
                    "category": link.category_id,
                    "url": link.url,
                    "position": link.position,
                }
                for link in links
            ]
        request._version_initial = rows
    return request._version_initial


# The change list's and the autocomplete's parameters that narrow nothing: Django's own (the sort,
# the page, the search, a popup's...) and the autocomplete's.
AUTOCOMPLETE_PARAMS = {"term", "app_label", "model_name", "field_name", "page"}
NARROWS_NOTHING = {*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG, *AUTOCOMPLETE_PARAMS}
INDEX_FILTERS = {"language", "category__id__exact", "source__id__exact"}  # those _index_terms takes


def _filtered_in_index_alone(params, index_terms):
    """Whether every filter chosen in `params` is one the search index held (`index_terms`, from
    _index_terms(params)): then the index's match is the whole list."""
    chosen = set(params) - NARROWS_NOTHING
    return chosen <= INDEX_FILTERS and len(chosen) == len(index_terms)


def _index_terms(params):
    """The change list's filters the search index holds (articles.search.documents), as its groups."""
    found = []
    if params.get("language") in dict(settings.LANGUAGES):
        found.append([(terms.LANGUAGE, params["language"])])
    for name, kind in (("category__id__exact", terms.CATEGORY), ("source__id__exact", terms.SOURCE)):
        if (value := whole_number(params.get(name, ""))) is not None:
            found.append([(kind, value)])
    return found


class LanguageFilter(admin.SimpleListFilter):
    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset


class ReviewStepInline(admin.TabularInline):
    """The article's review history, as recorded: read-only."""

    model = ReviewStep
    fields = ["created_at", "action", "user", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "review history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # whoever may open an article reads its review history


@admin.register(Article)
class ArticleAdmin(OneWritePass, LongList, ArticleChoices, VersionAdmin):
    """Every save through here keeps a version (django-reversion registers Article with its
    authors, related links and review steps, the inlines, as one revision)."""

    form = editorial.ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = [
        "title",
        "language",
        "state",
        "review_status",
        "published_at",
        "byline",
        "category",
        "source",
    ]
    list_select_related = ["category", "source"]
    list_filter = [
        "status",
        LanguageFilter,
        "review_status",
        "needs_review",
        "featured",
        "category",
        "source",
        "published_at",
    ]
    show_full_result_count = False  # no COUNT(*) of the whole archive on every page view
    search_fields = ["title"]  # shows the search box and allows autocomplete; get_search_results searches
    autocomplete_fields = ["topics", "category", "source", "translation_of"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ArticleAuthorInline, RelatedLinkInline, ArticleMentionInline, ReviewStepInline]
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body"]}),
        ("Language", {"fields": ["language", "translation_of"]}),
        (
            "Publication",
            {"fields": ["status", "published_at", "featured", "needs_review", "seen_updated_at"]},
        ),
        ("Classification", {"fields": ["category", "topics", "source", "original_url"]}),
        ("Lead image", {"fields": ["image", "image_alt", "image_caption", "image_credit"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        articles = super().get_queryset(request)
        view = request.resolver_match.url_name if request.resolver_match else None
        if view in ("articles_article_changelist", "autocomplete"):
            articles = articles.defer("body", "body_html")  # their rows show no body, and bodies are long
        if view != "autocomplete":  # which shows titles alone
            # The bylines, then their experts by id: joined in one statement, PostgreSQL hashed all
            # 5,000 experts for a page of 100 articles' bylines (12 ms, against 1 ms for the two).
            articles = articles.prefetch_related(
                Prefetch("article_authors", ArticleAuthor.objects.order_by("position")),
                Prefetch("article_authors__expert", Expert.objects.only("name")),
            )
        if view == "autocomplete":
            # Choosing a related article: anything the user may read (readers' articles, own drafts).
            return permissions.readable_articles(request.user, articles)
        return permissions.desk_articles(request.user, articles)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(
                lambda request, *args, **kwargs: view(self, request, *args, **kwargs)
            )

        return [
            path("schedule/", wrap(editorial.schedule_view), name="articles_article_schedule"),
            path("image/", wrap(editorial.image_view), name="articles_article_image"),
            path("<path:object_id>/submit/", wrap(editorial.submit_view), name="articles_article_submit"),
            path("<path:object_id>/review/", wrap(editorial.review_view), name="articles_article_review"),
            path("<path:object_id>/compare/", wrap(editorial.compare_view), name="articles_article_compare"),
            path(
                "<path:object_id>/restore/<int:version_id>/",
                wrap(editorial.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    # A preview is handled before VersionAdmin opens a revision: nothing of it must be kept.
    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return editorial.preview(self, request, None)
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_preview" in request.POST:
            return editorial.preview(self, request, object_id)
        article = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "versions": self.versions(request, article) if article else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def versions(self, request, article):
        """For the change form: each of the site's languages with the piece's version in it (on the
        user's desk or not), or the link that adds one pre-filled from this article."""
        root = article.original_id
        found = {
            other.language: other
            # Unordered: by date, SQLite walked every article newest first for these few (2.3 s at a
            # million) instead of looking the two conditions up.
            for other in Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))
            .order_by()
            .only("title", "slug", "language", "status", "published_at", "created_by", "translation_of_id")
        }
        add = reverse("admin:articles_article_add")
        rows = []
        for code, _ in settings.LANGUAGES:
            other, name = found.get(code), get_language_info(code)["name_translated"]
            query = urlencode(
                {
                    "translation_of": root,
                    "language": code,
                    "title": article.title,
                    "category": article.category_id or "",
                    "source": article.source_id or "",
                    "topics": ",".join(str(topic.pk) for topic in article.topics.all()),
                    "original_url": article.original_url,
                }
            )
            readable = other is not None and permissions.may_read(request.user, other)
            rows.append(
                {
                    "code": code,
                    "name": name,
                    # Another writer's version not public yet holds the language's place: said, not named.
                    "article": other if readable else None,
                    "taken": other is not None and not readable,
                    "on_desk": readable and permissions.on_desk(request.user, other),
                    "add_url": f"{add}?{query}",
                }
            )
        return rows

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "GET" and (rows := version_initial(request).get(inline.model)):
            kwargs["initial"] = rows
        return kwargs

    def get_changelist(self, request, **kwargs):
        return BestFirst

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """Counts at most COUNT_CAP articles, as the site does ("10,000+"; the template says so): a
        COUNT of the whole archive or of a broad filter took 200-300 ms at a million articles."""
        return CappedPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **getattr(request, "search_paging", {}),  # a common word's best (get_search_results)
        )

    def get_search_results(self, request, queryset, search_term):
        """Words through the full-text index (drafts are indexed too) instead of LIKE over every
        lead; where no article holds the text as a word, the titles holding it as a piece of one (a
        word half typed) or the slug. Used by the change list and by the related-article
        autocomplete. The results come best match first (as on the site), unless the change list
        is sorted by a column.

        For an Editor (whose desk is the archive), a word in more than search.MATCH_LIMIT articles
        lists its best matches, with the chosen language, category and source looked up in the
        index with it (as the site's search does): counting and sorting all of them would read a
        large share of the archive each time. The ids are the list: it is counted from them and,
        best first, a page reads its own rows alone (`search_paging`, for get_paginator); counting
        and sorting the 2,000 took 30 ms at a million articles. When a filter the index does not
        hold narrows them, or for a Contributor, the ids it keeps are read first, by their ids."""
        term = search.normalise(search_term)
        if term is None:  # longer than any search the site takes
            return queryset.none(), False
        if not term:
            return queryset, False
        if "-" in term and " " not in term and (exact := queryset.filter(slug=term)).exists():
            return exact, False  # a slug pasted in: that article (its words would find many)
        index_terms = _index_terms(request.GET)
        matches = search.Matches(term, terms=index_terms)
        if matches.ids is None:  # nothing to search in the text
            return queryset.none(), False
        if matches.complete and not matches.ids:
            # No article holds it as a word: the titles holding it as a piece of one (a word half
            # typed), or the slug. Only then: a title's LIKE reads every article.
            return queryset.filter(Q(title__icontains=term) | Q(slug=term)), False
        by_relevance = ORDER_VAR not in request.GET
        editor = permissions.is_editor(request.user)
        if not matches.complete and not editor:
            # A Contributor's desk is their own pieces: every match there, not the archive's best
            # (which others' drafts may fill), and no word of how many the archive holds.
            found = matches.restrict(queryset)
            return (matches.rank(found) if by_relevance else found), False
        if not matches.complete and (
            request.resolver_match is None or request.resolver_match.url_name != "autocomplete"
        ):
            messages.info(
                request,
                f"More than {search.MATCH_LIMIT:,} articles match “{term}”: the best"
                f" {search.MATCH_LIMIT:,} are listed. Add a word or a filter to narrow them.",
            )
        # Sorted by a column, the ids need no rank: the list sorts them (Django's ordering).
        listed = matches.ranked_ids if by_relevance else matches.ids
        if not (editor and _filtered_in_index_alone(request.GET, index_terms)):
            # A filter the index does not hold (the status, the review...), or a Contributor's own
            # pieces: the ids the list keeps, read by their ids in one statement.
            kept = set(queryset.prefetch_related(None).filter(pk__among=listed).values_list("pk", flat=True))
            listed = [pk for pk in listed if pk in kept]
        request.search_paging = {"known_count": len(listed)}
        if not by_relevance:
            return queryset.filter(pk__among=listed), False
        request.search_paging["first"] = lambda top: search.in_order(queryset, listed[:top])
        return search.in_order(queryset, listed), False

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return inlines if obj else [inline for inline in inlines if inline is not ReviewStepInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.may_change(request.user, obj)

    def has_publish_permission(self, request):
        return permissions.is_editor(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django answers an article that is not on the user's desk with a redirect (302); a 302 is
        # also what django-reversion takes as "the revert was saved", so it must be a 404 here.
        raise Http404("No such article on your desk.")

    # django-reversion's views, checked here first: the article must be on the user's desk, the
    # version one of its own, and the state it brings back one the user may leave it in.
    def history_view(self, request, object_id, extra_context=None):
        self._article_on_desk(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        article = self._article_on_desk(request, object_id)
        version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
        if request.method == "POST" and not permissions.may_restore(request.user, article, version):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not permissions.may_recover(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not permissions.may_recover(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def _article_on_desk(self, request, object_id):
        article = self.get_object(request, unquote(object_id))  # through get_queryset: the desk
        if article is None:
            raise Http404("No such article on your desk.")
        return article

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if not permissions.is_editor(request.user):
            obj.status = Article.Status.DRAFT  # a Contributor's article stays a draft, whatever was sent
        super().save_model(request, obj, form, change)
        # The files this save wrote (a preview deletes them again: editorial.preview).
        request.uploaded_files = [
            getattr(obj, name)
            for name in form.changed_data
            if isinstance(form.cleaned_data.get(name), UploadedFile)
        ]

    def get_readonly_fields(self, request, obj=None):
        """Only those allowed to publish may change an article's status or date."""
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields += ["status", "published_at"]
        return fields

    def action_checkbox(self, obj):
        """The row's checkbox for the actions, Django's markup written at once: rendered as a form
        widget through its templates it took a third of the time of the change list's 100 rows."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

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
        drafts = queryset.drafts()
        chosen = list(drafts.values_list("pk", flat=True))
        count = drafts.update(
            status=Article.Status.PUBLISHED, published_at=Coalesce("published_at", Value(now)), updated_at=now
        )
        content_changed(articles=chosen)  # update() sends no signal
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        published = queryset.released()
        chosen = list(published.values_list("pk", flat=True))
        pages = pages_showing(chosen)  # the pages they are on, before they leave them
        count = published.update(status=Article.Status.DRAFT, updated_at=timezone.now())
        content_changed(articles=chosen, pages_before=pages)  # update() sends no signal
        self.message_user(
            request,
            ngettext("%d article unpublished.", "%d articles unpublished.", count) % count,
            messages.SUCCESS,
        )
