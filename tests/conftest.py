import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploaded files land in a throwaway folder; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The shipped demo content (the two sample pages and a few demo pieces)."""
    call_command("load_demo", verbosity=0)


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def count_queries(client, settings):
    """Fetch a URL (expecting 200) and return how many SQL queries rendering it took.

    The page cache is off: these are the queries of a render (a cached page takes none).
    """
    settings.PAGE_CACHE_SECONDS = 0
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(queries)

    return fetch


@pytest.fixture(autouse=True)
def _empty_page_cache(settings):
    """Each test starts with no cached pages (a cache outlives a test's rolled-back data), in this
    process's memory: the tests are one process, and the cache files may be a running site's."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
