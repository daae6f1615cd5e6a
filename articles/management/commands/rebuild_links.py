from django.core.management.base import BaseCommand

from articles import maintenance


class Command(BaseCommand):
    help = (
        'Write every article\'s links again: the references waiting for it, its "Also read" blocks and '
        "its expert mentions (after a restore by SQL, or on an archive made before them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--background", action="store_true", help="Queue it for the task worker.")

    def handle(self, *args, background, **options):
        if background:
            self.stdout.write(maintenance.queued(maintenance.rebuild.enqueue("links")))
            return
        changed = maintenance.rebuild_links(progress=maintenance.printer(self.stdout))
        self.stdout.write(self.style.SUCCESS(f"Links written again ({changed} articles changed)."))
