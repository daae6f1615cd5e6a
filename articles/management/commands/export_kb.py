from django.core.management.base import BaseCommand

from articles.importers.jsonl import export_lines


class Command(BaseCommand):
    help = "Write the whole knowledge base as JSON Lines (to standard output, or --output FILE)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="a file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        if output:
            with open(output, "w", encoding="utf-8", newline="\n") as stream:
                stream.writelines(export_lines())
        else:
            for line in export_lines():
                self.stdout.write(line, ending="")
