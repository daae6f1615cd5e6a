from django.contrib import admin

from experts.models import Expert, ExpertLink


class ExpertLinkInline(admin.TabularInline):
    model = ExpertLink
    fields = ["label", "url", "position"]
    extra = 1


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "organisation", "country"]
    list_filter = ["organisation", "country"]
    search_fields = ["name", "last_name", "organisation"]
    autocomplete_fields = ["topics"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ExpertLinkInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "last_name"]}),
        ("Affiliation", {"fields": ["position", "organisation", "country"]}),
        ("Profile", {"fields": ["photo", "bio", "topics"]}),
    ]
