"""PostgreSQL: a stored, weighted tsvector per article (GIN index), websearch_to_tsquery, ts_rank.

Each article is indexed with the text search configuration of its language (settings.
SEARCH_STEMMERS: "russian", "english"; "simple" for a language without a stemmer). A query is
read with the configuration of each language searched and the readings are ORed: in one
language, its configuration alone; across languages, a word matches as each language stems it.
"""

import json
import logging
import math
from contextlib import contextmanager
from functools import partial
from operator import itemgetter

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
    TrigramSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan

from articles import bulk
from articles.models import Article, ArticleSearch, SearchTerm
from articles.search.best import BestIds, Ranked, author_named, titled_then_theirs
from articles.search.documents import narrow_and_broad
from articles.search.query import Query
from articles.search.stemming import CYRILLIC


def config(language):
    """The text search configuration of a language."""
    return settings.SEARCH_STEMMERS.get(language, "simple")


def configs(language, query=None):
    """The configurations a search in `language` ("" for all) reads the query with. A query with
    Cyrillic words is also read as Russian, as SQLite's stemmer picks Russian by the alphabet: the
    English pieces of an expert named "Белов" are found by "Белова" too."""
    languages = [language] if language else [code for code, _ in settings.LANGUAGES]
    if query is not None and any(CYRILLIC.search(word) for word in query.words):
        languages.append("ru")
    return list(dict.fromkeys(config(code) for code in languages))


def lexeme(kind, value):
    """A filter term as a lexeme: "t=12". No text gives one: the parsers split words at "="."""
    return f"{kind}={value}"


def read_term(text):
    """A filter term's lexeme read back: (kind, value as text)."""
    kind, _, value = text.partition("=")
    return kind, value


class FilterLexemes(Func):
    """A summary's filter terms: its lexemes without positions (write() adds them so), as an array.
    ts_filter keeps the lexemes of the text (each has a position and its weight), ts_delete takes
    those away. The summary is a column: its SQL, read twice, has no parameters."""

    template = (
        "tsvector_to_array(ts_delete(%(expressions)s,"
        " tsvector_to_array(ts_filter(%(expressions)s, '{a,b,c}'))))"
    )
    output_field = ArrayField(CharField())


def filter_terms_of(ids):
    """{article id: its filter terms as the summary holds them (lexeme())} for these articles."""
    rows = ArticleSearch.objects.filter(article__pk__among=frozenset(ids)).values_list(
        "article_id", FilterLexemes("summary")
    )
    return dict(rows)


def filter_tsquery(terms):
    """Filter terms as the text of a tsquery of their lexemes: every group must match, any term of
    a group."""

    def quoted(kind, value):
        return "'" + lexeme(kind, value).replace("'", "''") + "'"

    return " & ".join("(" + " | ".join(quoted(*term) for term in group) + ")" for group in terms)


class FilterQuery(SearchQuery):
    """Filter terms as a tsquery (filter_tsquery). Cast, not parsed by a text search
    configuration, which would split "t=12"."""

    template = "(%(expressions)s)::tsquery"

    def __init__(self, terms):
        super().__init__(filter_tsquery(terms))


def with_terms(reading, terms):
    """A query's reading and the filter terms (groups, FilterQuery), as one tsquery."""
    return reading & FilterQuery(terms) if terms else reading


def tsquery(query, language="", *, loose=False):
    """The query read with the configuration of each language searched, ORed."""
    combined = None
    for name in configs(language, query):
        reading = tsquery_in(query, name, loose=loose)
        combined = reading if combined is None else combined | reading
    return combined


def tsquery_in(query, config_name, *, loose=False):
    """Each term through websearch_to_tsquery (stemming, phrases), combined with tsquery operators.
    `loose`: a required phrase (required_phrases()) as its words, in any order and place, which
    the GIN index answers exactly, without reading each document's positions (matching())."""

    def term(words, search_type="websearch"):
        text = " ".join(words) if search_type == "plain" else '"' + " ".join(words) + '"'
        return SearchQuery(text, search_type=search_type, config=config_name)

    loosened = required_phrases(query) if loose else []
    combined = None
    for group in query.groups:
        alternatives = None
        for words in group:
            reading = term(words, "plain") if words in loosened else term(words)
            alternatives = reading if alternatives is None else alternatives | reading
        combined = alternatives if combined is None else combined & alternatives
    for words in query.excluded:
        combined &= ~term(words)
    return combined


def required_phrases(query):
    """The phrases the query requires, each a group of its own (not an alternative, not excluded)."""
    return [group[0] for group in query.groups if len(group) == 1 and len(group[0]) > 1]


