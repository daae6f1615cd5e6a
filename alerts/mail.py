"""The outbox drained: each queued Delivery rendered in its subscriber's language, from the site's
own templates (plain text and HTML), and sent through Django's email backend.

A sending task claims a batch (so that two senders never send the same email), reads what the
emails are about again (a piece unpublished since is left out; an email left with nothing is not
sent) and records each batch's outcome as soon as the batch is through, or as far as it got. A
server out of reach raises: the batch's unsent emails go back to the queue and the worker tries
the task again later (run_worker's retries), so an outage loses nothing and sends nothing twice.

One new piece can have a hundred thousand followers, so the work is shared: an email's text is
rendered once for every subscriber who gets the same one (the same piece, language and reasons),
with the subscriber's own links put in afterwards; its MIME bytes are written here rather than by
the email package (PreparedEmail); and settings.ALERTS_SENDERS threads send at once, each with its
own connection to the mail server. Figures: docs/performance.md ("Email alerts").
"""

import binascii
import email.policy
import secrets
import smtplib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.header import Header
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, connections
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from alerts.models import Delivery, Subscription
from articles.models import Article
from articles.seo import SITE_NAME

BATCH = 200
CLAIM_TIMEOUT = timedelta(minutes=15)  # a claim older than this was a sender's that died
# Stand-ins for a subscriber's own links while an email is rendered for many (ASCII, unescaped by HTML).
MANAGE, UNSUBSCRIBE = "https://manage.invalid/", "https://unsubscribe.invalid/"


def send_queued():
    """Send everything queued, with settings.ALERTS_SENDERS senders (one on SQLite, which writes
    one at a time); returns how many emails went out."""
    senders = settings.ALERTS_SENDERS if connection.vendor == "postgresql" else 1
    if senders <= 1:
        return _drain()
    with ThreadPoolExecutor(senders) as pool:
        return sum(future.result() for future in [pool.submit(_drain_in_thread) for _ in range(senders)])


def _drain_in_thread():
    try:
        return _drain()
    finally:
        connections.close_all()  # this thread's own


def _drain():
    sent = 0
    while deliveries := claim(BATCH):
        sent += send(deliveries)
    return sent


def claim(size):
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    queued = Delivery.objects.filter(free, status=Delivery.Status.QUEUED)
    ids = list(queued.order_by("pk").values_list("pk", flat=True)[:size])
    Delivery.objects.filter(free, pk__in=ids, status=Delivery.Status.QUEUED).update(claimed_at=now)
    return list(
        Delivery.objects.filter(pk__in=ids, claimed_at=now).select_related("subscriber").order_by("pk")
    )


def send(deliveries):
    messages = compose(deliveries)
    sent, skipped, pending = [], [], {delivery.pk for delivery in deliveries}
    connection = mailers["default"]
    try:
        connection.open()
        for delivery in deliveries:
            message = messages.get(delivery.pk)
            if message is None:
                skipped.append(delivery.pk)
            else:
                try:
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as refusal:  # this address, not the server
                    Delivery.objects.filter(pk=delivery.pk).update(
                        status=Delivery.Status.REFUSED, error=str(refusal.recipients)
                    )
                else:
                    sent.append(delivery.pk)
            pending.discard(delivery.pk)
    finally:
        connection.close()
        Delivery.objects.filter(pk__in=sent).update(status=Delivery.Status.SENT, sent_at=timezone.now())
        Delivery.objects.filter(pk__in=skipped).update(status=Delivery.Status.SKIPPED)
        if pending:  # the server went away: back in the queue, for the task's next attempt
            Delivery.objects.filter(pk__in=pending).update(claimed_at=None)
    return len(sent)


def compose(deliveries):
    """{delivery id: the email, or None if nothing public is left to send}, with what they are
    about read in a fixed number of queries for the whole batch."""
    pieces, follows = set(), set()
    for delivery in deliveries:
        content = delivery.content
        if delivery.kind == Delivery.Kind.INSTANT:
            pieces.add(content["piece"])
            follows.update(content["because"])
        elif delivery.kind == Delivery.Kind.DIGEST:
            for follow, articles in content["groups"]:
                follows.add(follow)
                pieces.update(articles)
        else:
            follows.add(content["subscription"])
    versions = {}  # original id -> {language: article}, published ones only
    published = (
        Article.objects.published().filter(Q(pk__in=pieces) | Q(translation_of__in=pieces)).with_cards()
    )
    for article in published:
        versions.setdefault(article.original_id, {})[article.language] = article
    subscriptions = Subscription.objects.select_related("expert", "topic").in_bulk(follows)
    rendered = {}  # what many subscribers get alike: (subject, text, html) by what it is made of
    return {
        delivery.pk: _message(delivery, versions, subscriptions, rendered)
        for delivery in deliveries
        if delivery.kind != Delivery.Kind.CONFIRM or delivery.content["subscription"] in subscriptions
    }


def _in_language(versions, piece, language):
    """The piece in the reader's language where it is published in it, else in its own."""
    found = versions.get(piece, {})
    return found.get(language) or next(iter(found.values()), None)


