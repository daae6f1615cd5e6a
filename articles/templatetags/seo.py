import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import seo
from articles.pagination import whole_number
from articles.seo import SITE_NAME, PageMeta, language_versions

register = template.Library()

# Inside a <script> element only "</script" or "<!--" could end or alter it: escape < > & as JSON does
# allow, so that no stored text can break out of the data block.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """A schema.org object as a JSON-LD data block (not a script a Content-Security-Policy must allow)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag(takes_context=True)
def page_meta(context):
    """The view's PageMeta, or the site's own for pages without one (the error pages)."""
    return context.get("meta") or PageMeta(title=SITE_NAME)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's address without filters or tracking parameters; a listing's page number stays."""
    request = context.get("request")
    if request is None:  # the 500 page is rendered without one
        return ""
    url = request.build_absolute_uri(request.path)
    page = whole_number(request.GET.get("page", ""))
    if page and page > 1:
        url += f"?page={page}"
    return url


@register.filter
def absolute_url(path, request):
    """A path or URL (a media file's, say) as a full URL."""
    if not path or request is None:
        return path or ""
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def language_links(context):
    """This page in each language (LanguageVersion list): an article's translations, or for other
    pages the same address under each prefix. Empty for pages outside the prefixes (errors)."""
    request = context.get("request")
    if request is None or request.resolver_match is None:
        return []
    return language_versions(request, context.get("versions"))


register.filter("og_locale", seo.og_locale)
