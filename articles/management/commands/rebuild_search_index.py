from django.core.management.base import BaseCommand

from articles import search
from articles.models import Article


class Command(BaseCommand):
    help = "Index every article for full-text search again and rebuild the 'did you mean' vocabulary."

    def handle(self, *args, **options):
        search.rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Indexed {Article.objects.count()} articles."))
