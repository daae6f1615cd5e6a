import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from articles import search
from articles.models import Article, Topic
from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, UserFactory, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        "/admin/articles/article/?status__exact=draft&q=korea",
        "/admin/articles/topic/",
        "/admin/articles/category/add/",
        "/admin/articles/source/add/",
        "/admin/experts/expert/",
        "/admin/experts/expert/add/",
    ],
)
def test_an_editor_can_open_the_editorial_pages(editor_client, url):
    ArticleFactory(authors=[ExpertFactory()], topics=[TopicFactory()])

    assert editor_client.get(url).status_code == 200


def test_the_article_form_has_ordered_authors_related_links_and_a_prefilled_slug(editor_client):
    html = editor_client.get("/admin/articles/article/add/").text

    assert "Authors (in byline order)" in html
    assert "Related articles (shown first, in this order; drag to reorder)" in html
    assert '"dependency_list": ["title"]' in html.replace("&quot;", '"')


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "expected"),
    [
        ("articleauthor", "expert", "Weitz", "Richard Weitz"),
        ("relatedlink", "related", "THAAD", "THAAD and the Korean Peninsula"),
        ("article", "topics", "Korea", "Korean Peninsula"),
    ],
)
def test_autocomplete_finds_experts_articles_and_topics(
    editor_client, model_name, field_name, term, expected
):
    ExpertFactory(name="Richard Weitz")
    ArticleFactory(title="THAAD and the Korean Peninsula")
    TopicFactory(name="Korean Peninsula")

    response = editor_client.get(
        "/admin/autocomplete/",
        {"term": term, "app_label": "articles", "model_name": model_name, "field_name": field_name},
    )

    assert response.status_code == 200
    assert expected in [item["text"] for item in response.json()["results"]]


