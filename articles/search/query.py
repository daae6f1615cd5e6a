"""What a reader typed, read into a small query that every backend understands the same way.

The syntax is the one people know from web search engines:

- words: all must match (``thaad korea``);
- ``"quoted phrases"``: the words in this order (a quote left open runs to the end);
- ``-word`` or ``-"a phrase"``: must not match;
- ``or`` between two terms: either will do (``china or russia``); it binds tighter than the
  implicit "and", so ``korea china or russia`` means korea and (china or russia).

Anything else (punctuation, operators of other languages, SQL or HTML, emoji) is not syntax:
only runs of letters and digits survive as words, so what reaches a database is always well formed.
"""

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200  # the search form's limit, its inputs' maxlength, the API's and the admin's


def normalise(text):
    """A search text as every part of the site takes it: runs of spaces folded into one; None when
    longer than MAX_QUERY_LENGTH (the site then ignores it and says so, the API answers 400)."""
    folded = " ".join((text or "").split())
    return folded if len(folded) <= MAX_QUERY_LENGTH else None


MAX_TERMS = 8

TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Query:
    """Groups that must all match; each group is a set of alternatives; each term a word tuple."""

    groups: tuple = ()
    excluded: tuple = ()
    words: tuple = field(default=(), compare=False)

    def __bool__(self):
        return bool(self.groups)

    @property
    def one_word(self):
        """Whether the query asks for a single word (it may still exclude others)."""
        return len(self.groups) == 1 and len(self.groups[0]) == 1 and len(self.groups[0][0]) == 1

    @property
    def wanted(self):
        """The query without its exclusions: what a match must hold."""
        return Query(groups=self.groups, words=self.words)


OR_WORDS = {"or", "или"}  # "either" between two terms, as readers write it in each language


def parse(text):
    """Read `text` into a Query; an empty Query when nothing searchable is left."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    groups, excluded, pending_or = [], [], False
    for match in TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() in OR_WORDS:
                pending_or = bool(groups)
                continue
            negated = "-" if bare.startswith("-") else ""
            phrase = bare[1:] if negated else bare
        words = tuple(word.lower() for word in WORD.findall(phrase))
        if not words:
            continue
        if negated:
            excluded.append(words)
        elif pending_or:
            groups[-1] = (*groups[-1], words)
        else:
            groups.append((words,))
        pending_or = False
    groups, excluded = groups[:MAX_TERMS], excluded[:MAX_TERMS]
    words = tuple(dict.fromkeys(word for group in groups for term in group for word in term))
    return Query(groups=tuple(groups), excluded=tuple(excluded), words=words)
