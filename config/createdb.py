"""Create the PostgreSQL database that DATABASE_URL names, when the server has no such database yet.

`make run`, `make serve` and CI run `python -m config.createdb` before migrating, so that pointing
DATABASE_URL at a new database name is all the set-up PostgreSQL needs. SQLite creates its file by
itself. What cannot be done (no server, a refused login) is said in one line, not a traceback.
"""

import os
import sys
from pathlib import Path

import dj_database_url
import psycopg
from dotenv import load_dotenv
from psycopg import sql


def main():
    load_dotenv(Path(__file__).resolve().parent.parent / ".env")
    url = os.environ.get("DATABASE_URL")
    if not url:
        return 0  # the embedded SQLite default
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return 0
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "connect_timeout": 5,
    }
    name = config["NAME"]
    try:
        psycopg.connect(dbname=name, **server).close()
        return 0
    except psycopg.OperationalError as error:
        if f'database "{name}" does not exist' not in str(error):
            print(f"Cannot reach the database in DATABASE_URL: {first_line(error)}", file=sys.stderr)
            return 1
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        print(f"Cannot create the database {name!r}: {first_line(error)}", file=sys.stderr)
        return 1
    print(f"Created the PostgreSQL database {name!r}.")
    return 0


def first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
