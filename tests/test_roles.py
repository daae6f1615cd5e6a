"""Editorial roles: Contributors write their own drafts, Editors publish everything, superusers
manage users; admin sign-in locks out after repeated failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, UserFactory, draft

pytestmark = pytest.mark.django_db


def test_a_contributor_writes_a_draft_that_is_theirs_and_stays_a_draft(article_form, client, contributor):
    client.force_login(contributor)

    response = client.post(
        "/admin/articles/article/add/",
        article_form(status="published", published_at_0="2020-01-01", published_at_1="10:00"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="a-new-commentary")
    assert article.created_by == contributor
    assert article.status == Article.Status.DRAFT
    assert client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 200


def test_a_contributor_sees_and_edits_only_their_own_drafts(article_form, client, contributor):
    own = draft(title="Mine", created_by=contributor)
    others = draft(title="Someone else's draft", created_by=UserFactory())
    published_own = ArticleFactory(title="Mine, published", created_by=contributor)
    client.force_login(contributor)

    listing = client.get("/admin/articles/article/").text
    assert "Mine" in listing
    assert "Someone else&#x27;s draft" not in listing and "Someone else's draft" not in listing

    assert client.get(f"/admin/articles/article/{others.pk}/change/").status_code == 404
    client.post(f"/admin/articles/article/{others.pk}/change/", article_form(title="Hijacked", slug="x"))
    others.refresh_from_db()
    assert others.title == "Someone else's draft"

    # Their own published article is shown read-only: no saving over what readers see.
    page = client.get(f"/admin/articles/article/{published_own.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    client.post(f"/admin/articles/article/{published_own.pk}/change/", article_form(title="Changed"))
    published_own.refresh_from_db()
    assert published_own.title == "Mine, published"

    response = client.post(f"/admin/articles/article/{own.pk}/change/", article_form(title="Mine, revised"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Mine, revised"


def test_a_contributor_cannot_publish_or_delete_others_work(client, contributor):
    own, others = draft(created_by=contributor), draft(created_by=UserFactory())
    client.force_login(contributor)

    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [own.pk]})
    assert client.get(f"/admin/articles/article/{others.pk}/delete/").status_code == 404

    own.refresh_from_db()
    assert own.status == Article.Status.DRAFT
    assert Article.objects.filter(pk=others.pk).exists()


def test_related_article_choices_offer_a_contributor_no_one_elses_drafts(client, contributor):
    ArticleFactory(title="Korea published")
    draft(title="Korea secret draft", created_by=UserFactory())
    draft(title="Korea my draft", created_by=contributor)
    client.force_login(contributor)

    response = client.get(
        "/admin/autocomplete/",
        {"term": "Korea", "app_label": "articles", "model_name": "relatedlink", "field_name": "related"},
    )

    titles = {result["text"] for result in response.json()["results"]}
    assert titles == {"Korea published", "Korea my draft"}


def test_an_editor_publishes_schedules_and_edits_everyones_articles(article_form, client, editor):
    theirs = draft(title="A contributor's draft", created_by=UserFactory())
    client.force_login(editor)

    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.is_public

    later = timezone.now() + timedelta(days=2)
    response = client.post(
        "/admin/articles/article/add/",
        article_form(
            status="published",
            published_at_0=later.strftime("%Y-%m-%d"),
            published_at_1=later.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302
    scheduled = Article.objects.get(slug="a-new-commentary")
    assert scheduled.is_scheduled

    response = client.post(
        f"/admin/articles/article/{theirs.pk}/change/",
        article_form(
            title="Edited by the editor",
            slug=theirs.slug,
            status="published",
            published_at_0="2020-01-01",
            published_at_1="10:00",
        ),
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.title == "Edited by the editor"


@pytest.mark.parametrize("role", ["Contributors", "Editors"])
def test_only_superusers_manage_users(member_of, client, role):
    client.force_login(member_of(role))
    for url in ("/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/"):
        assert client.get(url).status_code == 403, (role, url)

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/auth/user/").status_code == 200


def test_admin_sign_in_locks_out_after_repeated_failures_and_logs_it(client, settings, caplog):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ed", is_staff=True)

    for _ in range(3):
        response = client.post("/admin/login/", {"username": "ed", "password": "wrong"})
    assert response.status_code in (403, 429)

    # Now even the right password is refused, with a page that says why.
    response = client.post("/admin/login/?next=/admin/", {"username": "ed", "password": "pass-word-123"})
    assert response.status_code in (403, 429)
    assert "Sign-in locked" in response.text
    assert "_auth_user_id" not in client.session
    assert any("Locking out" in record.getMessage() for record in caplog.records)


def test_signing_in_works_below_the_limit(client):
    UserFactory(username="ed", is_staff=True)
    client.post("/admin/login/", {"username": "ed", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "ed", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def sign_in(client, password, *, via, client_address=None):
    """A sign-in through a proxy at `via`, which says it was reached from `client_address`."""
    headers = {"REMOTE_ADDR": via}
    if client_address:
        headers["HTTP_X_FORWARDED_FOR"] = client_address
    return client.post("/admin/login/?next=/admin/", {"username": "ed", "password": password}, **headers)


def test_behind_a_trusted_proxy_an_attacker_locks_out_only_their_own_address(client, settings):
    """Every client shares the proxy's address: counted by it, one attacker would lock the editor
    out for everyone. With TRUSTED_PROXY_COUNT the client's own address is counted."""
    settings.AXES_FAILURE_LIMIT, settings.TRUSTED_PROXY_COUNT = 3, 1
    UserFactory(username="ed", is_staff=True)
    for _ in range(3):
        sign_in(client, "wrong", via="10.0.0.1", client_address="203.0.113.9")
    assert sign_in(client, "pass-word-123", via="10.0.0.1", client_address="203.0.113.9").status_code == 429

    # A header the attacker writes stands left of what the proxy appends, and is not read.
    spoofed = sign_in(client, "pass-word-123", via="10.0.0.1", client_address="198.51.100.7, 203.0.113.9")
    assert spoofed.status_code == 429
    assert sign_in(client, "pass-word-123", via="10.0.0.1", client_address="198.51.100.7").status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(client, settings):
    settings.AXES_FAILURE_LIMIT, settings.TRUSTED_PROXY_COUNT = 3, 0
    UserFactory(username="ed", is_staff=True)
    for number in range(3):  # a new made-up address each time does not escape the count
        sign_in(client, "wrong", via="192.0.2.1", client_address=f"203.0.113.{number}")
    assert sign_in(client, "pass-word-123", via="192.0.2.1", client_address="198.51.100.7").status_code == 429


def test_one_password_sprayed_over_many_usernames_from_one_address_is_locked_out(client, settings):
    """Counted per username and address only, 12 usernames tried from one address never locked."""
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(username="ed", is_staff=True)
    for number in range(5):
        client.post("/admin/login/", {"username": f"someone-{number}", "password": "Summer2026!"})

    response = client.post("/admin/login/?next=/admin/", {"username": "ed", "password": "pass-word-123"})

    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_refusal_is_one_line_in_the_log_not_a_traceback(client, caplog):
    client.force_login(UserFactory(username="writer", is_staff=True))

    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get("/admin/auth/user/").status_code == 403

    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /admin/auth/user/"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_a_successful_sign_in_clears_the_addresss_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ed", is_staff=True)
    for round_ in range(2):
        for number in range(2):
            client.post("/admin/login/", {"username": f"typo-{round_}-{number}", "password": "wrong"})
        response = client.post("/admin/login/?next=/admin/", {"username": "ed", "password": "pass-word-123"})
        assert response.status_code == 302, round_
        client.logout()
