"""Rich text that is safe to show: the one allow-list for editors' HTML, applied by nh3.

Bodies are cleaned when saved and again when rendered, so markup that slipped into the database
by any route (an old row, a raw SQL fix) still reaches a page only as allowed markup.
"""

import nh3
from django.conf import settings
from django.utils.html import escape

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
    "a", "ul", "ol", "li", "blockquote", "q", "cite", "h2", "h3", "h4", "h5", "h6",
    "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(html):
    """Return `html` reduced to the allowed tags, attributes and URL schemes.

    Images must come from this site or from an origin in settings.RICHTEXT_IMAGE_ORIGINS: a
    picture from anywhere else would tell a third party who reads what (and the CSP blocks it).
    """
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_allowed_images,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def _only_allowed_images(element, attribute, value):
    if element != "img" or attribute != "src":
        return value
    if value.startswith("/") and not value.startswith("//"):
        return value
    origins = settings.RICHTEXT_IMAGE_ORIGINS
    return value if any(value.startswith(origin.rstrip("/") + "/") for origin in origins) else None


def paragraphs_to_html(text):
    """Turn plain text with blank-line separated paragraphs into `<p>` elements, escaped."""
    paragraphs = [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n")]
    return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs if paragraph)
