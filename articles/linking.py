"""The body as readers get it (Article.body_html), written when the article is saved, never per request.

Two things are linked in it:

- **"Also read" lines.** A paragraph that is only `Also read: "<title>"` (`Читайте также: «…»`) is a
  reference (RelatedLink, kind ALSO_READ, kept here in the body's order). Readers get a link block at
  its place: to the article when it is published here, else the title as a waiting entry (linking to
  the publisher's page where its address is known). The editor writes the line as text.
- **Expert mentions.** The body's capitalised word runs are looked up among the experts' names
  (ExpertName: every language, and the other spellings editors add). The first mention of each
  expert named links to the profile, never inside a link, a heading, a figure caption or a `<cite>`
  (an attribution the editor marked). Each expert found is an ArticleMention; an editor who unticks
  it in the admin keeps that name unlinked through later saves.

articles.derived.content_changed() calls refresh() for every article a write touched, for the articles
whose references were just linked or whose target changed, and for those naming an expert whose names
changed (found through the search index, not by reading the archive).
"""

import html
import re

from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _

from articles.models import Article, ArticleAuthor, ArticleMention, RelatedLink
from articles.references import drop_orphans, find_article
from articles.richtext import folded_words
from articles.search import backend as search_backend
from articles.search.query import parse as parse_query
from experts.models import Expert, ExpertName

ALSO_READ = re.compile(
    r"^\s*(?:Also read|See also|Читайте также|Читайте также по теме|См\. также)\s*:\s*"
    r"[\"“«„'](?P<title>[^\"”»“]+?)[\"”»“']\s*\.?\s*$",
    re.IGNORECASE,
)
PARAGRAPH = re.compile(r"<p>(?P<text>[^<]*)</p>")
TAG = re.compile(r"(<[^>]*>)")
WORD = re.compile(r"[^\W_][\w-]*")
NOT_LINKED_INSIDE = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "cite", "figcaption"}
LONGEST_NAME = 5  # words
BATCH = 200  # articles read at once
NAMES_PER_QUERY = 2_000  # candidate names looked up at once (well under SQLite's bound parameters)
NAMED_LIMIT = 100_000  # articles found naming an expert, refreshed after a rename


def also_read_titles(body):
    """The titles of the body's "Also read" lines, in order."""
    titles = []
    for match in PARAGRAPH.finditer(body or ""):
        also = ALSO_READ.match(html.unescape(match["text"]))
        if also:
            titles.append(" ".join(also["title"].split()))
    return titles


def naming(expert_ids):
    """Ids of the articles that may name these experts in their bodies (their names as phrases,
    through the search index, of any status), and of those that mention them now. Their own pieces
    are left out: the index holds authors' names, so every piece of theirs would match (17,000 for
    the busiest expert of a generated archive of 100k), and a byline is no mention."""
    found = set(ArticleMention.objects.filter(expert_id__in=expert_ids).values_list("article_id", flat=True))
    for expert in Expert.objects.filter(pk__in=expert_ids):
        matched = set()
        for name in expert.mention_names():
            query = parse_query(f'"{name}"')
            if query:
                matched.update(search_backend().match_ids(query, NAMED_LIMIT))
        # Their own pieces among those matched, not all of them: 166,000 ids for the busiest
        # expert of a million-article archive took 150 ms of a rename's save.
        own = ArticleAuthor.objects.filter(expert=expert, article_id__in=matched).values_list(
            "article_id", flat=True
        )
        found.update(matched - set(own))
    return found


def refresh(article_ids):
    """Write body_html, the "Also read" references and the mentions of these articles again; returns
    the ids of those whose page or mentions changed."""
    changed = set()
    ids = sorted(set(article_ids))
    # A bulk writer's articles: every name read once, not a batch's thousands of word runs each time.
    names = _every_name() if len(ids) > BATCH else None
    firsts = _first_words(names) if names is not None else None
    for start in range(0, len(ids), BATCH):
        with transaction.atomic(savepoint=False):
            changed |= _refresh(ids[start : start + BATCH], names, firsts)
    return changed


