"""Who may see and change what, as a matrix: roles × article states × every view that reads or
writes an article (the public page, citations, the API, the admin's own views, the workflow's,
django-reversion's history, revert and recover), and roles × the admin's expert views.

The rules are written out here, in tables, independently of articles/permissions.py, so that a
change to the code that loosens a rule fails a test. docs/security.md says the same in words.
"""

from datetime import timedelta

import pytest
import reversion
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, RelatedLink
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "own contributor", "other contributor", "editor", "superuser"]
STATES = ["draft", "scheduled", "published", "deleted"]
EVERYONE = set(ROLES)
DESK = {"editor", "superuser"}

# Who reads the article on the public page and its citations (a signed-in writer previews).
READERS = {
    "draft": {"own contributor", *DESK},
    "scheduled": {"own contributor", *DESK},
    "published": EVERYONE,
    "deleted": set(),
}
# Who opens it in the admin (its form, history, versions, comparison).
ADMIN_READERS = {
    "draft": {"own contributor", *DESK},
    "scheduled": {"own contributor", *DESK},
    "published": {"own contributor", *DESK},
    "deleted": set(),
}
# Who changes it: saves, deletes, previews changes, reverts or restores one of its versions.
WRITERS = {"draft": {"own contributor", *DESK}, "scheduled": DESK, "published": DESK, "deleted": set()}
SUBMITTERS = {"draft": {"own contributor", *DESK}}  # hands a draft to the Editors
PUBLISHERS = {"draft": DESK}  # approves it, or publishes it from the list
RECOVERERS = {"deleted": DESK}  # brings a deleted article back

TITLE, OLD_TITLE = "Current title of the piece", "Old title of the piece"


@pytest.fixture
def people(member_of):
    owner = member_of("Contributors", username="owner")
    return {
        "anonymous": None,
        "own contributor": owner,
        "other contributor": member_of("Contributors", username="stranger"),
        "editor": member_of("Editors", username="chief"),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }


def make_article(state, owner):
    """An article of `owner` in `state` with two versions: OLD_TITLE (in the same state), then TITLE."""
    fields = {
        "draft": {"status": Article.Status.DRAFT, "published_at": None},
        "scheduled": {"published_at": timezone.now() + timedelta(days=3)},
    }.get(state, {})
    with reversion.create_revision():
        article = ArticleFactory(title=OLD_TITLE, slug="the-piece", created_by=owner, **fields)
    with reversion.create_revision():
        article.title = TITLE
        article.save()
    old_version = Version.objects.get_for_object(article).order_by("pk").first()
    latest_version = Version.objects.get_for_object(article).order_by("pk").last()
    if state == "deleted":
        pk = article.pk
        with reversion.create_revision():
            article.delete()
        article.pk = pk  # Django clears it; the views are asked about the id it had
    return article, old_version, latest_version


def form_for(article_form, article, **fields):
    """The article's own form as its change page would post it (the state it is in kept)."""
    published = timezone.localtime(article.published_at) if article.published_at else None
    own = {
        "title": TITLE,
        "slug": article.slug,
        "status": article.status,
        "published_at_0": published.strftime("%Y-%m-%d") if published else "",
        "published_at_1": published.strftime("%H:%M:%S") if published else "",
    }
    return article_form(**(own | fields))


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def refused(response):
    """A refusal that tells nothing of the article: 403, 404, or (signed out) the sign-in page."""
    if response.status_code == 302:
        return "/admin/login/" in response["Location"]
    told = TITLE in response.text or OLD_TITLE in response.text
    return response.status_code in (403, 404) and not told


