"""Rows written straight into a table, tens of thousands at a time: no model instance, no save(), no
signal. For the writers whose rows are many and plain (the corpus generator's articles, the stored
counts' timeline rows), where building a model instance per row and compiling its values cost more
than the database's write: PostgreSQL's COPY, SQLite's executemany of one prepared statement.
"""

from django.db import connection


def insert(model, columns, rows):
    """Insert `rows`, tuples of Python values for the fields named in `columns` (names or attnames:
    "article_id"), into `model`'s table; the fields left out must have a database default or be
    the primary key."""
    fields = [model._meta.get_field(column) for column in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg adapts ints, text, datetimes and None itself; a JSON value comes prepared.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # SQLite stores datetimes as Django writes them (naive UTC text): each value prepared as a
        # save would.
        placeholders = ", ".join(["%s"] * len(fields))
        prepared = [
            [field.get_db_prep_save(value, connection) for field, value in zip(fields, row, strict=True)]
            for row in rows
        ]
        # Only the model's own table and column names are formatted in; the values are bound.
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)  # noqa: S608
