"""Full-text search over articles: one entry point, a backend per database behind it.

- search(queryset, text): the matching articles of `queryset`, ranked (rank in `search_rank`).
- snippets(articles, text): a highlighted passage per article, for the page of results shown.
- matching_experts(text) and did_you_mean(text): what the results page shows above the results.
- index_articles(ids), forget_articles(ids), rebuild_index(): keep the index current.

PostgreSQL uses a stored, weighted tsvector with a GIN index; SQLite an FTS5 table with bm25.
Both read the reader's text through articles.search.query, so both understand the same syntax.
"""

import itertools
import re
import secrets
from collections import Counter
from contextlib import contextmanager

from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, StrIndex
from django.utils.functional import cached_property, lazy
from django.utils.html import escape

from articles.models import Article, SearchTerm, Tally, TopicCategoryTally, TopicExpertTally
from articles.richtext import fold
from articles.search import passages, postgres, sqlite
from articles.search.best import NAME_WORD
from articles.search.documents import CATEGORY, EXPERT, PUBLIC, SOURCE, TOPIC, YEAR, documents_for, words_of
from articles.search.query import MAX_QUERY_LENGTH, normalise, parse
from experts.models import Expert

__all__ = [
    "MAX_QUERY_LENGTH",
    "Matches",
    "did_you_mean",
    "forget_articles",
    "in_order",
    "index_articles",
    "index_documents",
    "matching_experts",
    "normalise",
    "rebuild_index",
    "search",
    "snippets",
    "term_counts",
    "update_planner_statistics",
]

INDEX_BATCH = 1000
# Rows a bulk write updates many times (articles.tallies).
COUNTED_IN_PLACE = (Tally, TopicExpertTally, TopicCategoryTally)
SUGGESTIONS_TRIED = 5  # known words tried, closest first, for a word the archive does not have
SUGGESTION_CHECKED = 20  # a suggestion's matches checked as published now (a few may be no longer)
MATCH_LIMIT = 2_000  # longer id lists cost PostgreSQL more to plan than the match saves


def backend():
    return postgres if connection.vendor == "postgresql" else sqlite


def search(queryset, text, language=""):
    """Articles of `queryset` matching `text`, best first, then newest; none if nothing to search.
    `language` is the language searched in ("" for all): how the text is read. Every match of
    `queryset` is ranked: for a few articles (an alert's new pieces), not for a page of the archive
    (Matches.best), and the archive's best are not looked for."""
    matches = Matches(text, language, listed=False)
    return matches.rank(matches.restrict(queryset))


