"""The page cache: readers get stored pages, and never one that is stale after any kind of edit.

Each edit test first has every page that shows the edited thing stored (a second request is a
cache hit), then edits the way an editor or an import would, then asks again as a reader.
"""

import hashlib
import io
import json
import socket
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import Client

import pagecache
from articles.models import Article, RelatedLink
from tests.factories import (
    ArticleFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
    draft,
    scheduled,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """Ann writes on a subtopic of Europe, Bob on Asia; each page below shows some of it."""
    europe = TopicFactory(name="Europe", slug="europe", kind="region")
    baltics = TopicFactory(name="Baltic states", slug="baltics", kind="region", parent=europe)
    asia = TopicFactory(name="Asia", slug="asia", kind="region")
    ann = ExpertFactory(name="Ann Analyst", slug="ann", bio="<p>Writes on Baltic energy.</p>")
    bob = ExpertFactory(name="Bob Brown", slug="bob")
    ours = ArticleFactory(
        title="Baltic energy outlook",
        slug="baltic-energy",
        authors=[ann],
        topics=[baltics],
        source=SourceFactory(name="Valdai Club"),
    )
    theirs = ArticleFactory(title="Asian trade routes", slug="asian-trade", authors=[bob], topics=[asia])
    return {
        "europe": europe,
        "baltics": baltics,
        "asia": asia,
        "ann": ann,
        "bob": bob,
        "ours": ours,
        "theirs": theirs,
    }


# Every page that shows the article "ours" (its title) somewhere.
PAGES_OF_OURS = [
    "/en/",
    "/en/articles/",
    "/en/articles/?topic=europe",
    "/en/search/?q=baltic",
    "/en/articles/baltic-energy/",
    "/en/experts/ann/",
    "/en/topics/baltics/",
    "/en/topics/europe/",
    "/en/feeds/latest/",
    "/en/experts/ann/feed/",
    "/en/topics/europe/feed/atom/",
]


def stored(reader, urls):
    """Ask for each page twice: the second answer must come from the cache."""
    for url in urls:
        assert reader.get(url).status_code == 200, url
        response = reader.get(url)
        assert response.headers.get(pagecache.HEADER) == "hit", url


def text(reader, url):
    response = reader.get(url)
    assert response.status_code == 200, url
    return response.text


def test_a_stored_page_is_served_without_a_query(client, world, django_assert_num_queries):
    first = client.get("/en/articles/baltic-energy/")
    assert first.headers[pagecache.HEADER] == "miss"
    with django_assert_num_queries(0):
        again = client.get("/en/articles/baltic-energy/")
    assert again.headers[pagecache.HEADER] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Security-Policy"]  # the security headers are added to stored pages too


def test_editing_an_article_refreshes_every_page_that_shows_it(client, world):
    stored(client, PAGES_OF_OURS)
    ours = world["ours"]
    ours.title = "Baltic power outlook"
    ours.save()
    for url in PAGES_OF_OURS:
        assert "Baltic power outlook" in text(client, url), url


def test_editing_an_article_leaves_the_pages_that_do_not_show_it_stored(client, world):
    unrelated = ["/en/experts/bob/", "/en/topics/asia/", "/en/articles/asian-trade/"]
    stored(client, unrelated)
    world["ours"].title = "Baltic power outlook"
    world["ours"].save()
    for url in unrelated:
        assert client.get(url).headers[pagecache.HEADER] == "hit", url


def test_a_published_draft_appears_and_an_unpublished_article_goes(client, world):
    piece = draft(title="Nordic defence pact", authors=[world["ann"]], topics=[world["baltics"]])
    stored(client, PAGES_OF_OURS)
    piece.publish()
    piece.save()
    for url in [u for u in PAGES_OF_OURS if "baltic-energy" not in u and "q=" not in u]:
        assert "Nordic defence pact" in text(client, url), url

    stored(client, PAGES_OF_OURS)
    world["ours"].unpublish()
    world["ours"].save()
    assert client.get("/en/articles/baltic-energy/").status_code == 404
    for url in [u for u in PAGES_OF_OURS if "baltic-energy" not in u]:
        assert "Baltic energy outlook" not in text(client, url), url


def test_a_deleted_article_goes_from_every_page(client, world):
    stored(client, PAGES_OF_OURS)
    world["ours"].delete()
    assert client.get("/en/articles/baltic-energy/").status_code == 404
    for url in [u for u in PAGES_OF_OURS if "baltic-energy" not in u]:
        assert "Baltic energy outlook" not in text(client, url), url


def test_new_authors_and_topics_move_the_article_between_expert_and_topic_pages(client, world):
    pages = [
        "/en/experts/ann/",
        "/en/experts/bob/",
        "/en/topics/europe/",
        "/en/topics/asia/",
        "/en/articles/baltic-energy/",
    ]
    stored(client, pages)
    ours = world["ours"]
    ours.article_authors.all().delete()
    ours.article_authors.create(expert=world["bob"], position=0)
    ours.topics.set([world["asia"]])
    assert "Baltic energy outlook" not in text(client, "/en/experts/ann/")
    assert "Baltic energy outlook" in text(client, "/en/experts/bob/")
    assert "Baltic energy outlook" not in text(client, "/en/topics/europe/")
    assert "Baltic energy outlook" in text(client, "/en/topics/asia/")
    assert "Bob Brown" in text(client, "/en/articles/baltic-energy/")


def test_related_links_added_and_removed_show_on_the_article_page(client, world):
    world["ours"].topics.clear()  # so that the fill-in does not list "theirs" by itself
    world["ours"].article_authors.all().delete()
    stored(client, ["/en/articles/baltic-energy/"])
    link = RelatedLink.objects.create(article=world["ours"], related=world["theirs"], position=0)
    assert "Asian trade routes" in text(client, "/en/articles/baltic-energy/")

    stored(client, ["/en/articles/baltic-energy/"])
    world["theirs"].title = "Asian sea lanes"  # a related article's own edit shows too
    world["theirs"].save()
    assert "Asian sea lanes" in text(client, "/en/articles/baltic-energy/")

    stored(client, ["/en/articles/baltic-energy/"])
    link.delete()
    assert "Asian sea lanes" not in text(client, "/en/articles/baltic-energy/")


def test_renaming_an_expert_shows_on_cards_across_the_site(client, world):
    stored(client, PAGES_OF_OURS)
    world["ann"].name = "Ann Renamed"
    world["ann"].save()
    for url in [
        "/en/",
        "/en/articles/",
        "/en/articles/baltic-energy/",
        "/en/experts/ann/",
        "/en/topics/europe/",
        "/en/experts/",
    ]:
        assert "Ann Renamed" in text(client, url), url


def test_an_expert_bio_refreshes_the_profile_only(client, world):
    stored(client, ["/en/experts/ann/", "/en/", "/en/experts/bob/"])
    world["ann"].bio = "<p>Now writes on Arctic shipping.</p>"
    world["ann"].save()
    assert "Now writes on Arctic shipping." in text(client, "/en/experts/ann/")
    assert client.get("/en/").headers[pagecache.HEADER] == "hit"
    assert client.get("/en/experts/bob/").headers[pagecache.HEADER] == "hit"


def test_topic_names_and_descriptions_show_once_changed(client, world):
    stored(client, ["/en/topics/europe/", "/en/topics/", "/en/articles/baltic-energy/"])
    europe = world["europe"]
    europe.description = "Everything west of the Urals."
    europe.save()
    assert "Everything west of the Urals." in text(client, "/en/topics/europe/")

    stored(client, ["/en/topics/europe/", "/en/topics/", "/en/articles/baltic-energy/"])
    world["baltics"].name = "Baltic region"
    world["baltics"].save()
    for url in ["/en/topics/europe/", "/en/topics/", "/en/articles/baltic-energy/"]:
        assert "Baltic region" in text(client, url), url


def test_category_and_source_renames_show_on_cards(client, world):
    stored(client, ["/en/", "/en/articles/baltic-energy/"])
    category = world["ours"].category
    category.name = "Long reads"
    category.save()
    source = world["ours"].source
    source.name = "Valdai Discussion Club"
    source.save()
    for url in ["/en/", "/en/articles/baltic-energy/"]:
        page = text(client, url)
        assert "Long reads" in page and "Valdai Discussion Club" in page, url


def test_a_scheduled_article_appears_when_its_time_comes(client, world, monkeypatch, run_tasks):
    piece = scheduled(title="Arctic shipping forecast", authors=[world["ann"]], topics=[world["baltics"]])
    pages = ["/en/", "/en/articles/", "/en/experts/ann/", "/en/topics/europe/", "/en/feeds/latest/"]
    stored(client, pages)
    for url in pages:
        assert "Arctic shipping forecast" not in text(client, url), url

    later = piece.published_at + timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    run_tasks()  # the worker releases it at its time, and forgets the pages that did not show it
    for url in pages:
        assert "Arctic shipping forecast" in text(client, url), url


def test_the_editors_admin_save_publish_and_unpublish_refresh_the_readers_pages(
    seen, article_form, client, world, editor
):
    reader = Client()
    desk = client
    desk.force_login(editor)
    ours = world["ours"]
    stored(reader, PAGES_OF_OURS)
    fields = {
        "slug": ours.slug,
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00",
        "topics": [world["baltics"].pk],
        "source": ours.source_id,
    }
    response = desk.post(
        f"/admin/articles/article/{ours.pk}/change/",
        article_form(title="Baltic grid outlook", seen_updated_at=seen(desk, ours), **fields),
    )
    assert response.status_code == 302
    for url in PAGES_OF_OURS:
        assert "Baltic grid outlook" in text(reader, url), url

    stored(reader, ["/en/", "/en/experts/ann/"])
    action = {"_selected_action": [ours.pk], "index": "0"}
    desk.post("/admin/articles/article/", {**action, "action": "unpublish"})
    assert "Baltic grid outlook" not in text(reader, "/en/")
    assert "Baltic grid outlook" not in text(reader, "/en/experts/ann/")
    desk.post("/admin/articles/article/", {**action, "action": "publish"})
    assert "Baltic grid outlook" in text(reader, "/en/")
    assert "Baltic grid outlook" in text(reader, "/en/experts/ann/")


def test_an_archive_import_refreshes_the_pages(client, world, tmp_path):
    stored(client, ["/en/", "/en/articles/baltic-energy/"])
    out = io.StringIO()
    call_command("export_kb", stdout=out)
    lines = []
    for line in out.getvalue().splitlines():
        item = json.loads(line)
        if item.get("slug") == "baltic-energy" and "title" in item:
            item["title"] = "Baltic imports outlook"
        lines.append(json.dumps(item))
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(lines) + "\n")
    call_command("import_kb", str(path), stdout=io.StringIO())
    for url in ["/en/", "/en/articles/baltic-energy/"]:
        assert "Baltic imports outlook" in text(client, url), url


