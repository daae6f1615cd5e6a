from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from articles.importers.page_import import save_page
from articles.importers.pages import PageError, parse_page, read_text
from articles.models import Article
from articles.pictures import PictureFormField


class DryRun(Exception):
    """Raised inside a page's transaction to roll back what a dry run wrote."""


class Command(BaseCommand):
    help = "Import publishers' plain-text pages (files, or folders of .txt files) as articles."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--publish", action="store_true", help="publish dated articles (default: drafts)")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument(
            "--language",
            choices=[code for code, _ in settings.LANGUAGES],
            help="the pages' language (default: read from each page's letters)",
        )
        parser.add_argument(
            "--translation-of",
            metavar="SLUG",
            help="the imported page is a version of this article (in another language)",
        )

    def handle(self, *args, paths, publish, dry_run, language, translation_of, **options):
        files = list(_page_files(paths))
        if not files:
            raise CommandError("No pages found at the given paths.")
        original = None
        if translation_of:
            original = Article.objects.filter(slug=translation_of).order_by("translation_of", "pk").first()
            if original is None:
                raise CommandError(f"No article has the slug {translation_of!r}.")
            if len(files) > 1:
                raise CommandError("--translation-of links one page: give one file.")
        failed = changed = 0
        for path in files:
            try:
                changes = _import(
                    path, publish=publish, dry_run=dry_run, language=language, original=original
                )
            except (PageError, OSError, DatabaseError, ValidationError) as error:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{path}: not imported: {error}"))
                continue
            changed += bool(changes)
            prefix = "would: " if dry_run else ""
            for change in changes or ["unchanged"]:
                self.stdout.write(f"{path}: {prefix}{change}")
        unchanged = len(files) - changed - failed
        summary = f"{len(files)} pages: {changed} changed, {unchanged} unchanged, {failed} failed"
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary + (" (dry run: nothing written)" if dry_run else "")))


PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def _import(path, *, publish, dry_run, language=None, original=None):
    """Import one page in its own transaction; a dry run rolls it back. A picture saved beside the
    page under its name ("page.txt", "page.jpg") is its photo: the article's lead image."""
    page = parse_page(read_text(path.read_bytes()), language=language)
    beside = next((found for s in PICTURE_SUFFIXES if (found := path.with_suffix(s)).is_file()), None)
    changes = []
    try:
        with transaction.atomic(), ExitStack() as files:
            picture = files.enter_context(File(beside.open("rb"), name=beside.name)) if beside else None
            if picture is not None and dry_run:
                PictureFormField().clean(picture)  # judged, not stored
                picture = None
            changes = save_page(page, publish=publish, translation_of=original, picture=picture).changes
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return changes


def _page_files(paths):
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.txt") if p.is_file())
        else:
            yield path