# A phrase read by a text search configuration in our SQL, both bound parameters: the
# configuration's name and the phrase in quotes (phrase_readings()).
READING = "websearch_to_tsquery(%s::regconfig, %s)"

# Whether a reading of a phrase is decided by its adjacent pair alone: two words, next to each
# other ("missile defense"; not one word left after stop words, nor words apart, nor three).
PAIR_DECIDES = "(numnode({reading}) = 3 AND article_phrase_pairs({reading}) IS NOT NULL)"


def has_words(reading):
    """Whether a query's reading holds a word to look for. Stop words alone ("what", "the") give
    an empty reading, which the filter terms' `&&` drops, leaving the terms alone: every article
    matched (3.9 s for "what" at a million articles, and none of them had the word). So does an
    exclusion's `&& !!`: pass the reading of what the query wants (wanted_reading()), or "what
    -major" matches every article without "major". A condition on constants: decided when the
    statement is planned, never on a row."""
    return Q(GreaterThan(Func(reading, function="numnode", output_field=IntegerField()), 0))


def wanted_reading(query, reading, language=""):
    """The reading of what a match of `query` must hold: `reading` itself, or without the query's
    exclusions if it has any (has_words())."""
    return tsquery(query.wanted, language) if query.excluded else reading


def matching(query, language="", terms=()):
    """The search documents matching the query (None: any) and the filter terms (groups of
    alternatives, articles.search.Matches).

    A required phrase is looked up among the documents' adjacent word pairs (GIN-indexed,
    migration 0017), and its words in the documents in any order (`loose`): both exact on the GIN
    indexes. Checking the phrase itself reads each candidate's whole document for the words'
    positions (15,000 candidates, about 700 ms, for "missile defense" at a million articles). A
    pair decides a phrase of two words; only a longer phrase, or one with words apart, is still
    checked in the document, among those with its pairs. Which of the two applies is decided
    when the query is planned (a CASE on constants), so the plan has only the one condition.
    """
    # The terms nearly every article has (public, a language) are checked on the rows the words
    # and the other filters find, not looked up in the index: their posting lists are the whole
    # archive. At a million articles, a rare word in a year's public English pieces took the GIN
    # index 10-11 ms with them, 1.3 without (the same 353 rows, and 3 more to check); a broad
    # topic × the busiest expert × a year 35 ms with them, 13 without (472 rows, 182 more).
    narrow, broad = narrow_and_broad(terms)
    on_rows = Q(checked_on_rows(broad)) if broad and (query or narrow) else Q()
    if not query:
        return ArticleSearch.objects.filter(Q(document=FilterQuery(narrow if on_rows else terms)) & on_rows)
    condition = tsquery(query, language, loose=True)
    checked = has_words(wanted_reading(query, condition, language))
    if narrow:
        condition &= FilterQuery(narrow)
    checked &= Q(document=condition) & on_rows
    names = configs(language, query)
    for words in required_phrases(query):
        phrase = '"' + " ".join(words) + '"'
        pairs = f"article_phrase_pairs({READING})"
        decides = PAIR_DECIDES.format(reading=READING)
        # A column Django's model does not declare (generated by the database): SQL of our own,
        # the phrase a bound parameter. Any language's reading of the phrase may match.
        one = (
            f"CASE WHEN {decides} THEN pairs @@ {pairs}"
            f" ELSE document @@ {READING} AND (pairs @@ {pairs} OR {pairs} IS NULL) END"
        )
        sql = "(" + " OR ".join([one] * len(names)) + ")"
        params = [value for name in names for value in (name, phrase) * 6]
        checked &= Q(RawSQL(sql, params, BooleanField()))  # noqa: S611
    decided = _decided_by_pairs(query, names, terms)
    if decided is None:
        return ArticleSearch.objects.filter(checked)
    decides, by_pairs = decided
    return ArticleSearch.objects.filter(
        Case(
            When(decides, then=ExpressionWrapper(by_pairs, BooleanField())),
            default=ExpressionWrapper(checked, BooleanField()),
            output_field=BooleanField(),
        )
    )


