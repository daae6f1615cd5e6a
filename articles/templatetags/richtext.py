import textwrap

from django import template
from django.utils.safestring import mark_safe

from articles.richtext import clean_html

register = template.Library()


@register.filter
def richtext(html):
    """Render stored rich text through the sanitiser once more; the result is safe markup."""
    return mark_safe(clean_html(html))  # noqa: S308 - nh3 has just removed anything unsafe


@register.filter
def shorten(text, width):
    """Cut `text` to at most `width` characters at a word boundary, ending with "…"; its spaces run
    together in any case."""
    words = str(text).split()
    joined = " ".join(words)
    if len(joined) <= int(width):  # most leads: textwrap's words and lines for nothing (50 µs)
        return joined
    return textwrap.shorten(joined, width=int(width), placeholder="…")