def _message(delivery, versions, subscriptions, rendered):
    subscriber, language = delivery.subscriber, delivery.subscriber.language
    with translation.override(language):
        if delivery.kind == Delivery.Kind.INSTANT:
            article = _in_language(versions, delivery.content["piece"], language)
            if article is None:
                return None
            because = [subscriptions[pk].label() for pk in delivery.content["because"] if pk in subscriptions]
            key = (article.pk, language, *because)
            if key not in rendered:
                rendered[key] = _render(delivery.kind, article.title, article=article, because=because)
        elif delivery.kind == Delivery.Kind.DIGEST:
            groups = []
            for follow, pieces in delivery.content["groups"]:
                articles = [a for a in (_in_language(versions, p, language) for p in pieces) if a]
                if articles and follow in subscriptions:
                    groups.append((subscriptions[follow].label(), articles))
            if not groups:
                return None
            key = (language, *((label, *(a.pk for a in articles)) for label, articles in groups))
            if key not in rendered:
                count = len({article.pk for _, articles in groups for article in articles})
                subject = translation.ngettext(
                    "This week: %(count)d new piece", "This week: %(count)d new pieces", count
                ) % {"count": count}
                rendered[key] = _render(delivery.kind, subject, groups=groups)
        else:
            subscription = subscriptions[delivery.content["subscription"]]
            subject = translation.gettext("Confirm: follow %(what)s") % {"what": subscription.label()}
            key = None
            rendered[key] = _render(
                delivery.kind,
                subject,
                subscription=subscription,
                confirm_url=settings.SITE_URL + subscription.confirm_url(),
            )
        subject, text, html = rendered[key]
        manage_url = settings.SITE_URL + subscriber.manage_url()
        unsubscribe_url = settings.SITE_URL + subscriber.unsubscribe_url()

    def personal(body):
        return body.replace(MANAGE, manage_url).replace(UNSUBSCRIBE, unsubscribe_url)

    message = PreparedEmail(
        subject,
        personal(text),
        settings.DEFAULT_FROM_EMAIL,
        [subscriber.email],
        headers={
            # RFC 8058: one click in the mail client unsubscribes, by a POST to this address.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(personal(html), "text/html")
    return message


def _render(kind, subject, **context):
    """(subject, text, html) of one kind of email, with MANAGE and UNSUBSCRIBE for the links."""
    context |= {
        "site_name": SITE_NAME,
        "site_url": settings.SITE_URL,
        "manage_url": MANAGE,
        "unsubscribe_url": UNSUBSCRIBE,
    }
    text = render_to_string(f"alerts/email/{kind}.txt", context)
    html = render_to_string(f"alerts/email/{kind}.html", context)
    return " ".join(f"{subject} · {SITE_NAME}".split()), text, html  # a subject is one line


class PreparedEmail(EmailMultiAlternatives):
    """An email whose MIME bytes this class writes itself: a multipart/alternative of a plain-text
    and an HTML part, each UTF-8 in quoted-printable. The email package takes 2.5–5 ms to build
    one (it parses every header it is given), which at 100,000 followers of one expert is most of
    the send; this takes a few hundred microseconds. Django's backends (SMTP, console, file, memory)
    ask message() for the bytes; a sending service's backend (django-anymail) reads the attributes,
    which are an ordinary EmailMultiAlternatives'. An address the fast path cannot write (not
    ASCII) takes the email package's way."""

    def message(self, *, policy=email.policy.default):
        values = [self.subject, self.from_email, *self.to, *self.extra_headers.values()]
        if (
            not all(address.isascii() for address in self.to)
            or len(self.alternatives) != 1
            or any("\r" in value or "\n" in value for value in values)  # Django refuses those
        ):
            return super().message(policy=policy)
        boundary = f"=_{secrets.token_hex(16)}"
        headers = [
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            ("Subject", _encoded(self.subject)),
            ("From", _encoded_address(self.from_email)),
            ("To", ", ".join(self.to)),
            ("Date", formatdate(localtime=False)),
            ("Message-ID", make_msgid(domain=_domain())),
            *self.extra_headers.items(),
        ]
        html = self.alternatives[0][0]
        lines = [f"{name}: {value}" for name, value in headers]
        lines += ["", "This is a multipart message in MIME format.", ""]
        for subtype, body in (("plain", self.body), ("html", html)):
            lines += [
                f"--{boundary}",
                f'Content-Type: text/{subtype}; charset="utf-8"',
                "Content-Transfer-Encoding: quoted-printable",
                "",
                _quoted_printable(body),
            ]
        lines += [f"--{boundary}--", ""]
        return _Raw("\r\n".join(lines).encode("ascii"))


class _Raw:
    """What PreparedEmail.message() returns: the bytes, as backends ask for them."""

    def __init__(self, data):
        self.data = data

    def as_bytes(self, *args, **kwargs):
        return self.data

    def as_string(self, *args, **kwargs):
        return self.data.decode("ascii")

    def get_charset(self):
        return None


def _quoted_printable(text):
    encoded = binascii.b2a_qp("\n".join(text.splitlines()).encode("utf-8"), istext=True)
    return encoded.decode("ascii").replace("\n", "\r\n")


_header_cache = {}


def _encoded(value):
    """A header value as RFC 2047 needs it (kept: every follower of a piece gets the same subject)."""
    if value not in _header_cache:
        if len(_header_cache) > 10_000:
            _header_cache.clear()
        _header_cache[value] = (
            value if value.isascii() and len(value) < 900 else Header(value, "utf-8").encode(linesep="\r\n")
        )
    return _header_cache[value]


def _encoded_address(value):
    name, _, address = value.rpartition("<")
    if not name or value.isascii():
        return value
    return f"{_encoded(name.strip())} <{address}"


def _domain():
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "localhost"