def current(pk):
    return Article.objects.filter(pk=pk).first()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_an_article(client, people, role, state):
    article, old, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])
    public = {
        "page": f"/en/articles/{article.slug}/",
        "citation": f"/en/articles/{article.slug}/cite/bibtex/",
        "plain citation": f"/en/articles/{article.slug}/cite/text/",
    }
    admin = {
        "change form": f"/admin/articles/article/{article.pk}/change/",
        "history": f"/admin/articles/article/{article.pk}/history/",
        "a version": f"/admin/articles/article/{article.pk}/history/{old.pk}/",
        "comparison": f"/admin/articles/article/{article.pk}/compare/",
        "review page": f"/admin/articles/article/{article.pk}/review/",
    }
    for name, url in public.items():
        response = client.get(url)
        if role in READERS[state]:
            assert response.status_code == 200 and TITLE in response.text, (name, response.status_code)
        else:
            assert refused(response), (name, response.status_code)
    for name, url in admin.items():
        response = client.get(url)
        allowed = ADMIN_READERS if name != "review page" else PUBLISHERS
        if role in allowed.get(state, ()):
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert refused(response), (name, response.status_code)
    # The API lists what readers see, whoever asks: never a draft, even to its editor.
    api = client.get(f"/api/articles/{article.slug}/")
    assert api.status_code == (200 if state == "published" else 404)
    # Nothing of the GETs above changed the article (a revision page reverts and rolls back).
    if state != "deleted":
        assert current(article.pk).title == TITLE


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_saves_changes(client, people, article_form, role, state):
    article, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/", form_for(article_form, article, title="Rewritten")
    )
    changed = current(article.pk).title == "Rewritten"
    assert changed == (role in WRITERS[state]), response.status_code


@pytest.mark.parametrize("how", ["delete page", "bulk action"])
@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_deletes(client, people, role, state, how):
    article, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])
    if how == "delete page":
        client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    else:
        client.post(
            "/admin/articles/article/",
            {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
        )
    assert (current(article.pk) is None) == (role in WRITERS[state])


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_previews_changes_and_nothing_is_kept(client, people, article_form, role, state):
    article, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        form_for(article_form, article, title="Previewed title", _preview="Preview"),
    )
    if role in WRITERS[state]:
        assert response.status_code == 200 and "Previewed title" in response.text
    else:
        assert refused(response) and "Previewed title" not in response.text
    assert current(article.pk).title == TITLE


@pytest.mark.parametrize("view", ["reversion's revert", "restore"])
@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_brings_back_an_older_version(client, people, article_form, role, state, view):
    article, old, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])
    if view == "restore":
        response = client.post(f"/admin/articles/article/{article.pk}/restore/{old.pk}/")
    else:  # the form of the old version, as reversion's page shows it, posted back
        url = f"/admin/articles/article/{article.pk}/history/{old.pk}/"
        response = client.post(url, form_for(article_form, article, title=OLD_TITLE))
    restored = current(article.pk).title == OLD_TITLE
    assert restored == (role in WRITERS[state]), response.status_code
    assert current(article.pk).status == article.status  # each version kept the same state


@pytest.mark.parametrize("role", ROLES)
def test_a_post_with_only_a_csrf_token_reverts_nothing(client, people, role):
    """The attack as found: an empty POST to reversion's revert view of an editor's live article."""
    article, old, _ = make_article("published", people["editor"])
    signed_in(client, people[role])
    client.post(f"/admin/articles/article/{article.pk}/history/{old.pk}/")
    assert current(article.pk).title == TITLE or role in DESK


@pytest.mark.parametrize("role", ROLES)
def test_who_recovers_a_deleted_article(client, people, article_form, role):
    article, _, latest = make_article("deleted", people["own contributor"])
    signed_in(client, people[role])
    listing = client.get("/admin/articles/article/recover/")
    assert (listing.status_code == 200) == (role in DESK)
    client.post(f"/admin/articles/article/recover/{latest.pk}/", form_for(article_form, article))
    assert (current(article.pk) is not None) == (role in RECOVERERS["deleted"])


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_submits_approves_and_publishes(client, people, role, state):
    article, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])

    client.post(f"/admin/articles/article/{article.pk}/submit/")
    submitted = current(article.pk).review_status == "submitted"
    assert submitted == (role in SUBMITTERS.get(state, ()))

    client.post(f"/admin/articles/article/{article.pk}/review/", {"decision": "approve", "note": ""})
    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [article.pk]})
    now_public = current(article.pk).is_public
    if state == "draft":
        assert now_public == (role in PUBLISHERS["draft"])


