from django import template

from articles.editorial import dashboard

register = template.Library()


@register.simple_tag
def editorial_dashboard(user):
    """The editor's desk on the admin index: awaiting review, scheduled, published, flagged."""
    return dashboard(user)
