import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from articles.models import Article, ArticleAuthor, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink
from tests.factories import RUSSIA_DIRECT_SLUG, VALDAI_SLUG, ArticleFactory

pytestmark = pytest.mark.django_db


def _counts():
    models = [Article, ArticleAuthor, RelatedLink, Source, Topic, Expert, ExpertLink]
    return {model.__name__: model.objects.count() for model in models}


def test_loading_the_demo_twice_duplicates_nothing(demo):
    before = _counts()
    call_command("load_demo", verbosity=0)

    assert _counts() == before
    assert before["Article"] >= 2


def test_the_valdai_sample_has_its_expert_source_and_disclaimer(demo):
    article = Article.objects.get(slug=VALDAI_SLUG)

    assert (
        article.title
        == "As North Korean Conflict Threat Rises, US and Russia Could See Opportunity for Cooperation"
    )
    assert article.published_at.date().isoformat() == "2017-04-18"
    assert article.lead.startswith("The North Korean nuclear and ballistic missile issue")
    weitz = article.ordered_authors()[0]
    assert (weitz.name, weitz.position, weitz.organisation) == (
        "Richard Weitz",
        "Senior Fellow and Director of the Center for Political-Military Analysis",
        "Hudson Institute",
    )
    assert article.source.disclaimer.startswith("Views expressed are of individual Members")
    assert "Views expressed" not in article.body
    assert "Related articles" not in article.body


def test_the_russia_direct_sample_keeps_caption_credit_and_unicode(demo):
    article = Article.objects.get(slug=RUSSIA_DIRECT_SLUG)

    assert article.ordered_authors() == []
    assert article.image_credit == "Photo: AP"
    assert article.image_caption.endswith("Sept. 30, 2016.")
    assert "Wæver" in article.body
    assert article.source.name == "Russia Direct"


def test_the_russia_direct_sample_shows_its_also_read_link_block_in_place(client, demo):
    article = Article.objects.get(slug=RUSSIA_DIRECT_SLUG)
    title = "It's time to revitalize US-Russian nuclear security cooperation"

    body = BeautifulSoup(client.get(article.get_absolute_url()).text, "html.parser").select_one(
        ".article__body"
    )

    place = article.body.split("\n").index(f'<p>Also read: "{title}"</p>')
    block = body.select_one("p.also-read")
    assert block is body.find_all("p")[place]  # where the page had the line, between the same paragraphs
    assert block.strong.text == "Also read:" and title in block.text
    assert "not published here yet" in block.text and block.a is None  # not here yet

    target = ArticleFactory(title=title, slug="revitalize", topics=[])

    body = BeautifulSoup(client.get(article.get_absolute_url()).text, "html.parser").select_one(
        ".article__body"
    )
    assert body.select_one("p.also-read").a["href"] == target.get_absolute_url()


def test_the_two_samples_relate_to_each_other_and_share_topics(demo):
    valdai = Article.objects.get(slug=VALDAI_SLUG)
    russia_direct = Article.objects.get(slug=RUSSIA_DIRECT_SLUG)

    assert russia_direct in [link.related for link in valdai.related_links.all()]
    assert valdai in [link.related for link in russia_direct.related_links.all()]
    assert set(valdai.topics.all()) & set(russia_direct.topics.all())


def test_the_valdai_page_lists_its_publishers_items_in_order_then_pieces_on_its_specific_topic(client, demo):
    valdai = Article.objects.get(slug=VALDAI_SLUG)

    related = client.get(valdai.get_absolute_url()).context["related"]

    listed = [item.article.title if item.article else item.entry.title for item in related]
    assert listed[:3] == [
        "Putin-Trump Telephone Conversation: North Korea and Syria as Most Acute",
        "Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea",  # here: a link
        "Forecasts on Korea’s Foreign Policies Following the Launch of the New",
    ]
    assert [item.article is None for item in related[:3]] == [True, False, True]
    assert related[0].entry.expert.name == "Richard Weitz"
    # Then the editors' pick, then fill-in sharing its most specific topic, Korean Peninsula.
    korea = Topic.objects.get(slug="korean-peninsula")
    assert related[3].article.slug == RUSSIA_DIRECT_SLUG
    assert all(korea in item.article.topics.all() for item in related[4:])
    assert "Gas Pipelines and the Politics of Dependence" not in listed
    assert not any(item.article and not item.article.is_public for item in related)


def test_the_demo_includes_drafts_that_readers_cannot_see(demo):
    drafts = Article.objects.filter(status=Article.Status.DRAFT)

    assert drafts.filter(slug="korea-after-the-olympics-draft").exists()
    assert Article.objects.published().count() == Article.objects.count() - drafts.count()


def test_make_runs_demo_loading_never_undoes_an_editors_change(db):
    """`make run` loads the demo with --if-empty: into an empty database once, never again over
    what an editor changed (it used to reload it, and the change was lost)."""
    call_command("load_demo", if_empty=True, verbosity=0)
    piece = Article.objects.get(slug=VALDAI_SLUG)
    piece.lead = "An editor's better lead."
    piece.save()
    call_command("load_demo", if_empty=True, verbosity=0)

    assert Article.objects.get(slug=VALDAI_SLUG).lead == "An editor's better lead."