class Matches:
    """What a text and filter terms match, found once and applied to as many querysets as a page needs.

    `terms` are the filters the index holds (articles.search.documents.filter_terms), as groups:
    an article matches when it has a term of every group. With `text` None, the terms alone are
    looked up (a listing combining filters). The index intersects them: a combination costs what
    it finds, not the size of the archive.

    The match runs once, listing at most MATCH_LIMIT ids. When it finds no more than that (most
    real queries and combinations), `ids` are all of them (`complete`), and the count, the facets
    and the page all work from them instead of matching again. When a text finds more, `ids` are
    its best MATCH_LIMIT, ranked by the index (PostgreSQL's RUM index, or FTS5's bm25), the
    others are counted from the match kept as a subquery. Filters alone finding more are listed
    newest first, from that subquery.
    """

    def __init__(self, text, language="", terms=(), *, listed=True, counted_to=None):
        """`listed` False: never run apart, only ever a subquery of what `restrict` gives (search():
        the matches among a few articles). `counted_to`: for filters alone whose page counts them
        in the index (count_in_index), counted up to that many as they are listed, in one read."""
        self.query = parse(text) if text is not None else None
        self.language, self.terms = language, tuple(tuple(group) for group in terms)
        self.rows = None  # a subquery of the match's ids found elsewhere (from_rows())
        # Something typed with nothing to search in it (punctuation, only exclusions) finds nothing.
        self.nothing = text is not None and not self.query
        self.ids, self.complete = None, False  # not listed: the match stays a subquery
        self.scores = None  # {id: score} of every match, where the index's read gave them (Ranked)
        self.counted = {}  # {limit: how many match, up to it}: counted as listed (`counted_to`)
        # Whether `ids` are ranked: a text, found by the index (not a subquery, nor each_at_most()).
        self.ranked = bool(listed and self.query)
        if self.ranked:
            self.ids, self.complete, self.scores = backend().ranked_ids(
                self.query, MATCH_LIMIT, language, self.terms
            )
        elif listed and not self.nothing:  # filters alone
            if counted_to:  # and their count, in the same read of the index
                found, self.counted[counted_to] = backend().match_ids_counted(
                    self.query, MATCH_LIMIT + 1, counted_to, language, self.terms
                )
            else:
                found = backend().match_ids(self.query, MATCH_LIMIT + 1, language, self.terms)
            if len(found) <= MATCH_LIMIT:
                self.ids, self.complete = found, True

    @classmethod
    def each_at_most(cls, limit, language, searches):
        """For each (text, terms, rows) of `searches`, its match with its ids listed (unranked) if
        it finds at most `limit` articles, else None: what a facet counts over. One query for them
        all, reading one id more than the limit of each, never a whole match. `rows`, a subquery of
        article ids found elsewhere (a stored timeline), stand for the match where they are given."""
        matches = [cls(text, language, terms, listed=False) for text, terms, _rows in searches]
        asked = [
            (found, rows) for found, (_, _, rows) in zip(matches, searches, strict=True) if not found.nothing
        ]
        listed = backend().match_ids_each(
            [(found.query, found.terms, rows) for found, rows in asked], limit + 1, language
        )
        for (found, _rows), ids in zip(asked, listed, strict=True):
            if len(ids) <= limit:
                found.ids, found.complete = ids, True
        return [found if found.nothing or found.complete else None for found in matches]

    @classmethod
    def from_rows(cls, rows, limit, language, terms):
        """The match of filter `terms` alone, found elsewhere than in the index: `rows` are its
        article ids as a subquery (a stored timeline's, articles.tallies.listed), the ids listed if
        they are at most `limit`, the subquery kept otherwise (ArticleFilterSet.index_matches)."""
        matches = cls(None, language, terms, listed=False)
        ids = [row["article_id"] for row in rows[: limit + 1]]
        if len(ids) <= limit:
            matches.ids, matches.complete = ids, True
        else:
            matches.rows = rows
        return matches

    def restrict(self, queryset):
        """The articles of `queryset` that match (cheap to count and to facet: no ranking)."""
        if self.nothing:
            return queryset.none()
        if not self.complete and self.rows is not None:
            return queryset.filter(pk__in=self.rows)
        if not self.complete:  # too many matches for a list of ids: the match itself, as a subquery
            return backend().filter(queryset, self.query, self.language, self.terms)
        return queryset.filter(pk__among=frozenset(self.ids))

    def count_in_index(self, limit):
        """How many articles the match holds, up to `limit`, counted in the index alone, no article
        read: for a page whose filters the index holds all of (ArticleFilterSet.count_paging)."""
        if limit not in self.counted:
            self.counted[limit] = backend().count_matches(self.query, limit, self.language, self.terms)
        return self.counted[limit]

    def best(self, queryset, *, top=None):
        """The results of `queryset` as a page lists them: the best first (at most MATCH_LIMIT of
        them, `ids`), or, with nothing to rank, every match newest first. With `top`, the best of
        more are listed only that far: a page ending at result `top` reads no more of them
        (postgres.BestIds)."""
        if not self.ranked:
            return self.restrict(queryset).order_by("-published_at", "-id")
        if self.complete:
            return self.rank(queryset.filter(pk__among=frozenset(self.ids)))
        # The best of more: the index ranked them (`ids` in rank order), and the page keeps that order
        # rather than ranking again, which on SQLite read every match of the word a second time.
        return in_order(queryset, self.ids if top is None else self.ids[:top])

    @cached_property
    def ranked_ids(self):
        """`ids` in rank order: the best of more as the index gave them; every match (complete)
        ranked here, in one statement over their ids (at most MATCH_LIMIT)."""
        if not self.complete:
            return self.ids
        return list(self.best(Article.objects.all()).values_list("pk", flat=True))

    def rank(self, queryset):
        """`queryset` (already restricted) best match first, then newest, with `search_rank`."""
        if not self.query:
            return queryset.order_by("-published_at", "-id")
        return (
            backend()
            .rank(queryset, self.query, self.language, self.terms, scores=self.scores)
            .order_by("-search_rank", "-published_at", "-id")
        )


