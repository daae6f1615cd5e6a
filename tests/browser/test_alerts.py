"""A reader follows an expert in a real browser: the Follow link of the profile, the form, the
confirmation from the email's link, the alert when the expert publishes, and unsubscribing from the
email. Against a real SMTP server (the `smtp` fixture) and the task worker."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from experts.models import Expert
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def link(message, name, base):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"{re.escape(base)}/\w\w/follow/{name}/[^/\s]+/", text)[0]


def test_a_reader_follows_an_expert_confirms_gets_the_alert_and_unsubscribes(
    site, page, smtp, settings, run_tasks
):
    settings.SITE_URL = site.base

    def a_minute_later():
        DBTaskResult.objects.filter(
            status="READY", run_after__lte=timezone.now() + timedelta(minutes=1)
        ).update(run_after=timezone.now())
        run_tasks()

    page.goto(site.url("/en/experts/richard-weitz/"))
    page.get_by_role("link", name="Follow by email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow Richard Weitz by email")
    page.get_by_label("Your email address").fill("reader@example.org")
    page.get_by_label("At once, one email a new piece").check()
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    run_tasks()
    [confirmation] = smtp.to("reader@example.org")
    page.goto(link(confirmation, "confirm", site.base))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    expect(page.get_by_role("cell", name="Richard Weitz", exact=True)).to_be_visible()

    ArticleFactory(
        title="Weitz on the new talks",
        authors=[Expert.objects.get(slug="richard-weitz")],
        published_at=timezone.now() - timedelta(seconds=1),
    )
    a_minute_later()
    alert = smtp.to("reader@example.org")[-1]
    assert alert["Subject"].startswith("Weitz on the new talks")

    page.goto(link(alert, "unsubscribe", site.base))
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    page.goto(link(alert, "manage", site.base))
    expect(page.get_by_text("You follow nothing now")).to_be_visible()
