"""Editorial roles: Contributors write their own drafts, Editors publish everything, superusers
manage users; admin sign-in locks out after repeated failures."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, UserFactory, draft

pytestmark = pytest.mark.django_db


def member_of(group):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def contributor():
    return member_of("Contributors")


@pytest.fixture
def editor():
    return member_of("Editors")


def article_form(**fields):
    """What the admin's article form posts, with empty author and related-link inlines."""
    data = {
        "title": "A new commentary",
        "slug": "a-new-commentary",
        "lead": "A lead.",
        "body": "<p>Body.</p>",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "image_alt": "",
        "image_caption": "",
        "image_credit": "",
        "original_url": "",
    }
    for prefix in ("article_authors", "related_links", "review_steps"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(fields)
    return data


def test_a_contributor_writes_a_draft_that_is_theirs_and_stays_a_draft(client, contributor):
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


def test_a_contributor_sees_and_edits_only_their_own_drafts(client, contributor):
    own = draft(title="Mine", created_by=contributor)
    others = draft(title="Someone else's draft", created_by=UserFactory())
    published_own = ArticleFactory(title="Mine, published", created_by=contributor)
    client.force_login(contributor)

    listing = client.get("/admin/articles/article/").text
    assert "Mine" in listing
    assert "Someone else&#x27;s draft" not in listing and "Someone else's draft" not in listing

    assert client.get(f"/admin/articles/article/{others.pk}/change/").status_code == 302  # "doesn't exist"
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
    assert client.get(f"/admin/articles/article/{others.pk}/delete/").status_code == 302

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


def test_an_editor_publishes_schedules_and_edits_everyones_articles(client, editor):
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
def test_only_superusers_manage_users(client, role):
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
