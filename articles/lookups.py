"""Field lookups of our own, registered on import (articles.apps)."""

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, IntegerField, Lookup


class Among(Lookup):
    """`field__among=values`: what `field__in=values` finds, with the values passed as one
    parameter however many there are (an array on PostgreSQL, a JSON list on SQLite).

    Many values are best given as a frozenset: Django resolves each item of a list or a tuple
    given to a filter, in case it is an expression, which for a search's 864 ids took 0.3 ms of
    CPU a filter, several filters a page."""

    lookup_name = "among"
    prepare_rhs = False

    def values(self):
        if not self.rhs:  # as `__in` does: no query at all for what matches nothing
            raise EmptyResultSet
        return [self.value_type(value) for value in self.rhs]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(self.values())]  # noqa: S608


@IntegerField.register_lookup
class AmongIds(Among):
    """`pk__among=ids`. A search's page filters by up to search.MATCH_LIMIT ids, in several
    queries. As `__in`, each id was a placeholder of its own, which psycopg parses query by query:
    39 ms of an 82 ms listing at 100,000 articles went to that alone."""

    value_type = int

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The array's text, not a list: psycopg adapts a list element by element in Python (864
        # ids in a dozen statements of one page: 5 of its 32 ms of CPU at a million articles);
        # the ids are ints, so their text is the array's.
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, "{" + ",".join(map(str, self.values())) + "}"]


@CharField.register_lookup
class AmongTexts(Among):
    """`title_key__among=texts`. A bulk writer's links look up thousands of title keys a
    statement: 4,000 as placeholders cost 24 ms of CPU, as one array (psycopg's) 8."""

    value_type = str

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::text[])", [*lhs_params, self.values()]