def _decided_by_pairs(query, names, terms):
    """(whether, condition): when every phrase the query requires is decided by its pair (known
    when the query is planned), what else the documents need. Not their words again: the pairs
    imply them, and the planner intersected the pairs with a GIN lookup of the words, 567,000
    rows for "missile defense" at a million articles. The filter terms nearly every article has
    are checked on the rows found, on the summary, which holds them too and is stored in line.
    None when the query has no such phrase, excludes words, or is read in several languages."""
    phrases = required_phrases(query)
    if not phrases or query.excluded or len(names) != 1:
        return None
    readings = phrase_readings(query, names)
    # Our SQL, the phrases bound parameters (a column the model does not declare: matching()).
    decide_sql = " AND ".join([PAIR_DECIDES.format(reading=READING)] * len(phrases))
    decides = RawSQL(decide_sql, [value for pair in readings for value in pair * 2], BooleanField())  # noqa: S611
    pairs_sql = " AND ".join([f"pairs @@ article_phrase_pairs({READING})"] * len(phrases))
    condition = Q(RawSQL(pairs_sql, [value for pair in readings for value in pair], BooleanField()))  # noqa: S611
    rest = Query(
        groups=tuple(group for group in query.groups if not (len(group) == 1 and group[0] in phrases))
    )
    if rest:
        others = tsquery_in(rest, names[0])
        # Stop words alone read as nothing, which no document matches: passed over, as beside any
        # other word (decided when the statement is planned: has_words()).
        condition &= Q(document=others) | ~has_words(others)
    narrow, broad = narrow_and_broad(terms)
    if narrow:
        condition &= Q(document=FilterQuery(narrow))
    if broad:
        condition &= Q(checked_on_rows(broad))
    return decides, condition


class CheckedOnRows(Func):
    """A condition the planner checks on each row an index gives, never one it looks up in an
    index: `IS TRUE` hides the condition's operator from it."""

    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


def checked_on_rows(terms):
    """That the summary has the filter `terms`, checked on the rows (for the terms nearly every
    article has: best_summaries())."""
    return CheckedOnRows(RawSQL("summary @@ %s::tsquery", [filter_tsquery(terms)], BooleanField()))


def expected_rows(queryset):
    """How many rows the planner expects `queryset` to give (EXPLAIN: planned, not run)."""
    return json.loads(queryset.explain(format="json"))[0]["Plan"]["Plan Rows"]


def first_ids(query, found, limit, columns=("article_id",)):
    """(SQL, parameters) reading the first `limit` article ids of `found`, the search documents
    matching `query` (matching(); None: filter terms alone, or a subquery found elsewhere), or
    these `columns` of them (an annotation's name among them: scored_matches()).

    A query that excludes words is planned for its whole match, then read no further than `limit`
    (a MATERIALIZED CTE, which runs only as far as it is read). The planner reckons `a & !b` as if
    the words were unrelated; for related ones it expects many matches where there are few
    ("security -russia": 13,765 expected, 37 found at 100,000 articles) and, expecting the limit
    early, scans the table reading each document: 814 ms, where the GIN index, which decides the
    exclusion itself, takes 14."""
    ids = found.values_list(*columns)
    if query and query.excluded:
        inner, params = ids.query.sql_with_params()
        # Django's own SQL, with its parameters; the columns are names of our own code.
        listed = ", ".join(columns)
        return f"WITH found AS MATERIALIZED ({inner}) SELECT {listed} FROM found LIMIT %s", [*params, limit]
    return ids[:limit].query.sql_with_params()


def _first_column(sql, params):
    """The first column of the rows `sql` reads."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def match_ids(query, limit, language="", terms=()):
    """Ids of (at most `limit`) articles of any status matching the query and the filter terms."""
    return _first_column(*first_ids(query, matching(query, language, terms), limit))


def scored_matches(query, limit, language="", terms=()):
    """{id: score} of (at most `limit`) articles (any status) matching the query and the filter
    terms, in the match's order, each with its summary's score as rank() gives it, read in the
    same statement: the match reads each row's summary already (for the terms every article has,
    checked_on_rows()). Ranking them again for a page read every match's summary a second time:
    the page's statement for 1,374 matches at a million articles took 14.7 ms, 10.2 with the scores
    given (ListedScore)."""
    found = matching(query, language, terms).annotate(score=score(F("summary"), tsquery(query, language)))
    with connection.cursor() as cursor:
        cursor.execute(*first_ids(query, found, limit, columns=("article_id", "score")))
        return dict(cursor.fetchall())


def count_matches(query, limit, language="", terms=()):
    """How many articles (any status) match the query and the filter terms, up to `limit`."""
    sql, params = first_ids(query, matching(query, language, terms), limit)
    return _first_column(f"SELECT count(*) FROM ({sql}) AS found", params)[0]  # our SQL around Django's


def match_ids_counted(query, limit, count_limit, language="", terms=()):
    """(match_ids(query, limit, ...), count_matches(query, count_limit, ...)) in one statement: the
    index's intersection built once. At a million articles, a broad topic's interviews (16,000)
    took 15 ms for their first 2,001 ids and 22 for their count up to 10,001, 23 for both at once."""
    inner, params = first_ids(query, matching(query, language, terms), count_limit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT article_id, count(*) OVER () FROM ({inner}) AS found LIMIT %s",  # Django's own SQL
            [*params, limit],
        )
        rows = cursor.fetchall()
    return [article_id for article_id, _ in rows], rows[0][1] if rows else 0


def match_ids_each(searches, limit, language=""):
    """For each (query, terms, rows) of `searches`, the ids of at most `limit` articles (any status)
    it matches, or of its `rows` if given (a queryset of article ids): one statement, a UNION ALL of
    each one's first ids."""
    if not searches:
        return []
    parts, params = [], []
    for number, (query, terms, rows) in enumerate(searches):
        if rows is None:
            sql, found_params = first_ids(query, matching(query, language, terms), limit)
        else:
            sql, found_params = first_ids(None, rows, limit)
        # Django's own SQL of each part, with its parameters. Not QuerySet.union(): the whole would
        # take the first part's model's default order (the articles' dates), which it cannot sort.
        parts.append(f"(SELECT %s, article_id FROM ({sql}) AS part)")
        params += [number, *found_params]
    found = [[] for _ in searches]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for number, article_id in cursor.fetchall():
            found[number].append(article_id)
    return found


