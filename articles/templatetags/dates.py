"""{% time_tag %}: a date as the site writes it ("18 April 2017", "18 апреля 2017") in a <time>
element whose machine-readable value a browser or a crawler can read."""

import datetime
from functools import lru_cache

from django import template
from django.utils import formats, timezone, translation
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def time_tag(value):
    """`value` a datetime (shown in the current time zone, as Django's date filter shows it) or a
    date; nothing for None."""
    if value is None:
        return ""
    day = value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        day = value.date()
    written = _written(day, translation.get_language())
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), written)


@lru_cache(maxsize=4096)
def _written(day, language):
    """The day in words, worked out once a day and language: a page shows dozens of dates, and the
    date filter takes about 30 µs for each (a sixth of an article card's time)."""
    with translation.override(language):
        return formats.date_format(day)  # DATE_FORMAT, config/formats
