import json
from pathlib import Path

from django.core.management.base import BaseCommand

from articles.importers.demo import load_demo_content

DEMO = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo content: the two sample pages (through the page importer) and a few demo pieces."

    def handle(self, *args, **options):
        data = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
        count = load_demo_content(data, pages=DEMO / "pages")
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {count} articles."))
