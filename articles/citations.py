"""An article as researchers cite it: BibTeX, RIS and plain text (Chicago-like).

Each takes the article (its authors prefetched, as with_cards() does) and the full address of its
page, and gives text. The page cited is this knowledge base's; the original publisher is named.
"""

import re
import unicodedata
from typing import NamedTuple

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from articles.seo import SITE_NAME

BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def bibtex(article, url, *, accessed=None):
    """A @misc entry (the type every BibTeX style and reference manager reads)."""
    accessed = accessed or timezone.localdate()
    fields = [("title", "{" + _bibtex_text(article.title) + "}")]  # braces keep its capitals
    authors = article.ordered_authors()
    if authors:
        fields.insert(0, ("author", " and ".join(_bibtex_text(expert.name_inverted()) for expert in authors)))
    if article.published_at:
        date = timezone.localtime(article.published_at).date()
        fields += [
            ("year", str(date.year)),
            ("month", BIBTEX_MONTHS[date.month - 1]),
            ("date", date.isoformat()),
        ]
    fields += [("howpublished", _bibtex_text(SITE_NAME)), ("url", url), ("urldate", accessed.isoformat())]
    note = _origin(article)
    if note:
        fields.append(("note", _bibtex_text(note)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields
    )
    return f"@misc{{{_bibtex_key(article)},\n{body}\n}}\n"


def ris(article, url, *, accessed=None):
    """A RIS record of type ELEC (web page), lines ending CRLF as the format asks."""
    accessed = accessed or timezone.localdate()
    lines = [("TY", "ELEC")]
    lines += [("AU", expert.name_inverted()) for expert in article.ordered_authors()]
    lines.append(("TI", article.title))
    lines.append(("T2", SITE_NAME))
    if article.published_at:
        date = timezone.localtime(article.published_at).date()
        lines += [("PY", str(date.year)), ("DA", date.strftime("%Y/%m/%d"))]
    if article.lead:
        lines.append(("AB", article.lead))
    lines += [("KW", topic.name) for topic in article.topics.all()]
    if article.source:
        lines.append(("PB", article.source.name))
    note = _origin(article)
    if note:
        lines.append(("N1", note))
    lines += [("UR", url), ("Y2", accessed.strftime("%Y/%m/%d")), ("ER", "")]
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)


def plain(article, url):
    """Author(s). “Title.” Expert Opinions, Month D, YYYY. URL. (Chicago's order, in the words,
    quotation marks and date of the page's language.)"""
    parts = []
    authors = article.ordered_authors()
    if authors:
        names = [authors[0].name_inverted(), *(expert.local.name for expert in authors[1:])]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + gettext(", and ") + names[-1]
        parts.append(joined.rstrip(".") + ".")
    title = article.title.rstrip()
    parts.append(gettext("“%(title)s”") % {"title": title + ("" if title[-1:] in ".?!" else ".")})
    published = ""
    if article.published_at:
        # Translators: a date in a citation (Django's date format): "June 20, 2018".
        published = ", " + date_format(timezone.localtime(article.published_at), gettext("F j, Y"))
    parts.append(f"{SITE_NAME}{published}.")
    if article.source:
        parts.append(gettext("First published by %(source)s.") % {"source": article.source.local.name})
    parts.append(url + ".")
    return " ".join(parts)


def _one_line(text):
    return " ".join(str(text).split())


def _bibtex_text(text):
    return "".join(BIBTEX_SPECIALS.get(char, char) for char in _one_line(text))


def _bibtex_key(article):
    """weitz2017thaad: first author's last name, year, first word of the title, ASCII letters only."""
    authors = article.ordered_authors()
    name = authors[0].last_name or authors[0].name if authors else "anon"
    year = str(article.published_at.year) if article.published_at else ""
    word = next((w for w in re.findall(r"\w+", _ascii(article.title)) if len(w) > 3), "")
    return re.sub(r"[^a-z0-9]", "", f"{_ascii(name)}{year}{word}".lower()) or "article"


def _ascii(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class Format(NamedTuple):
    label: str
    extension: str
    media_type: str
    write: object  # (article, url) -> text

    def filename(self, article):
        return f"{article.slug[:80]}.{self.extension}"


FORMATS = {
    "bibtex": Format("BibTeX", "bib", "application/x-bibtex", bibtex),
    "ris": Format("RIS", "ris", "application/x-research-info-systems", ris),
    "text": Format(gettext_lazy("Plain text"), "txt", "text/plain", plain),
}


def _origin(article):
    """The note of the BibTeX and RIS records (reference managers' fields, in English)."""
    return f"First published by {article.source.name}" if article.source else ""
