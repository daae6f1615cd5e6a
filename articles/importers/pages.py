"""Publishers' plain-text pages (like the samples in articles/demo/pages/) read into their parts.

Two kinds are recognised by their shape:

- a Valdai Discussion Club "Expert Opinions" page, in English or in Russian ("Мнения"): a title
  line, a `DD.MM.YYYY` date, a lead that names the expert ("writes <Name>, <position> at
  <organisation>"; "пишет <Имя>, <должность>"), the body, the Club's disclaimer and a "Related
  articles" ("Материалы по теме") listing (title, date, lead, "Expert:"/"Эксперт:",
  "Category:"/"Категория:" per item);
- a Russia Direct opinion piece: no title or date, the lead first, then a photo caption ending in
  its credit ("Photo: AP"), the body with `Also read: "<title>"` lines (kept in place: the site
  shows them as links, articles.linking), and its disclaimer.

A page's language is read from its letters (mostly Cyrillic: Russian), unless the caller says.
parse_page() only reads; articles.importers.page_import writes. A page it cannot read raises
PageError with the reason.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from articles.richtext import plain_text

DATE_LINE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
CREDIT = re.compile(
    r"^(?P<caption>.*?)\s*(?P<credit>(?:Photo|Photograph|Image|Picture|Source):\s*\S.*)$", re.S
)
ELLIPSIS = ("…", "...")


@dataclass(frozen=True)
class ValdaiWords:
    """The words a Valdai page uses in one language."""

    writes: str  # the verbs that introduce the expert in the lead
    related: str  # the related listing's heading
    expert: str
    category: str
    default_category: str
    at: str = ""  # between position and organisation ("… at Hudson Institute"), if the language has one

    @property
    def expert_in_lead(self):
        return re.compile(rf",?\s+(?:{self.writes})\s+(?P<experts>.+?)\.?$", re.S)

    @property
    def related_item(self):
        return re.compile(
            rf"(?P<title>[^\n]+)\n(?P<date>\d{{2}}\.\d{{2}}\.\d{{4}})\n(?P<lead>.*?)\n\s*\n{self.expert}:\s*\n"
            rf"(?P<expert>[^\n]+)\n\s*\n{self.category}:\s*\n(?P<category>[^\n]+)",
            re.S,
        )


VALDAI = {
    "en": ValdaiWords(
        writes="writes|write|says|say|argues|argue|believes|believe",
        related="Related articles",
        expert="Expert",
        category="Category",
        default_category="Expert Opinions",
        at=" at ",
    ),
    "ru": ValdaiWords(
        writes="пишет|пишут|считает|считают|полагает|полагают|отмечает|отмечают",
        related="Материалы по теме",
        expert="Эксперт",
        category="Категория",
        default_category="Мнения",
    ),
}
RELATED_HEADING = VALDAI["en"].related  # as before: the English page's heading

PUBLISHERS = {
    "Valdai Discussion Club": {
        "url": "https://valdaiclub.com/",
        "disclaimer": "Views expressed are of individual Members and Contributors, rather than the Club's, "
        "unless explicitly stated otherwise.",
        # The disclaimer as the Club's pages in other languages print it (the source's translation).
        "disclaimers": {
            "ru": "Мнения, высказанные в данной статье, могут не совпадать с позицией Клуба, "
            "если явно не указано иное."
        },
    },
    "Russia Direct": {
        "url": "https://russia-direct.org/",
        "disclaimer": "The opinion of the author may not necessarily reflect the position of Russia Direct "
        "or its staff.",
    },
}


class PageError(ValueError):
    """The page cannot be read; the message says why."""


@dataclass
class ExpertMention:
    name: str
    position: str = ""
    organisation: str = ""


@dataclass
class RelatedItem:
    title: str
    truncated: bool = False
    published: date | None = None
    lead: str = ""
    expert: str = ""
    category: str = ""


@dataclass
class Page:
    kind: str
    title: str
    lead: str
    paragraphs: list
    publisher: str
    published: date | None = None
    title_derived: bool = False
    experts: list = field(default_factory=list)
    caption: str = ""
    credit: str = ""
    related: list = field(default_factory=list)
    category: str = "Expert Opinions"
    language: str = "en"
    disclaimer: str = ""  # the publisher's disclaimer as this page prints it


def detect_language(text):
    """ "ru" when most of the text's letters are Cyrillic, else "en"."""
    letters = [char for char in text if char.isalpha()]
    cyrillic = sum(1 for char in letters if "\u0400" <= char <= "\u04ff")
    return "ru" if letters and cyrillic / len(letters) > 0.5 else "en"


