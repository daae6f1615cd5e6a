import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import maintenance
from articles.importers.jsonl import import_lines


class Command(BaseCommand):
    help = "Create or update the knowledge base from JSON Lines written by export_kb (FILE, or - for stdin)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON Lines file, or - for standard input")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the import for the task worker, which must be able to read FILE.",
        )

    def handle(self, *args, file, background, **options):
        if background:
            if file == "-":
                raise CommandError("--background imports a file the worker can read, not standard input.")
            path = Path(file).resolve()
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            self.stdout.write(maintenance.queued(maintenance.import_file.enqueue(str(path))))
            return
        started = time.perf_counter()
        try:
            stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        with stream:
            report = import_lines(stream)
        seconds = time.perf_counter() - started
        for error in report.errors:
            self.stderr.write(self.style.ERROR(error))
        summary = ", ".join(f"{count} {kind}" for kind, count in report.counts.items()) or "nothing"
        message = f"Imported {summary} in {seconds:.1f} s; {len(report.errors)} lines not imported."
        if report.errors:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
