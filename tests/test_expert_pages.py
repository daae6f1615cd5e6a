import pytest

from tests.factories import ArticleFactory, ExpertFactory, TopicFactory, draft, scheduled

pytestmark = pytest.mark.django_db


def names(response):
    return [expert.name for expert in response.context["experts"]]


def test_experts_are_listed_a_to_z_by_last_name_with_article_counts(client):
    weitz = ExpertFactory(name="Richard Weitz", last_name="")
    ExpertFactory(name="Georgy Toloraya", last_name="")
    ExpertFactory(name="Lee Jae-Young", last_name="Lee")
    ArticleFactory.create_batch(2, authors=[weitz])
    draft(authors=[weitz])

    response = client.get("/en/experts/")

    assert names(response) == ["Lee Jae-Young", "Georgy Toloraya", "Richard Weitz"]
    assert [expert.article_count for expert in response.context["experts"]] == [0, 0, 2]
    assert "2 articles" in response.text


def test_the_letter_index_narrows_the_list(client):
    ExpertFactory(name="Richard Weitz")
    ExpertFactory(name="Anna Wolff")
    ExpertFactory(name="Georgy Toloraya")

    response = client.get("/en/experts/?letter=w")

    assert names(response) == ["Richard Weitz", "Anna Wolff"]
    assert response.context["letters"] == ["T", "W"]


def test_experts_filter_by_topic_including_subtopics_and_by_organisation(client):
    asia = TopicFactory(slug="asia")
    korea = TopicFactory(slug="korea", parent=asia)
    ExpertFactory(name="Korea Hand", organisation="Hudson Institute").topics.add(korea)
    ExpertFactory(name="Other Person", organisation="Hudson Institute")

    assert names(client.get("/en/experts/?topic=asia")) == ["Korea Hand"]
    assert names(client.get("/en/experts/?organisation=hudson+institute")) == ["Korea Hand", "Other Person"]


@pytest.mark.parametrize(
    "query", ["letter=%F0%9F%98%80", "letter=ab", "topic=nope", "page=zz", "organisation=" + "x" * 900]
)
def test_bad_expert_filters_never_give_a_server_error(client, query):
    assert client.get(f"/en/experts/?{query}").status_code == 200


def test_an_expert_profile_lists_only_their_published_articles_newest_first(client):
    expert = ExpertFactory(
        name="Richard Weitz",
        position="Senior Fellow",
        organisation="Hudson Institute",
        bio="<p>Writes on Korea.</p>",
    )
    expert.links.create(label="Homepage", url="https://example.org/weitz")
    topic = TopicFactory(name="Korean Peninsula")
    old = ArticleFactory(authors=[expert], topics=[topic])
    new = ArticleFactory(
        authors=[expert], topics=[topic], published_at=old.published_at.replace(year=2030 - 10)
    )
    draft(authors=[expert], title="Unpublished thoughts")
    scheduled(authors=[expert], title="Future thoughts")
    ArticleFactory(title="Someone else's")

    response = client.get(expert.get_absolute_url())

    assert list(response.context["articles"]) == sorted(
        [old, new], key=lambda a: a.published_at, reverse=True
    )
    for text in [
        "Senior Fellow",
        "Hudson Institute",
        "Writes on Korea.",
        "https://example.org/weitz",
        "Korean Peninsula",
    ]:
        assert text in response.text
    for text in ["Unpublished thoughts", "Future thoughts", "Someone else"]:
        assert text not in response.text
    assert [topic.name for topic in response.context["top_topics"]] == ["Korean Peninsula"]


def test_an_expert_profile_filters_by_topic(client):
    expert = ExpertFactory()
    korea, europe = TopicFactory(slug="korea"), TopicFactory(slug="europe")
    on_korea = ArticleFactory(authors=[expert], topics=[korea])
    ArticleFactory(authors=[expert], topics=[europe])

    response = client.get(f"{expert.get_absolute_url()}?topic=korea")

    assert list(response.context["articles"]) == [on_korea]


def test_an_unknown_expert_is_404(client):
    assert client.get("/en/experts/nobody/").status_code == 404


def test_expert_pages_take_a_fixed_number_of_queries(count_queries):
    """Counts are annotated and topics aggregated, never fetched per expert or per article."""
    expert = ExpertFactory(slug="busy")
    ArticleFactory(authors=[expert], topics=[TopicFactory()])
    few = (count_queries("/en/experts/"), count_queries("/en/experts/busy/"))

    ExpertFactory.create_batch(49)
    ArticleFactory.create_batch(
        49, authors=[expert, ExpertFactory()], topics=[TopicFactory(), TopicFactory()]
    )
    many = (count_queries("/en/experts/"), count_queries("/en/experts/busy/"))

    assert few == many
    assert max(many) <= 10


