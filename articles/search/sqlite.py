"""SQLite: an FTS5 table of stems joined to the articles, ranked with bm25().

FTS5 has no Russian stemmer, so words are stemmed on the way in and on the way out
(articles.search.stemming, Snowball for both languages): the table holds each column's stems, and
a query's words are stemmed the same way. Snippets are cut from the articles' own text, with
the words whose stems matched highlighted, never the stems.
"""

import difflib
import itertools
import re
from contextlib import contextmanager
from functools import partial

from django.db import connection
from django.db.models import F, FloatField, Func, Q, Value

from articles.models import Article, ArticleFts, SearchTerm, published_condition
from articles.search.best import BestIds, Ranked, author_named, titled_then_theirs
from articles.search.documents import PUBLIC, narrow_and_broad
from articles.search.stemming import stem, stems, stems_and_names

# bm25 column weights, in the table's column order: title, lead, body, authors, topics, filters
# (filter terms do not rank), then the word pairs of title, lead, authors and topics (PAIRED), each
# weighing as its column.
WEIGHTS = (10.0, 3.0, 1.0, 5.0, 4.0, 0.0, 10.0, 3.0, 5.0, 4.0)
TEXT_COLUMNS = "{title lead body authors topics}"
SUMMARY_COLUMNS = "{title lead authors topics}"  # what PostgreSQL's summaries hold: all but the body
TITLE_COLUMNS = "{title}"
PAIRED = ("title", "lead", "authors", "topics")  # the columns whose adjacent words are also pairs
PAIRED_COLUMNS = tuple(f"{column}_pairs" for column in PAIRED)
PAIR_COLUMNS = "{" + " ".join(PAIRED_COLUMNS) + "}"
# Between the two words of a pair: a private-use character, which FTS5's tokenizer keeps inside a
# token (as letters and digits) and which no word has (\w does not match it): a pair is one token,
# and never any word's.
PAIR_JOINER = "\ue000"
TOKEN = re.compile(r"[^\W_]+")  # a token as FTS5's unicode61 reads the stored stems


class Bm25(Func):
    function = "bm25"
    output_field = FloatField()


def token(kind, value):
    """A filter term as the filters column holds it: "t12", "len"."""
    return f"{kind}{value}".lower()


def read_term(text):
    """A filter term's token read back: (kind, value as text). Every kind is one letter."""
    return text[0], text[1:]


def filter_terms_of(ids):
    """{article id: its filter terms as the filters column holds them (token())} for these articles."""
    rows = ArticleFts.objects.filter(article__pk__among=frozenset(ids)).values_list("article_id", "filters")
    return {article_id: filters.split() for article_id, filters in rows}


def match_expression(query, terms=(), *, columns=TEXT_COLUMNS):
    """The FTS5 expression for a parsed query (None: any text) and filter terms (groups of
    alternatives); every word is quoted, so none is an operator. The query's words are looked for
    in the text `columns` alone, what it excludes in all of them (a piece whose body has it stays
    out, however its title matches), the terms in the filters column alone: no text finds a
    filter's term."""
    filters = " AND ".join(
        "filters : (" + " OR ".join(f'"{token(*term)}"' for term in group) + ")" for group in terms
    )
    if not query:
        return filters
    if columns == SUMMARY_COLUMNS:
        text = text_expression(query, columns=columns)
    else:
        text = f"{columns} : ({text_expression(query)})"
    if query.excluded:
        text = f"({text}{''.join(f' NOT {TEXT_COLUMNS} : {quoted(words)}' for words in query.excluded)})"
    return f"{text} AND {filters}" if filters else text


def text_expression(query, *, columns=None):
    """The FTS5 expression of the words a query asks for (not of those it excludes). With
    `columns` (the summary's), each term is looked for in those columns, a phrase of two words as
    its pair (summary_term())."""
    groups = []
    for group in query.groups:
        alternatives = [quoted(words) if columns is None else summary_term(words) for words in group]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    return " AND ".join(groups)


def quoted(words):
    """Words as one FTS5 phrase of their stems (one word: that word)."""
    return '"' + " ".join(stem(word) for word in words) + '"'