def _refresh(ids, names=None, firsts=None):
    articles = list(Article.objects.filter(pk__among=ids).only("pk", "body", "body_html", "language"))
    if len(articles) < len(ids):  # some were deleted: an editor's pick of one points at nothing now
        drop_orphans()
    if not articles:
        return set()
    references = _sync_also_read(articles)
    found = _experts_named(articles, names, firsts)
    mentions = _sync_mentions(articles, found)
    changed = {pk for pk, (before, now) in mentions.items() if before != now}
    updated = []
    for article in articles:
        body_html = _render(article, references.get(article.pk, []), found.get(article.pk, {}), mentions)
        if body_html != article.body_html:
            article.body_html = body_html
            updated.append(article)
            changed.add(article.pk)
    if updated:
        Article.objects.bulk_update(updated, ["body_html"])
    return changed


def _sync_also_read(articles):
    """{article id: [RelatedLink of kind ALSO_READ, in the body's order]}: created for new lines,
    deleted with theirs; a new one linked at once to the article it names, if it is here."""
    held = {}
    for link in (
        RelatedLink.objects.filter(article__in=articles, kind=RelatedLink.Kind.ALSO_READ)
        .select_related("related")
        .order_by("position", "pk")
    ):
        held.setdefault(link.article_id, []).append(link)
    result = {}
    for article in articles:
        titles = also_read_titles(article.body)
        links = {link.title_key: link for link in held.get(article.pk, [])}
        wanted = []
        for position, title in enumerate(dict.fromkeys(titles)):
            link = links.pop(folded_words(title), None)
            if link is None:
                target = find_article(title, language=article.language)
                link = RelatedLink(
                    article=article,
                    kind=RelatedLink.Kind.ALSO_READ,
                    title=title,
                    related=target if target and target.pk != article.pk else None,
                    position=position,
                )
                link.save()
            elif link.position != position:
                link.position = position
                link.save(update_fields=["position"])
            wanted.append(link)
        if links:
            RelatedLink.objects.filter(pk__in=[link.pk for link in links.values()]).delete()
        result[article.pk] = wanted
    return result


def _experts_named(articles, names=None, firsts=None):
    """{article id: {expert id: [names' keys]}} for the experts whose names the bodies contain;
    `names` as _every_name() gives them and their `firsts` (_first_words()), if read already: then
    only the word runs that begin as a name does are tried."""
    candidates, folded = {}, {}  # each word folded once a batch: it recurs in up to five runs
    for article in articles:
        text = html.unescape(TAG.sub(" ", article.body or ""))
        words = WORD.findall(text)
        keys = set()
        for start, word in enumerate(words):
            if not word[0].isupper():
                continue
            run = []  # the folded words from `start` on: a run folds as its words, one by one
            for later in words[start : start + LONGEST_NAME]:
                if later not in folded:
                    folded[later] = folded_words(later)
                if folded[later]:
                    if not run and firsts is not None and folded[later].partition(" ")[0] not in firsts:
                        break  # no name begins with this run's first word
                    run.append(folded[later])
                keys.add(" ".join(run))
        candidates[article.pk] = keys
    if names is None:
        every = set().union(*candidates.values())
        # Reading every name (a few thousand experts) costs less than looking up tens of thousands
        # of word runs in chunks.
        names = _every_name() if len(every) > NAMES_PER_QUERY else _every_name(every)
    found = {}
    for pk, keys in candidates.items():
        for key in keys & names.keys():
            for expert in names[key]:
                found.setdefault(pk, {}).setdefault(expert, []).append(key)
    return found


def _first_words(names):
    """The words names begin with. Once for a bulk refresh's every batch: ten thousand names'."""
    return {name.partition(" ")[0] for name in names}


def _every_name(among=None):
    """{name: {expert ids}} of every expert's names (ExpertName), or of those `among` these."""
    rows = ExpertName.objects.all() if among is None else ExpertName.objects.filter(name__in=sorted(among))
    names = {}
    for expert, name in rows.values_list("expert_id", "name"):
        names.setdefault(name, set()).add(expert)
    return names


