"""Email alerts, against a real SMTP server the tests start (aiosmtpd): follow, confirm, the alert
of a new piece, the weekly digest, one-click unsubscribe, an outage, and what must never be sent."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alerts import tasks
from alerts.models import Delivery, Subscriber, Subscription
from articles.models import Article
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory

pytestmark = pytest.mark.django_db


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, name):
    return re.search(rf"http://127\.0\.0\.1:8000(/\w\w/follow/{name}/[^/\s]+/)", text_of(message))[1]


def follow(client, address, frequency="instant", language="en", **what):
    response = client.post(
        "/en/follow/", {"email": address, "frequency": frequency, "language": language, **what}
    )
    assert response.status_code == 200 and "Check your inbox" in response.text
    return response


def confirm(client, inbox, address, run_tasks):
    run_tasks()
    confirmation = inbox.to(address)[-1]
    assert "Confirm" in confirmation["Subject"]
    url = link_in(confirmation, "confirm")
    assert "Follow" in client.get(url).text  # a page with a button: opening the link confirms nothing
    assert client.post(url).status_code == 302
    return confirmation


@pytest.fixture
def a_minute_later(run_tasks):
    """Run the worker as it would within a minute: the periodic look for new pieces included."""

    def run():
        DBTaskResult.objects.filter(
            status="READY", run_after__lte=timezone.now() + timedelta(minutes=1)
        ).update(run_after=timezone.now())
        run_tasks()

    return run


def published_now(**fields):
    return ArticleFactory(published_at=timezone.now() - timedelta(seconds=1), **fields)


def test_a_reader_follows_an_expert_confirms_and_gets_one_email_per_new_piece(
    client, smtp, run_tasks, a_minute_later
):
    weitz = ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    page = client.get("/en/follow/?expert=richard-weitz")
    assert "Follow Richard Weitz by email" in page.text

    follow(client, "reader@example.org", expert="richard-weitz")
    published_now(title="Before confirming", authors=[weitz])
    run_tasks()
    assert [m["Subject"] for m in smtp.to("reader@example.org")] == [
        "Confirm: follow Richard Weitz · Expert Opinions"
    ]  # nothing but the confirmation until it is confirmed

    confirm(client, smtp, "reader@example.org", run_tasks)
    published_now(title="Korea after the summit", lead="What changed.", authors=[weitz])
    published_now(title="Someone else's piece", authors=[ExpertFactory()])
    a_minute_later()

    alert = smtp.to("reader@example.org")[-1]
    assert alert["Subject"] == "Korea after the summit · Expert Opinions"
    assert "Korea after the summit" in text_of(alert) and "What changed." in text_of(alert)
    assert "Korea after the summit" in html_of(alert) and "<img" not in html_of(alert)  # no tracking pixel
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/en/follow/unsubscribe/[^>]+/>", alert["List-Unsubscribe"])
    assert len(smtp.to("reader@example.org")) == 2
    a_minute_later()
    assert len(smtp.to("reader@example.org")) == 2  # sent once


def confirmed_follow(address, language="en", frequency="instant", **what):
    subscriber, _ = Subscriber.objects.get_or_create(
        email=address, defaults={"language": language, "confirmed_at": timezone.now()}
    )
    kind = next(iter(what), "site")
    return Subscription.objects.create(
        subscriber=subscriber,
        kind={"expert": "expert", "topic": "topic", "query": "search"}.get(kind, "site"),
        frequency=frequency,
        confirmed_at=timezone.now(),
        **what,
    )


def test_a_piece_answering_three_follows_of_one_reader_is_one_email(smtp, run_tasks):
    expert, region, subregion = ExpertFactory(name="Anna Sokolova"), TopicFactory(name="Asia"), None
    subregion = TopicFactory(name="Korea", parent=region)
    confirmed_follow("reader@example.org", expert=expert)
    confirmed_follow("reader@example.org", topic=region)
    confirmed_follow("reader@example.org")
    published_now(title="Seoul's choice", authors=[expert], topics=[subregion])
    run_tasks()

    [alert] = smtp.to("reader@example.org")
    assert (
        "Anna Sokolova" in text_of(alert) and "Asia" in text_of(alert) and "everything new" in text_of(alert)
    )


def test_a_search_follow_hears_of_matching_pieces_only(smtp, run_tasks):
    confirmed_follow("reader@example.org", query="arctic")
    published_now(title="Shipping lanes in the Arctic")
    published_now(title="Budget talks")
    run_tasks()

    assert [m["Subject"] for m in smtp.to("reader@example.org")] == [
        "Shipping lanes in the Arctic · Expert Opinions"
    ]


def test_the_weekly_digest_groups_the_weeks_pieces_by_follow_in_the_readers_language(smtp, run_tasks):
    expert = ExpertFactory(name="Ivan Petrov", translations={"ru": {"name": "Иван Петров"}})
    confirmed_follow("chitatel@example.org", language="ru", frequency="weekly", expert=expert)
    confirmed_follow("reader@example.org", frequency="weekly", expert=expert)
    last_week = timezone.now() - timedelta(days=7)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    in_the_week = timezone.make_aware(
        timezone.datetime.combine(monday - timedelta(days=3), timezone.datetime.min.time())
    )
    original = ArticleFactory(title="Sanctions, year two", authors=[expert], published_at=in_the_week)
    ArticleFactory(
        title="Санкции, год второй", slug="sankcii", language="ru", translation_of=original,
        authors=[expert], published_at=in_the_week,
    )  # fmt: skip
    ArticleFactory(title="Too old", authors=[expert], published_at=last_week - timedelta(days=14))
    run_tasks()
    assert smtp.messages == []  # weekly followers get no instant alert

    tasks.weekly_digest.call()
    tasks.send_outbox.call()

    [russian] = smtp.to("chitatel@example.org")
    [english] = smtp.to("reader@example.org")
    assert "Санкции, год второй" in text_of(russian) and "Иван Петров" in text_of(russian)
    assert "Sanctions, year two" not in text_of(russian)
    assert "Sanctions, year two" in text_of(english) and "Too old" not in text_of(english)
    assert "1 new piece" in english["Subject"]


def test_the_one_click_unsubscribe_of_the_emails_header_stops_everything(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    published_now(authors=[expert])
    run_tasks()
    [alert] = smtp.to("reader@example.org")
    url = alert["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")

    mail_client = Client(enforce_csrf_checks=True)  # as a mail client posts: no form, no cookie
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscription.objects.filter(subscriber__email="reader@example.org").exists()
    published_now(authors=[expert])
    run_tasks()
    assert len(smtp.to("reader@example.org")) == 1


def test_an_smtp_outage_loses_nothing_and_sends_nothing_twice(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    confirmed_follow("other@example.org", expert=expert)
    smtp.server.stop()
    published_now(title="Written during the outage", authors=[expert])
    run_tasks()

    assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}
    send = DBTaskResult.objects.get(task_path="alerts.tasks.send_outbox")
    assert send.status == "READY" and send.run_after > timezone.now()  # tried again later, by itself

    smtp.restart()
    DBTaskResult.objects.filter(pk=send.pk).update(run_after=timezone.now())
    run_tasks()
    run_tasks()
    assert [m["Subject"] for m in smtp.messages] == ["Written during the outage · Expert Opinions"] * 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_piece_unpublished_before_the_send_is_not_sent(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    piece = published_now(title="Withdrawn", authors=[expert])
    tasks.match_new_pieces.call()  # matched, not sent yet
    withdrawn = Article.objects.get(pk=piece.pk)
    withdrawn.unpublish()
    withdrawn.save()
    tasks.send_outbox.call()

    assert smtp.messages == []
    assert Delivery.objects.get().status == "skipped"


def test_drafts_and_scheduled_pieces_are_never_mailed_before_they_are_public(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    ArticleFactory(title="A draft", authors=[expert], status="draft", published_at=None)
    later = ArticleFactory(
        title="Tomorrow's", authors=[expert], published_at=timezone.now() + timedelta(days=1)
    )
    run_tasks()
    assert smtp.messages == [] and not Delivery.objects.exists()

    Article.objects.filter(pk=later.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )  # its time came
    tasks.match_new_pieces.call()
    tasks.send_outbox.call()
    assert [m["Subject"] for m in smtp.messages] == ["Tomorrow's · Expert Opinions"]


def test_an_archive_import_is_not_news(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    ArticleFactory(authors=[expert], published_at=timezone.now() - timedelta(days=30))
    run_tasks()
    assert smtp.messages == []


def test_the_form_answers_the_same_for_a_known_address_and_an_unknown_one(client, smtp, run_tasks):
    expert = ExpertFactory(slug="known")
    confirmed_follow("known@example.org", expert=expert)
    known = follow(client, "known@example.org", expert="known").text.replace("known@example.org", "ADDRESS")
    unknown = follow(client, "new@example.org", expert="known").text.replace("new@example.org", "ADDRESS")

    assert re.sub(r'value="[^"]+"', "", known) == re.sub(r'value="[^"]+"', "", unknown)
    run_tasks()
    assert smtp.to("known@example.org") == []  # follows it already: nothing to confirm
    assert Subscription.objects.get(subscriber__email="known@example.org").frequency == "instant"


def test_the_follow_form_is_rate_limited_and_csrf_protected(client, settings, smtp):
    settings.ALERTS_FOLLOWS_PER_HOUR = 3
    for number in range(3):
        follow(client, f"reader{number}@example.org")
    response = client.post(
        "/en/follow/", {"email": "more@example.org", "frequency": "instant", "language": "en"}
    )
    assert response.status_code == 429 and "try again later" in response.text
    assert not Subscriber.objects.filter(email="more@example.org").exists()

    forged = Client(enforce_csrf_checks=True).post(
        "/en/follow/", {"email": "x@example.org", "frequency": "instant", "language": "en"}
    )
    assert forged.status_code == 403


@pytest.mark.parametrize("query", ["?expert=nobody", "?topic=nowhere", "?expert=a&topic=b"])
def test_following_what_is_not_there_is_a_404(client, query):
    assert client.get(f"/en/follow/{query}").status_code == 404


def test_bad_input_to_the_form_is_a_form_error(client):
    response = client.post(
        "/en/follow/", {"email": "not an address", "frequency": "hourly", "language": "xx"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("page", ["confirm", "manage", "unsubscribe"])
def test_a_forged_link_is_a_404(client, page):
    subscriber = Subscriber.objects.create(email="reader@example.org")
    forged = subscriber.token[:-3] + "abc"
    assert client.get(f"/en/follow/{page}/{forged}/").status_code == 404
    assert client.post(f"/en/follow/{page}/{forged}/").status_code == 404


def test_a_subscriber_manages_exports_and_erases_their_data_from_an_email_link(client, smtp):
    expert = ExpertFactory(name="Anna Sokolova")
    follow_expert = confirmed_follow("reader@example.org", expert=expert)
    confirmed_follow("reader@example.org", query="arctic")
    manage = follow_expert.subscriber.manage_url()

    page = client.get(manage).text
    assert "Anna Sokolova" in page and "search: arctic" in page
    client.post(manage, {"action": "frequency", "subscription": follow_expert.pk, "frequency": "weekly"})
    assert Subscription.objects.get(pk=follow_expert.pk).frequency == "weekly"
    client.post(manage, {"action": "remove", "subscription": follow_expert.pk})
    assert "Anna Sokolova" not in client.get(manage).text

    data = client.get(manage + "my-data.json").json()
    assert data["email"] == "reader@example.org" and [f["what"] for f in data["follows"]] == ["search:arctic"]
    assert "erased" in client.post(manage, {"action": "erase"}).text.lower()
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()
    assert client.get(manage).status_code == 404


def test_follow_links_on_the_profile_topic_search_and_home_pages(client):
    expert, topic = ExpertFactory(slug="anna"), TopicFactory(slug="arctic")
    ArticleFactory(authors=[expert], topics=[topic], title="Arctic")
    assert 'href="/en/follow/?expert=anna"' in client.get("/en/experts/anna/").text
    assert 'href="/en/follow/?topic=arctic"' in client.get("/en/topics/arctic/").text
    assert 'href="/en/follow/?q=arctic%20ice"' in client.get("/en/search/?q=arctic+ice").text
    assert 'href="/en/follow/"' in client.get("/en/").text


def test_editors_see_the_subscriptions_and_the_next_digest_contributors_see_nothing(client, member_of):
    expert = ExpertFactory(name="Anna Sokolova")
    confirmed_follow("reader@example.org", frequency="weekly", expert=expert)
    published_now(title="This week's piece", authors=[expert])
    pages = [
        "/admin/alerts/subscriber/",
        "/admin/alerts/subscription/",
        "/admin/alerts/subscription/next-digest/",
        "/admin/alerts/delivery/",
    ]
    client.force_login(member_of("Editors", username="chief"))
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert "expert: Anna Sokolova" in client.get("/admin/alerts/subscription/").text
    digest = client.get("/admin/alerts/subscription/next-digest/").text
    assert "This week&#x27;s piece" in digest or "This week's piece" in digest
    assert (
        client.post(
            f"/admin/alerts/subscriber/{Subscriber.objects.get().pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )

    client.force_login(member_of("Contributors", username="writer"))
    for url in pages:
        assert client.get(url).status_code == 403, url
    assert "reader@example.org" not in client.get("/admin/").text


def test_the_follow_page_and_the_emails_speak_russian_to_a_russian_reader(client, smtp, run_tasks):
    ExpertFactory(name="Ivan Petrov", slug="petrov", translations={"ru": {"name": "Иван Петров"}})
    assert "Следить по почте: Иван Петров" in client.get("/ru/follow/?expert=petrov").text
    client.post(
        "/ru/follow/",
        {"email": "chitatel@example.org", "frequency": "instant", "language": "ru", "expert": "petrov"},
    )
    run_tasks()

    [confirmation] = smtp.to("chitatel@example.org")
    assert confirmation["Subject"].startswith("Подтвердите подписку: Иван Петров")
    assert "Чтобы подтвердить, откройте ссылку" in text_of(confirmation) and "/ru/follow/confirm/" in text_of(
        confirmation
    )


def test_subscribers_leave_a_backup_only_when_asked_and_come_back_with_their_links(tmp_path):
    import io

    from django.core.management import call_command

    expert = ExpertFactory(slug="petrov")
    follow = confirmed_follow("reader@example.org", language="ru", frequency="weekly", expert=expert)
    confirmed_follow("reader@example.org", query="arctic")
    manage_url = follow.subscriber.manage_url()

    plain = io.StringIO()
    call_command("export_kb", stdout=plain)
    assert "reader@example.org" not in plain.getvalue()
    backup = tmp_path / "kb.jsonl"
    call_command("export_kb", "--with-subscribers", output=str(backup))
    assert backup.read_text().count('"type":"subscriber"') == 1

    Subscriber.objects.all().delete()
    call_command("import_kb", str(backup), stdout=io.StringIO())
    restored = Subscriber.objects.get()
    assert (restored.email, restored.language, restored.manage_url()) == (
        "reader@example.org",
        "ru",
        manage_url,
    )
    assert sorted(restored.subscriptions.values_list("target", "frequency")) == [
        (f"expert:{expert.pk}", "weekly"),
        ("search:arctic", "instant"),
    ]
    assert all(restored.subscriptions.values_list("confirmed_at", flat=True))


def test_the_minutely_look_keeps_only_the_last_hour_of_its_finished_runs():
    old = tasks.match_new_pieces.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(hours=2)
    )
    recent = tasks.match_new_pieces.enqueue()
    DBTaskResult.objects.filter(pk=recent.id).update(status="SUCCESSFUL", finished_at=timezone.now())
    tasks.match_new_pieces.call()

    assert not DBTaskResult.objects.filter(pk=old.id).exists()
    assert DBTaskResult.objects.filter(pk=recent.id).exists()
    assert DBTaskResult.objects.filter(task_path="alerts.tasks.match_new_pieces", status="READY").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_senders_share_the_outbox_and_send_each_email_once(smtp, settings):
    from alerts import mail

    settings.ALERTS_SENDERS = 3
    expert = ExpertFactory()
    for number in range(45):
        confirmed_follow(f"reader{number}@example.org", language="ru" if number % 2 else "en", expert=expert)
    published_now(title="Один материал для всех", authors=[expert])
    tasks.match_new_pieces.call()
    mail.BATCH, batch = 10, mail.BATCH  # several claims each
    try:
        assert mail.send_queued() == 45
    finally:
        mail.BATCH = batch

    assert sorted(m["To"] for m in smtp.messages) == sorted(f"reader{n}@example.org" for n in range(45))
    assert {m["Subject"] for m in smtp.messages} == {
        "Один материал для всех · Expert Opinions",
        "Один материал для всех · Мнения экспертов",  # the Russian readers' site name
    }
    assert len({m["Message-ID"] for m in smtp.messages}) == 45
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    tokens = {re.search(r"/manage/([^/]+)/", text_of(m))[1] for m in smtp.messages}
    assert len(tokens) == 45  # each reader's own links


def test_the_subscribers_page_takes_the_same_queries_for_one_follow_or_twenty(count_queries):
    first = confirmed_follow("reader@example.org", expert=ExpertFactory())
    manage = first.subscriber.manage_url()
    one = count_queries(manage)
    for number in range(19):
        if number % 2:
            confirmed_follow("reader@example.org", expert=ExpertFactory())
        else:
            confirmed_follow("reader@example.org", topic=TopicFactory())
    assert count_queries(manage) == one <= 4
    assert count_queries("/en/follow/?expert=" + first.expert.slug) <= 2


def test_pieces_matched_long_ago_are_forgotten_and_never_alerted_again(smtp):
    from alerts.models import AlertedPiece

    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    old = published_now(authors=[expert])
    tasks.match_new_pieces.call()
    AlertedPiece.objects.filter(article_id=old.pk).update(matched_at=timezone.now() - timedelta(days=4))
    Article.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=4))
    tasks.match_new_pieces.call()

    # Gone, and not matched again (a match would have written the row anew): the table stays short.
    assert not AlertedPiece.objects.filter(article_id=old.pk).exists()


def test_a_title_with_a_line_break_cannot_write_headers_of_its_own(smtp, run_tasks):
    expert = ExpertFactory()
    confirmed_follow("reader@example.org", expert=expert)
    published_now(title="Talks\r\nBcc: everyone@example.org", authors=[expert])
    run_tasks()

    [alert] = smtp.to("reader@example.org")
    assert alert["Bcc"] is None and alert["Subject"].startswith("Talks Bcc: everyone@example.org")

    from alerts.mail import PreparedEmail

    forged = PreparedEmail("A\nBcc: x@example.org", "body", "a@example.org", ["r@example.org"])
    forged.attach_alternative("<p>body</p>", "text/html")
    with pytest.raises(ValueError):  # the fast path hands it to Django, which refuses it
        forged.message()