def filter(queryset, query, language="", terms=()):
    return queryset.filter(pk__in=matching(query, language, terms).values("article_id"))


RUM_INDEX = "article_search_summary_rum"
TITLES_RUM_INDEX = "article_search_titles_rum"  # migration 0040: the summaries' title words alone
# As migrations 0035 and 0040 make them (where the extension is installed): made again here after a
# bulk load has set them aside, or a load that was killed has left them out.
RUM_INDEXES = {
    RUM_INDEX: f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON articles_articlesearch"
    " USING rum (summary rum_tsvector_ops)",
    TITLES_RUM_INDEX: f"CREATE INDEX IF NOT EXISTS {TITLES_RUM_INDEX} ON articles_articlesearch"
    " USING rum ((ts_filter(summary, '{a}')) rum_tsvector_ops)",
}
log = logging.getLogger(__name__)
_rum_indexes_in = {}  # database name: the names of the RUM indexes its search documents have


def _rum_indexes():
    """The RUM indexes of the search documents (migrations 0035 and 0040, where the extension is
    installed). Asked once a process."""
    name = connection.settings_dict["NAME"]
    if name not in _rum_indexes_in:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes"
                " WHERE indexname = ANY(%s) AND schemaname = current_schema()",
                [[RUM_INDEX, TITLES_RUM_INDEX]],
            )
            _rum_indexes_in[name] = {row[0] for row in cursor.fetchall()}
        if RUM_INDEX not in _rum_indexes_in[name]:
            log.warning(
                "Search ranks on the GIN index alone: a common word's matches are each read to be"
                " ranked. Install PostgreSQL's rum extension (Debian: postgresql-15-rum), then run"
                " `manage.py migrate articles 0034` and `manage.py migrate`; where it is installed"
                " (a bulk load was stopped before it made its indexes again), run"
                " `manage.py rebuild_search_index` (docs/search.md)."
            )
    return _rum_indexes_in[name]


def ranks_on_index():
    """Whether the summaries have a RUM index (migration 0035, where the extension is installed):
    it ranks a common word's best matches without reading each of them."""
    return RUM_INDEX in _rum_indexes()


def ranks_titles_on_index():
    """Whether the summaries' title words have a RUM index of their own (migration 0040) beside
    the summaries' own."""
    return ranks_on_index() and TITLES_RUM_INDEX in _rum_indexes()


@contextmanager
def loading():
    """Around a bulk load: yields `added(count, settle=None)`, told of the articles each batch is
    about to add; `settle()`, if given, ends the load's writes in flight before any index is set
    aside (a writer waiting for another while DROP INDEX waits for it would wait for ever).
    Once the load adds as many articles as the index held when it began, the RUM indexes are set
    aside, and made again in one pass when the load ends: kept up row by row they cost about 1 ms
    an article (half the index write), built whole 20-35 µs (docs/performance.md). Searches
    meanwhile rank on GIN, a loaded archive at most twice the size it was. Nothing is set aside
    inside a transaction (a test's, a caller's), whose rollback would have to make them again.
    A load that set them aside makes, at its end, every RUM index the documents lack: so
    rebuild_search_index, which starts from an empty index, also mends those a killed load left
    out."""
    held = ArticleSearch.objects.count()
    state = {"added": 0, "aside": False}

    def added(count, *, settle=None):
        state["added"] += count
        if state["aside"] or connection.in_atomic_block or state["added"] < max(held, 1):
            return
        if settle:  # the load's writes in flight end first: DROP INDEX would wait for them
            settle()
        state["aside"] = True
        with connection.cursor() as cursor:
            for name in RUM_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")

    try:
        yield added
    finally:
        if state["aside"]:
            make_rum_indexes()