def test_browsers_and_cdns_may_reuse_a_public_page_for_a_minute_and_no_other(client, world, editor, settings):
    for answer in ("miss", "hit"):
        response = client.get("/en/articles/baltic-energy/")
        assert response.headers[pagecache.HEADER] == answer
        assert response["Cache-Control"] == "public, max-age=60"

    # The follow form (a CSRF token), a page not found, and what signed-in staff see: this browser's.
    assert "private" in client.get("/en/follow/?expert=ann")["Cache-Control"]  # its view's never_cache
    assert client.get("/en/articles/no-such-piece/")["Cache-Control"] == "private, no-cache"
    desk = Client()
    desk.force_login(editor)
    assert desk.get("/en/articles/baltic-energy/")["Cache-Control"] == "private, no-cache"
    assert "no-store" in desk.get(draft(title="Unpublished").get_absolute_url())["Cache-Control"]
    assert "no-cache" in desk.get("/admin/")["Cache-Control"]

    settings.PAGE_CACHE_SECONDS = 0  # nothing stored here: nothing public either
    assert client.get("/en/articles/baltic-energy/")["Cache-Control"] == "private, no-cache"


def test_staff_always_get_a_fresh_page_and_never_fill_the_cache(client, world, editor):
    stored(client, ["/en/"])
    # A change the cache cannot know of (update() sends no signal): the reader's page is the stored
    # one, the editor's is rendered from the database.
    Article.objects.filter(pk=world["ours"].pk).update(title="Quietly changed title")
    assert "Quietly changed title" not in text(client, "/en/")
    desk = Client()
    desk.force_login(editor)
    response = desk.get("/en/")
    assert "Quietly changed title" in response.text
    assert pagecache.HEADER not in response.headers

    preview = draft(title="Unpublished analysis")
    assert desk.get(preview.get_absolute_url()).status_code == 200
    assert client.get(preview.get_absolute_url()).status_code == 404  # the preview was not stored