def term_counts(listed, lineage):
    """For each {key: article ids} of `listed` (published articles, each at most a facet's few), how
    many of them have each topic, expert, category, source and year: {key: {kind: Counter(id or
    year)}} (kinds as articles.search.documents spells them), a topic counting every article under
    it (`lineage`: {topic id: the ids of it and every topic above it}). One read of the index for
    them all: the terms it finds each article by are those its facets count.

    Counted over the articles, the 864 matches of a Russian word at a million articles were read
    three times more by id on PostgreSQL: for their category, source and year, their topics and
    their authors, 29.7 ms; their terms are one read, 11-12 ms, and the names shown two small ones
    (1.6 ms). Counting them here takes 4-5 ms of CPU on that machine; for three bases, as a search
    with a topic and a year has, 10-11 ms on a slower one (11-17 when each base's articles had
    their topics worked out again)."""
    found = backend().filter_terms_of(set().union(*listed.values()))
    read = {text: backend().read_term(text) for text in set().union(*found.values())}
    above = {text: lineage.get(int(value), ()) for text, (kind, value) in read.items() if kind == TOPIC}
    topic_terms = frozenset(above)
    # Each article once under each topic above (or of) its own, worked out once for every base.
    under = {
        article_id: set().union(*map(above.__getitem__, topic_terms.intersection(own)))
        for article_id, own in found.items()
    }
    counts = {}
    for key, ids in listed.items():
        held = [article_id for article_id in ids if article_id in found]
        by_kind = {kind: Counter() for kind in (EXPERT, CATEGORY, SOURCE, YEAR)}
        for text, count in Counter(itertools.chain.from_iterable(map(found.__getitem__, held))).items():
            kind, value = read[text]
            if kind in by_kind:
                by_kind[kind][int(value)] = count
        counts[key] = {TOPIC: Counter(itertools.chain.from_iterable(map(under.__getitem__, held))), **by_kind}
    return counts


def in_order(queryset, ids):
    """The articles of `queryset` among `ids`, in the order of `ids` (by their places in it)."""
    return queryset.filter(pk__among=ids).order_by(_place_in(ids).asc())


def _place_in(ids):
    """Each article's place in `ids` (0 where it is not there), to order by: its place in a string
    of them all (one parameter, however many ids; only the rows listed are looked up). The string
    is made when the query is compiled, not before: a queryset built and never run reads no more
    ids (BestIds)."""
    listed = lazy(lambda: "," + ",".join(map(str, ids)) + ",", str)()
    return StrIndex(Value(listed, CharField()), Concat(Value(","), Cast("pk", CharField()), Value(",")))


def snippets(articles, text):
    """{article id: safe HTML passage with <mark>ed matches} for these (already shown) articles."""
    query = parse(text)
    if not query or not articles:
        return {}
    # Markers made up for this call: stored text cannot contain them, so only the passages'
    # highlights become <mark> (a fixed character could be typed into an article).
    token = secrets.token_hex(8)
    start, end = f"hl{token}start", f"hl{token}end"
    raw = passages.snippets([article.pk for article in articles], query, start, end)
    return {
        article_id: escape(passage).replace(start, "<mark>").replace(end, "</mark>")
        for article_id, passage in raw.items()
        if start in passage
    }