def make_rum_indexes():
    """Make the RUM indexes the search documents lack, where the rum extension is installed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
        if cursor.fetchone() is None:
            return
        for statement in RUM_INDEXES.values():
            cursor.execute(statement)


class Distance(Func):
    """RUM's distance from a vector to a query (`<=>`): the smaller, the better the match; infinite
    where the vector does not match. Read off the RUM index when a query is ordered by it."""

    arg_joiner = " <=> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def score(vector, query):
    """How well `vector` matches `query`, higher is better: RUM's ranking where its index is (the
    order best_ids() reads off it), ts_rank otherwise. Both weigh title, names, lead alike (weights
    A 1.0, B 0.4, C 0.2, D 0.1)."""
    if ranks_on_index():
        return Distance(vector, query) * Value(-1.0)
    return SearchRank(vector, query)


def rank(queryset, query, language="", terms=(), scores=None):
    """`terms`: the filter terms `queryset` is already restricted by (they rank nothing). `scores`:
    the articles' scores as the match read them (scored_matches()), not read again."""
    if scores is not None:
        return queryset.annotate(search_rank=ListedScore(scores))
    return queryset.annotate(search_rank=score(F("search_document__summary"), tsquery(query, language)))


class ListedScore(Func):
    """An article's score as listed in `scores` ({id: score}), one parameter however many: a JSON
    object looked up by the article's id. A summary without the query's words scores -Infinity
    (RUM's distance is infinite), as an article left out of `scores` does: last, newest first."""

    template = "COALESCE((%(expressions)s)::float8, '-Infinity'::float8)"
    arg_joiner = "::jsonb ->> "
    output_field = FloatField()

    def __init__(self, scores):
        listed = {
            str(pk): value for pk, value in scores.items() if value is not None and math.isfinite(value)
        }
        super().__init__(Value(json.dumps(listed)), Cast("pk", CharField()))


def ranked_ids(query, limit, language="", terms=()):
    """Ranked(ids, complete, scores): every match if there are at most `limit` (and their scores),
    else the best `limit` in rank() order: those whose title, names or lead match, best first,
    then those matching in the body alone, newest first (BestIds: these only when a page reaches
    them); for one word in more than `limit` titles, the best of those titles (best_titled); for
    an expert's name, those whose title holds it, then the expert's pieces
    (best.titled_then_theirs). Ranked first, not matched
    first, unless a filter narrows the match to a few (below): the RUM index reads a common word's
    best summaries without the whole match, which a GIN bitmap would build (a word in 30% of a
    million articles)."""
    reading = tsquery(query, language)
    narrow, _broad = narrow_and_broad(terms)
    # With a filter that narrows (an expert, a topic, a year...) the match is often short: when the
    # planner expects it to be, it is listed first and the page ranks it, and the index does not
    # rank summaries only to throw them away (28 of 105 ms for a Russian word with a topic and a
    # year at a million articles). A common word in a broad topic (60,000 matches) is ranked first,
    # as without a filter: listing it first cost 56 ms more. The planner's guesses were within
    # three times of the truth, mostly under it (EXPLAIN, a millisecond or less).
    found, expected = None, None
    if narrow:
        # An exclusion's guess is no guide (first_ids()): its match is listed first, off the GIN index.
        if not query.excluded:
            expected = expected_rows(matching(query, language, terms).values("article_id"))
        if query.excluded or expected <= limit:
            found = scored_matches(query, limit + 1, language, terms)
            if len(found) <= limit:
                return Ranked(list(found), True, found)
    titled = best_titled(
        query,
        reading,
        limit + 1,
        terms,
        keeps_many=keeps_many(query, reading, language, terms, expected, limit),
    )
    if len(titled) > limit:
        return Ranked(titled[:limit], False)
    if (author := author_named(query, terms, language, limit)) is not None:
        # An expert's name, in their bylines by the thousand: the titles holding it (every one of
        # them, fewer than `limit`, best first), then the expert's pieces.
        if not ranks_titles_on_index():
            titled = titles_holding(reading, limit, terms)
        return Ranked(titled_then_theirs(titled, author, language, limit), False)
    excluded = tsquery(Query(groups=(query.excluded,)), language) if query.excluded else None
    wanted = wanted_reading(query, reading, language)
    phrases = phrase_readings(query, configs(language, query))
    best = best_summaries(reading, limit + 1, terms, wanted=wanted, excluded=excluded, phrases=phrases)
    if best is not None and len(best) > limit:
        return Ranked(best[:limit], False)
    found = scored_matches(query, limit + 1, language, terms) if found is None else found
    if len(found) <= limit:
        return Ranked(list(found), True, found)
    if best is None:  # most of the best summaries hold an excluded word, and more than `limit` match
        best = checked_summaries(reading, limit + 1, terms, wanted=wanted, phrases=phrases)
        if len(best) > limit:
            return Ranked(best[:limit], False)
    bodies = matching(query, language, terms).exclude(summary=with_terms(reading, terms))
    return Ranked(BestIds(best, partial(body_matches, bodies), limit), False)


