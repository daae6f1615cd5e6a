"""Rich text that is safe to show: the one allow-list for editors' HTML, applied by nh3.

Bodies are cleaned when saved and again when rendered, so markup that slipped into the database
by any route (an old row, a raw SQL fix) still reaches a page only as allowed markup.
"""

import re

import nh3
from ada_url import URL
from django.conf import settings
from django.utils.html import escape

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark",
    "a", "ul", "ol", "li", "blockquote", "q", "cite", "h2", "h3", "h4", "h5", "h6",
    "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "p": {"class"},  # only the classes of ALLOWED_CLASSES
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# The classes articles.linking gives the blocks it writes ("Also read"), for the stylesheet; any
# other class (pasted from a web page or a word processor) is dropped.
ALLOWED_CLASSES = {"also-read", "also-read also-read--waiting"}
URL_SCHEMES = {"http", "https", "mailto"}
# What XML 1.0 cannot carry (C0 controls but tab, line feed and carriage return; U+FFFE, U+FFFF;
# lone surrogates): one in a title would make every feed that lists it unreadable.
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CLEANING_ROUNDS = 5  # how often clean_html re-cleans its output at most (twice is the most seen)


def clean_html(html):
    """Return `html` reduced to the allowed tags, attributes and URL schemes.

    Images must come from this site or from an origin in settings.RICHTEXT_IMAGE_ORIGINS: a
    picture from anywhere else would tell a third party who reads what (and the CSP blocks it).

    The result is a fixed point (clean_html(clean_html(x)) == clean_html(x)): removing a tag can
    leave markup that parses differently the next time (a <p> that was inside a removed <object>
    now inside a <p>), so the output is cleaned again until it no longer changes. A backup that is
    restored and exported again is then byte-identical.
    """
    before = plain_text(html or "")
    cleaned = _clean_once(before)
    for _ in range(CLEANING_ROUNDS):
        if cleaned == before:  # cleaning changed nothing, so cleaning again would not either
            break  # (clean markup, an import's bodies: one pass, not two)
        before, cleaned = cleaned, _clean_once(cleaned)
    return cleaned


def _clean_once(html):
    # plain_text() again after: an entity ("&#x0b;") comes out of the parser as the raw character.
    return plain_text(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=_allowed_values,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
        )
    )


def plain_text(text):
    """`text` without the characters XML cannot carry (see XML_UNSAFE)."""
    return XML_UNSAFE.sub("", text)


def one_line(text):
    """`text` on one line: each run of white space (tabs, line and paragraph separators) one space."""
    return " ".join((text or "").split())


def without_unsafe_characters(value):
    """`value` (text, or lists and dicts of it, as parsed from JSON) with plain_text() applied throughout."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, list | tuple):
        return type(value)(without_unsafe_characters(item) for item in value)
    if isinstance(value, dict):
        return {key: without_unsafe_characters(item) for key, item in value.items()}
    return value


def clean_text_fields(instance):
    """Strip what XML cannot carry from every text field of a model instance, before it is saved."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if isinstance(value, str):
            setattr(instance, field.attname, plain_text(value))
        elif isinstance(value, dict):  # a JSON field: translations, {"ru": {"name": …}}
            setattr(instance, field.attname, _plain_texts(value))


def _plain_texts(value):
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, dict):
        return {key: _plain_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_texts(item) for item in value]
    return value


def _allowed_values(element, attribute, value):
    if attribute == "class":
        return value if value in ALLOWED_CLASSES else None
    if element != "img" or attribute != "src":
        return value
    return same_site_or_allowed(value)


# A base no real URL has: what resolves to its origin is a path of this site's.
HERE = "https://here.invalid/"


def same_site_or_allowed(src):
    """`src` as browsers read it (the WHATWG URL standard: "/\\evil.example", "/<TAB>/evil.example"
    are "//evil.example"), when it is this site's (made a plain path) or under an allowed origin
    (settings.RICHTEXT_IMAGE_ORIGINS, and an object store's, settings.MEDIA_ORIGINS, no wildcards);
    else None. What we keep is the normalised URL, so no other reader of the body parses it
    differently."""
    try:
        url = URL(src, HERE)
    except ValueError:
        return None
    if url.origin == HERE.rstrip("/") and src.lstrip().startswith("/"):
        return f"{url.pathname}{url.search}{url.hash}"
    origins = [*settings.RICHTEXT_IMAGE_ORIGINS, *(o for o in settings.MEDIA_ORIGINS if "*" not in o)]
    allowed = any(url.href.startswith(URL(origin, HERE).origin + "/") for origin in origins)
    return url.href if allowed and url.protocol in ("https:", "http:") else None


def paragraphs_to_html(text):
    """Turn plain text with blank-line separated paragraphs into `<p>` elements, escaped."""
    paragraphs = [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n")]
    return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs if paragraph)


def fold(word):
    """A word as search compares it: case-folded (Cyrillic too), "ё" read as "е"."""
    return word.casefold().replace("ё", "е")


NOT_WORD = re.compile(r"[^\w-]+")


def folded_words(text):
    """`text` as names and titles are compared: folded (see fold()), punctuation and runs of spaces
    made one space. "R. Weitz" -> "r weitz"; "Forecasts on Korea’s…" -> "forecasts on korea s"."""
    return " ".join(NOT_WORD.sub(" ", fold(text or "")).split())
