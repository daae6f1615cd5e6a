"""What a page tells search engines, feed readers and social sites about itself.

Views build one PageMeta per page; `templates/includes/meta.html` turns it into the title, the
meta description, Open Graph and Twitter card tags, feed links and schema.org JSON-LD.
The builders below take `absolute`, a function that makes a path into a full URL
(`request.build_absolute_uri`), so that nothing here needs the request itself.
"""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.html import strip_tags
from django.utils.translation import (
    get_language,
    get_language_info,
    gettext,
    gettext_lazy,
    override,
    to_locale,
)

SITE_NAME = gettext_lazy("Expert Opinions")
DEFAULT_DESCRIPTION = gettext_lazy(
    "Commentary by named experts on international affairs: browse by expert, topic, region and source."
)
HEADLINE_LENGTH = 110  # schema.org Article headlines longer than this are cut by search engines


@dataclass(frozen=True)
class PageMeta:
    title: str
    description: str = DEFAULT_DESCRIPTION
    og_type: str = "website"
    image: str = ""  # a URL or path of the page's picture, if it has one
    image_alt: str = ""
    feeds: tuple = ()  # (title, RSS path, Atom path) of the feeds that follow this page
    structured_data: list = field(default_factory=list)  # JSON-LD objects

    def for_page(self, number):
        """The same metadata for page `number` of a listing: each page has its own title."""
        if number <= 1:
            return self
        return replace(
            self, title=gettext("%(title)s, page %(number)s") % {"title": self.title, "number": number}
        )


@dataclass(frozen=True)
class LanguageVersion:
    """This page in one of the site's languages: where it is, and the switcher's link to it."""

    code: str
    name: str  # in that language ("Русский")
    path: str  # empty when the page has no version in that language (an untranslated article)
    url: str  # the path as a full URL
    is_current: bool
    is_default: bool  # the x-default: an article's original, else settings.LANGUAGE_CODE

    @property
    def switch_url(self):
        """The switcher's link: remembers the choice, then goes to the version (or that language's home)."""
        with override(self.code):
            target = self.path or reverse("articles:home")
        return reverse("switch_language", kwargs={"language": self.code}) + "?" + urlencode({"next": target})


def og_locale(language):
    """Open Graph's language_TERRITORY form of a language code ("ru" -> "ru_RU")."""
    locale = to_locale(language)
    return locale if "_" in locale else OG_TERRITORIES.get(language, locale)


OG_TERRITORIES = {"en": "en_GB", "ru": "ru_RU"}


def language_versions(request, versions=None):
    """The page in every language of the site. `versions` ({language: article}, the article page's)
    gives each language its own article; other pages are the same address under each prefix."""
    current = get_language()
    path = request.get_full_path()
    found = []
    for code, _ in settings.LANGUAGES:
        if versions is not None:
            article = versions.get(code)
            here = article.get_absolute_url() if article else ""
            is_default = bool(article) and article.translation_of_id is None
        else:
            here = translate_url(path, code)
            is_default = code == settings.LANGUAGE_CODE
        url = request.build_absolute_uri(here) if here else ""
        name = get_language_info(code)["name_local"]
        found.append(LanguageVersion(code, name, here, url, code == current, is_default))
    return found


def describe(text, length=160):
    """A meta description from plain text (strip_tags() rich text first): one line, cut near `length`."""
    words = " ".join((text or "").split())
    if len(words) <= length:
        return words
    return words[: length - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def feed(title, rss_route, atom_route, **kwargs):
    """(title, RSS path, Atom path) of a feed, for the page's <link rel="alternate">."""
    return (f"{SITE_NAME}: {title}", reverse(rss_route, kwargs=kwargs), reverse(atom_route, kwargs=kwargs))


def latest_feed():
    return feed(gettext("latest articles"), "articles:feed", "articles:atom")


def breadcrumbs(absolute, trail):
    """A BreadcrumbList from (name, path) pairs, outermost first."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": name, "item": absolute(path)}
            for number, (name, path) in enumerate(trail, start=1)
        ],
    }


def website(absolute):
    """The site itself, with the search box search engines may offer."""
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": SITE_NAME,
        "url": absolute(reverse("articles:home")),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": absolute(reverse("articles:search")) + "?q={search_term_string}",
            },
            "query-input": "required name=search_term_string",
        },
    }


def collection(absolute, path, name, description, *, kind="CollectionPage"):
    """A listing page (CollectionPage), or with kind="SearchResultsPage" a page of search results."""
    return {
        "@context": "https://schema.org",
        "@type": kind,
        "name": name,
        "description": description,
        "url": absolute(path),
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": absolute(reverse("articles:home"))},
    }


def person(absolute, expert, *, full=False):
    """An expert as a schema.org Person; `full` adds what only a profile page shows."""
    data = {"@type": "Person", "name": expert.translated("name"), "url": absolute(expert.get_absolute_url())}
    if position := expert.translated("position"):
        data["jobTitle"] = position
    if organisation := expert.translated("organisation"):
        data["worksFor"] = {"@type": "Organization", "name": organisation}
    if full:
        if bio := expert.translated("bio"):
            data["description"] = describe(strip_tags(bio), 500)
        if expert.photo:
            data["image"] = absolute(expert.photo.url)
        if expert.country:
            data["nationality"] = {"@type": "Country", "name": expert.country}
        links = [link.url for link in expert.links.all()]
        if links:
            data["sameAs"] = links
    return data


def article(absolute, item, topics):
    """An article as a schema.org Article, its authors as Persons."""
    url = absolute(item.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": describe(item.title, HEADLINE_LENGTH),
        "name": item.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "author": [person(absolute, expert) for expert in item.ordered_authors()],
        "dateModified": item.updated_at.isoformat(),
        "inLanguage": item.language,
        "isAccessibleForFree": True,
    }
    if item.published_at:
        data["datePublished"] = item.published_at.isoformat()
    if item.lead:
        data["description"] = describe(item.lead, 300)
    if item.image:
        data["image"] = [absolute(item.image.url)]
    if item.category:
        data["articleSection"] = item.category.translated("name")
    if topics:
        data["keywords"] = [topic.translated("name") for topic in topics]
        data["about"] = [
            {"@type": "Thing", "name": topic.translated("name"), "url": absolute(topic.get_absolute_url())}
            for topic in topics
        ]
    publisher = {"@type": "Organization", "name": SITE_NAME, "url": absolute(reverse("articles:home"))}
    if item.source:
        data["sourceOrganization"] = {"@type": "Organization", "name": item.source.translated("name")}
        if item.source.url:
            data["sourceOrganization"]["url"] = item.source.url
    data["publisher"] = publisher
    if item.original_url:
        data["isBasedOn"] = item.original_url
    return data


def profile(absolute, expert, topics):
    """An expert's page: a ProfilePage whose main entity is the Person."""
    person_data = person(absolute, expert, full=True)
    if topics:
        person_data["knowsAbout"] = topics
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": absolute(expert.get_absolute_url()),
        "mainEntity": person_data,
    }
