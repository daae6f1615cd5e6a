"""The best of more matches than are listed (search.MATCH_LIMIT), as both databases list them: those
whose title, names or lead match, best first, then those matching in the body alone, newest first;
for an expert's name, those whose title holds it, then the expert's pieces, newest first."""

import re
from collections.abc import Sequence
from functools import cached_property, partial
from typing import NamedTuple

from django.db.models import OuterRef, Subquery

from articles import tallies
from articles.models import Tally
from articles.richtext import fold
from articles.search.documents import PUBLIC, narrow_and_broad
from experts.models import Expert

NAME_WORD = re.compile(r"\w+")  # a word of an expert's search names, as matching_experts() reads them


class Ranked(NamedTuple):
    """What a backend's ranked_ids() finds: `ids`, whether they are every match (`complete`), and
    for every match, their scores where the match read them ({id: score}; None otherwise), which
    the page then orders them by (postgres.rank()) instead of scoring each one again."""

    ids: Sequence
    complete: bool
    scores: dict | None = None


class BestIds(Sequence):
    """A common word's best `limit` matches, as ranked_ids() lists them: first those whose summaries
    match (`ranked`, read off the index at once), then the newest of those matching in the body
    alone (`rest(count)` gives them), read only when a page reaches past the summaries' matches.
    Sorting a common word's body matches by date was half of its search (49 of 90 ms for a word in
    3% of a million articles), and the first pages of results rarely need them."""

    def __init__(self, ranked, rest, limit):
        self.ranked, self.rest, self.limit = ranked, rest, limit

    def __len__(self):
        return len(self.every) if "every" in self.__dict__ else self.limit

    def __getitem__(self, index):
        # The first results of all (ids[:top]), as far as a page reads: the rest only if past them.
        first = isinstance(index, slice) and index.start is None and index.step is None
        if first and index.stop is not None and 0 <= index.stop <= len(self.ranked):
            return self.ranked[index]
        return self.every[index]

    def __iter__(self):
        return iter(self.every)

    @cached_property
    def every(self):
        return self.ranked + self.rest(self.limit - len(self.ranked))


def author_named(query, terms, language, limit):
    """The id of the one expert a one-word `query` names (a word of their names, as
    matching_experts() reads them), when they have at least `limit` published pieces in `language`
    and no filter narrows the match of public pieces (`terms` the public term and at most the
    language: BROAD_TERMS); None otherwise, for the usual ranking. Their bylines hold the name by
    the thousand, all alike: ranking the busiest expert's 110,000 pieces took 52 ms of their page
    at a million articles on PostgreSQL, 131 on SQLite, and told them apart by little more than
    how many co-authors each has (titled_then_theirs())."""
    narrow, broad = narrow_and_broad(terms)
    # The timeline lists published pieces: the readers' search, whose match has the public term;
    # not the desk's, which finds drafts too.
    if not query.one_word or query.excluded or narrow or ((PUBLIC, 1),) not in map(tuple, broad):
        return None
    word = fold(query.groups[0][0][0])
    pieces = Tally.objects.filter(kind=Tally.Kind.EXPERT, ref=OuterRef("pk"), language=language)
    candidates = list(
        Expert.objects.filter(search_names__contains=word)
        .annotate(pieces=Subquery(pieces.values("count")[:1]))
        .values_list("pk", "search_names", "pieces")[:51]
    )
    named = [(pk, count or 0) for pk, names, count in candidates if word in NAME_WORD.findall(names)]
    if len(named) != 1 or len(candidates) > 50:  # none, several, or too common a string to tell
        return None
    author, count = named[0]
    return author if count >= limit else None


def titled_then_theirs(titled, author, language, limit):
    """The best `limit` matches of a search for an expert's name (author_named()): those whose
    titles hold it, best first (`titled`, fewer than `limit`), then the expert's own pieces, newest
    first, as ranking weighs them (a title over a byline, a byline over a lead). Pieces of others
    naming them in a lead, their topics or a body come after, past the best listed."""
    return BestIds(titled, partial(_newest_by, author, language, frozenset(titled)), limit)


def _newest_by(author, language, titled, count):
    """The ids of the newest `count` published pieces of `author` in `language` not among `titled`."""
    rows = tallies.listed(Tally.Kind.EXPERT, author, count + len(titled), language=language)
    return [row["article_id"] for row in rows if row["article_id"] not in titled][:count]