def test_an_editor_can_create_a_draft_with_ordered_authors_and_related_links(editor_client):
    first, second = ExpertFactory(), ExpertFactory()
    other = ArticleFactory()
    topic = TopicFactory()
    data = {
        "title": "A new commentary",
        "slug": "a-new-commentary",
        "lead": "Lead",
        "body": "<p>Body</p><script>bad()</script>",
        "status": "draft",
        "topics": [topic.pk],
        "article_authors-TOTAL_FORMS": "2",
        "article_authors-INITIAL_FORMS": "0",
        "article_authors-0-expert": second.pk,
        "article_authors-0-position": "0",
        "article_authors-1-expert": first.pk,
        "article_authors-1-position": "1",
        "related_links-TOTAL_FORMS": "1",
        "related_links-INITIAL_FORMS": "0",
        "related_links-0-related": other.pk,
        "related_links-0-position": "0",
    }

    response = editor_client.post("/admin/articles/article/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    article = Article.objects.get(slug="a-new-commentary")
    assert article.status == Article.Status.DRAFT
    assert article.ordered_authors() == [second, first]
    assert [link.related for link in article.related_links.all()] == [other]
    assert "script" not in article.body
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_the_publish_and_unpublish_actions(editor_client):
    article = draft()

    editor_client.post(
        "/admin/articles/article/", {"action": "publish", "_selected_action": [article.pk]}, follow=True
    )
    article.refresh_from_db()
    assert article.is_public

    editor_client.post("/admin/articles/article/", {"action": "unpublish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_each_row_of_the_change_list_has_the_checkbox_djangos_actions_read(editor_client):
    from django import forms
    from django.contrib.admin import helpers

    article = draft(title="Ties & <Tensions>")
    html = editor_client.get("/admin/articles/article/").text

    # Written at once for speed (ArticleAdmin.action_checkbox), the same markup as Django's widget,
    # which the admin's actions.js selects rows by.
    label = f"Select this object for an action - {article}"
    widget = forms.CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
    assert widget.render(helpers.ACTION_CHECKBOX_NAME, str(article.pk)) in html


def test_a_row_of_a_filtered_change_list_links_to_its_article_and_back_to_the_list(
    editor_client, article_form
):
    """The rows' links are made once a page (articles.admin.RowLinks), and still carry the list's
    filters: saving the article returns the editor to the list as they left it."""
    article = draft(title="Ceasefire talks")
    filters = {"status__exact": "draft", "q": "ceasefire"}

    html = editor_client.get("/admin/articles/article/", filters).text

    preserved = urlencode({"_changelist_filters": urlencode(filters)})
    change = f"/admin/articles/article/{article.pk}/change/?{preserved}"
    assert f'<a href="{change.replace("&", "&amp;")}">Ceasefire talks</a>' in html
    assert editor_client.get("/admin/articles/article/").text.count(
        f'href="/admin/articles/article/{article.pk}/change/"'
    )
    saved = editor_client.post(change, article_form(title="Ceasefire talks, revised", slug=article.slug))
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else ""
    assert saved.url == f"/admin/articles/article/?{urlencode(filters)}"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/",
        "/admin/articles/article/?status__exact=published&language=en",
        "/admin/articles/article/?q=sanctions",
        "/admin/experts/expert/",
    ],
)
def test_the_desks_lists_take_as_many_queries_for_many_rows_as_for_few(
    editor_client, url, django_assert_num_queries
):
    """Each row's authors, category and source are read for the whole page at once."""

    def add(count):
        for n in range(count):
            ArticleFactory(
                title=f"Sanctions {n}", authors=[ExpertFactory(), ExpertFactory()], topics=[TopicFactory()]
            )

    add(2)
    editor_client.get(url)  # caches filled
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(url).status_code == 200
    add(20)
    with django_assert_num_queries(len(few)):
        response = editor_client.get(url)
    assert len(response.context["cl"].result_list) >= 22


def test_staff_without_the_publish_permission_cannot_publish(client):
    from django.contrib.auth.models import Permission

    contributor = UserFactory(is_staff=True)
    contributor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_article", "change_article", "add_article"])
    )
    article = draft(created_by=contributor)
    client.force_login(contributor)

    form = client.get(f"/admin/articles/article/{article.pk}/change/")
    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [article.pk]})

    assert form.status_code == 200
    assert 'name="status"' not in form.text
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_view_on_site_shows_a_draft_to_staff_only(client, editor_client):
    article = draft()
    content_type = ContentType.objects.get_for_model(Article)

    response = editor_client.get(f"/admin/r/{content_type.pk}/{article.pk}/", follow=True)

    assert response.status_code == 200
    assert article.title in response.text
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_topic_cannot_be_moved_under_its_own_subtopic(editor_client):
    parent = TopicFactory(name="Asia", slug="asia")
    child = TopicFactory(name="Korea", slug="korea", parent=parent)

    response = editor_client.post(
        f"/admin/articles/topic/{parent.pk}/change/",
        {"name": "Asia", "slug": "asia", "kind": "theme", "parent": child.pk, "description": ""},
    )

    assert response.status_code == 200
    assert "cannot be placed under itself" in response.text
    assert Topic.objects.get(pk=parent.pk).parent is None


def test_the_admin_writes_dates_as_the_site_does(editor_client):
    from datetime import UTC, datetime

    from tests.factories import ArticleFactory

    ArticleFactory(title="Dated piece", published_at=datetime(2021, 9, 27, 8, 24, tzinfo=UTC))
    html = editor_client.get("/admin/articles/article/").text
    assert "27 September 2021, 08:24" in html
    assert "Sept. 27, 2021" not in html and "a.m." not in html


def test_editors_find_the_experts_whose_name_russian_pages_show_in_latin_letters(admin_client):
    ExpertFactory(name="Richard Weitz", slug="weitz", translations={"ru": {"name": "Ричард Вайц"}})
    ExpertFactory(name="Анна Соколова", slug="sokolova")
    ExpertFactory(name="Anna Adams", slug="adams")

    def listed(value):
        response = admin_client.get("/admin/experts/expert/", {"russian_name": value})
        return sorted(expert.slug for expert in response.context["cl"].result_list)

    assert listed("missing") == ["adams"]
    assert listed("given") == ["sokolova", "weitz"]


