"""The page cache: whole public pages kept in Django's cache, dropped as soon as anything on them changes.

A view declares what its page shows as *tags* (`depends_on(request, ...)`): "this article",
"the articles of this expert", "the published archive"... A page is stored with the version of
each of its tags; a write deletes the versions of the tags it touches (`invalidate()`), so every
page showing the changed thing is re-rendered on its next request and no other. The signals in
`articles.signals` call `invalidate()` for every ORM write; bulk writes call it themselves.

The cache is shared by every process that serves or writes (Redis, or files on one machine: see
settings.CACHES); each process also keeps the pages it serves in its own memory ("local") and
asks the shared cache only whether their tags are still current: one round trip a page.

Rules that keep it from ever serving a stale page:
- Only pages that declared tags are stored; a view that declares nothing is never cached.
- Signed-in staff (a valid session of an active staff user) bypass the cache both ways: always
  fresh. Any other cookie is served like a reader.
- A write invalidates at once and again when its transaction commits (`on_commit`): a reader that
  rendered the old rows between the two is invalidated by the second.
- A write also changes a "writes" token before deleting versions; a page whose render saw the token
  change is not stored (it may have read rows older than the versions it would be stored with).
- Scheduled articles are released at their time by the task worker (articles.derived.release_due),
  which forgets their pages as an edit would; a reader's request never writes.
- A tag version or the token missing from the cache (evicted, a cold Redis) counts as "changed":
  eviction can cost a render, never serve a stale page.

What browsers and shared caches (a CDN) are told, `Cache-Control`: a page this cache stores or
serves is public, for settings.BROWSER_CACHE_SECONDS (a minute: a change reaches a reader's
browser within it); every other page (a form with a CSRF token, a page rendered for signed-in
staff, a page with the cache off) is private and asked for again each time, unless its view said
otherwise (a preview's "no-store").
"""

import functools
import hashlib
import logging
import uuid
from importlib import import_module

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError

# Tags. SITE is on every page: writes too broad to trace (renaming a category shown on every card,
# a bulk import) invalidate it and with it everything.
SITE = "site"
ARTICLES = "articles"  # the published archive as a whole: listings, counts, search, feeds
EXPERTS = "experts"  # the list of experts
TOPICS = "topics"  # the topic tree and its counts

# What a cache backend raises when it cannot be reached: pages are then rendered, never an error.
CACHE_ERRORS = (OSError, RedisError)
logger = logging.getLogger(__name__)

NEAR = "local"  # the alias of this process's own cache, beside a shared one (settings.CACHES)
PAGE_PREFIX = "page:"
TAG_PREFIX = "tag:"
WRITES = "pagecache:writes"
HEADER = "X-Page-Cache"


def article_tag(pk):
    return f"article:{pk}"


def expert_tag(pk):
    return f"expert:{pk}"


def topic_tag(pk):
    return f"topic:{pk}"


def expert_articles_tag(pk):
    return f"expert-articles:{pk}"


def topic_articles_tag(pk):
    """The published articles under a topic or any of its subtopics."""
    return f"topic-articles:{pk}"


# The contract, in one place. What each cached page shows (its views declare it with these), and
# below, what each kind of write forgets; tests/test_page_cache.py checks the two agree, write by
# write and page by page.


def archive_page():
    """Pages of the published archive as a whole: home, the article list, search, a category's or
    a source's list, the latest feeds."""
    return {ARTICLES}


def topic_list_page():
    """The tree of topics with the number of articles under each."""
    return {ARTICLES, TOPICS}


def topic_page_tags(pk):
    """A topic's own pages (topic page, feeds): the topic and the published articles under it."""
    return {topic_tag(pk), topic_articles_tag(pk)}


def expert_list_page():
    """The experts A-Z, with their article counts."""
    return {EXPERTS, ARTICLES}


def expert_page_tags(pk):
    """An expert's own pages (profile, feeds): the expert and their published articles."""
    return {expert_tag(pk), expert_articles_tag(pk)}


def sitemap_pages():
    """The sitemap index and its sections: every public address and when it last changed."""
    return {ARTICLES, EXPERTS, TOPICS}


def article_page(pk, *, related, authors, topics):
    """An article's page: the article, its related pieces (the fill-in comes from the articles of
    its topics and experts), its authors."""
    return {
        article_tag(pk),
        *(article_tag(other) for other in related),
        *(expert_tag(expert) for expert in authors),
        *(expert_articles_tag(expert) for expert in authors),
        *(topic_articles_tag(topic) for topic in topics),
    }


# What writes forget. Articles: articles.derived.pages_showing(), before and after the write. Experts and
# topics: their own pages only when only their own-page fields changed, else every page (their
# names are on cards and bylines everywhere). Category and source names: every page.

EXPERT_OWN_PAGE_FIELDS = {"bio", "country", "other_names"}
TOPIC_OWN_PAGE_FIELDS = {"description"}


def expert_edited(pk, changed_fields):
    if changed_fields <= EXPERT_OWN_PAGE_FIELDS:
        return {expert_tag(pk), EXPERTS}
    return {SITE}


def topic_edited(pk, changed_fields):
    if changed_fields <= TOPIC_OWN_PAGE_FIELDS:
        return {topic_tag(pk), TOPICS}
    return {SITE}


def expert_details_edited(pks):
    """Research interests and links: the experts' own pages and the list of experts."""
    return {EXPERTS, *(expert_tag(pk) for pk in pks)}