def summary_term(words):
    """Words looked for in the summary's columns: a phrase of two words (as FTS5 reads their
    stems) as its one pair token in the pair columns, anything else as a phrase of the columns.

    To match a phrase FTS5 reads the positions of its words in every row holding them all, and to
    rank it with bm25 it reads them twice more (once to weigh it, once to score): at a million
    articles, "missile defense" (in 15,000 articles) took about 475 ms. A pair is one token, whose
    rows are its matches: in the same column, the pair is where the phrase is."""
    tokens = TOKEN.findall(" ".join(stem(word) for word in words))
    if len(tokens) == 2:
        return f'{PAIR_COLUMNS} : "{PAIR_JOINER.join(tokens)}"'
    return f"{SUMMARY_COLUMNS} : {quoted(words)}"


def pairs(stored):
    """The pair tokens of a column's stored stems: each token joined to the next."""
    tokens = TOKEN.findall(stored)
    return " ".join(first + PAIR_JOINER + second for first, second in itertools.pairwise(tokens))


def match_ids(query, limit, language="", terms=(), *, columns=TEXT_COLUMNS):
    """Ids of (at most `limit`) articles of any status matching the query and the filter terms.

    FTS5 intersects a term by reading through its list of articles, and the broad terms' lists
    (public, the language) hold nearly every article: 10 of 12 ms for a rare word in a topic and a
    year at a million. So the rest is matched first, and if it finds at most `limit`, those are
    checked for the broad terms on the articles instead (having_broad_terms); only a match of more
    is read again with them, where FTS5 finds the first `limit` soon."""
    checked, broad = apart_from_broad_terms(query, terms)
    if broad:
        found = _first_ids(match_expression(query, checked, columns=columns), limit + 1)
        if len(found) <= limit:
            return having_broad_terms(found, broad)
    return _first_ids(match_expression(query, terms, columns=columns), limit)


def _first_ids(expression, limit):
    rows = ArticleFts.objects.filter(document__match=expression).values_list("article_id", flat=True)
    return list(rows[:limit])


def count_matches(query, limit, language="", terms=()):
    """How many articles (any status) match the query and the filter terms, up to `limit`."""
    matches = ArticleFts.objects.filter(document__match=match_expression(query, terms))
    return matches.order_by()[:limit].count()


def match_ids_counted(query, limit, count_limit, language="", terms=()):
    """(match_ids(query, limit, ...), count_matches(query, count_limit, ...)): counted apart, and only
    when more than `limit` match (FTS5 reads a match as far as it is asked, so one read of both
    would read no less)."""
    found = match_ids(query, limit, language, terms)
    return found, len(found) if len(found) < limit else count_matches(query, count_limit, language, terms)


def apart_from_broad_terms(query, terms):
    """(the terms FTS5 is to match, the broad terms to check apart): apart when something else
    narrows the match (text or other terms), else none apart."""
    narrow, broad = narrow_and_broad(terms)
    return (narrow, broad) if broad and (query or narrow) else (terms, [])


def match_ids_each(searches, limit, language=""):
    """For each (query, terms, rows) of `searches`, the ids of at most `limit` articles (any status)
    it matches, or of its `rows` if given (a queryset of article ids): a UNION ALL of each one's
    first ids (FTS5 stops at the limit). The broad terms are checked apart as by match_ids(): the
    matches that find `limit` without them are read again with them, in a second statement."""
    apart = [
        apart_from_broad_terms(query, terms) if rows is None else (terms, [])
        for query, terms, rows in searches
    ]
    found = _first_ids_each(
        [(query, checked, rows) for (query, _, rows), (checked, _) in zip(searches, apart, strict=True)],
        limit,
    )
    again = [number for number, (_, broad) in enumerate(apart) if broad and len(found[number]) == limit]
    for number, ids in zip(
        again, _first_ids_each([searches[number] for number in again], limit), strict=True
    ):
        found[number] = ids
    # Checked on the articles in one read for each set of broad terms (a page's are all alike).
    checked = {}
    for number, (_, broad) in enumerate(apart):
        if broad and number not in again:
            checked.setdefault(tuple(map(tuple, broad)), []).append(number)
    for broad, sharing in checked.items():
        having = set(having_broad_terms([pk for number in sharing for pk in found[number]], broad))
        for number in sharing:
            found[number] = [pk for pk in found[number] if pk in having]
    return found