def test_the_change_list_search_lists_a_common_words_best_matches_with_its_filters(
    editor_client, monkeypatch
):
    """Issue 29: past search.MATCH_LIMIT matches the editors' search lists the best of them (drafts
    too, which the desk shows), with the chosen category looked up in the index with the word."""
    from tests.factories import CategoryFactory

    analysis, news = CategoryFactory(name="Analysis"), CategoryFactory(name="News")
    titled = draft(title="Sanctions and their limits", category=analysis)
    for n in range(6):
        ArticleFactory(title=f"Outlook {n}", body="<p>In passing, sanctions.</p>", category=news)
    ArticleFactory(title="Outlook in analysis", body="<p>Sanctions again.</p>", category=analysis)
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 3)

    everything = editor_client.get("/admin/articles/article/", {"q": "sanctions"})
    listed = {article.title for article in everything.context["cl"].result_list}
    assert len(listed) == 3 and titled.title in listed
    assert "the best 3 are listed" in everything.text

    narrowed = editor_client.get(
        "/admin/articles/article/", {"q": "sanctions", "category__id__exact": analysis.pk}
    )
    assert {article.title for article in narrowed.context["cl"].result_list} == {
        titled.title,
        "Outlook in analysis",
    }


def _listed(response):
    return [article.title for article in response.context["cl"].result_list]


def test_the_desks_search_lists_the_best_match_first_and_the_newest_on_asking(editor_client):
    """As the site's search: a title holding the word first, though older; the date column's sort
    when asked for. A title holding the text only as a piece of a word is found when no article
    holds it as a word (a word half typed)."""
    from datetime import UTC, datetime

    def piece(title, year, body="<p>Nothing to see.</p>"):
        ArticleFactory(title=title, body=body, published_at=datetime(year, 1, 1, tzinfo=UTC))

    piece("Outlook for the year", 2020, body="<p>In passing, sanctions.</p>")  # first: the lower id
    piece("Sanctions and their limits", 2015)
    piece("Sanctionsbusters at work", 2024)
    piece("Weather", 2023)

    best_first = editor_client.get("/admin/articles/article/", {"q": "sanctions"})
    # The date's column, as the admin numbers them (the action's checkbox first), newest first.
    column = best_first.context["cl"].list_display.index("published_at")
    newest_first = editor_client.get("/admin/articles/article/", {"q": "sanctions", "o": f"-{column}"})
    half_typed = editor_client.get("/admin/articles/article/", {"q": "sanctionsbust"})

    assert _listed(best_first) == ["Sanctions and their limits", "Outlook for the year"]
    assert "sorted descending" not in best_first.text  # no column says it orders the list
    assert _listed(newest_first) == ["Outlook for the year", "Sanctions and their limits"]
    assert "sorted descending" in newest_first.text
    assert _listed(half_typed) == ["Sanctionsbusters at work"]


@pytest.mark.parametrize("filters", [{}, {"status__exact": "published"}], ids=["alone", "with a status"])
def test_the_pages_of_a_common_words_best_list_them_best_first(editor_client, monkeypatch, filters):
    """Past search.MATCH_LIMIT matches, the desk's pages go through the best in rank order: without a
    filter the index does not hold, counted from the best and each page read alone."""
    from articles.admin import ArticleAdmin

    ArticleFactory(title="Sanctions: the case against", body="<p>Sanctions, sanctions.</p>")
    ArticleFactory(title="Sanctions: a history")
    for n in range(4):
        ArticleFactory(title=f"Outlook {n}", body="<p>In passing, sanctions.</p>")
    draft(title="Sanctions, unfinished")
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 4)
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 2)
    best = search.Matches("sanctions").ids
    wanted = list(Article.objects.filter(pk__in=best, **filters).values_list("title", flat=True))
    wanted.sort(key=lambda title: best.index(Article.objects.get(title=title).pk))

    pages = [
        editor_client.get("/admin/articles/article/", {"q": "sanctions", "p": n, **filters}) for n in (1, 2)
    ]

    assert len(best) == 4 and _listed(pages[0]) + _listed(pages[1]) == wanted
    assert pages[0].context["cl"].result_count == len(wanted)
    assert all(title.startswith("Sanctions") for title in _listed(pages[0]))  # the titles holding it

    # Sorted by date (the column's sort), the same best, newest first, counted the same.
    column = pages[0].context["cl"].list_display.index("published_at")
    by_date = [
        editor_client.get(
            "/admin/articles/article/", {"q": "sanctions", "o": f"-{column}", "p": n, **filters}
        )
        for n in (1, 2)
    ]
    newest_first = Article.objects.filter(title__in=wanted).order_by("-published_at", "-id")
    assert _listed(by_date[0]) + _listed(by_date[1]) == [article.title for article in newest_first]
    assert by_date[0].context["cl"].result_count == len(wanted)