def best_summaries(reading, limit, terms=(), *, wanted=None, excluded=None, phrases=()):
    """Ids of the `limit` best articles (any status) whose summaries match the query's `reading`
    and the filter terms, best first: read off the RUM index on the summaries (ts_rank over them
    all without it). `wanted`: the reading less the query's exclusions (wanted_reading()).
    `excluded`: the reading of any excluded word: the documents must not hold one either, a piece
    whose body has what the reader excluded stays out, however its summary matches (None is
    returned when most of the best hold one: _best_without()). `phrases`: the phrases the query
    requires (phrase_readings()), whose summaries are found by their word pairs
    (on_summary_pairs())."""
    wanted = reading if wanted is None else wanted
    if ranks_on_index():
        summaries = _by_distance(reading, terms, wanted, phrases)
        if excluded is not None:
            return _best_without(summaries, excluded, limit)
        best = Distance(F("summary"), reading).asc()
    else:
        in_summary = with_terms(reading, terms)
        best = SearchRank(F("summary"), reading).desc()
        # No index on the summaries: their matches are the documents' first.
        matches = SearchVectorExact(F("summary"), in_summary)
        summaries = ArticleSearch.objects.filter(
            has_words(wanted), on_summary_pairs(phrases, matches), document=in_summary
        )
    # By the score alone: with a tie-break on the articles' dates the planner sorted every match
    # instead of reading the index in order (126 ms instead of 10 for 11,000 matches at 100k). A page
    # of all the matches orders them by score, then date; a page of the best of more keeps this order.
    return list(summaries.order_by(best).values_list("article_id", flat=True)[:limit])


def phrase_readings(query, names):
    """(configuration, phrase in quotes) of each phrase the query requires (READING's parameters),
    for a query read with one configuration (`names`, configs()); none for a query read with
    several, whose readings are ORed."""
    if len(names) != 1:
        return []
    return [(names[0], '"' + " ".join(words) + '"') for words in required_phrases(query)]


def on_summary_pairs(phrases, matches):
    """That a summary `matches` (a condition on the summaries), found off the index of their word
    pairs (migration 0042) when the query requires `phrases` (phrase_readings()) and each of them
    has a pair: then the summaries holding every phrase's pairs are looked up, and `matches`
    checked on those rows alone, where the planner cannot look it up in an index. The RUM index
    checks every summary holding a phrase's words for the phrase, and ranks them: 86 ms for
    "missile defense" (995 summaries hold it) at a million articles, 256 for "north korea"
    (5,956); off the pairs, ranked on their rows, 6 and 26. A phrase without a pair (one word
    left after its stop words) is looked up as before; which applies is decided when the
    statement is planned (a CASE on constants), so the plan has only the one condition."""
    if not phrases:
        return Q(matches)
    each_has_pairs = " AND ".join([f"article_phrase_pairs({READING}) IS NOT NULL"] * len(phrases))
    pair_sql = f"article_word_pairs(summary) @@ article_phrase_pairs({READING})"
    in_pairs = " AND ".join([pair_sql] * len(phrases))
    params = [value for phrase in phrases for value in phrase]
    # Our SQL, the phrases bound parameters (an expression the model does not declare: the index's).
    has_pairs = RawSQL(each_has_pairs, params, BooleanField())  # noqa: S611
    by_pairs = Q(RawSQL(in_pairs, params, BooleanField())) & Q(CheckedOnRows(matches))  # noqa: S611
    return Q(
        Case(
            When(has_pairs, then=ExpressionWrapper(by_pairs, BooleanField())),
            default=ExpressionWrapper(Q(matches), BooleanField()),
            output_field=BooleanField(),
        )
    )


def _by_distance(reading, terms, wanted, phrases):
    """The summaries matching `reading` and the filter `terms`, in the order the RUM index reads
    them out (the distance itself, ascending); best_summaries()'s parameters."""
    # The terms nearly every article has are checked on the rows the index gives (a condition
    # the planner cannot look up in an index), not looked up: RUM read all their entries (a
    # million for "public"), 319 ms instead of 87 for "missile defense" at a million articles,
    # 98 instead of 38 for a word in 70% of them.
    narrow, broad = narrow_and_broad(terms)
    in_summary = SearchVectorExact(F("summary"), with_terms(reading, narrow))
    summaries = ArticleSearch.objects.filter(has_words(wanted), on_summary_pairs(phrases, in_summary))
    if broad:
        summaries = summaries.filter(checked_on_rows(broad))
    return summaries.order_by(Distance(F("summary"), reading).asc())