def _first_ids_each(searches, limit):
    if not searches:
        return []
    table = ArticleFts._meta.db_table
    # Each match's own LIMIT: in a subquery, as SQLite has none for a part of a compound SELECT.
    matched = f"SELECT %s, found FROM (SELECT rowid AS found FROM {table} WHERE {table} MATCH %s LIMIT %s)"
    parts, params = [], []
    for number, (query, terms, rows) in enumerate(searches):
        if rows is None:
            parts.append(matched)
            params += [number, match_expression(query, terms), limit]
        else:  # Django's own SQL of the queryset, and its parameters
            sql, rows_params = rows.values_list("article_id")[:limit].query.sql_with_params()
            parts.append(f"SELECT %s, article_id FROM ({sql})")
            params += [number, *rows_params]
    found = [[] for _ in searches]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for number, article_id in cursor.fetchall():
            found[number].append(article_id)
    return found


def filter(queryset, query, language="", terms=()):
    # A subquery, not a join: SQLite then reads the matches once instead of matching per article.
    matches = ArticleFts.objects.filter(document__match=match_expression(query, terms)).values("article_id")
    return queryset.filter(pk__in=matches)


def ranked_ids(query, limit, language="", terms=()):
    """Ranked(ids, complete): every match if there are at most `limit` (FTS5 stops reading at the
    limit), else the best `limit` in rank order. bm25() scores a match only inside a full-text query
    of its own: rank() scores them."""
    found = match_ids(query, limit + 1, language, terms)
    if len(found) <= limit:
        return Ranked(found, True)
    return Ranked(best_ids(query, limit, language, terms), False)


def best_ids(query, limit, language="", terms=()):
    """Ids of the `limit` best articles (any status) matching the query and the filter terms, best
    first by bm25, from the full-text table alone (a tie-break on the articles' dates joined every
    match to its article: 224 ms instead of 44 for a word in 30% of 100,000 articles).

    bm25 scores every row it is given, so the best are looked for where they must be, as on
    PostgreSQL: for one word in `limit` titles or more, among those titles (a title weighs 10; at a
    million articles "front" is in 4,200 titles and 20,000 summaries: 29 ms instead of 44, "what"
    in 14,500 and 66,000: 44 instead of 120); else when `limit` match in their titles, names, leads
    or topics, among those (a word in 70% of 100,000: 30 ms instead of 152), unless the word is an
    expert's name, whose bylines hold it (best.titled_then_theirs); else those best first,
    then the newest matching in the body alone (BestIds, read when a page reaches them), as on
    PostgreSQL. A few quick `LIMIT` reads tell which. The best by the title alone scored as the
    summaries' best: the first twenty's mean score over the summaries within 0.2% of the
    summaries' own best twenty's, for five common words at 100,000 articles.

    The terms nearly every article has (public, the language: documents.BROAD_TERMS) are not in
    the ranking: bm25 reads every row of each term it is given to weigh it (a million for
    "public"), 47 ms of "ovasha"'s 57 at a million articles. Twice `limit` are ranked without
    them, and those with them kept (having_broad_terms); if too few are left, the ranking is done
    again with them."""
    narrow, _broad = narrow_and_broad(terms)
    for columns in ((TITLE_COLUMNS,) if query.one_word else ()) + (SUMMARY_COLUMNS,):
        if len(match_ids(query, limit, terms=narrow, columns=columns)) == limit:
            # An expert's name, in their bylines by the thousand: the titles holding it (fewer than
            # `limit`: the loop found so), then the expert's pieces.
            author = author_named(query, terms, language, limit) if columns == SUMMARY_COLUMNS else None
            if author is not None:
                titled = _best_in(TITLE_COLUMNS, query, terms, limit)
                return titled_then_theirs(titled, author, language, limit)
            best = _best_in(columns, query, terms, limit)
            if len(best) == limit:
                return best
    ranked = _best_in(SUMMARY_COLUMNS, query, terms, limit)
    return BestIds(ranked, partial(_newest_in_bodies, query, terms), limit)


def _newest_in_bodies(query, terms, limit):
    """The ids of the newest `limit` articles (any status) matching the query and the terms in
    their text but not in their summary's columns: what best_ids() lists after the summaries'
    matches, as PostgreSQL does (postgres.body_matches). Ranking every match with bm25 instead read
    the positions of a phrase's words in every article holding them: 243 ms for "missile defense"
    at a million articles, whose phrase fewer than 2,000 summaries hold."""
    in_text = match_expression(query, terms)
    expression = f"({in_text}) NOT ({text_expression(query, columns=SUMMARY_COLUMNS)})"
    matches = ArticleFts.objects.filter(document__match=expression).values("article_id")
    newest = Article.objects.filter(pk__in=matches).order_by("-published_at", "-id")
    return list(newest.values_list("pk", flat=True)[:limit])


