from django.core.management.base import BaseCommand, CommandError

from articles import maintenance, tallies


class Command(BaseCommand):
    help = "Count the archive again into the stored counts, top lists and timelines, or --check."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare the stored counts with the archive; change nothing."
        )
        parser.add_argument("--background", action="store_true", help="Queue it for the task worker.")

    def handle(self, *args, check, background, **options):
        if check:
            expected = {key: n for key, n in tallies.direct_counts().items() if n}
            stored = tallies.stored_counts()
            keys = expected.keys() | stored.keys()
            wrong = sorted(key for key in keys if expected.get(key) != stored.get(key))
            if wrong:
                raise CommandError(f"{len(wrong)} stored counts differ from the archive, e.g. {wrong[:5]}")
            self.stdout.write(self.style.SUCCESS(f"All {len(stored)} stored counts match the archive."))
            return
        if background:
            self.stdout.write(maintenance.queued(maintenance.rebuild.enqueue("counts")))
            return
        tallies.rebuild(progress=maintenance.printer(self.stdout))
        self.stdout.write(self.style.SUCCESS("Counted the archive again."))
