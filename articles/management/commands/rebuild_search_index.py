from django.core.management.base import BaseCommand

from articles import maintenance, search
from articles.models import Article


class Command(BaseCommand):
    help = "Index every article for full-text search again and rebuild the 'did you mean' vocabulary."

    def add_arguments(self, parser):
        parser.add_argument("--background", action="store_true", help="Queue it for the task worker.")

    def handle(self, *args, background, **options):
        if background:
            self.stdout.write(maintenance.queued(maintenance.rebuild.enqueue("search")))
            return
        search.rebuild_index(progress=maintenance.printer(self.stdout))
        self.stdout.write(self.style.SUCCESS(f"Indexed {Article.objects.count()} articles."))