def matching_experts(text, *, limit=5):
    """Experts one of whose names, in any language, is a word of the query ("Weitz Korea" and
    "Вайц Корея" find Richard Weitz)."""
    words = {fold(word) for word in parse(text).words if len(word) >= 3}
    if not words:
        return []
    candidates = Expert.objects.none()
    for word in words:
        candidates |= Expert.objects.filter(search_names__contains=word)
    found = []
    for expert in candidates.order_by("last_name", "name")[:50]:
        if set(NAME_WORD.findall(expert.search_names)) & words:
            found.append(expert)
    return found[:limit]


def did_you_mean(text):
    """The query with each word unknown to the archive replaced by the closest known one, or None."""
    query = parse(text)
    words = [word for word in query.words if len(word) >= 3 and not word.isdigit()]
    if not words:
        return None
    # Two letters typed the wrong way round ("Wietz") are the commonest slip, and the one that
    # trigrams and a shared prefix miss: looked up exactly, for every word at once.
    swapped = {word: _swapped(word) for word in words}
    asked = set(words).union(*swapped.values())
    known = set(SearchTerm.objects.filter(term__in=asked).values_list("term", flat=True))
    corrections = {}
    for word in words:
        if word not in known:
            near = sorted(swapped[word] & known)
            suggestion = _leading_somewhere([*near, *backend().suggest(word, SUGGESTIONS_TRIED)])
            if suggestion and suggestion != word:
                corrections[word] = suggestion
    if not corrections:
        return None

    def correct(match):
        word = match.group(0)
        suggestion = corrections.get(word.lower())
        if suggestion is None:
            return word
        return suggestion.capitalize() if word[:1].isupper() else suggestion

    return re.sub(r"\w+", correct, text[:MAX_QUERY_LENGTH])


def _swapped(word):
    """The word with each pair of neighbouring letters swapped."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}


def _leading_somewhere(candidates):
    """The first candidate word that finds a published article now.

    The vocabulary keeps every word ever published (removing one would mean knowing that no other
    article has it); a word whose articles were unpublished, rescheduled or edited since is
    passed over here, so a suggestion never leads to an empty page or hints at a hidden piece.
    """
    published = Article.objects.published()
    for candidate in candidates:
        query = parse(candidate)
        if not query:
            continue
        # The index's first matches that were public when indexed, then checked as published now:
        # the match as a subquery of the published articles had SQLite walk the articles instead
        # (192 ms for "security" at a million articles).
        found = backend().match_ids(query, SUGGESTION_CHECKED, terms=[[(PUBLIC, 1)]])
        if published.filter(pk__among=found).exists():
            return candidate
    return None


def index_articles(article_ids, *, known_terms=None):
    """(Re)index the given articles, and add the words of the published ones to the vocabulary.
    Articles that no longer exist leave the index.

    A bulk writer passes the same `known_terms` set to every call, so that words already added
    are not offered again (only a saving: the database ignores a known word anyway).
    """
    add_words(write_index(article_ids), known_terms=known_terms)


def write_index(article_ids):
    """(Re)index the given articles (those that no longer exist leave the index); returns the
    words of the published ones, for add_words(). The index's rows are the articles' own: a bulk
    writer's concurrent batches write theirs at once (importers.jsonl), while the vocabulary,
    which they share, waits for its turn."""
    article_ids, words = list(article_ids), set()
    for start in range(0, len(article_ids), INDEX_BATCH):
        batch = article_ids[start : start + INDEX_BATCH]
        documents = documents_for(batch)
        gone = set(batch) - {document.article_id for document in documents}
        if gone:  # deleted since: out of the index
            backend().delete(sorted(gone))
        backend().write(documents)
        words |= public_words(documents)
    return words


def index_documents(documents, *, known_terms):
    """Write these Documents to the index, and the words of the public ones to the vocabulary.
    index_articles() builds them from the database; the corpus generator from what it generated."""
    backend().write(documents)
    add_words(public_words(documents), known_terms=known_terms)


def public_words(documents):
    return words_of([document for document in documents if document.is_public])


def add_words(words, *, known_terms=None):
    """Add these words to the vocabulary ("did you mean"), but those in `known_terms`, a bulk
    writer's set of the words it has added already (then updated)."""
    new_words = words - known_terms if known_terms is not None else words
    # In sorted order: concurrent bulk writers then wait for each other instead of deadlocking.
    terms = [SearchTerm(term=word) for word in sorted(new_words)]
    SearchTerm.objects.bulk_create(terms, ignore_conflicts=True)
    if known_terms is not None:
        known_terms |= new_words


