"""Rows written straight into a table, tens of thousands at a time: no model instance, no save(), no
signal. For the writers whose rows are many and plain (the corpus generator's articles, the stored
counts' timeline rows, an import's bylines), where building a model instance per row and compiling
its values cost more than the database's write: PostgreSQL's COPY, SQLite's executemany of one
prepared statement; and their deletes, in one statement.
"""

from contextlib import contextmanager

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection

# PostgreSQL connections a bulk writer (the corpus generator, an import) writes batches from at
# once: this machine's cores, which the database's to_tsvector then all uses.
CONNECTIONS = 2

# Fields whose Python values both databases take as they are; the others' (dates, JSON) are
# prepared as a save would prepare them (SQLite stores a datetime as naive UTC text, for instance).
PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def insert(model, columns, rows):
    """Insert `rows`, tuples of Python values for the fields named in `columns` (names or attnames:
    "article_id"), into `model`'s table; the fields left out must have a database default or be
    the primary key."""
    fields = [model._meta.get_field(column) for column in columns]
    prepared = [(i, field) for i, field in enumerate(fields) if field.get_internal_type() not in PLAIN]
    if prepared:
        rows = [_prepare(row, prepared) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        # Only the model's own table and column names are formatted in; the values are bound.
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


@contextmanager
def binary_cursor():
    """A PostgreSQL cursor that sends its parameters apart from the statement, in binary where its
    placeholders say so (`%(name)b`), for a statement whose parameters are large: Django's cursors
    write every value into the statement's text, escaped, and the server parses it back. A batch
    of 2,000 articles' bodies (5 MB) cost psycopg 110 ms of CPU that way and the server 80 ms;
    as binary parameters 10 ms and none. Still Django's cursor wrapper: its errors, its log."""
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    logged = connection.queries_logged  # as Django wraps its own cursors
    with connection.make_debug_cursor(cursor) if logged else connection.make_cursor(cursor) as wrapped:
        yield wrapped


def _prepare(row, prepared):
    row = list(row)
    for i, field in prepared:
        row[i] = field.get_db_prep_save(row[i], connection)
    return row


def delete(queryset):
    """Delete the queryset's rows in one statement: no model instance, no signal. Where receivers
    listen, Django's delete() reads every row and signals each: an article's byline is then one
    pass of the write path a row, where a bulk writer, which reports its writes itself, runs one
    for them all (and an import's concurrent batches must touch no row but their own before their
    turn: articles.importers.jsonl)."""
    model = queryset.model
    try:
        select, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list: nothing to delete
        return 0
    table, pk = (
        connection.ops.quote_name(model._meta.db_table),
        connection.ops.quote_name(model._meta.pk.column),
    )
    with connection.cursor() as cursor:
        # The model's own table and column names; the filter's values are bound.
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({select})", params)  # noqa: S608
        return cursor.rowcount
