"""import_pages: publishers' plain-text pages in, articles with all their parts out."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Category, RelatedLink, Source
from experts.models import Expert

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).resolve().parent.parent / "articles" / "demo" / "pages"
VALDAI = PAGES / "002_72b6b2bb92f9f15a.txt"
RUSSIA_DIRECT = PAGES / "000_438277fc88a03ee5.txt"
VALDAI_DISCLAIMER = (
    "Views expressed are of individual Members and Contributors, rather than the Club's, "
    "unless explicitly stated otherwise."
)


def valdai_page(
    title="Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea",
    date="30.05.2017",
    lead="This lingering crisis will lead to war or to talks, "
    "writes Georgy Toloraya, Director at Russian Academy of Sciences.",
    body=("First paragraph of the body.", "Second paragraph — with «quotes» and Wæver…"),
    related="",
):
    parts = [title, date, lead, *body, VALDAI_DISCLAIMER]
    if related:
        parts += ["Related articles", related]
    return "\n\n".join(parts) + "\n"


def run(*paths, **options):
    call_command("import_pages", *map(str, paths), verbosity=0, **options)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_the_valdai_sample_imports_with_all_its_parts():
    run(VALDAI)

    article = Article.objects.get(title__startswith="As North Korean Conflict Threat Rises")
    assert article.published_at.date().isoformat() == "2017-04-18"
    assert article.status == Article.Status.DRAFT
    assert article.lead.startswith("The North Korean nuclear and ballistic missile issue")
    assert article.body.count("<p>") == 6
    assert "Views expressed" not in article.body and "Related articles" not in article.body
    (weitz,) = article.ordered_authors()
    assert (weitz.name, weitz.position, weitz.organisation) == (
        "Richard Weitz",
        "Senior Fellow and Director of the Center for Political-Military Analysis",
        "Hudson Institute",
    )
    assert article.source.name == "Valdai Discussion Club"
    assert article.source.disclaimer == VALDAI_DISCLAIMER
    assert article.category.name == "Expert Opinions"
    entries = list(article.related_links.all())
    assert [(entry.title, entry.truncated) for entry in entries] == [
        ("Putin-Trump Telephone Conversation: North Korea and Syria as Most Acute", True),
        ("Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea", False),
        ("Forecasts on Korea’s Foreign Policies Following the Launch of the New", True),
    ]
    entry = entries[2]
    assert entry.related is None  # not in the knowledge base: an entry, and no draft made for it
    assert entry.published_on.isoformat() == "2017-05-15"
    assert entry.lead.startswith("Two major issues are of importance to President Moon")
    assert (entry.expert.name, entry.expert.last_name) == ("Lee Jae-Young", "Lee")
    assert entry.category.name == "Expert Opinions"
    assert Article.objects.count() == 1


def test_the_russia_direct_sample_imports_with_caption_credit_and_a_derived_title():
    run(RUSSIA_DIRECT)

    article = Article.objects.get(source__name="Russia Direct")
    assert article.title.startswith("What potential for closer Russia-U.S. security collaboration")
    assert article.needs_review
    assert article.published_at is None and article.status == Article.Status.DRAFT
    assert article.image_credit == "Photo: AP"
    assert article.image_caption.startswith("South Korean protesters during a rally")
    assert article.image_caption.endswith("Sept. 30, 2016.")
    assert "Wæver" in article.body
    assert "The opinion of the author" not in article.body
    assert article.source.disclaimer.startswith("The opinion of the author may not necessarily reflect")
    # "Also read" stays in its place in the body, a reference waiting for its article.
    paragraphs = article.body.split("\n")
    line = '<p>Also read: "It\'s time to revitalize US-Russian nuclear security cooperation"</p>'
    assert paragraphs.index(line) == 7  # after the body's 7th paragraph, as on the page
    (link,) = article.related_links.all()
    assert link.kind == RelatedLink.Kind.ALSO_READ and link.related is None
    assert link.title == "It's time to revitalize US-Russian nuclear security cooperation"
    assert Article.objects.count() == 1


def test_importing_the_same_pages_twice_changes_nothing(capsys):
    run(VALDAI, RUSSIA_DIRECT)
    before = {a.pk: (a.updated_at, a.body) for a in Article.objects.all()}
    counts = (
        Article.objects.count(),
        Expert.objects.count(),
        RelatedLink.objects.count(),
        Source.objects.count(),
    )

    call_command("import_pages", str(VALDAI), str(RUSSIA_DIRECT))

    assert "2 pages: 0 changed, 2 unchanged, 0 failed" in capsys.readouterr().out
    assert {a.pk: (a.updated_at, a.body) for a in Article.objects.all()} == before
    assert (
        Article.objects.count(),
        Expert.objects.count(),
        RelatedLink.objects.count(),
        Source.objects.count(),
    ) == counts


def test_an_edited_page_updates_its_article(tmp_path):
    path = write(tmp_path, "page.txt", valdai_page())
    run(path)

    write(tmp_path, "page.txt", valdai_page(body=("A rewritten first paragraph.",)))
    run(path)

    (article,) = Article.objects.all()
    assert article.body == "<p>A rewritten first paragraph.</p>"


def test_importing_a_listed_piece_links_its_entry_in_place(tmp_path):
    run(VALDAI)
    valdai = Article.objects.get()

    run(write(tmp_path, "toloraya.txt", valdai_page()))
    run(
        write(
            tmp_path,
            "putin.txt",
            valdai_page(
                title="Putin-Trump Telephone Conversation: North Korea and Syria as Most Acute Issues",
                date="03.05.2017",
                lead="The presidents spoke for the third time, "
                "writes Richard Weitz, Senior Fellow at Hudson Institute.",
            ),
        )
    )

    toloraya = Article.objects.get(title="Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea")
    putin = Article.objects.get(title__startswith="Putin-Trump")  # the entry's title was cut short
    assert [link.related for link in valdai.related_links.all()] == [putin, toloraya, None]
    assert "Second paragraph" in toloraya.body
    assert Expert.objects.filter(name="Georgy Toloraya").count() == 1


def test_a_dry_run_writes_nothing(capsys):
    call_command("import_pages", str(VALDAI), str(RUSSIA_DIRECT), dry_run=True)

    out = capsys.readouterr().out
    assert "would: created article" in out and "would: set the related articles" in out
    assert not Article.objects.exists() and not Expert.objects.exists() and not Source.objects.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\xff\xfe\xfa not utf-8 \xc3\x28", "not UTF-8"),
        (valdai_page(body=()).replace("\n\n" + VALDAI_DISCLAIMER, ""), "no body"),
        (valdai_page(date="31.02.2017"), "not a real date"),
        ("Just some words.\n\nAnd more words.\n", "not a page of a known kind"),
    ],
)
def test_a_page_it_cannot_read_is_reported_and_writes_nothing_while_the_others_import(
    tmp_path, capsys, content, reason
):
    write(tmp_path, "a-bad.txt", content)
    write(tmp_path, "b-good.txt", valdai_page())

    with pytest.raises(CommandError, match="1 failed"):
        call_command("import_pages", str(tmp_path))

    err = capsys.readouterr().err
    assert "a-bad.txt: not imported: " in err
    assert reason in err
    assert list(Article.objects.values_list("title", flat=True)) == [
        "Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea"
    ]


def test_the_reason_names_the_file_and_the_problem(tmp_path, capsys):
    write(tmp_path, "bad-date.txt", valdai_page(date="31.02.2017"))

    with pytest.raises(CommandError):
        call_command("import_pages", str(tmp_path))

    err = capsys.readouterr().err
    assert "bad-date.txt" in err and "31.02.2017 is not a real date" in err
    assert not Article.objects.exists() and not Expert.objects.exists()


def test_windows_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    text = "\ufeff" + valdai_page().replace("\n", "\r\n")

    run(write(tmp_path, "windows.txt", text))

    article = Article.objects.get()
    assert article.title == "Why ‘Neither Peace, Nor War’ Is Most Likely Scenario for Korea"
    assert "\r" not in article.body


def test_unicode_is_kept_exactly(tmp_path):
    run(write(tmp_path, "unicode.txt", valdai_page()))

    assert "Second paragraph — with «quotes» and Wæver…" in Article.objects.get().body


def test_a_long_title_and_several_experts(tmp_path):
    title = "A Very Long Title " + "About Security in Northeast Asia " * 6
    lead = (
        "Two views on the question, write Richard Weitz, Senior Fellow at Hudson Institute, "
        "and Georgy Toloraya, Director of the Center for Asian Strategy at Russian Academy of Sciences."
    )

    run(write(tmp_path, "long.txt", valdai_page(title=title.strip(), lead=lead)))

    article = Article.objects.get()
    assert article.title == title.strip()
    assert [(e.name, e.organisation) for e in article.ordered_authors()] == [
        ("Richard Weitz", "Hudson Institute"),
        ("Georgy Toloraya", "Russian Academy of Sciences"),
    ]
    assert len(article.slug) <= Article._meta.get_field("slug").max_length


def test_a_page_without_a_related_block_has_no_links(tmp_path):
    run(write(tmp_path, "plain.txt", valdai_page()))

    assert not RelatedLink.objects.exists()


def test_publish_publishes_dated_pages_and_leaves_undated_ones_for_review():
    run(VALDAI, RUSSIA_DIRECT, publish=True)

    valdai = Article.objects.get(title__startswith="As North Korean")
    russia_direct = Article.objects.get(source__name="Russia Direct")
    assert valdai.is_public
    assert russia_direct.status == Article.Status.DRAFT and russia_direct.needs_review
    assert Article.objects.published().get() == valdai  # the listed pieces are entries, not articles


def test_an_existing_expert_is_found_not_duplicated():
    Expert.objects.create(name="Richard Weitz", position="", organisation="")

    run(VALDAI)

    (weitz,) = Expert.objects.filter(name="Richard Weitz")
    assert weitz.organisation == "Hudson Institute"


# Russian pages ------------------------------------------------------------------------------------

RUSSIAN = PAGES / "valdai-ru-sample.txt"
RUSSIAN_DISCLAIMER = (
    "Мнения, высказанные в данной статье, могут не совпадать с позицией Клуба, если явно не указано иное."
)


def test_the_russian_valdai_sample_imports_with_all_its_parts():
    run(RUSSIAN)

    article = Article.objects.get(title__startswith="Корейский узел")
    assert article.language == "ru"
    assert article.slug == "koreysky-uzel-pochemu-peregovory-vozmozhny-tolko-pri-uchastii-rossii-i-kitaya"
    assert article.published_at.date().isoformat() == "2017-05-24"
    assert article.lead.startswith("Санкции против Пхеньяна")
    assert article.body.count("<p>") == 5
    assert "Мнения, высказанные" not in article.body  # the disclaimer went to the source
    assert article.source.translated("disclaimer", "ru") == RUSSIAN_DISCLAIMER
    assert article.source.disclaimer == VALDAI_DISCLAIMER  # the English one stays as it was
    assert article.category.name == "Мнения"
    (expert,) = article.ordered_authors()
    assert expert.name == "Анна Соколова"
    assert (
        expert.position
        == "ведущий научный сотрудник Центра азиатских исследований Института мировой политики"
    )
    entries = list(article.related_links.order_by("position"))
    assert [entry.title for entry in entries] == [
        "Как Северная Корея использует паузы в переговорах",
        "Россия и США на Корейском полуострове: пространство для сотрудничества",
    ]
    assert entries[1].expert.name == "Ричард Вайц"


def test_a_russian_name_an_editor_gave_an_expert_finds_that_expert():
    weitz = Expert.objects.create(name="Richard Weitz", translations={"ru": {"name": "Ричард Вайц"}})
    opinions = Category.objects.create(
        name="Expert Opinions", slug="expert-opinions", translations={"ru": {"name": "Мнения"}}
    )
    run(RUSSIAN)

    entry = RelatedLink.objects.get(title__startswith="Россия и США на Корейском")
    assert entry.expert == weitz
    assert entry.category == opinions
    assert not Expert.objects.filter(name="Ричард Вайц").exists()


def test_the_same_names_are_never_merged_by_guesswork():
    Expert.objects.create(name="Richard Weitz")  # no Russian name given by an editor
    run(RUSSIAN)

    assert Expert.objects.filter(name="Ричард Вайц").count() == 1
    assert Expert.objects.filter(name="Richard Weitz").count() == 1


def test_a_page_can_be_linked_to_its_other_language_version():
    run(VALDAI)
    original = Article.objects.get(title__startswith="As North Korean Conflict Threat Rises")
    run(RUSSIAN, translation_of=original.slug)

    version = Article.objects.get(title__startswith="Корейский узел")
    assert version.translation_of == original


def test_a_version_in_the_same_language_is_refused_and_nothing_is_written(capsys):
    run(VALDAI)
    original = Article.objects.get(title__startswith="As North Korean Conflict Threat Rises")
    before = Article.objects.count()
    with pytest.raises(CommandError):
        run(RUSSIAN, translation_of=original.slug, language="en")

    assert Article.objects.count() == before
    assert "not imported" in capsys.readouterr().err


def test_the_language_can_be_given(tmp_path):
    run(write(tmp_path, "page.txt", valdai_page()), language="en")

    assert Article.objects.get().language == "en"


def test_a_russian_page_of_an_unknown_layout_is_a_clear_error_and_writes_nothing(tmp_path, capsys):
    page = write(tmp_path, "unknown.txt", "Просто текст без даты.\n\nИ ещё один абзац без подписи.\n")
    with pytest.raises(CommandError):
        run(page)

    assert "not a page of a known kind" in capsys.readouterr().err
    assert not Article.objects.exists() and not Expert.objects.exists() and not Source.objects.exists()


def russia_direct_with(tmp_path, picture):
    page = tmp_path / "opinion.txt"
    page.write_bytes(RUSSIA_DIRECT.read_bytes())
    if picture is not None:
        (tmp_path / "opinion.jpg").write_bytes(picture)
    return page


def jpeg(width=900, height=600):
    from tests.factories import picture_file

    return picture_file(width, height).read()


def stored_files(settings):
    return sorted(path.name for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def test_a_photo_saved_beside_a_page_is_its_lead_image_with_the_pages_caption(
    tmp_path, client, settings, run_tasks
):
    run(russia_direct_with(tmp_path, jpeg()))

    article = Article.objects.get()
    assert article.image.name.endswith(".jpg") and article.image_credit == "Photo: AP"
    article.status, article.published_at = Article.Status.PUBLISHED, datetime(2017, 3, 20, tzinfo=UTC)
    article.save()  # undated on the page: an editor dates and publishes it
    run_tasks()  # its copies for phones
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="article__figure"' in html and "srcset=" in html and "Photo: AP" in html

    before = stored_files(settings)
    run(russia_direct_with(tmp_path, jpeg()))  # again: nothing stored twice
    assert stored_files(settings) == before and Article.objects.get().image == article.image


def test_a_file_beside_a_page_that_is_no_picture_stops_the_page_and_writes_nothing(tmp_path, capsys):
    with pytest.raises(CommandError):
        run(russia_direct_with(tmp_path, b"<html>not a picture</html>"))

    assert not Article.objects.exists() and not Expert.objects.exists()
    assert "opinion.txt: not imported" in capsys.readouterr().err


def test_a_dry_run_judges_the_photo_and_stores_nothing(tmp_path, settings):
    run(russia_direct_with(tmp_path, jpeg()), dry_run=True)

    assert not Article.objects.exists() and stored_files(settings) == []
