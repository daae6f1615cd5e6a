from django.core.management.base import BaseCommand

from articles import linking, pagecache, references, tallies
from articles.models import Article

STEP = 2_000


class Command(BaseCommand):
    help = (
        'Write every article\'s links again: the references waiting for it, its "Also read" blocks and '
        "its expert mentions (after a restore by SQL, or on an archive made before them)."
    )

    def handle(self, *args, **options):
        last, done, changed = 0, 0, 0
        while ids := list(
            Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:STEP]
        ):
            references.link_arrivals(ids)
            relinked = linking.refresh(ids)
            tallies.recount(relinked)  # "Mentioned in" is counted from the mentions
            last, done, changed = ids[-1], done + len(ids), changed + len(relinked)
            self.stdout.write(f"{done} articles, {changed} with new links")
        pagecache.invalidate_everything()
        self.stdout.write(self.style.SUCCESS(f"Links written again for {done} articles ({changed} changed)."))
