from django.core.management.base import BaseCommand

from articles.models import Article
from articles.pictures import render_missing
from experts.models import Expert


class Command(BaseCommand):
    help = (
        "Make the copies for phones and thumbnails of every lead image and portrait that has none of its "
        "own (pictures stored before the copies existed, or copied into the media store with a backup)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--background", action="store_true", help="Queue a task per picture for the worker."
        )

    def handle(self, *args, background, **options):
        made = sum(render_missing(model, now=not background) for model in (Article, Expert))
        done = "queued for the task worker" if background else "made"
        self.stdout.write(self.style.SUCCESS(f"Copies of {made} pictures {done}."))
