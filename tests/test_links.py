"""Cross-links as publishers make them: related entries that become links when their article
arrives, "Also read" blocks, expert mentions linked in bodies, and the profile's "Mentioned in"."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.urls import set_script_prefix

import pagecache
from articles import linking
from articles.models import Article, ArticleMention, RelatedLink
from experts.models import Expert
from experts.names import guess_sort_name
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ExpertFactory,
    SourceFactory,
    TopicFactory,
    draft,
    on,
)

pytestmark = pytest.mark.django_db


def body_of(client, article):
    page = BeautifulSoup(client.get(article.get_absolute_url()).text, "html.parser")
    return page.select_one(".article__body")


def mention_links(client, article):
    return [(a.text, a["href"]) for a in body_of(client, article).find_all("a")]


# Expert mentions -------------------------------------------------------------------------------


def test_the_first_mention_of_an_expert_links_to_the_profile(client):
    weitz = ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    article = ArticleFactory(
        body="<p>As Richard Weitz argued, talks help.</p><p>Richard Weitz added more.</p>",
        authors=[ExpertFactory()],
    )

    assert mention_links(client, article) == [("Richard Weitz", "/en/experts/richard-weitz/")]
    assert ArticleMention.objects.get(article=article).expert == weitz


def test_no_mention_is_linked_inside_a_link_a_heading_or_a_marked_attribution(client):
    ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    article = ArticleFactory(
        body='<h2>Richard Weitz on Korea</h2><p><a href="https://example.org/">Richard Weitz</a></p>'
        "<blockquote><p>Talks help.</p><cite>Richard Weitz</cite></blockquote>"
        "<p>Later, Richard Weitz spoke again.</p>"
    )

    body = body_of(client, article)

    assert [(a.text, a["href"]) for a in body.find_all("a")] == [
        ("Richard Weitz", "https://example.org/"),
        ("Richard Weitz", "/en/experts/richard-weitz/"),
    ]
    assert body.find_all("a")[1].parent.text == "Later, Richard Weitz spoke again."


def test_names_are_found_in_either_language_and_in_other_spellings(client):
    ExpertFactory(
        name="Richard Weitz",
        slug="richard-weitz",
        translations={"ru": {"name": "Ричард Вайц"}},
        other_names="R. Weitz\nРичарда Вайца",
    )
    russian = ArticleFactory(
        language="ru", slug="ru-piece", body="<p>По мнению Ричарда Вайца, это важно.</p>"
    )
    initials = ArticleFactory(body="<p>R. Weitz disagrees.</p>")

    assert mention_links(client, russian) == [("Ричарда Вайца", "/ru/experts/richard-weitz/")]
    assert mention_links(client, initials) == [("R. Weitz", "/en/experts/richard-weitz/")]


def test_a_link_an_editor_removed_stays_removed(client, admin_client):
    weitz = ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    article = ArticleFactory(body="<p>Richard Weitz argued so.</p>")
    mention = ArticleMention.objects.get(article=article, expert=weitz)

    mention.linked = False
    mention.save()
    assert mention_links(client, article) == []

    article.body = "<p>Richard Weitz argued so, and Richard Weitz again.</p>"
    article.save()  # a later edit
    assert mention_links(client, article) == []
    assert not ArticleMention.objects.get(article=article, expert=weitz).linked


def test_a_new_or_renamed_expert_is_linked_in_the_bodies_already_naming_them(client):
    article = ArticleFactory(body="<p>Georgy Toloraya expects no war.</p>")
    assert mention_links(client, article) == []  # no such expert yet (and the page is now cached)

    expert = ExpertFactory(name="G. Toloraya", slug="toloraya")
    assert mention_links(client, article) == []
    expert.name = "Georgy Toloraya"
    expert.save()

    assert mention_links(client, article) == [("Georgy Toloraya", "/en/experts/toloraya/")]


def test_the_page_cache_forgets_a_page_whose_mention_an_editor_unlinked(client):
    expert = ExpertFactory(name="Anna Lindqvist", slug="lindqvist")
    article = ArticleFactory(body="<p>Anna Lindqvist disagrees.</p>", category=None)
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())[pagecache.HEADER] == "hit"

    mention = ArticleMention.objects.get(article=article, expert=expert)
    mention.linked = False
    mention.save()

    response = client.get(article.get_absolute_url())
    assert response[pagecache.HEADER] != "hit"
    assert 'href="/en/experts/lindqvist/"' not in response.text


def test_the_profile_lists_the_pieces_mentioning_the_expert_not_their_own(client):
    weitz = ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    mentioning = ArticleFactory(title="On Weitz's argument", body="<p>Richard Weitz is right.</p>")
    ArticleFactory(title="His own piece", body="<p>Richard Weitz, in his own words.</p>", authors=[weitz])
    draft(title="A draft naming him", body="<p>Richard Weitz again.</p>")

    response = client.get(weitz.get_absolute_url())

    assert [article.title for article in response.context["mentioned"]] == [mentioning.title]
    assert "Mentioned in" in response.text


def test_mentioned_in_is_paginated_in_a_fixed_number_of_queries(client, count_queries):
    ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    for day in range(1, 13):
        ArticleFactory(
            body="<p>Richard Weitz said.</p>", published_at=on(2020, 1, day), authors=[ExpertFactory()]
        )

    first = client.get("/en/experts/richard-weitz/")
    second = client.get("/en/experts/richard-weitz/?mentioned=2")

    assert len(first.context["mentioned"]) == 10 and len(second.context["mentioned"]) == 2
    assert first.context["mentioned"][0].published_at.day == 12  # newest first
    few = count_queries("/en/experts/richard-weitz/?mentioned=2")
    for day in range(13, 28):
        ArticleFactory(
            body="<p>Richard Weitz said.</p>", published_at=on(2020, 1, day), authors=[ExpertFactory()]
        )
    assert count_queries("/en/experts/richard-weitz/?mentioned=2") == few


# Related entries and "Also read" ---------------------------------------------------------------


def test_an_entry_is_shown_in_its_place_until_its_article_is_published_then_linked(client):
    article = ArticleFactory()
    first = ArticleFactory(title="A piece here")
    RelatedLink.objects.create(article=article, related=first, position=0)
    entry = RelatedLink.objects.create(
        article=article, title="Forecasts on Korea’s Foreign Policies", truncated=True, position=1
    )

    related = client.get(article.get_absolute_url()).context["related"]
    assert [item.article for item in related[:2]] == [first, None]
    assert related[1].entry == entry

    arrived = draft(title="Forecasts on Korea’s Foreign Policies Following the Launch of the New Government")
    entry.refresh_from_db()
    assert entry.related == arrived  # linked at once: the title starts as the cut one
    page = client.get(article.get_absolute_url())
    assert page.context["related"][1].article is None  # a draft: never linked, its entry shown
    assert arrived.title not in page.text

    arrived.publish(when=on(2024, 1, 1))
    arrived.save()
    assert client.get(article.get_absolute_url()).context["related"][1].article == arrived


def test_an_entry_not_here_shows_its_own_date_and_a_lead_cut_at_a_word(client):
    lead = "Two major issues are of importance to President Moon " * 8  # 424 characters
    for language, day in (("en", "15 May 2017"), ("ru", "15 мая 2017")):
        article = ArticleFactory(language=language)
        published_on = date(2017, 5, 15)
        RelatedLink.objects.create(article=article, title="Forecasts", published_on=published_on, lead=lead)

        page = BeautifulSoup(client.get(article.get_absolute_url()).text, "html.parser")

        shown = page.select_one(".related__date time")
        assert (shown["datetime"], shown.get_text()) == ("2017-05-15", day)
        cut = page.select_one(".related__lead").get_text()
        assert len(cut) <= 220 and cut.endswith(" Moon Two…") and lead.startswith(cut[:-1])  # at a word


def test_a_cached_page_shows_the_link_on_the_next_request_once_the_article_arrives(client):
    article = ArticleFactory()
    RelatedLink.objects.create(article=article, title="Why Neither Peace Nor War")
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())[pagecache.HEADER] == "hit"

    arrived = draft(
        title="Why Neither Peace Nor War", slug="why", category=None
    )  # no new category: it would clear every page
    client.get(article.get_absolute_url())
    arrived.publish(when=on(2024, 1, 1))
    arrived.save()

    response = client.get(article.get_absolute_url())
    assert response[pagecache.HEADER] != "hit"
    assert response.context["related"][0].article == arrived


def test_an_entry_titled_in_russian_is_linked_when_its_article_arrives():
    article = ArticleFactory(language="ru", slug="ru")
    entry = RelatedLink.objects.create(article=article, title="«Ёлки» и санкции: что дальше?")

    arrived = ArticleFactory(title="«Ёлки» и санкции: что дальше?", language="ru", slug="yolki")

    entry.refresh_from_db()
    assert entry.related == arrived


def test_an_entry_in_another_language_is_not_linked_to_an_article_of_the_same_title():
    article = ArticleFactory(language="ru", slug="ru")
    entry = RelatedLink.objects.create(article=article, title="Korea and the talks")

    ArticleFactory(title="Korea and the talks", language="en")

    entry.refresh_from_db()
    assert entry.related is None


def test_fill_in_tops_up_after_the_own_items_with_pieces_on_the_same_specific_topic(client):
    korea = TopicFactory()
    article = ArticleFactory(topics=[korea])
    RelatedLink.objects.create(article=article, title="A piece not here")
    neighbour = ArticleFactory(topics=[korea])

    related = client.get(article.get_absolute_url()).context["related"]

    assert [item.entry.title if item.entry else item.article for item in related] == [
        "A piece not here",
        neighbour,
    ]


# Sort names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "filed_under"),
    [
        ("Lee Jae-Young", "Lee"),
        ("Georgy Toloraya", "Toloraya"),
        ("Wang Yi", "Wang"),
        ("Kim Jong Un", "Kim"),
        ("Mei Tanaka", "Tanaka"),  # given name first: Tanaka is the family name
        ("Jae-Young Lee", "Lee"),
        ("Richard Weitz", "Weitz"),
        ("Анна Соколова", "Соколова"),
        ("Plato", "Plato"),
    ],
)
def test_the_sort_name_is_guessed_from_how_the_name_is_written(name, filed_under):
    assert guess_sort_name(name) == filed_under


def test_an_editors_sort_name_is_kept_and_files_the_expert(client):
    expert = ExpertFactory(name="Lee Jae-Young", last_name="")
    assert expert.last_name == "Lee"
    expert.last_name = "Jae-Young"  # an editor's correction
    expert.save()

    expert.refresh_from_db()
    assert expert.last_name == "Jae-Young"
    assert expert in client.get("/en/experts/?letter=J").context["experts"]


def test_an_expert_without_published_pieces_says_so(client):
    expert = ExpertFactory(name="Georgy Toloraya", slug="toloraya")
    draft(authors=[expert])

    response = client.get(expert.get_absolute_url())

    assert "Nothing by Georgy Toloraya is published here yet." in response.text
    assert "No published articles match these filters." not in response.text
    profile = BeautifulSoup(response.text, "html.parser").select_one(".profile")
    assert profile.select_one(".portrait--initials").text == "GT"


def test_research_interests_link_to_their_topics(client):
    topic = TopicFactory(name="Korean Peninsula", slug="korean-peninsula")
    expert = ExpertFactory(slug="interested")
    expert.topics.add(topic)

    profile = BeautifulSoup(client.get(expert.get_absolute_url()).text, "html.parser")

    links = profile.select(".profile__interests a")
    assert [(a.text, a["href"]) for a in links] == [("Korean Peninsula", "/en/topics/korean-peninsula/")]


def test_expert_names_are_kept_for_lookup_in_every_spelling():
    expert = ExpertFactory(
        name="Richard Weitz", translations={"ru": {"name": "Ричард Вайц"}}, other_names="R. Weitz"
    )

    assert set(expert.names.values_list("name", flat=True)) == {"richard weitz", "ричард вайц", "r weitz"}
    assert Expert.objects.filter(names__name="r weitz").get() == expert
    assert Article.objects.count() == 0


def test_a_bulk_writers_batch_finds_the_same_mentions(client, monkeypatch):
    monkeypatch.setattr("articles.linking.NAMES_PER_QUERY", 1)  # every name read at once, as for a batch
    ExpertFactory(name="Richard Weitz", slug="richard-weitz")
    article = ArticleFactory(body="<p>As Richard Weitz argued, talks help.</p>")

    assert mention_links(client, article) == [("Richard Weitz", "/en/experts/richard-weitz/")]


def test_a_bulk_writers_many_articles_find_the_same_mentions(monkeypatch):
    """Past linking.BATCH articles every name is read once and only the word runs beginning as a
    name does are tried: none is missed after capitalised words, in another spelling, or in Russian."""
    monkeypatch.setattr("articles.linking.BATCH", 1)
    weitz = ExpertFactory(
        name="Richard Weitz", translations={"ru": {"name": "Ричард Вайц"}}, other_names="R. Weitz"
    )
    lukyanov = ExpertFactory(name="Fyodor Lukyanov")
    bodies = {
        "<p>Professor Richard Weitz of Hudson argued it.</p>": {weitz},
        "<p>As R. Weitz and Fyodor Lukyanov wrote, talks help.</p>": {weitz, lukyanov},
        "<p>По словам Ричард Вайц, переговоры нужны.</p>": {weitz},
        "<p>Richard Nixon went to China.</p>": set(),
    }
    articles = {ArticleFactory(body=body): named for body, named in bodies.items()}
    ArticleMention.objects.all().delete()

    linking.refresh([article.pk for article in articles])

    for article, named in articles.items():
        assert {mention.expert for mention in ArticleMention.objects.filter(article=article)} == named


def test_a_kept_version_describes_its_entries_by_their_titles():
    import reversion
    from reversion.models import Version

    from articles.editorial import described

    article = ArticleFactory(body='<p>Also read: "Elsewhere"</p>')
    with reversion.create_revision():
        RelatedLink.objects.create(article=article, title="A listed piece not here")
        reversion.add_to_revision(article)
        for link in article.related_links.all():
            reversion.add_to_revision(link)

    version = Version.objects.get_for_object(article).first()
    assert described(version)["Related articles"] == "A listed piece not here"  # "Also read" is the body's


@pytest.mark.parametrize("cut", ["T", "The", "The secret"])
def test_a_title_cut_to_fewer_than_three_words_names_no_longer_title(cut):
    """A one-letter entry marked "cut short" was linked to whatever article started so, drafts
    included (and a Contributor then read the draft's title on the form)."""
    article = ArticleFactory()
    waiting = RelatedLink.objects.create(article=article, title=cut, truncated=True)  # before the article

    target = draft(title="The secret plan for the summit")  # links the entries waiting for it
    added = RelatedLink.objects.create(article=article, title=cut, truncated=True, position=1)  # after it

    waiting.refresh_from_db()
    added.refresh_from_db()
    assert waiting.related is None and added.related is None
    assert target.pk not in RelatedLink.objects.values_list("related", flat=True)


def test_a_title_cut_after_three_words_still_names_its_article():
    article = ArticleFactory()
    entry = RelatedLink.objects.create(article=article, title="The secret plan", truncated=True)

    target = draft(title="The secret plan for the summit")

    entry.refresh_from_db()
    assert entry.related == target


# Addresses -------------------------------------------------------------------------------------


def test_a_site_served_under_a_sub_path_links_every_page_under_it(client, settings):
    """Links are built from each route's address worked out once (articles.addresses): under a
    script prefix (a site served at /kb/), and again at the root, each page's links are its own."""
    settings.PAGE_CACHE_SECONDS = 0
    ArticleFactory(
        slug="talks-help",
        authors=[ExpertFactory(slug="richard-weitz")],
        category=CategoryFactory(slug="opinions"),
        source=SourceFactory(slug="valdai"),
    )
    ArticleFactory(slug="peregovory", language="ru", authors=[ExpertFactory(slug="ivan-timofeev")])

    def links(path, script_prefix="/"):
        set_script_prefix(script_prefix)  # as Django's WSGI handler does for a request's SCRIPT_NAME
        try:
            page = BeautifulSoup(client.get(path).text, "html.parser")
        finally:
            set_script_prefix("/")
        return {a["href"] for a in page.select("main a[href]")}

    assert {
        "/kb/en/articles/talks-help/",
        "/kb/en/experts/richard-weitz/",
        "/kb/en/categories/opinions/",
        "/kb/en/sources/valdai/",
    } <= links("/en/articles/", "/kb/")
    assert {"/kb/ru/articles/peregovory/", "/kb/ru/experts/ivan-timofeev/"} <= links("/ru/articles/", "/kb/")
    at_the_root = links("/en/articles/")
    assert {"/en/articles/talks-help/", "/en/experts/richard-weitz/"} <= at_the_root
    assert not any(href.startswith("/kb/") for href in at_the_root)