def _best_without(ranked, excluded, limit):
    """The first `limit` ids of `ranked` summaries whose documents hold nothing `excluded`; None
    when most of those read hold an excluded word. Twice as many are read off the index, and
    those whose documents hold an excluded word are looked up among them (the planner's choice:
    the word's GIN entries or each document). Checked in the same statement as the ranking, the
    planner read and sorted every summary match instead of reading the index in order: 245 ms for
    "front -nerguul" at a million articles, 17 without the check.

    When most are left out, the words are related, and the match is often short: ranked_ids()
    then lists it whole off the GIN index, and only if it is long reads the ranking again,
    checking each document (checked_summaries()). Checked first, "security -russia" walked every
    summary holding "security" (23,000 at 100,000 articles, 128 ms) to find that 37 are left."""
    read = list(ranked.values_list("article_id", flat=True)[: 2 * limit])
    left_out = set(
        ArticleSearch.objects.filter(
            has_words(excluded), article__id__among=read, document=excluded
        ).values_list("article_id", flat=True)
    )
    kept = [article_id for article_id in read if article_id not in left_out]
    if len(kept) >= limit or len(read) < 2 * limit:
        return kept[:limit]
    return None


def checked_summaries(reading, limit, terms=(), *, wanted, phrases=()):
    """best_summaries() with exclusions when most of the best summaries are left out: the ranking
    read again, each document checked for the whole `reading` on the way (RUM index only)."""
    ranked = _by_distance(reading, terms, wanted, phrases)
    checked = ranked.filter(CheckedOnRows(SearchVectorExact(F("document"), reading)))
    return list(checked.values_list("article_id", flat=True)[:limit])


class TitleWords(Func):
    """The title words of a summary alone (weight A), the vector migration 0040's RUM index holds:
    the same expression, for the planner to find the index."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}')"
    output_field = SearchVectorField()


def keeps_many(query, reading, language, terms, expected, limit):
    """Whether best_titled() should rank a one-word query within the narrowing filter `terms` (the
    planner's guesses, EXPLAIN, a millisecond each): when the filters keep a fifth of the word's
    matches or more (`expected` of the word with them), and the titles holding the word are
    enough that, the filters kept among them alike, twice `limit` are left. The titles' index is
    then read with the filters checked on its rows, about five titles for each kept. A word in 23%
    of a million articles in a category of a quarter of them ("security", 49,672 titles): 44 ms
    for its best 2,001 titles so, against 157-204 ms for its summaries ranked with the category
    looked up in the RUM index. A word in few titles ("front", in 30% of the articles and 4,170
    titles) is ranked as before: the titles would be read to no end (9-25 ms more, measured)."""
    if expected is None or not query.one_word or query.excluded or not ranks_titles_on_index():
        return False
    _narrow, broad = narrow_and_broad(terms)
    share = expected / max(1, expected_rows(matching(query, language, broad).values("article_id")))
    return share >= 0.2 and share * expected_rows(titles_with(reading).values("article_id")) >= 2 * limit


def titles_with(reading):
    """The search documents whose title words hold the query's `reading` (the titles' RUM index)."""
    return ArticleSearch.objects.alias(titles=TitleWords(F("summary"))).filter(
        has_words(reading), titles=reading
    )


def best_titled(query, reading, limit, terms=(), *, keeps_many=False):
    """Ids of the `limit` best articles (any status) with a one-word query in their titles, best
    first, read off the titles' RUM index; [] for any other query, or with a narrowing filter
    unless it `keeps_many` of the word's matches (keeps_many()).

    For one word, any title that holds it outranks every article that has it only in its names,
    lead or body (weight A's 1.0 against at most 0.66 for the names' B, each further place
    counting a quarter, a ninth... of the first), so when more than `limit` titles hold it, the
    best are among those. Ranking all of a common word's summaries off the summaries' index walks
    every one of them (230,000 for "security" at a million articles); this walks the titles
    holding it, best title first, then orders those it gives by their whole summaries: of titles
    alike, those whose names or lead hold the word too come first (a million articles: the first
    twenty then score as the summaries' own best twenty, for "security", "front", "interests" and
    "переговорах"; by the titles alone, less well for three of them). Not exactly the summaries'
    best `limit`: of the many titles that score alike, which are taken is the index's order."""
    narrow, broad = narrow_and_broad(terms)
    if not query.one_word or query.excluded or (narrow and not keeps_many) or not ranks_titles_on_index():
        return []
    titles = TitleWords(F("summary"))
    found = titles_with(reading)
    for checked in (narrow, broad):  # on the rows the titles' index gives, never looked up in it
        if checked:
            found = found.filter(checked_on_rows(checked))
    # The whole summary's distance is computed on the rows the index gives, not ordered by in SQL,
    # where the planner could walk the summaries' index for it instead.
    rows = found.annotate(whole=Distance(F("summary"), reading)).order_by(Distance(titles, reading).asc())
    return [
        article_id
        for article_id, _ in sorted(rows.values_list("article_id", "whole")[:limit], key=itemgetter(1))
    ]


