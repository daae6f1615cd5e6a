from django.core.management.base import BaseCommand

from articles.importers.jsonl import OPTIONAL_EXPORTS, export_lines


class Command(BaseCommand):
    help = "Write the whole knowledge base as JSON Lines (to standard output, or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="a file to write (default: standard output)")
        parser.add_argument(
            "--with-subscribers",
            action="store_true",
            help="Include the email alerts' subscribers and what they follow (personal data: left out "
            "by default).",
        )

    def handle(self, *args, output=None, with_subscribers=False, **options):
        lines = export_lines(*([OPTIONAL_EXPORTS["subscriber"]()] if with_subscribers else []))
        if output:
            with open(output, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