def test_a_contributor_cannot_publish_their_draft_by_restoring_its_approved_version(
    client, people, article_form
):
    """Approved and published, then unpublished by an editor: the approved version stays out of reach."""
    owner = people["own contributor"]
    with reversion.create_revision():
        article = ArticleFactory(title="Approved once", created_by=owner)
    approved = Version.objects.get_for_object(article).get()
    with reversion.create_revision():
        article.unpublish()
        article.title = "Back to draft"
        article.save()
    client.force_login(owner)

    client.post(f"/admin/articles/article/{article.pk}/restore/{approved.pk}/")
    url = f"/admin/articles/article/{article.pk}/history/{approved.pk}/"
    client.post(url, article_form(title="Approved once", slug=article.slug))

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.title == "Back to draft"
    assert client.get(article.get_absolute_url()).status_code == 200  # they still preview their own
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404
    comparison = client.get(f"/admin/articles/article/{article.pk}/compare/")
    assert "Restore the older version" not in comparison.text


def test_version_ids_of_other_articles_tell_a_contributor_nothing(client, people):
    mine, _, _ = make_article("draft", people["own contributor"])
    with reversion.create_revision():
        theirs = ArticleFactory(title="An editor's piece", created_by=people["editor"])
    their_version = Version.objects.get_for_object(theirs).get()
    client.force_login(people["own contributor"])

    for url in (
        f"/admin/articles/article/{mine.pk}/history/{their_version.pk}/",
        f"/admin/articles/article/{theirs.pk}/history/{their_version.pk}/",
        f"/admin/articles/article/{theirs.pk}/history/999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and "An editor&#x27;s piece" not in response.text, url


@pytest.mark.parametrize("role", ROLES)
def test_who_creates_changes_and_deletes_experts(client, people, role):
    expert = ExpertFactory(name="Existing Expert")
    signed_in(client, people[role])
    may = role in DESK

    client.post("/admin/experts/expert/add/", _expert_form(name="New Expert", slug="new-expert"))
    assert Expert.objects.filter(slug="new-expert").exists() == may

    client.post(f"/admin/experts/expert/{expert.pk}/change/", _expert_form(name="Renamed", slug=expert.slug))
    expert.refresh_from_db()
    assert (expert.name == "Renamed") == may

    client.post(f"/admin/experts/expert/{expert.pk}/delete/", {"post": "yes"})
    assert (not Expert.objects.filter(pk=expert.pk).exists()) == may


def test_a_contributor_chooses_authors_from_the_experts_and_cannot_add_one(client, people):
    ExpertFactory(name="Richard Weitz")
    client.force_login(people["own contributor"])
    assert client.get("/admin/experts/expert/").status_code == 200
    assert client.get("/admin/experts/expert/add/").status_code == 403
    found = client.get(
        "/admin/autocomplete/",
        {"term": "Weitz", "app_label": "articles", "model_name": "articleauthor", "field_name": "expert"},
    )
    assert [result["text"] for result in found.json()["results"]] == ["Richard Weitz"]


def _expert_form(**fields):
    data = {"name": "", "slug": "", "last_name": "", "position": "", "organisation": "", "country": ""}
    data.update(
        {
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "1000",
        }
    )
    data.update(fields)
    return data


def picture():
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("role", ROLES)
def test_who_uploads_a_picture_for_a_body(client, people, role, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    signed_in(client, people[role])
    response = client.post(
        "/admin/articles/article/image/?CKEditorFuncNum=1",
        {"image": picture(), "alt_text": "A square", "caption": ""},
    )
    uploaded = list(tmp_path.rglob("*.png"))
    if role == "anonymous":
        assert refused(response) and not uploaded
    else:  # whoever may write an article
        assert response.status_code == 200 and 'data-url="' in response.text and len(uploaded) == 1


def test_a_file_that_is_not_a_picture_is_refused_with_a_reason(client, people, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in(client, people["editor"])
    response = client.post(
        "/admin/articles/article/image/",
        {
            "image": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"),
            "alt_text": "x",
        },
    )

    assert response.status_code == 200 and "errorlist" in response.text
    assert not list(tmp_path.rglob("*"))


@pytest.mark.parametrize("role", ["own contributor", "other contributor", "editor"])
def test_the_waiting_references_on_the_dashboard_show_only_pages_the_user_may_read(client, people, role):
    from articles.models import RelatedLink

    draft = ArticleFactory(title="Someone's unpublished draft", status="draft", published_at=None)
    draft.created_by = people["own contributor"]
    draft.save()
    RelatedLink.objects.create(article=draft, title="A piece not here yet")
    signed_in(client, people[role])

    html = client.get("/admin/").text

    shown = "A piece not here yet" in html and "Someone&#x27;s unpublished draft" in html
    assert shown == (role in {"own contributor", "editor"})


# Choosing an article in the admin ------------------------------------------------------------------
# Every field and URL of the admin that names an article offers and accepts only what the user may
# read (READERS): a Contributor never learns another's draft or scheduled piece through a choice, an
# error message, a form shown again, the versions line, a comparison or the view-on-site shortcut.


def related_row(article_id="", title=""):
    """The related listing's inline with one row, as the admin's form posts it."""
    return {
        "related_links-TOTAL_FORMS": "1",
        "related_links-0-related": str(article_id),
        "related_links-0-title": title,
        "related_links-0-lead": "",
        "related_links-0-url": "",
        "related_links-0-position": "0",
    }


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_relate_an_article(client, people, article_form, role, state):
    target, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])

    response = client.post(
        "/admin/articles/article/add/",
        article_form(title="A piece of one's own", slug="own-piece", **related_row(target.pk)),
    )

    stored = RelatedLink.objects.filter(article__slug="own-piece", related=target).exists()
    assert stored == (role in READERS[state] and role != "anonymous")
    if not stored:
        assert TITLE not in response.text


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_translate_an_article(client, people, article_form, role, state):
    original, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])

    response = client.post(
        "/admin/articles/article/add/",
        article_form(title="Перевод", slug="perevod", language="ru", translation_of=original.pk),
    )

    stored = Article.objects.filter(slug="perevod", translation_of=original).exists()
    assert stored == (role in READERS[state] and role != "anonymous")
    if not stored:
        assert TITLE not in response.text and "Перевод" not in Article.objects.values_list("title", flat=True)