def read_text(raw):
    """Decode a page's bytes (UTF-8, with or without a BOM; Windows line endings allowed)."""
    if not raw.strip():
        raise PageError("the file is empty")
    if b"\x00" in raw:
        raise PageError("the file is binary, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PageError(f"the file is not UTF-8 text (byte {error.start})") from error
    # Control characters (a stray form feed from a PDF copy) have no place in a page; XML refuses them.
    return plain_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def parse_page(text, *, language=None):
    """Read a page's text into a Page, or raise PageError. `language` ("en", "ru") is read from
    the text unless given."""
    language = language or detect_language(text)
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    if len(blocks) >= 2 and DATE_LINE.match(blocks[1]):
        if language not in VALDAI:
            raise PageError(f"no Valdai page layout is known in {language!r}")
        return _parse_valdai(blocks, text, VALDAI[language], language)
    if any(block.startswith(PUBLISHERS["Russia Direct"]["disclaimer"][:40]) for block in blocks) or (
        len(blocks) >= 2 and CREDIT.match(blocks[1])
    ):
        return _parse_russia_direct(blocks)
    raise PageError(
        "not a page of a known kind (no date line under a title, no photo credit, no known disclaimer)"
    )


def _parse_valdai(blocks, text, words, language):
    title, published = _one_line(blocks[0], "title"), _date(blocks[1])
    rest, related = blocks[2:], []
    if words.related in rest:
        at = rest.index(words.related)
        rest, listing = rest[:at], text.split(words.related, 1)[1]
        related = [_related_item(match) for match in words.related_item.finditer(listing.strip() + "\n")]
    disclaimers = [block for block in rest if _is_disclaimer(block)]
    rest = [block for block in rest if not _is_disclaimer(block)]
    if len(rest) < 2:
        raise PageError("no body under the lead")
    lead, paragraphs = rest[0], [" ".join(block.split()) for block in rest[1:]]
    return Page(
        kind="valdai",
        title=title,
        published=published,
        lead=" ".join(lead.split()),
        paragraphs=paragraphs,
        publisher="Valdai Discussion Club",
        experts=_experts_in(lead, words),
        related=related,
        category=words.default_category,
        language=language,
        disclaimer=" ".join(disclaimers[0].split()) if disclaimers else "",
    )


def _parse_russia_direct(blocks):
    lead, rest = blocks[0], blocks[1:]
    caption = credit = ""
    match = CREDIT.match(rest[0]) if rest else None
    if match:
        caption, credit, rest = " ".join(match["caption"].split()), match["credit"].strip(), rest[1:]
    paragraphs = []
    for block in rest:  # an `Also read: "…"` line stays in its place: articles.linking links it
        if not _is_disclaimer(block):
            paragraphs.append(" ".join(block.split()))
    if not paragraphs:
        raise PageError("no body under the lead")
    lead = " ".join(lead.split())
    return Page(
        kind="russia-direct",
        title=derive_title(lead),
        title_derived=True,
        lead=lead,
        paragraphs=paragraphs,
        publisher="Russia Direct",
        caption=caption,
        credit=credit,
    )


def derive_title(lead, *, words=12):
    """A title for a page that has none: the lead's first sentence, cut at a word if long."""
    # A sentence ends at . ! or ? after a lower-case letter or digit, so "U.S." does not end one.
    sentence = re.split(r"(?<=[a-z0-9][.!?])\s+(?=[A-Z])", lead, maxsplit=1)[0].rstrip(".!?")
    parts = sentence.split()
    return sentence if len(parts) <= words else " ".join(parts[:words]) + "…"


def _experts_in(lead, words=VALDAI["en"]):
    """The experts a Valdai lead names: "…, writes Name, Position at Organisation." (", and" for more);
    in Russian "…, пишет Имя Фамилия, должность" (the position with its institution, as written)."""
    match = words.expert_in_lead.search(lead)
    if not match:
        return []
    experts = []
    for part in re.split(r",\s+(?:and|и)\s+|;\s+", match["experts"]):
        name, _, affiliation = part.partition(",")
        name = " ".join(name.split())
        if not re.fullmatch(r"[^\W\d_][\w.'’-]*(?:\s+[\w.'’-]+){1,4}", name):
            continue
        position, organisation = "", affiliation.strip()
        if words.at:
            position, _, organisation = affiliation.strip().rpartition(words.at)
        if not position:
            position, organisation = organisation, ""
        experts.append(ExpertMention(name=name, position=position.strip(), organisation=organisation.strip()))
    return experts


def _related_item(match):
    title = " ".join(match["title"].split())
    truncated = title.endswith(ELLIPSIS)
    for mark in ELLIPSIS:
        title = title.removesuffix(mark)
    return RelatedItem(
        title=title.strip(),
        truncated=truncated,
        published=_date(match["date"]),
        lead=" ".join(match["lead"].split()),
        expert=" ".join(match["expert"].split()),
        category=" ".join(match["category"].split()),
    )


def _is_disclaimer(block):
    return any(
        block.startswith(disclaimer[:40])
        for publisher in PUBLISHERS.values()
        for disclaimer in [publisher["disclaimer"], *publisher.get("disclaimers", {}).values()]
    )


def _one_line(block, what):
    if "\n" in block or len(block) > 300:
        raise PageError(f"the {what} is not a single line")
    return block


def _date(value):
    match = DATE_LINE.match(value.strip())
    if not match:
        raise PageError(f"{value!r} is not a DD.MM.YYYY date")
    day, month, year = map(int, match.groups())
    try:
        return date(year, month, day)
    except ValueError as error:
        raise PageError(f"{value} is not a real date ({error})") from error
