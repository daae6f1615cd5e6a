import json
from pathlib import Path

from django.core.management.base import BaseCommand

from articles.importers.demo import load_demo_content
from articles.models import Article

DEMO = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo content: the two sample pages (through the page importer) and a few demo pieces."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only into a database without articles (make run): an editor's changes to the demo "
            "pieces are never overwritten.",
        )

    def handle(self, *args, if_empty, **options):
        if if_empty and Article.objects.exists():
            self.stdout.write("The database has articles: the demo content is not loaded again.")
            return
        data = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
        count = load_demo_content(data, pages=DEMO / "pages")
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {count} articles."))
