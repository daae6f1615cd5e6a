"""Backups with pg_dump / pg_restore on PostgreSQL (the JSON Lines backup, `make backup` and
`make restore`, is export_kb / import_kb: tests/test_jsonl.py restores everything from it)."""

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from articles.models import Article, ArticleAuthor, Category, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, relate

MODELS = (Article, ArticleAuthor, Category, RelatedLink, Source, Topic, Expert, ExpertLink)


def content():
    """A bit of everything a backup must carry: drafts, nesting, links, Unicode."""
    parent = TopicFactory(name="Asia «region»")
    expert = ExpertFactory(name="Ole Wæver")
    expert.links.create(label="Home", url="https://example.org/")
    article = ArticleFactory(title="Security — and…", authors=[expert], topics=[TopicFactory(parent=parent)])
    relate(article, draft(), ArticleFactory())


def counts(cursor):
    result = {}
    for model in MODELS:
        cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608 - our own table names
        result[model.__name__] = cursor.fetchone()[0]
    return result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed rows, which pg_dump sees
def test_pg_dump_and_pg_restore_give_back_everything(tmp_path):
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not (pg_dump and pg_restore):
        pytest.fail("pg_dump and pg_restore are needed (Debian: postgresql-client)")
    content()
    settings = connection.settings_dict
    server = f"postgresql://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    dump, copy = tmp_path / "kb.dump", f"{settings['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        expected = counts(cursor)
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}

    subprocess.run(
        [pg_dump, "--format=custom", f"--file={dump}", f"{server}/{settings['NAME']}"],
        check=True,
        env=environment,
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{copy}"')
    try:
        subprocess.run(
            [pg_restore, "--no-owner", f"--dbname={server}/{copy}", str(dump)], check=True, env=environment
        )
        with psycopg.connect(f"{server}/{copy}") as restored, restored.cursor() as cursor:
            assert counts(cursor) == expected
            cursor.execute("SELECT title FROM articles_article ORDER BY title")
            assert ("Security — and…",) in cursor.fetchall()
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