def titles_holding(reading, limit, terms=()):
    """Ids of the `limit` best articles (any status) whose titles hold a one-word query's `reading`,
    best first by ts_rank of their summaries: best_titled()'s, without the titles' RUM index (the
    documents' GIN index finds the word, the titles are checked on its rows)."""
    _narrow, broad = narrow_and_broad(terms)
    in_title = CheckedOnRows(SearchVectorExact(TitleWords(F("summary")), reading))
    found = ArticleSearch.objects.filter(has_words(reading), in_title, document=reading)
    if broad:
        found = found.filter(checked_on_rows(broad))
    ranked = found.order_by(SearchRank(F("summary"), reading).desc(), "-article_id")
    return list(ranked.values_list("article_id", flat=True)[:limit])


def body_matches(documents, limit):
    """The ids of the newest `limit` articles of these documents. The match is fenced off (OFFSET 0)
    so that it runs first, on the GIN index: otherwise the planner may walk the articles newest
    first, reading each one's whole document (seen: 407 ms instead of 70 for 20,000 matches)."""
    inner, params = documents.values("article_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT found.article_id FROM ({inner} OFFSET 0) AS found"  # Django's own SQL and params
            f" JOIN {Article._meta.db_table} AS article ON article.id = found.article_id"
            " ORDER BY article.published_at DESC, found.article_id DESC LIMIT %s",
            [*params, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def write(documents):
    """Index (or index again) the documents: one statement for the whole batch, the summary's
    vector computed once and reused in the document's (measured: 1.5x faster than a statement
    per document)."""
    if not documents:
        return
    summary = (
        "setweight(to_tsvector(config::regconfig, title), 'A')"
        # Authors' names as written too: a surname's other cases stem to it (stems_and_names()).
        " || setweight(to_tsvector(config::regconfig, names) || to_tsvector('simple', authors), 'B')"
        " || setweight(to_tsvector(config::regconfig, lead), 'C')"
        # The filters, as lexemes without positions: they neither rank nor make phrases' pairs.
        " || array_to_tsvector(string_to_array(filters, ' '))"
    )
    # The table name comes from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {ArticleSearch._meta.db_table} (article_id, document, summary)"
        " SELECT id, summary || setweight(to_tsvector(config::regconfig, body), 'D'), summary"
        f" FROM (SELECT id, config, body, {summary} AS summary"
        " FROM unnest(%(ids)b::bigint[], %(configs)b::text[], %(titles)b::text[], %(names)b::text[],"
        " %(authors)b::text[], %(leads)b::text[], %(bodies)b::text[], %(filters)b::text[])"
        " AS documents (id, config, title, names, authors, lead, body, filters))"
        " AS summarised"
        " ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document, summary = EXCLUDED.summary"
    )
    with bulk.binary_cursor() as cursor:  # the batch's bodies as binary parameters
        cursor.execute(
            sql,
            {
                "configs": [config(d.language) for d in documents],
                "ids": [d.article_id for d in documents],
                "titles": [d.title for d in documents],
                "names": [f"{d.authors} {d.topics}" for d in documents],
                "authors": [d.authors for d in documents],
                "leads": [d.lead for d in documents],
                "bodies": [d.body for d in documents],
                "filters": [" ".join(lexeme(*term) for term in d.filters) for d in documents],
            },
        )


def delete(article_ids):
    ArticleSearch.objects.filter(article_id__in=article_ids).delete()


def clear():
    ArticleSearch.objects.all().delete()


def suggest(word, limit):
    """The known words most similar to `word` by trigrams (pg_trgm, GIN-indexed), closest first."""
    return list(
        SearchTerm.objects.filter(term__trigram_similar=word)
        .annotate(similarity=TrigramSimilarity("term", word))
        .order_by("-similarity", "term")
        .values_list("term", flat=True)[:limit]
    )