def related_links_edited(pk):
    """An article's related links and "Also read" references show on its own page only."""
    return {article_tag(pk)}


def depends_on(request, *tags):
    """Declare that the page answering `request` shows what these tags stand for (and may be cached)."""
    request.page_cache_tags = getattr(request, "page_cache_tags", set()) | set(tags)


def declaring(view, tags):
    """`view`, whose page shows what `tags` stand for, declared so (for views that are not ours:
    Django's sitemaps)."""

    @functools.wraps(view)
    def declared(request, *args, **kwargs):
        depends_on(request, *tags)
        return view(request, *args, **kwargs)

    return declared


def invalidate(*tags):
    """Forget every cached page that shows any of these tags: now, and again once the write commits."""
    tags = set(tags)
    if not tags:
        return
    _forget(tags)
    transaction.on_commit(lambda: _forget(tags))


def invalidate_everything():
    invalidate(SITE)


class PageCacheMiddleware:
    """Serve stored pages to readers; store the pages views declared tags for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _may_use_cache(request):
            return _private(self.get_response(request))
        key = PAGE_PREFIX + hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        try:
            entry, writes_before = _lookup(key)
        except CACHE_ERRORS as error:
            logger.warning("Page cache unavailable, rendering %s: %s", request.path, error)
            return _private(self.get_response(request))
        if entry:
            response = HttpResponse(entry["content"], headers=entry["headers"])
            response[HEADER] = "hit"
            return response

        response = self.get_response(request)
        tags = getattr(request, "page_cache_tags", None)
        if not (tags and _may_store(request, response)):
            return _private(response)
        patch_cache_control(response, public=True, max_age=settings.BROWSER_CACHE_SECONDS)
        try:
            _store(key, response, {SITE, *tags}, writes_before)
        except CACHE_ERRORS as error:
            logger.warning("Page cache unavailable, %s not stored: %s", request.path, error)
        response[HEADER] = "miss"
        return response


def _private(response):
    """A page not stored here: for this reader's browser only, asked for again each time."""
    if "Cache-Control" not in response:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def _near():
    """This process's copy of the pages (with a shared cache only): the bytes need not cross the
    network each time; their tags' versions are still checked in the shared cache."""
    return caches[NEAR] if NEAR in settings.CACHES else None


def _lookup(key):
    """The page stored at `key` if none of its tags changed since, and the writes token as seen
    before anything was rendered. One round trip to the shared cache when this process has a copy."""
    near = _near()
    entry = near.get(key) if near else None
    found = cache.get_many([WRITES, *(entry["tags"] if entry else [key])])
    writes_before = found.get(WRITES)
    if entry is not None:
        if _current(entry, found):
            return entry, writes_before
        entry = cache.get(key)  # this copy is out of date; another process may have a fresh one
    else:
        entry = found.get(key)
    if entry is None or not _current(entry, cache.get_many(list(entry["tags"]))):
        return None, writes_before
    if near:
        near.set(key, entry, settings.PAGE_CACHE_SECONDS)
    return entry, writes_before


def _current(entry, versions):
    return all(versions.get(tag) == version for tag, version in entry["tags"].items())


def _store(key, response, tags, writes_before):
    versions = _versions(tags)
    # Read after the versions: a write sets the token before deleting versions.
    if versions and cache.get(WRITES) == writes_before:
        headers = {name: value for name, value in response.items() if name != HEADER}
        page = {"content": response.content, "headers": headers, "tags": versions}
        cache.set(key, page, settings.PAGE_CACHE_SECONDS)
        if near := _near():
            near.set(key, page, settings.PAGE_CACHE_SECONDS)


def _may_use_cache(request):
    return settings.PAGE_CACHE_SECONDS > 0 and request.method == "GET" and not _signed_in_staff(request)


def _signed_in_staff(request):
    """Whether the request carries the session of an active member of staff (who sees pages fresh).

    Any other session cookie, a made-up one included, is served from the cache like a reader:
    a cookie must not buy an uncached render. Costs a lookup only when a session cookie is sent.
    """
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    from django.contrib.auth import SESSION_KEY, get_user_model

    try:
        user_id = import_module(settings.SESSION_ENGINE).SessionStore(key).get(SESSION_KEY)
        if user_id is None:
            return False
        return get_user_model()._default_manager.filter(pk=user_id, is_active=True, is_staff=True).exists()
    except (DatabaseError, ValueError, TypeError):
        return False


def _may_store(request, response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        # A page that used the CSRF token would share one reader's token with every other.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _versions(tags):
    """The current version of each tag, creating those missing; None if a write raced us."""
    keys = [TAG_PREFIX + tag for tag in tags]
    versions = cache.get_many(keys)
    missing = [key for key in keys if key not in versions]
    for key in missing:
        cache.add(key, uuid.uuid4().hex, None)
    if missing:
        versions |= cache.get_many(missing)
    return versions if len(versions) == len(keys) else None


def _forget(tags):
    try:
        cache.set(WRITES, uuid.uuid4().hex, None)
        cache.delete_many([TAG_PREFIX + tag for tag in tags])
    except CACHE_ERRORS as error:
        # The write itself stands. A cache that is down serves nothing; one that comes back with
        # its old contents (persistence on) could: docs/deployment.md says to run it without.
        logger.error("Page cache unavailable, not invalidated: %s: %s", sorted(tags), error)