def test_a_full_profile_takes_ten_queries_and_its_topic_counts_are_what_the_reader_can_list(
    client, count_queries
):
    """Research interests, "Writes most on", the topic facet with subtopics, co-authors and
    "Mentioned in" on one page: the stored counts are read with the expert and their topics, and
    each topic's count is that of the listing its link gives."""
    asia = TopicFactory(name="Asia", slug="asia", kind="region")
    korea = TopicFactory(name="Korean Peninsula", slug="korea", kind="region", parent=asia)
    expert = ExpertFactory(name="Richard Weitz", slug="weitz")
    expert.topics.set([asia])
    expert.links.create(label="Homepage", url="https://example.org/weitz")
    ArticleFactory(authors=[expert], topics=[korea], language="ru")
    ArticleFactory(authors=[expert, ExpertFactory()], topics=[korea])
    ArticleFactory(authors=[expert], topics=[asia])
    draft(authors=[expert], topics=[asia])
    ArticleFactory(topics=[asia], body="<p>Richard Weitz said so.</p>")

    assert count_queries("/en/experts/weitz/") <= 10
    response = client.get("/en/experts/weitz/")
    region = {entry["value"]: entry["count"] for entry in response.context["facets"]["region"]}
    assert region == {"korea": 2}  # Asia, which every piece is under, would list the same three
    for slug, count in region.items():
        assert client.get(f"/en/experts/weitz/?region={slug}").context["page_obj"].paginator.count == count
    assert [topic.slug for topic in response.context["interests"]] == ["asia"]
    assert {t.slug: t.expert_article_count for t in response.context["top_topics"]} == {"korea": 2, "asia": 1}
    assert response.context["page_obj"].paginator.count == 3
    assert response.context["mentioned"].paginator.count == 1
    in_russian = client.get("/en/experts/weitz/?language=ru")
    assert in_russian.context["page_obj"].paginator.count == 1


def test_an_english_page_shows_a_russian_only_expert_in_latin_letters_filed_among_them(client):
    ExpertFactory(name="Игорь Белов", slug="igor-belov", position="Старший научный сотрудник")
    ExpertFactory(name="Anna Adams", slug="anna-adams")
    ExpertFactory(name="Richard Weitz", slug="richard-weitz")

    profile = client.get("/en/experts/igor-belov/").text
    assert "Igor Belov" in profile and "Игорь Белов" not in profile and "Старший" not in profile

    listing = client.get("/en/experts/")
    names = [expert.local.name for expert in listing.context["experts"]]
    assert names == ["Anna Adams", "Igor Belov", "Richard Weitz"]  # B among the Latin letters
    assert listing.context["letters"] == ["A", "B", "W"]
    assert [e.slug for e in client.get("/en/experts/?letter=B").context["experts"]] == ["igor-belov"]

    russian = client.get("/ru/experts/igor-belov/").text
    assert "Игорь Белов" in russian and "Старший научный сотрудник" in russian


def test_a_russian_page_files_experts_by_the_names_it_shows_russian_ones_first(client):
    ExpertFactory(name="Richard Weitz", slug="richard-weitz", translations={"ru": {"name": "Ричард Вайц"}})
    ExpertFactory(name="Анна Соколова", slug="anna-sokolova")
    ExpertFactory(name="Anna Adams", slug="anna-adams")  # given in no Russian
    lee = ExpertFactory(name="Lee Jae-Young", slug="lee", translations={"ru": {"name": "Ли Чжэ Ён"}})
    assert lee.last_name == "Lee"

    listing = client.get("/ru/experts/")
    names = [expert.local.name for expert in listing.context["experts"]]
    assert names == ["Ричард Вайц", "Ли Чжэ Ён", "Анна Соколова", "Anna Adams"]
    assert listing.context["letters"] == ["В", "Л", "С", "A"]
    by_letter = client.get("/ru/experts/", {"letter": "В"}).context["experts"]
    assert [e.slug for e in by_letter] == ["richard-weitz"]

    english = client.get("/en/experts/")  # unchanged: Latin names, A to Z
    assert [e.local.name for e in english.context["experts"]] == [
        "Anna Adams",
        "Lee Jae-Young",
        "Anna Sokolova",
        "Richard Weitz",
    ]
