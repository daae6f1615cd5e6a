import json
from pathlib import Path

from django.core.management.base import BaseCommand

from articles.services import load_demo_content

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo.json"


class Command(BaseCommand):
    help = "Load the demo content (the two sample pages and a few demo pieces); safe to run again."

    def handle(self, *args, **options):
        count = load_demo_content(json.loads(DEMO_FILE.read_text(encoding="utf-8")))
        self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {count} articles."))