@pytest.mark.parametrize("field", ["related", "translation_of"])
@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_the_autocomplete_offers_only_articles_the_user_may_read(client, people, role, state, field):
    make_article(state, people["own contributor"])
    signed_in(client, people[role])
    model = {"related": "relatedlink", "translation_of": "article"}[field]

    response = client.get(
        "/admin/autocomplete/",
        {"term": "Current", "app_label": "articles", "model_name": model, "field_name": field},
    )

    if role == "anonymous":
        assert refused(response)
    else:
        offered = [result["text"] for result in response.json()["results"]]
        assert (TITLE in offered) == (role in READERS[state])


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_who_the_view_on_site_shortcut_sends_to_an_article(client, people, role, state):
    """Django's /admin/r/<content type>/<id>/ redirected any member of staff to any draft's address."""
    from django.contrib.contenttypes.models import ContentType

    article, _, _ = make_article(state, people["own contributor"])
    signed_in(client, people[role])

    response = client.get(f"/admin/r/{ContentType.objects.get_for_model(Article).pk}/{article.pk}/")

    if role in ADMIN_READERS[state]:
        assert response.status_code == 302 and article.slug in response["Location"]
    else:
        assert refused(response) and article.slug not in response.get("Location", "")


def test_the_view_on_site_shortcut_still_works_for_experts_and_refuses_nonsense(client, people):
    from django.contrib.contenttypes.models import ContentType

    expert = ExpertFactory(slug="richard-weitz")
    client.force_login(people["own contributor"])
    experts = ContentType.objects.get_for_model(Expert).pk

    assert "/experts/richard-weitz/" in client.get(f"/admin/r/{experts}/{expert.pk}/")["Location"]
    assert client.get(f"/admin/r/{experts}/not-a-number/").status_code == 404
    assert client.get(f"/admin/r/999999/{expert.pk}/").status_code == 404