@pytest.mark.parametrize("cookie", ["made-up-session-key", "", "x" * 40, "\u00e9"])
def test_a_session_cookie_that_is_not_a_staff_session_is_served_the_stored_page(client, world, cookie):
    """Any sessionid once bought an uncached render (131 ms instead of 1.6 ms): now only a valid
    session of a member of staff does."""
    stored(client, ["/en/"])
    Article.objects.filter(pk=world["ours"].pk).update(title="Quietly changed title")
    visitor = Client()
    visitor.cookies["sessionid"] = cookie

    response = visitor.get("/en/")

    assert response.headers.get(pagecache.HEADER) == "hit"
    assert "Quietly changed title" not in response.text


def test_a_signed_in_non_staff_session_is_served_the_stored_page(client, world):
    stored(client, ["/en/"])
    visitor = Client()
    visitor.force_login(UserFactory(is_staff=False))
    assert visitor.get("/en/").headers.get(pagecache.HEADER) == "hit"


def test_a_page_rendered_while_something_changed_is_not_stored(rf, world):
    def view_with_a_write_during_render(request):
        pagecache.depends_on(request, pagecache.ARTICLES)
        response = Client().get("/en/articles/")  # renders...
        pagecache.invalidate(pagecache.ARTICLES)  # ...while an editor saves
        return response

    middleware = pagecache.PageCacheMiddleware(view_with_a_write_during_render)
    middleware(rf.get("/en/articles/"))
    assert Client().get("/en/articles/").headers[pagecache.HEADER] == "miss"


