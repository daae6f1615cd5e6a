from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from articles.models import Article


class Command(BaseCommand):
    help = (
        "Say what the site holds before it is served, and what to do first on an empty database "
        "(`make serve` runs it)."
    )

    def handle(self, *args, **options):
        published = Article.objects.published().count()
        editors = get_user_model().objects.filter(is_staff=True, is_active=True).count()
        self.stdout.write(
            f"The knowledge base has {published} published article(s) and {editors} editor account(s)."
        )
        if not published:
            self.stdout.write(
                self.style.WARNING(
                    "It is empty: readers will see an empty site. Load the sample content with `make demo` "
                    "(manage.py load_demo), or import an archive with `manage.py import_kb FILE.jsonl`."
                )
            )
        if not editors:
            self.stdout.write(
                self.style.WARNING(
                    "No one can sign in to the editorial admin yet: `make editor` creates the first "
                    "account (manage.py createsuperuser; it asks for a name and a password)."
                )
            )
