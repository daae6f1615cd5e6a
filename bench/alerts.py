"""One piece published to many followers (issue 31): the editor's save, the match that queues the
emails, and their sending into a local SMTP sink.

    python bench/alerts.py [--size 100000] [--database postgres] [--followers 100000]

On a generated archive (the bench databases of bench/pages.py), `--followers` confirmed subscribers
follow the busiest expert instantly (a tenth of them also a topic of the piece, a tenth a search
matching it, in both languages). One piece by that expert is published: the save is timed as an
editor's (rolled back, five times), then once for real; the worker's match (alerts.tasks.
match_new_pieces) and the sending (alerts.mail.send_queued) are timed into an aiosmtpd server that
counts what it receives. Everything the run made is deleted afterwards. Prints one JSON document;
the figures are quoted in docs/performance.md ("Email alerts").
"""

import argparse
import json
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

# The SMTP sink runs in a process of its own: in this one, every SMTP round trip would wait for
# the interpreter's lock to change threads (5 ms each), and the sink would measure itself.
SINK = """
import signal, sys, threading
from aiosmtpd.controller import Controller
class Sink:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.received += 1
        return "250 OK"
server = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
server.start()
print("ready", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
print(Sink.received, flush=True)
"""


def child(url, size, followers):
    common.setup_django()
    generated = common.ensure_corpus(size, **common.corpus_shape(size))
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from alerts import mail, matching
    from alerts.models import AlertedPiece, Delivery, Subscriber, Subscription
    from articles import derived
    from articles.models import Article, ArticleAuthor
    from experts.models import Expert

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    expert = Expert.objects.annotate(pieces=Count("authorships")).order_by("-pieces").first()
    topic = (
        Article.objects.filter(article_authors__expert=expert, topics__isnull=False).first().topics.first()
    )
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"bench-{number}@example.org",
                language="ru" if number % 3 == 0 else "en",
                confirmed_at=now,
            )
            for number in range(followers)
        ],
        batch_size=5_000,
    )
    follows = []
    for number, subscriber in enumerate(subscribers):
        follows.append(
            Subscription(
                subscriber=subscriber,
                kind="expert",
                expert=expert,
                target=f"expert:{expert.pk}",
                confirmed_at=now,
            )
        )
        if number % 10 == 1:
            follows.append(
                Subscription(
                    subscriber=subscriber,
                    kind="topic",
                    topic=topic,
                    target=f"topic:{topic.pk}",
                    confirmed_at=now,
                )
            )
        if number % 10 == 2:
            follows.append(
                Subscription(
                    subscriber=subscriber,
                    kind="search",
                    query="alerts",
                    target="search:alerts",
                    confirmed_at=now,
                )
            )
    Subscription.objects.bulk_create(follows, batch_size=5_000)
    AlertedPiece.objects.bulk_create(  # what came before this run is not news
        [AlertedPiece(article_id=pk) for pk, _ in matching.new_pieces()], ignore_conflicts=True
    )

    def publish():  # as the admin saves: one pass of the write path (articles.derived)
        with derived.one_pass():
            return _publish()

    def _publish():
        piece = Article.objects.create(
            title="Alerts bench: a new piece",
            slug=f"alerts-bench-{time.time_ns()}",
            lead="What the followers hear of.",
            body="<p>A new piece for the alerts benchmark.</p>",
            status="published",
            published_at=timezone.now() - timedelta(seconds=1),
        )
        ArticleAuthor.objects.create(article=piece, expert=expert, position=0)
        piece.topics.add(topic)
        return piece

    results = {
        "size": size,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "generated_seconds": generated,
        "followers": followers,
        "follows": len(follows),
        "publish save": common.measure_write(publish, repeats=5),
    }
    piece = None
    try:
        piece = publish()
        started = time.perf_counter()
        queued = matching.queue_instant(matching.new_pieces())
        results["match: emails queued"] = queued
        results["match seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        sent = mail.send_queued()
        seconds = time.perf_counter() - started
        results["sent"] = sent
        results["send seconds"] = round(seconds, 1)
        results["emails a second (render + SMTP)"] = round(sent / seconds)
    finally:
        sink.terminate()
        results["received by the sink"] = int(sink.communicate()[0].strip() or 0)
        Delivery.objects.filter(subscriber__email__startswith="bench-").delete()
        Subscriber.objects.filter(email__startswith="bench-").delete()
        if piece:
            AlertedPiece.objects.filter(article_id=piece.pk).delete()
            piece.delete()
    print(json.dumps(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", default="postgres")
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--child", nargs=3)
    options = parser.parse_args()
    if options.child:
        url, size, followers = options.child
        child(url, int(size), int(followers))
    else:
        url = common.database_url(options.database, options.size)
        print(json.dumps(common.run_child(Path(__file__), url, options.size, options.followers), indent=2))
