"""The best of more matches than are listed (search.MATCH_LIMIT), as both databases list them: those
whose title, names or lead match, best first, then those matching in the body alone, newest first."""

from collections.abc import Sequence
from functools import cached_property


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
