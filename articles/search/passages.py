"""The passage a search result shows: the part of the article's text with the most of the query's
words, those words marked, cut from the article's own text (both databases alike).

A word is the query's when its stem is one of the query's words' stems (articles.search.stemming,
the Snowball stemmers PostgreSQL's configurations use too), so "переговорах" marks "переговоры" as
written, never a stem. PostgreSQL's ts_headline did this there before, over each article's whole
lead and body in the database: 6-9 ms of every search page at a million articles, against about
2 here (docs/performance.md).
"""

import bisect
import re
from functools import lru_cache

from articles.models import Article
from articles.search.documents import html_to_text
from articles.search.stemming import stem

PASSAGE_WORDS = 40  # as many words as PostgreSQL's headline showed
# The end of a sentence between two words: its stop, with any closing quote or bracket after it.
SENTENCE_STOP = re.compile(r"[^\w.!?…]*[.!?…]+[\"'»”)\]]*")
WORD = re.compile(r"\w+")
# Snowball may rewrite a word's last letters as it stems it ("ability" -> "abil", "happy" ->
# "happi"), never those before: a word begins as its stem does, less that many letters.
REWRITTEN = 3


def snippets(article_ids, query, start, end):
    """{id: passage} of the articles whose body (else lead) holds a word of `query` (a parsed
    Query): the PASSAGE_WORDS words with the most of them, each between `start` and `end`."""
    wanted = frozenset(stem(word) for group in query.groups for words in group for word in words)
    found = {}
    for pk, lead, body in Article.objects.filter(pk__in=article_ids).values_list("pk", "lead", "body"):
        passage = _passage(html_to_text(body), wanted, start, end) or _passage(lead, wanted, start, end)
        if passage:
            found[pk] = passage
    return found


@lru_cache(maxsize=256)
def _candidates(wanted):
    """A pattern for the words that may stem to one of `wanted`: those beginning as a stem does
    (case aside, "ё" as "е"), each then stemmed to be sure. Looked for in C over the whole text,
    instead of stemming each of its words in Python (3 of a page's 4.5 ms)."""
    beginnings = sorted({s[: max(1, len(s) - REWRITTEN)] for s in wanted if s}, key=len, reverse=True)
    alternatives = "|".join(re.escape(b).replace("е", "[её]") for b in beginnings)
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)


def _passage(text, wanted, start, end):
    hits = [m.start() for m in _candidates(wanted).finditer(text) if stem(m.group()) in wanted]
    if not hits:
        return None
    words = list(WORD.finditer(text))
    starts = [word.start() for word in words]
    hits = [bisect.bisect_left(starts, position) for position in hits]  # as word numbers
    hit = set(hits)
    # The window of PASSAGE_WORDS words holding the most hits, begun a few words before its first.
    best = max(hits, key=lambda first: sum(1 for number in hits if first <= number < first + PASSAGE_WORDS))
    first = max(0, min(best - 3, len(words) - PASSAGE_WORDS))
    last = min(len(words), first + PASSAGE_WORDS) - 1
    marked, position = [], words[first].start()
    for number in range(first, last + 1):
        word = words[number]
        if number in hit:
            marked += [text[position : word.start()], start, word.group(), end]
            position = word.end()
    # The sentence's own stop when the window ends at it; "…" where it cuts a sentence short.
    stop = SENTENCE_STOP.match(text, words[last].end())
    marked.append(text[position : stop.end() if stop else words[last].end()])
    begins_sentence = first == 0 or SENTENCE_STOP.match(text[words[first - 1].end() : words[first].start()])
    ends_sentence = last == len(words) - 1 or stop
    return ("" if begins_sentence else "…") + "".join(marked) + ("" if ends_sentence else "…")