def test_the_article_autocomplete_offers_the_best_match_first(editor_client):
    from datetime import UTC, datetime

    ArticleFactory(title="Korea and the bomb", published_at=datetime(2015, 1, 1, tzinfo=UTC))
    ArticleFactory(
        title="Outlook",
        lead="And Korea.",
        body="<p>Korea.</p>",
        published_at=datetime(2024, 1, 1, tzinfo=UTC),
    )

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(
            "/admin/autocomplete/",
            {"term": "korea", "app_label": "articles", "model_name": "relatedlink", "field_name": "related"},
        )

    assert [item["text"] for item in response.json()["results"]] == ["Korea and the bomb", "Outlook"]
    # It shows titles: the bylines the change list shows are not read for it.
    assert not [query for query in queries.captured_queries if "articles_articleauthor" in query["sql"]]


def test_the_change_list_search_for_an_experts_name_lists_their_drafts_too(editor_client, monkeypatch):
    """The readers' search lists an expert's published pieces for their name past search.MATCH_LIMIT
    (best.titled_then_theirs); the desk's ranks every match, drafts included."""
    quill = ExpertFactory(name="Tessa Quillfeather")
    for n in range(4):
        ArticleFactory(title=f"Commentary {n}", authors=[quill])
    notes = draft(title="Notes", lead="Quillfeather's notes, unfinished.", authors=[quill])
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 3)

    found = editor_client.get("/admin/articles/article/", {"q": "quillfeather"})

    assert notes in found.context["cl"].result_list


def test_a_slug_pasted_into_the_search_finds_that_article_alone(editor_client):
    wanted = ArticleFactory(title="Korea and the bomb", slug="korea-and-the-bomb")
    ArticleFactory(title="Korea and the bomb, again", slug="korea-and-the-bomb-again")

    found = editor_client.get("/admin/articles/article/", {"q": "korea-and-the-bomb"})

    assert [article.pk for article in found.context["cl"].result_list] == [wanted.pk]
    words = editor_client.get("/admin/articles/article/", {"q": "korea bomb"})
    assert len(words.context["cl"].result_list) == 2


def test_a_contributor_searching_a_common_word_finds_every_piece_of_their_own(
    client, contributor, monkeypatch
):
    """The archive's best matches are others' pieces here: a Contributor's desk search lists their
    own matches all the same, and says nothing of how many the archive holds."""
    for n in range(5):
        ArticleFactory(title=f"Sanctions, the editors' view {n}")
    own = draft(title="A note that mentions sanctions once", created_by=contributor)
    monkeypatch.setattr("articles.search.MATCH_LIMIT", 2)
    client.force_login(contributor)

    found = client.get("/admin/articles/article/", {"q": "sanctions"})

    assert [article.pk for article in found.context["cl"].result_list] == [own.pk]
    assert "articles match" not in found.text


def test_the_change_list_counts_at_most_the_cap_and_says_there_are_more(editor_client, monkeypatch):
    """Articles counted at most articles.pagination.COUNT_CAP (a COUNT of a million took 300 ms on
    every view of the list), as on the site: the list says there are more, its pages go as far."""
    from articles.admin import ArticleAdmin

    monkeypatch.setattr("articles.pagination.COUNT_CAP", 3)
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 2)
    ArticleFactory.create_batch(5)
    ArticleFactory(title="Ceasefire talks")

    response = editor_client.get("/admin/articles/article/")
    narrowed = editor_client.get("/admin/articles/article/?q=ceasefire")

    assert "More than 3 articles: filter or search to narrow them" in response.text
    assert len(response.context["cl"].result_list) == 2 and response.context["cl"].paginator.num_pages == 2
    assert "More than" not in narrowed.text
    assert narrowed.context["cl"].result_count == 1 and "1 article" in narrowed.text
