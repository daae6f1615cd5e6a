"""The editorial workflow: review, versions, stale saves refused, previews, schedule, dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, ExpertFactory, UserFactory, draft, scheduled

pytestmark = pytest.mark.django_db


def test_submit_send_back_resubmit_approve_and_publish_at_its_time(client, contributor, editor, monkeypatch):
    article = draft(title="A contributor's piece", created_by=contributor)

    client.force_login(contributor)
    client.post(f"/admin/articles/article/{article.pk}/submit/")
    article.refresh_from_db()
    assert article.review_status == "submitted"

    client.force_login(editor)
    dashboard = client.get("/admin/").text
    assert "Awaiting review" in dashboard and "A contributor&#x27;s piece" in dashboard
    response = client.post(
        f"/admin/articles/article/{article.pk}/review/", {"decision": "return", "note": ""}
    )
    assert "Say what the author should change." in response.text  # a note is required to send back
    client.post(
        f"/admin/articles/article/{article.pk}/review/", {"decision": "return", "note": "Shorten the lead."}
    )
    article.refresh_from_db()
    assert (article.review_status, article.status) == ("returned", "draft")

    client.force_login(contributor)
    change_form = client.get(f"/admin/articles/article/{article.pk}/change/").text
    assert "Shorten the lead." in change_form  # the note is on the article
    client.post(f"/admin/articles/article/{article.pk}/submit/")

    client.force_login(editor)
    at = timezone.localtime() + timedelta(hours=2)
    client.post(
        f"/admin/articles/article/{article.pk}/review/",
        {"decision": "approve", "note": "Good.", "publish_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    article.refresh_from_db()
    assert article.review_status == "approved" and article.is_scheduled
    steps = [(step.action, step.user.username, step.note) for step in article.review_steps.all()]
    assert steps == [
        ("submitted", "writer", ""),
        ("returned", "chief", "Shorten the lead."),
        ("submitted", "writer", ""),
        ("approved", "chief", "Good."),
    ]
    assert "Shorten the lead." in client.get(f"/admin/articles/article/{article.pk}/change/").text

    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404  # not yet
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert client.get(article.get_absolute_url()).status_code == 200  # at its time, by itself


def test_a_contributor_cannot_review_and_an_editor_cannot_review_what_is_not_theirs_to_see(
    client, contributor
):
    article = draft(created_by=contributor)
    client.force_login(contributor)
    assert (
        client.post(f"/admin/articles/article/{article.pk}/review/", {"decision": "approve"}).status_code
        == 403
    )
    other = draft(created_by=UserFactory())
    assert client.post(f"/admin/articles/article/{other.pk}/submit/").status_code == 404


def test_every_save_keeps_a_version_that_can_be_compared_and_restored(seen, article_form, client, editor):
    article = ArticleFactory(
        title="First title", lead="First lead", authors=[ExpertFactory(name="Ann Author")]
    )
    client.force_login(editor)
    fields = {
        "slug": article.slug,
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00",
    }
    for title in ("Second title", "Third title"):
        response = client.post(
            f"/admin/articles/article/{article.pk}/change/",
            article_form(title=title, lead="A new lead", seen_updated_at=seen(client, article), **fields),
        )
        assert response.status_code == 302

    compare = client.get(f"/admin/articles/article/{article.pk}/compare/").text
    assert "Second" in compare and "Third" in compare  # difflib writes spaces as &nbsp;
    assert "<h2>Title</h2>" in compare  # changed: no "(unchanged)"
    assert "Lead <small>(unchanged)</small>" in compare

    history = client.get(f"/admin/articles/article/{article.pk}/history/")
    assert history.status_code == 200
    from reversion.models import Version

    oldest = Version.objects.get_for_object(article).last()
    client.post(f"/admin/articles/article/{article.pk}/restore/{oldest.pk}/")
    article.refresh_from_db()
    assert article.title == "Second title"
    assert Version.objects.get_for_object(article).count() == 3  # the restore is a version too


def test_a_stale_form_is_refused_with_what_changed_and_nothing_is_lost(
    seen, article_form, member_of, client, editor
):
    article = ArticleFactory(title="Original title")
    other_editor = member_of("Editors", username="colleague")
    fields = {
        "slug": article.slug,
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00",
    }
    client.force_login(editor)
    client.post(  # a first save, so that there is a version to compare with
        f"/admin/articles/article/{article.pk}/change/",
        article_form(title="Original title", seen_updated_at=seen(client, article), **fields),
    )
    mine = seen(client, article)  # I open the form...

    client.force_login(other_editor)  # ...a colleague saves first...
    client.post(
        f"/admin/articles/article/{article.pk}/change/",
        article_form(title="Colleague's title", seen_updated_at=seen(client, article), **fields),
    )

    client.force_login(editor)  # ...then I save.
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        article_form(title="My title", seen_updated_at=mine, **fields),
    )

    assert response.status_code == 200
    assert "after you opened it" in response.text
    assert "by colleague" in response.text and "They changed: Title" in response.text
    assert 'value="My title"' in response.text  # my edit is still in the form
    article.refresh_from_db()
    assert article.title == "Colleague's title"  # theirs is saved


def test_preview_shows_a_draft_to_staff_only_never_cached_or_indexed(client, editor):
    article = draft(title="Unpublished thoughts")
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "Preview" in response.text
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_schedule_lists_scheduled_pieces_by_date(client, editor):
    scheduled(title="Coming on Friday")
    ArticleFactory(title="Already out")
    client.force_login(editor)
    html = client.get("/admin/articles/article/schedule/").text
    assert "Coming on Friday" in html and "Already out" not in html


def test_the_dashboard_lists_the_right_pieces(client, editor):
    ArticleFactory(title="Published piece")
    scheduled(title="Scheduled piece")
    flagged = draft(title="Imported, title derived")
    flagged.needs_review = True
    flagged.save()
    waiting = draft(title="Waiting piece")
    waiting.review_status = "submitted"
    waiting.save()
    ExpertFactory(name="Bio Less")
    client.force_login(editor)

    html = client.get("/admin/").text

    for section, title in [
        ("Awaiting review", "Waiting piece"),
        ("Scheduled", "Scheduled piece"),
        ("Recently published", "Published piece"),
        ("Flagged by the importer", "Imported, title derived"),
        ("Experts without a photo or a bio", "Bio Less"),
    ]:
        assert section in html and title in html


@pytest.mark.parametrize("url", ["/admin/", "/admin/articles/article/", "/admin/articles/article/?q=piece"])
def test_the_admin_takes_the_same_queries_for_1_or_30_articles(client, editor, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    ArticleFactory(title="One piece", authors=[ExpertFactory()])
    one = queries()
    for number in range(29):
        ArticleFactory(title=f"Piece {number}", authors=[ExpertFactory()], needs_review=True)
        scheduled(title=f"Later piece {number}")
    assert queries() == one


def test_unsaved_changes_preview_as_readers_will_see_them_and_are_not_kept(
    seen, article_form, client, editor
):
    article = ArticleFactory(title="Saved title", slug="saved", authors=[ExpertFactory(name="Old Author")])
    new_author = ExpertFactory(name="New Author")
    client.force_login(editor)
    data = article_form(
        title="Unsaved title",
        slug="saved",
        lead="An unsaved lead.",
        status="published",
        published_at_0="2024-01-01",
        published_at_1="10:00",
        seen_updated_at=seen(client, article),
        _preview="Preview",
        **{
            "article_authors-TOTAL_FORMS": "1",
            "article_authors-0-expert": str(new_author.pk),
            "article_authors-0-position": "0",
        },
    )

    response = client.post(f"/admin/articles/article/{article.pk}/change/", data)

    assert response.status_code == 200
    assert '<h1 class="article__title">Unsaved title</h1>' in response.text  # the public template
    assert "New Author" in response.text and "An unsaved lead." in response.text
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    article.refresh_from_db()
    assert article.title == "Saved title"  # nothing kept
    assert [expert.name for expert in article.ordered_authors()] == ["Old Author"]
    from reversion.models import Version

    assert not Version.objects.get_for_object(article).exists()
    assert "was changed successfully" not in client.get("/admin/").text
    client.logout()
    assert "Unsaved title" not in client.get("/en/articles/saved/").text


def test_a_contributors_desk_lists_their_own_pieces_and_those_sent_back_to_them(client, contributor, editor):
    ArticleFactory(title="Someone else's published piece")
    mine = draft(title="My draft, sent back", created_by=contributor)
    mine.review_status = "returned"
    mine.save()
    client.force_login(contributor)

    html = client.get("/admin/").text
    assert "Sent back to you" in html and "My draft, sent back" in html
    assert "Nothing of yours is published yet." in html  # not "Nothing published yet": there is
    assert "Someone else&#x27;s published piece" not in html and "Someone else's published piece" not in html

    client.force_login(editor)
    html = client.get("/admin/").text
    assert "Sent back to their writers" in html and "My draft, sent back" in html


def test_adding_someone_to_an_editorial_group_lets_them_sign_in_to_the_desk(admin_client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    writer = get_user_model().objects.create_user("writer", password="a long passphrase")
    contributors = Group.objects.get(name="Contributors")
    response = admin_client.post(
        f"/admin/auth/user/{writer.pk}/change/",
        {
            "username": "writer",
            "is_active": "on",
            "groups": [contributors.pk],
            "date_joined_0": "2026-12-04",
            "date_joined_1": "10:00:00",
            "initial-date_joined_0": "2026-12-04",
            "initial-date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    writer.refresh_from_db()
    assert writer.is_staff  # no "staff status" to tick besides the group

    reader = get_user_model().objects.create_user("reader", password="a long passphrase")
    Group.objects.get(name="Editors").user_set.add(reader)  # from the group's side too
    reader.refresh_from_db()
    assert reader.is_staff


def test_the_desk_shows_and_takes_times_in_its_own_time_zone(client, editor, settings):
    """The server keeps UTC; an editor in Moscow types and reads Moscow time (DESK_TIME_ZONE)."""
    from datetime import UTC, datetime

    from django.test import override_settings

    article = draft(title="Timed piece")
    article.review_status = "submitted"
    article.save()
    with override_settings(DESK_TIME_ZONE="Europe/Moscow"):
        client.force_login(editor)
        review = client.get(f"/admin/articles/article/{article.pk}/review/").text
        assert "Times are in Europe/Moscow (UTC+03:00" in review
        client.post(
            f"/admin/articles/article/{article.pk}/review/",
            {"decision": "approve", "note": "", "publish_at": "2031-03-05T09:00"},
        )
        article.refresh_from_db()
        assert article.published_at == datetime(2031, 3, 5, 6, 0, tzinfo=UTC)  # stored in UTC
        schedule = client.get("/admin/articles/article/schedule/").text
        assert "09:00 — " in schedule and "Europe/Moscow" in schedule
        change_form = client.get(f"/admin/articles/article/{article.pk}/change/").text
        assert 'value="09:00:00"' in change_form and "Times are in Europe/Moscow" in change_form
