"""An expert's rename (issue 30): the editor's save, and how long the worker takes to index their
pieces again under the new name.

    python bench/rename.py [--size 100000] [--database postgres]

On a generated archive (the bench databases of bench/pages.py), the busiest expert is renamed: the
save is timed as an editor's request would take it (rolled back, five times), then once for real,
after which the task worker (in this process, `run_worker --batch`) indexes their pieces again; the
search for the new name is timed against the clock until it finds all of them. Prints one JSON
document; the figures are quoted in docs/performance.md ("Work outside the request").
"""

import argparse
import json
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def child(url, size):
    common.setup_django()
    generated = common.ensure_corpus(size, **common.corpus_shape(size))
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from articles import search
    from articles.models import Article
    from experts.models import Expert

    expert = Expert.objects.annotate(pieces=Count("authorships")).order_by("-pieces").first()
    pieces = Article.objects.filter(article_authors__expert=expert)
    published = pieces.published().count()
    surname = "".join(random.choices(string.ascii_lowercase, k=10)).capitalize()  # new each run
    new_name = f"Zanzibar {surname}"

    def rename():
        expert.name = new_name
        expert.save()

    results = {
        "size": size,
        "database": connection.vendor,
        "generated_seconds": generated,
        "expert pieces": pieces.count(),
        "rename save": common.measure_write(rename, repeats=5),
    }

    def found():
        return search.search(Article.objects.published(), surname).count()

    started = time.perf_counter()
    rename()  # for real, committed (autocommit)
    results["rename save, committed, ms"] = round((time.perf_counter() - started) * 1000, 1)
    results["found by the new name right after"] = found()
    started = time.perf_counter()
    call_command("run_worker", batch=True, worker_id="bench", verbosity=0)
    results["worker seconds to index them again"] = round(time.perf_counter() - started, 1)
    results["found by the new name after the worker"] = found()
    results["published pieces"] = published
    print(json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("--child", nargs=2)
    options = parser.parse_args()
    if options.child:
        url, size = options.child
        child(url, int(size))
    else:
        url = common.database_url(options.database, options.size)
        print(json.dumps(common.run_child(Path(__file__), url, options.size), indent=2))
