from django.contrib import admin

from articles import permissions
from articles.admin import LongList, OneWritePass, translation_fieldset, translations_form
from experts.models import NAMED_IN_LATIN_ONLY, Expert, ExpertLink


class ExpertLinkInline(admin.TabularInline):
    model = ExpertLink
    fields = ["label", "url", "position"]
    extra = 1


class RussianNameFilter(admin.SimpleListFilter):
    """Russian pages show a name given in Latin letters only as it is (a transliteration into
    Cyrillic would guess at pronunciation: "Weitz" is "Вайц"): this finds those still to give."""

    title = "name in Russian"
    parameter_name = "russian_name"

    def lookups(self, request, model_admin):
        return [("given", "given"), ("missing", "Latin letters only")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(NAMED_IN_LATIN_ONLY)
        if self.value() == "given":
            return queryset.exclude(NAMED_IN_LATIN_ONLY)
        return queryset


@admin.register(Expert)
class ExpertAdmin(OneWritePass, LongList, admin.ModelAdmin):
    list_display = ["name", "position", "organisation", "country"]
    list_filter = [RussianNameFilter, "organisation", "country"]
    search_fields = ["name", "last_name", "other_names", "organisation"]
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ExpertLinkInline]
    form = translations_form(Expert)
    fieldsets = [
        (None, {"fields": ["name", "slug", "last_name", "other_names"]}),
        ("Affiliation", {"fields": ["position", "organisation", "country"]}),
        ("Profile", {"fields": ["photo", "bio", "topics"]}),
        translation_fieldset(Expert),
    ]

    # An expert's profile is public the moment it is saved: only Editors create, change or delete
    # one (articles.permissions.may_change_expert); Contributors choose authors from the list.
    def has_add_permission(self, request):
        return super().has_add_permission(request) and permissions.may_change_expert(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.may_change_expert(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.may_change_expert(request.user)
