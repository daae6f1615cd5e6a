"""The passage a search result shows: the part of the article's text with the most of the query's
words, those words marked, cut from the article's own text (both databases alike).

A word is the query's when its stem is one of the query's words' stems (articles.search.stemming,
the Snowball stemmers PostgreSQL's configurations use too), so "переговорах" marks "переговоры" as
written, never a stem. PostgreSQL's ts_headline did this there before, over each article's whole
lead and body in the database: 6-9 ms of every search page at a million articles, against about
2 here (docs/performance.md).
"""

import itertools
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
PASSAGE_CHARACTERS = 250  # about PASSAGE_WORDS words of English or Russian prose


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
def _beginnings(wanted):
    """What the words that may stem to one of `wanted` begin with, lower-cased ("ё" as "е"): a
    stem less its last letters, which Snowball may have rewritten."""
    return tuple({s[: max(1, len(s) - REWRITTEN)] for s in wanted if s})


def _hits(text, wanted):
    """The starts of the words of `text` whose stems are in `wanted`, in order. The candidates are
    found by their beginnings with str.find on the text lower-cased, in C, and only they are
    stemmed: stemming each word in Python took 3 of a page's 4.5 ms."""
    low = text.lower().replace("ё", "е")
    if len(low) != len(text):  # a letter lower-cased to two ("İ"): positions would not match
        return [word.start() for word in WORD.finditer(text) if stem(word.group()) in wanted]
    found = set()
    for beginning in _beginnings(wanted):
        at = low.find(beginning)
        while at != -1:
            if at == 0 or not WORD.match(low, at - 1):  # the beginning of a word
                word = WORD.match(text, at)
                if stem(word.group()) in wanted:
                    found.add(at)
            at = low.find(beginning, at + 1)
    return sorted(found)


def _passage(text, wanted, start, end):
    hits = _hits(text, wanted)
    if not hits:
        return None
    # The window holding the most hits, by their distance in characters (PASSAGE_CHARACTERS, about
    # PASSAGE_WORDS words): counting every word of the text in Python cost more than the rest.
    best = max(hits, key=lambda first: sum(1 for hit in hits if first <= hit < first + PASSAGE_CHARACTERS))
    begin = _words_back(text, best, 3)  # begun a few words before its first hit
    words = list(itertools.islice(WORD.finditer(text, begin), PASSAGE_WORDS))
    if len(words) < PASSAGE_WORDS and begin > 0:  # the text ends first: as many words before it
        begin = _words_back(text, begin, PASSAGE_WORDS - len(words))
        words = list(itertools.islice(WORD.finditer(text, begin), PASSAGE_WORDS))
    hit = set(hits)
    marked, position = [], words[0].start()
    for word in words:
        if word.start() in hit:
            marked += [text[position : word.start()], start, word.group(), end]
            position = word.end()
    # The sentence's own stop when the window ends at it; "…" where it cuts a sentence short.
    last = words[-1]
    stop = SENTENCE_STOP.match(text, last.end())
    marked.append(text[position : stop.end() if stop else last.end()])
    previous = _previous_word_end(text, words[0].start())
    begins_sentence = previous is None or SENTENCE_STOP.match(text[previous : words[0].start()])
    ends_sentence = stop or not WORD.search(text, last.end())
    return ("" if begins_sentence else "…") + "".join(marked) + ("" if ends_sentence else "…")


def _words_back(text, position, count):
    """Where the word `count` words before the one at `position` begins (the text's first word's
    start if there are fewer)."""
    reach = 16 * count
    while True:
        begin = max(0, position - reach)
        starts = [word.start() for word in WORD.finditer(text, begin, position)]
        if begin > 0:
            starts = starts[1:]  # perhaps a word cut in two by `begin`
        if len(starts) >= count:
            return starts[-count]
        if begin == 0:
            return starts[0] if starts else position
        reach *= 4


def _previous_word_end(text, position):
    """Where the last word before `position` ends; None if there is none."""
    reach = 64
    while True:
        begin = max(0, position - reach)
        ends = [word.end() for word in WORD.finditer(text, begin, position)]
        if ends:
            return ends[-1]
        if begin == 0:
            return None
        reach *= 4
