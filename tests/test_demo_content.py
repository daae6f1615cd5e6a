import pytest
from django.core.management import call_command

from articles.models import Article, ArticleAuthor, RelatedLink, Source, Topic
from experts.models import Expert, ExpertLink
from tests.factories import RUSSIA_DIRECT_SLUG, VALDAI_SLUG

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
    assert "Also read" not in article.body
    assert article.source.name == "Russia Direct"


def test_the_two_samples_relate_to_each_other_and_share_topics(demo):
    valdai = Article.objects.get(slug=VALDAI_SLUG)
    russia_direct = Article.objects.get(slug=RUSSIA_DIRECT_SLUG)

    assert russia_direct in [link.related for link in valdai.related_links.all()]
    assert valdai in [link.related for link in russia_direct.related_links.all()]
    assert set(valdai.topics.all()) & set(russia_direct.topics.all())


def test_the_related_items_of_the_valdai_page_are_draft_stubs(demo):
    valdai = Article.objects.get(slug=VALDAI_SLUG)

    stubs = [link.related for link in valdai.related_links.all()][:3]

    assert [stub.title for stub in stubs] == [
        "Putin-Trump Telephone Conversation: North Korea and Syria as Most Acute",
        "Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea",
        "Forecasts on Korea’s Foreign Policies Following the Launch of the New",
    ]
    assert all(stub.is_stub and stub.status == Article.Status.DRAFT for stub in stubs)
    assert stubs[1].ordered_authors()[0].name == "Georgy Toloraya"


def test_the_demo_includes_drafts_that_readers_cannot_see(demo):
    drafts = Article.objects.filter(status=Article.Status.DRAFT)

    assert drafts.filter(slug="korea-after-the-olympics-draft").exists()
    assert Article.objects.published().count() == Article.objects.count() - drafts.count()