@contextmanager
def bulk_writes():
    """For bulk writers (an import, the corpus generator): on PostgreSQL new index entries gather
    in the GIN index's pending list and are merged in large steps instead of one article at a
    time (measured: 12.6 s instead of 20 s for 10,000 generated articles). A session setting, put
    back afterwards; nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET gin_pending_list_limit = '64MB'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET gin_pending_list_limit")


@contextmanager
def loading():
    """Around a bulk writer's whole run (the corpus generator, an import, a rebuild), outside its
    transactions: yields `added(count, settle=None)`, to be told of the articles each batch is
    about to write (and how to end the writes in flight, if the load makes several at once),
    so that the backend can set aside the indexes that cost more to keep up than to build again
    (postgres.loading())."""
    with backend().loading() as added:
        yield added


def forget_articles(article_ids):
    backend().delete(list(article_ids))


def rebuild_index(progress=None):
    """Index every article again and rebuild the vocabulary from the published ones alone;
    `progress(done, total)` is told after each batch."""
    SearchTerm.objects.all().delete()
    backend().clear()
    ids, known_terms = list(Article.objects.order_by("pk").values_list("pk", flat=True)), set()
    with loading() as added:
        for start in range(0, len(ids), INDEX_BATCH):
            batch = ids[start : start + INDEX_BATCH]
            added(len(batch))
            index_articles(batch, known_terms=known_terms)
            if progress:
                progress(min(start + INDEX_BATCH, len(ids)), len(ids))
    update_planner_statistics()


def update_planner_statistics():
    """ANALYZE after bulk writes (and on PostgreSQL, merge the GIN indexes' pending entries,
    vacuum the stored counts' tables and bring every table's visibility map up to date).
    Without statistics SQLite may run a search's MATCH once per article instead of once per query
    (seen: 200 ms instead of 5 ms at 2,000 articles).

    Not inside a transaction on PostgreSQL: there ANALYZE records row counts in place, outside the
    transaction, so counts of rows that are then rolled back stay behind, and plans made for
    "empty" tables can take minutes on real ones (seen in the test suite, which rolls back every test).
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Bulk writes leave their GIN entries in the indexes' pending lists (bulk_writes()),
            # which every search then reads through, and which only VACUUM or autovacuum merge (a
            # manual ANALYZE does not): merged here. Seen at 100,000 generated articles: a search
            # for a word in no article took 400 ms before, 4 ms after.
            cursor.execute(
                "SELECT gin_clean_pending_list(index.indexrelid) FROM pg_index AS index"
                " JOIN pg_class AS class ON class.oid = index.indexrelid"
                " JOIN pg_am AS method ON method.oid = class.relam"
                " WHERE method.amname = 'gin' AND class.relnamespace = to_regnamespace(current_schema())"
            )
            # The stored counts are kept by difference: a bulk write updates the same small rows
            # over and over, and leaves their indexes full of dead entries that every read walks
            # until autovacuum comes (seen after generating a million articles: an expert's topics
            # read in 18 ms instead of 1). Those tables are small: vacuumed here, at once.
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in COUNTED_IN_PLACE)
            cursor.execute(f"VACUUM {tables}")
            # Every table's new rows marked visible to all in the visibility map, which index-only
            # scans need (a search's matches read as ids, an article's date by id, migration
            # 0039), and which a bulk load leaves empty until autovacuum passes (seen after
            # generating a million articles: the search documents' table had no page marked).
            # With the indexes' clean-up: without it, the rows an import rewrites (an article
            # saved again once linked) leave their pages unmarked. 1.5 s at a million articles,
            # the GIN indexes' clean-up reading them whole.
            cursor.execute("VACUUM")
        cursor.execute("ANALYZE")