def _sync_mentions(articles, found):
    """Make the ArticleMention rows the experts found (an editor's unticked ones stay unticked);
    {article id: (before, now)} as sets of (expert, linked)."""
    held = {}
    for pk, article, expert, linked in ArticleMention.objects.filter(article__in=articles).values_list(
        "pk", "article_id", "expert_id", "linked"
    ):
        held.setdefault(article, {})[expert] = (pk, linked)
    gone, new, result = [], [], {}
    for article in articles:
        before = held.get(article.pk, {})
        now = found.get(article.pk, {})
        gone += [pk for expert, (pk, _) in before.items() if expert not in now]
        new += [
            ArticleMention(article_id=article.pk, expert_id=expert) for expert in now if expert not in before
        ]
        result[article.pk] = (
            {(expert, linked) for expert, (_, linked) in before.items()},
            {(expert, before.get(expert, (None, True))[1]) for expert in now},
        )
    if gone:
        ArticleMention.objects.filter(pk__in=gone).delete()
    if new:
        ArticleMention.objects.bulk_create(new)
    return result


def _render(article, references, named, mentions):
    """The body with its "Also read" blocks and mention links; "" when that is the body itself."""
    body = article.body or ""
    if not references and not named:
        return ""
    with translation.override(article.language):
        if references:
            body = _also_read_blocks(body, references)
        linked = {expert for expert, linked in mentions.get(article.pk, (set(), set()))[1] if linked}
        named = {expert: keys for expert, keys in named.items() if expert in linked}
        if named:
            body = _link_mentions(body, named)
    return "" if body == article.body else body


def _also_read_blocks(body, references):
    by_key = {link.title_key: link for link in references}

    def block(match):
        also = ALSO_READ.match(html.unescape(match["text"]))
        link = by_key.get(folded_words(" ".join(also["title"].split()))) if also else None
        if link is None:
            return match[0]
        label = html.escape(_("Also read:"))
        target = link.related
        if target is not None and target.is_public:
            anchor = f'<a href="{html.escape(target.get_absolute_url())}">{html.escape(target.title)}</a>'
            return f'<p class="also-read"><strong>{label}</strong> {anchor}</p>'
        title = html.escape(link.title)
        shown = f'<a href="{html.escape(link.url)}">{title}</a>' if link.url else f"“{title}”"
        note = html.escape(_("not published here yet"))
        waiting = '<p class="also-read also-read--waiting">'
        return f"{waiting}<strong>{label}</strong> {shown} <small>({note})</small></p>"

    return PARAGRAPH.sub(block, body)


def _link_mentions(body, named):
    """Link the first mention of each expert of `named` ({expert id: [name keys]}) outside the
    elements of NOT_LINKED_INSIDE."""
    urls = {}
    for expert in Expert.objects.filter(pk__in=named).only("slug"):
        try:
            urls[expert.pk] = expert.get_absolute_url()
        except NoReverseMatch:  # a slug no address can carry (an import's): the name stays text
            continue
    patterns = {
        expert: [_name_pattern(key) for key in sorted(keys, key=len, reverse=True)]
        for expert, keys in named.items()
        if expert in urls
    }
    parts, open_tags, pending = TAG.split(body), [], set(patterns)
    for index, part in enumerate(parts):
        if part.startswith("<"):
            _track(part, open_tags)
            continue
        if not pending or not part.strip() or NOT_LINKED_INSIDE & set(open_tags):
            continue
        matches = sorted(
            (match.start(), -(match.end() - match.start()), match.end(), expert)
            for expert in pending
            for pattern in patterns[expert]
            for match in [pattern.search(part)]
            if match
        )
        pieces, at = [], 0
        for start, _length, end, expert in matches:
            if expert not in pending or start < at:
                continue
            pieces += [part[at:start], f'<a href="{html.escape(urls[expert])}">{part[start:end]}</a>']
            at = end
            pending.discard(expert)
        parts[index] = "".join(pieces) + part[at:]
    return "".join(parts)


def _track(tag, open_tags):
    name = tag.strip("</>").split()[0].lower() if tag.strip("</>") else ""
    if tag.startswith("</"):
        if name in open_tags:
            del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name)]
    elif not tag.endswith("/>") and name not in {"br", "hr", "img"}:
        open_tags.append(name)


def _name_pattern(key):
    """A name's key ("richard weitz") as it may be written in (escaped) text: any case, "е" for "ё",
    any punctuation and spaces between its words ("R. Weitz" for "r weitz")."""
    words = ["".join("[её]" if char in "её" else re.escape(char) for char in word) for word in key.split()]
    return re.compile(r"(?<!\w)" + r"[\W_]{1,3}".join(words) + r"(?!\w)", re.IGNORECASE)
