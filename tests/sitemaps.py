"""Reading the site's sitemaps in tests: the addresses (and dates) a page lists."""

import xml.etree.ElementTree as ET

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own sitemap, not untrusted input
    return {
        loc.text.removeprefix("http://testserver"): (entry.findtext("sm:lastmod", namespaces=NS))
        for entry in root
        for loc in entry.findall("sm:loc", NS)
    }


def article_urls(client):
    """Every article URL of the sitemap, from all the pages the index lists (pages go by ranges of
    ids, so the first may be empty where the database's ids start high)."""
    urls = {}
    for page in locations(client, "/sitemap.xml"):
        if page.startswith("/sitemap-articles.xml"):
            urls |= locations(client, page)
    return urls


def alternates(client, url):
    """{location: {hreflang: address}} of a sitemap page's entries (their other languages)."""
    root = ET.fromstring(client.get(url).content)  # noqa: S314 - our own sitemap
    return {
        entry.findtext("sm:loc", namespaces=NS): {
            link.get("hreflang"): link.get("href") for link in entry.findall("xhtml:link", NS)
        }
        for entry in root
    }


def article_alternates(client):
    """alternates() of every article page the index lists."""
    found = {}
    for page in locations(client, "/sitemap.xml"):
        if page.startswith("/sitemap-articles.xml"):
            found |= alternates(client, page)
    return found
