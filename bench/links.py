"""Cross-links benchmark (issue 16): what computing links at write time costs, at one size.

    python bench/links.py [--size 100000] [--database postgres] [--requests 30]

On a generated archive (the same bench databases as bench/pages.py), after giving a share of the
bodies an expert's name and an "Also read" line: the article page of a piece with a publisher's
listing of entries, the profile of the most mentioned expert with its "Mentioned in", the save of
one article (every link of the write path included), an expert's rename (its bodies found through
the search index and linked again), and `rebuild_links` over the whole archive. Prints one JSON
document; the figures are in docs/changelog.md ("Cross-links (issue 16)").
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

NAMED = 2_000  # bodies given an expert's name and an "Also read" line


def child(url, size, requests):
    common.setup_django()
    generated = common.ensure_corpus(size, **common.corpus_shape(size))
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles.models import Article, RelatedLink
    from experts.models import Expert

    expert = Expert.objects.order_by("pk").first()
    articles = list(Article.objects.published().filter(language="en").order_by("-pk")[:NAMED])
    for article in articles:  # an expert named, and a reference to a piece not here
        if expert.name not in article.body:
            article.body += (
                f'<p>As {expert.name} argued, it matters.</p><p>Also read: "A piece not here yet"</p>'
            )
            Article.objects.filter(pk=article.pk).update(body=article.body)
    page = articles[0]
    if not page.related_links.exists():
        for position in range(3):
            RelatedLink.objects.create(article=page, title=f"A listed piece {position}", position=position)
    started = time.perf_counter()
    call_command("rebuild_links", stdout=open("/dev/null", "w"))  # noqa: SIM115
    relink_seconds = time.perf_counter() - started

    from django.conf import settings

    settings.PAGE_CACHE_SECONDS = 0  # rendered every time
    client = Client()
    results = {"size": size, "database": connection.vendor, "generated_seconds": generated}
    for name, path in (
        ("article with entries", page.get_absolute_url()),
        ("profile with Mentioned in", expert.get_absolute_url()),
        ("Mentioned in, page 50", expert.get_absolute_url() + "?mentioned=50"),
    ):
        results[name] = common.measure(client, path, requests=requests)

    def save():
        page.lead = page.lead + " "
        page.save()

    results["save"] = common.measure_write(save, repeats=requests)

    def rename():
        expert.name = expert.name + " " if not expert.name.endswith(" ") else expert.name.strip()
        expert.save()

    results["expert rename"] = common.measure_write(rename, repeats=5)
    results["rebuild_links seconds"] = round(relink_seconds, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--child", nargs=3)
    options = parser.parse_args()
    if options.child:
        url, size, requests = options.child
        child(url, int(size), int(requests))
    else:
        url = common.database_url(options.database, options.size)
        print(json.dumps(common.run_child(Path(__file__), url, options.size, options.requests), indent=2))