def test_a_contributors_form_never_names_anothers_draft_their_piece_is_linked_to(client, people):
    """Entries link by title on the write path, to drafts too (so the link is there when the draft is
    published): the Contributor's form, comparison and versions line show the entry, not the draft."""
    secret = ArticleFactory(
        title="The secret plan for the summit",
        status="draft",
        published_at=None,
        created_by=people["editor"],
    )
    with reversion.create_revision():
        mine = ArticleFactory(
            title="My own draft", status="draft", published_at=None, created_by=people["own contributor"]
        )
        RelatedLink.objects.create(article=mine, related=secret)
    with reversion.create_revision():
        mine.title = "My own draft, again"
        mine.save()
    client.force_login(people["own contributor"])

    for url in (
        f"/admin/articles/article/{mine.pk}/change/",
        f"/admin/articles/article/{mine.pk}/compare/",
        f"/admin/articles/article/{mine.pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code == 200 and "secret plan" not in response.text, url


def test_the_versions_line_says_a_language_is_taken_without_naming_anothers_draft(client, people):
    original = ArticleFactory(title="A published original", created_by=people["editor"])
    ArticleFactory(
        title="Черновик редактора",
        language="ru",
        translation_of=original,
        status="draft",
        published_at=None,
        created_by=people["editor"],
    )
    mine = ArticleFactory(
        title="My German notes",
        status="draft",
        published_at=None,
        created_by=people["own contributor"],
    )
    mine.translation_of = original  # as an editor set it
    mine.language = "de"
    mine.save()
    client.force_login(people["own contributor"])

    html = client.get(f"/admin/articles/article/{mine.pk}/change/").text

    assert "Черновик редактора" not in html and "another writer’s version, not public yet" in html
    assert "A published original" in html  # public: named, linked to the site


def test_a_translation_of_a_translation_is_refused_without_naming_the_original(client, people, article_form):
    hidden = ArticleFactory(
        title="The editor's unpublished original",
        status="draft",
        published_at=None,
        created_by=people["editor"],
    )
    translation = ArticleFactory(title="A public translation", language="ru", translation_of=hidden)
    client.force_login(people["own contributor"])

    response = client.post(
        "/admin/articles/article/add/",
        article_form(title="Third", slug="third", language="en", translation_of=translation.pk),
    )

    assert "not one of its translations" in response.text
    assert "unpublished original" not in response.text


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_background_tasks_and_that_nobody_changes_them(client, people, role):
    """django-tasks-db's admin views: Editors see what the worker did and what failed (also on the
    dashboard); Contributors and readers see nothing of it; nobody edits, adds or deletes a task."""
    from django_tasks_db.models import DBTaskResult

    from articles.derived import release_due

    result = release_due.enqueue()
    signed_in(client, people[role])
    sees = role in DESK
    listing = "/admin/django_tasks_database/dbtaskresult/"
    one = f"/admin/django_tasks_database/dbtaskresult/{result.id}/change/"

    for url in (listing, one):
        response = client.get(url)
        assert (response.status_code == 200) == sees, (url, response.status_code)
        if not sees:
            assert refused(response) and "release_due" not in response.text
    client.post(f"/admin/django_tasks_database/dbtaskresult/{result.id}/delete/", {"post": "yes"})
    client.post(one, {"status": "SUCCESSFUL"})
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    if role != "anonymous":
        dashboard = client.get("/admin/").text
        assert ("Background work that failed" in dashboard) == sees
        assert ("Background work under way" in dashboard) == sees
