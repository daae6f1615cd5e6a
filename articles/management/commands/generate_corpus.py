import time

from django.core.management.base import BaseCommand

from articles.importers.corpus import generate


class Command(BaseCommand):
    help = "Add a synthetic archive (articles, experts, topics) for benchmarks, with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10000)
        parser.add_argument("--experts", type=int, default=5000)
        parser.add_argument("--topics", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--russian-share", type=float, default=0.3, help="the share of articles in Russian (0 to 1)"
        )

    def handle(self, *args, articles, experts, topics, seed, russian_share, **options):
        started = time.perf_counter()
        count = generate(
            articles=articles,
            experts=experts,
            topics=topics,
            seed=seed,
            russian_share=russian_share,
            stdout=self.stdout if options["verbosity"] > 1 else None,
        )
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Generated {count} articles in {seconds:.0f} s."))