def test_errors_and_not_found_pages_are_not_stored(client, world):
    for _ in range(2):
        response = client.get("/en/articles/no-such-piece/")
        assert response.status_code == 404
        assert pagecache.HEADER not in response.headers


def _redis_reachable():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


SHARED_CACHES = {
    "redis": {
        "BACKEND": "config.cache.ReusingRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    },
    "files": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
}


@pytest.mark.parametrize("shared", SHARED_CACHES)
def test_processes_sharing_a_cache_share_pages_and_invalidations(world, settings, shared, tmp_path):
    """Production: Redis (several servers) or files (the workers of one machine), with each
    process's own copies of pages in memory beside it."""
    if shared == "redis" and not _redis_reachable():
        pytest.skip("NO REDIS at 127.0.0.1:6379: the Redis page cache is not tested")
    settings.CACHES = {
        "default": {
            **SHARED_CACHES[shared],
            "LOCATION": SHARED_CACHES[shared].get("LOCATION", str(tmp_path / "cache")),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "near"},
    }
    try:
        first, second = Client(), Client()
        assert first.get("/en/experts/ann/").headers[pagecache.HEADER] == "miss"
        assert second.get("/en/experts/ann/").headers[pagecache.HEADER] == "hit"
        world["ours"].title = "Baltic shared outlook"
        world["ours"].save()
        assert "Baltic shared outlook" in second.get("/en/experts/ann/").text

        # A write in another process reaches this one only through the shared cache: this
        # process's copy of the page must not be served after it.
        assert first.get("/en/experts/bob/").headers[pagecache.HEADER] == "miss"
        assert first.get("/en/experts/bob/").headers[pagecache.HEADER] == "hit"
        shared_only = caches.create_connection("default")  # the other process's view: no local copies
        shared_only.delete(pagecache.TAG_PREFIX + pagecache.expert_tag(world["bob"].pk))
        key = pagecache.PAGE_PREFIX + hashlib.sha256(b"http://testserver/en/experts/bob/").hexdigest()
        outdated = caches["local"].get(key)
        assert first.get("/en/experts/bob/").headers[pagecache.HEADER] == "miss"

        # The other process rendered the page afresh; this one still holds its outdated copy and
        # takes the other's render rather than rendering again.
        caches["local"].set(key, outdated)
        assert first.get("/en/experts/bob/").headers[pagecache.HEADER] == "hit"
    finally:
        forget_own_keys(settings.CACHES["default"])


def forget_own_keys(shared):
    """Only this test's keys: the Redis database may be another user's too (never FLUSHDB)."""
    if shared["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        cache.clear()  # the test's own folder
        return
    client = redis.Redis.from_url(shared["LOCATION"])
    keys = list(client.scan_iter(match=f"{shared['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_with_the_cache_server_down_pages_render_and_edits_save(client, world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = client.get("/en/experts/ann/")
    assert response.status_code == 200
    assert pagecache.HEADER not in response.headers
    world["ours"].title = "Baltic offline outlook"
    world["ours"].save()
    assert "Baltic offline outlook" in client.get("/en/experts/ann/").text


def test_restoring_an_older_version_refreshes_the_readers_pages(seen, article_form, client, world, editor):
    """A restore writes the old rows raw; the pages of the state it replaces must go too."""
    reader = Client()
    desk = client
    desk.force_login(editor)
    ours = world["ours"]
    fields = {"slug": ours.slug, "topics": [world["baltics"].pk], "published_at_0": "2024-01-01"}
    for status in ("draft", "published"):
        response = desk.post(
            f"/admin/articles/article/{ours.pk}/change/",
            article_form(
                title="Baltic versioned outlook",
                status=status,
                published_at_1="10:00",
                seen_updated_at=seen(desk, ours),
                **fields,
            ),
        )
        assert response.status_code == 302
    stored(reader, ["/en/", "/en/topics/europe/"])
    assert "Baltic versioned outlook" in text(reader, "/en/")

    from reversion.models import Version

    as_draft = Version.objects.get_for_object(ours)[1]  # newest first: the draft is the second
    desk.post(f"/admin/articles/article/{ours.pk}/restore/{as_draft.pk}/")
    for url in ["/en/", "/en/topics/europe/"]:
        assert "Baltic versioned outlook" not in text(reader, url), url
    assert reader.get("/en/articles/baltic-energy/").status_code == 404


# The contract, write by write: exactly the pages that show the change are forgotten, the others
# are served from the cache. The world: Ann writes "Baltic energy" (Baltics, under Europe; category
# and source of its own), Bob "Asian trade" (Asia).
CONTRACT_PAGES = {
    "home": "/en/",
    "archive": "/en/articles/",
    "search": "/en/search/?q=energy",
    "topics": "/en/topics/",
    "europe": "/en/topics/europe/",
    "europe feed": "/en/topics/europe/feed/",
    "asia": "/en/topics/asia/",
    "experts": "/en/experts/",
    "ann": "/en/experts/ann/",
    "ann feed": "/en/experts/ann/feed/",
    "bob": "/en/experts/bob/",
    "ours": "/en/articles/baltic-energy/",
    "theirs": "/en/articles/asian-trade/",
    "feed": "/en/feeds/latest/",
    "sitemap": "/sitemap.xml",
    "experts sitemap": "/sitemap-experts.xml",
}
SITEMAPS = {"sitemap", "experts sitemap"}  # every public address, with experts' and topics' dates
ARCHIVE = {"home", "archive", "search", "topics", "experts", "feed"} | SITEMAPS  # the archive as a whole
EVERY_PAGE = set(CONTRACT_PAGES)


def retitle_ours(world):
    world["ours"].title = "Baltic energy revisited"
    world["ours"].save()


def unpublish_theirs(world):
    world["theirs"].unpublish()
    world["theirs"].save()


def move_ours_to_asia(world):
    world["ours"].topics.set([world["asia"]])


def give_ours_to_bob(world):
    world["ours"].article_authors.update(expert=world["bob"])  # no signal: report it as a writer must
    from articles.derived import content_changed

    content_changed(
        articles=[world["ours"].pk], pages_before={pagecache.expert_articles_tag(world["ann"].pk)}
    )


def edit_anns_bio(world):
    world["ann"].bio = "<p>Now writes on Baltic security.</p>"
    world["ann"].save()


def rename_bob(world):
    world["bob"].name = "Robert Brown"
    world["bob"].save()


def describe_europe(world):
    world["europe"].description = "The continent."
    world["europe"].save()


def add_a_link_to_bobs_profile(world):
    world["bob"].links.create(label="Home", url="https://example.org/bob")


def relate_ours_to_theirs(world):
    RelatedLink.objects.create(article=world["ours"], related=world["theirs"], position=0)


@pytest.mark.parametrize(
    ("write", "forgotten"),
    [
        (retitle_ours, ARCHIVE | {"europe", "europe feed", "ann", "ann feed", "ours"}),
        (unpublish_theirs, ARCHIVE | {"asia", "bob", "theirs"}),
        # Theirs too: its related fill-in comes from the articles of Asia and of Bob.
        (move_ours_to_asia, ARCHIVE | {"europe", "europe feed", "asia", "ann", "ann feed", "ours", "theirs"}),
        (give_ours_to_bob, ARCHIVE | {"europe", "europe feed", "ann", "ann feed", "bob", "ours", "theirs"}),
        (edit_anns_bio, {"experts", "ann", "ann feed", "ours"} | SITEMAPS),
        (rename_bob, EVERY_PAGE),  # a name is on cards and bylines everywhere
        (describe_europe, {"topics", "europe", "europe feed"} | SITEMAPS),
        (add_a_link_to_bobs_profile, {"experts", "bob", "theirs"} | SITEMAPS),
        (relate_ours_to_theirs, {"ours"}),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_write_forgets_exactly_the_pages_that_show_it(client, world, write, forgotten):
    stored(client, CONTRACT_PAGES.values())

    write(world)

    answers = {name: client.get(url) for name, url in CONTRACT_PAGES.items()}
    missed = {name for name, answer in answers.items() if answer.headers.get(pagecache.HEADER) != "hit"}
    assert missed == forgotten