def _best_in(columns, query, terms, limit):
    """The `limit` best matches in the text `columns` (fewer if fewer match), for best_ids()."""
    narrow, broad = narrow_and_broad(terms)
    if not broad:
        return _bm25_best(match_expression(query, narrow, columns=columns), limit)
    ranked = _bm25_best(match_expression(query, narrow, columns=columns), 2 * limit)
    # Checked as far as needed (about 2 ms a thousand): the first `limit`, then twice as many more
    # as are missing (the drafts and scheduled pieces among them, a few in a hundred), then the
    # rest. Checking all the rest at once cost every common word's page 4.5 ms more at a million.
    best, checked = having_broad_terms(ranked[:limit], broad), limit
    for more in (2 * (limit - len(best)), len(ranked)):
        if len(best) >= limit or checked >= len(ranked):
            break
        best += having_broad_terms(ranked[checked : checked + more], broad)
        checked += more
    if len(best) >= limit or len(ranked) < 2 * limit:
        return best[:limit]
    return _bm25_best(match_expression(query, terms, columns=columns), limit)


def _bm25_best(expression, limit):
    table = ArticleFts._meta.db_table
    weights = ", ".join(str(weight) for weight in WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY bm25({table}, {weights}) LIMIT %s",
            [expression, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def having_broad_terms(ids, broad):
    """Those of `ids`, in their order, whose articles have the `broad` filter terms (groups of
    alternatives: public now, in one of the languages), read from the articles by id."""
    articles = Article.objects.filter(pk__among=ids)
    for group in broad:
        alternatives = Q()
        for kind, value in group:
            alternatives |= published_condition() if kind == PUBLIC else Q(language=value)
        articles = articles.filter(alternatives)
    having = set(articles.values_list("pk", flat=True))
    return [pk for pk in ids if pk in having]


def rank(queryset, query, language="", terms=(), scores=None):
    # bm25() only works inside a full-text query, so ranking repeats the match; it is lower for
    # better matches: negated, higher is better, as on PostgreSQL. With the match's narrow filter
    # terms too: they rank nothing (the filters column weighs 0), and FTS5 then reads the text's
    # matches among theirs, not every one of a common word's (82 ms instead of 766 for a Russian
    # word in 30% of a million articles, with a topic and a year). Not the broad ones: bm25 reads
    # each term's whole list of articles once a query, nearly all of them for those. `scores` are
    # PostgreSQL's (its match reads them, postgres.scored_matches); ranked_ids() here gives none.
    narrow, _broad = narrow_and_broad(terms)
    score = Bm25(F("fts__document"), *(Value(weight) for weight in WEIGHTS)) * Value(-1.0)
    return queryset.filter(fts__document__match=match_expression(query, narrow)).annotate(search_rank=score)


@contextmanager
def loading():
    """Around a bulk load (postgres.loading()): nothing is set aside, FTS5 merges its index's
    segments as it goes."""
    yield lambda count, *, settle=None: None


def write(documents):
    if not documents:
        return
    delete([document.article_id for document in documents])
    rows = []
    for d in documents:
        paired = (stems(d.title), stems(d.lead), stems_and_names(d.authors), stems(d.topics))
        title, lead, authors, topics = paired
        filters = " ".join(token(*term) for term in d.filters)
        rows.append((d.article_id, title, lead, stems(d.body), authors, topics, filters, *map(pairs, paired)))
    columns = ", ".join(("title", "lead", "body", "authors", "topics", "filters", *PAIRED_COLUMNS))
    placeholders = ", ".join(["%s"] * len(rows[0]))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {ArticleFts._meta.db_table} (rowid, {columns}) VALUES ({placeholders})", rows
        )


def delete(article_ids):
    if article_ids:
        placeholders = ", ".join(["%s"] * len(article_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {ArticleFts._meta.db_table} WHERE rowid IN ({placeholders})", article_ids
            )


def clear():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ArticleFts._meta.db_table}")


def suggest(word, limit):
    """The known words closest to `word` among those sharing its first two letters and about its
    length, closest first."""
    prefix = word[:2]
    candidates = SearchTerm.objects.filter(term__gte=prefix, term__lt=prefix + "\uffff").values_list(
        "term", flat=True
    )
    near = [term for term in candidates.iterator() if abs(len(term) - len(word)) <= 2]
    return difflib.get_close_matches(word, near, n=limit, cutoff=0.75)
