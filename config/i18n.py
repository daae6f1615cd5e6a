"""The site's languages: the middleware that picks a request's interface language and the
switcher's view that remembers a reader's choice.

Public pages live under a language prefix (/en/…, /ru/…, Django's i18n_patterns); the admin, the
API, the sitemap and robots.txt have none. An unprefixed public URL (/, an old /articles/… link) is
answered with a permanent redirect to the reader's language: the switcher's cookie if they chose
one, else their browser's Accept-Language, else settings.LANGUAGE_CODE.
"""

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, get_language_from_path, override


class LanguageMiddleware(LocaleMiddleware):
    """Django's, with the redirect to a prefixed URL permanent: the old URLs moved for good (a
    search engine carries its ranking over). It varies on Accept-Language and Cookie."""

    response_redirect_class = HttpResponsePermanentRedirect


def switch_language(request, language):
    """The switcher: remember `language` in the cookie and go to `next`, a page of this site, in
    that language (the home page when `next` is missing or not ours).

    A link (GET), unlike Django's set_language view (POST with a CSRF token): every page shows
    the switcher, and a page that carried a reader's token could not be stored in the page cache.
    It changes nothing but the reader's own preference.
    """
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    if target.startswith("/"):
        with override(get_language_from_path(target)):  # the path resolves in its own language
            target = translate_url(target, language)
    else:
        target = f"/{language}/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
