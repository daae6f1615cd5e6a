"""Words to their stems, for SQLite's search (FTS5 has no Russian stemmer): the same Snowball
stemmers PostgreSQL's `russian` and `english` configurations use, from PyStemmer.

A word's alphabet picks its stemmer: Cyrillic words are stemmed as Russian, others by the
stemmer of the site's default language (settings.SEARCH_STEMMERS). So a text mixing languages
("THAAD и Корея") and a query mixing them ("THAAD Корея") are read the same way, whatever the
article's language. Words are case-folded and "ё" is read as "е" first.
"""

import re
from functools import cache, lru_cache

import Stemmer
from django.conf import settings

from articles.richtext import fold

WORD = re.compile(r"\w+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@cache
def _stemmer(algorithm):
    return Stemmer.Stemmer(algorithm) if algorithm else None


def _algorithm(word):
    language = "ru" if CYRILLIC.search(word) else settings.LANGUAGE_CODE
    return settings.SEARCH_STEMMERS.get(language)


@lru_cache(maxsize=200_000)  # an archive's vocabulary: stemming each word once is most of the cost
def stem(word):
    """The stem of one word ("переговорах" -> "переговор", "sanctions" -> "sanction")."""
    folded = fold(word)
    stemmer = _stemmer(_algorithm(folded))
    return stemmer.stemWord(folded) if stemmer else folded


def stems(text):
    """The stems of the words of `text`, in order, space-separated: what the FTS table stores."""
    return " ".join(filter(None, map(_token_stems, (text or "").split())))


@lru_cache(maxsize=200_000)
def _token_stems(token):
    """The stems of the words of one token of text between spaces ("Korea's" -> "korea s"), or "".
    Text is stemmed a token at a time because tokens recur too: a body's regular expression
    and a lookup a word cost twice what a lookup a token does (156 → 84 µs a body)."""
    return " ".join(stem(word) for word in WORD.findall(token))


def stems_and_names(text):
    """stems(), followed by the words whose stem is not the word itself, as written (case-folded):
    what a name is indexed as. Snowball reads a surname's "-ов", "-ев" or "-ин" as an ending
    ("Белов" -> "бел", but "Белова" -> "белов"); the name as written is what its other cases
    stem to, so "Белова", "Белову" and "Беловым" find Белов (PostgreSQL's index does the same with
    the "simple" configuration: articles.search.postgres)."""
    words = WORD.findall(text or "")
    unstemmed = dict.fromkeys(folded for folded in map(fold, words) if stem(folded) != folded)
    return " ".join([stems(text), *unstemmed]).strip()
