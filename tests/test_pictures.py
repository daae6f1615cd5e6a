"""Pictures sized for the reader's screen: an uploaded lead image or portrait gets smaller copies,
made by the task worker after the upload, that the pages offer in `srcset` with the picture's size;
cards show a thumbnail. Until the copies exist, or when they are of another picture, the original
alone is shown."""

import re
from io import BytesIO, StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from articles.models import Article
from articles.pictures import render_missing
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory, exported_items, import_items, picture_file

pytestmark = pytest.mark.django_db


def upload(width=1600, height=900, image_format="JPEG", exif_orientation=None, name="photo.jpg"):
    if not exif_orientation:
        return picture_file(width, height, image_format, name)
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x0112] = exif_orientation  # Orientation
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, format=image_format, exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def published_with_picture(admin_client, article_form, **picture):
    admin_client.post(
        "/admin/articles/article/add/",
        article_form(
            title="Pictured",
            slug="pictured",
            status="published",
            published_at_0="2024-05-01",
            published_at_1="09:30",
            image=upload(**picture),
            image_alt="Harbour cranes at dusk",
        ),
    )
    return Article.objects.get(slug="pictured")


def lead_image(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    return re.search(r'<figure class="article__figure">\s*(<img[^>]*>)', html).group(1)


def srcset_widths(img):
    found = re.search(r'srcset="([^"]*)"', img)
    return [int(width) for width in re.findall(r" (\d+)w", found.group(1))] if found else []


def stored_size(url):
    with Image.open(settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL)) as picture:
        return picture.format, picture.size


def test_a_lead_image_is_offered_in_sizes_for_phones_once_the_worker_has_made_them(
    admin_client, client, article_form, run_tasks
):
    article = published_with_picture(admin_client, article_form)
    before = lead_image(client, article)  # and cached, as readers get it
    assert "srcset" not in before and f'src="{article.image.url}"' in before

    run_tasks()

    img = lead_image(client, article)
    assert srcset_widths(img) == [160, 320, 480, 640, 960, 1280, 1600]  # and the original itself
    assert 'width="1600" height="900"' in img and 'alt="Harbour cranes at dusk"' in img
    assert "sizes=" in img and 'loading="lazy"' not in img  # the first thing a reader sees
    copies = dict(re.findall(r"(\S+) (\d+)w", re.search(r'srcset="([^"]*)"', img).group(1)))
    phone = next(url for url, width in copies.items() if width == "480")
    assert stored_size(phone) == ("WEBP", (480, 270))


def test_a_picture_gets_only_the_copies_narrower_than_itself(admin_client, article_form, run_tasks):
    article = published_with_picture(admin_client, article_form, width=500, height=400)
    run_tasks()

    article.refresh_from_db()
    assert [width for width, _ in article.image_renditions["sizes"]] == [160, 320, 480]
    assert (article.image_renditions["width"], article.image_renditions["height"]) == (500, 400)


def test_a_photo_taken_sideways_is_sized_as_it_is_seen(admin_client, client, article_form, run_tasks):
    """EXIF orientation 6: stored 600×400, seen 400×600 (browsers turn it too)."""
    article = published_with_picture(admin_client, article_form, width=600, height=400, exif_orientation=6)
    run_tasks()

    img = lead_image(client, article)
    assert 'width="400" height="600"' in img
    article.refresh_from_db()
    smallest = settings.MEDIA_URL + article.image_renditions["sizes"][0][1]
    assert stored_size(smallest) == ("WEBP", (160, 240))


def test_an_animated_gif_is_left_whole(admin_client, client, article_form, run_tasks):
    article = published_with_picture(admin_client, article_form, image_format="GIF", name="anim.gif")
    run_tasks()

    img = lead_image(client, article)
    assert "srcset" not in img and 'width="1600" height="900"' in img


def test_copies_of_a_replaced_picture_are_never_offered_for_the_new_one(
    admin_client, client, article_form, run_tasks
):
    article = published_with_picture(admin_client, article_form)
    run_tasks()
    article.refresh_from_db()
    first = article.image_renditions

    # The editor uploads another picture; the worker has not made its copies yet.
    article.image = upload(width=800, height=800)
    article.save()
    img = lead_image(client, article)
    assert "srcset" not in img and f'src="{article.image.url}"' in img and 'width="1600"' not in img

    run_tasks()
    article.refresh_from_db()
    assert article.image_renditions["of"] == article.image.name != first["of"]
    assert srcset_widths(lead_image(client, article)) == [160, 320, 480, 640, 800]


def test_a_late_task_for_the_old_picture_writes_nothing(admin_client, article_form, run_tasks):
    from articles.pictures import make_renditions

    article = published_with_picture(admin_client, article_form)
    old = article.image.name
    article.image = upload(width=700, height=700)
    article.save()
    run_tasks()

    make_renditions.call("articles.Article", article.pk, "image", old)  # a retry, late

    article.refresh_from_db()
    assert article.image_renditions["of"] == article.image.name and article.image_renditions["width"] == 700


def test_cards_show_a_thumbnail_sized_for_them(admin_client, client, article_form, run_tasks):
    plain = ArticleFactory(title="Without a picture")
    article = published_with_picture(admin_client, article_form)
    run_tasks()
    html = client.get("/en/articles/").content.decode()

    cards = html.split('<article class="card"')[1:]
    pictured = next(card for card in cards if "Pictured" in card)
    without = next(card for card in cards if plain.title in card)
    thumbnail = re.search(r'<img class="card__picture"[^>]*>', pictured).group(0)
    assert srcset_widths(thumbnail)[:2] == [160, 320] and 'alt=""' in thumbnail
    assert 'loading="lazy"' in thumbnail and 'width="1600" height="900"' in thumbnail
    assert "<img" not in without
    assert article.image.url in thumbnail


def test_a_portrait_is_offered_in_the_sizes_of_its_boxes(admin_client, client, run_tasks):
    expert = ExpertFactory(name="Richard Weitz")
    form = {
        "name": expert.name,
        "slug": expert.slug,
        "last_name": "Weitz",
        "photo": upload(width=600, height=600, name="weitz.jpg"),
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }
    admin_client.post(f"/admin/experts/expert/{expert.pk}/change/", form)
    run_tasks()

    html = client.get(expert.get_absolute_url()).content.decode()
    portrait = re.search(r'<img class="portrait portrait--large"[^>]*>', html).group(0)
    assert srcset_widths(portrait) == [56, 112, 160, 320, 600]
    assert 'width="160" height="160"' in portrait and 'alt="Portrait of Richard Weitz"' in portrait


def test_pictures_named_by_an_import_get_their_copies_from_the_worker(
    admin_client, article_form, run_tasks, tmp_path
):
    article = published_with_picture(admin_client, article_form)
    run_tasks()
    items = exported_items()
    Article.objects.filter(pk=article.pk).update(
        image_renditions={}
    )  # as in a database restored without them

    import_items(items, tmp_path)
    run_tasks()

    article.refresh_from_db()
    assert article.image_renditions["of"] == article.image.name
    assert len(article.image_renditions["sizes"]) == 6


def test_rebuild_renditions_makes_the_missing_copies(admin_client, article_form, run_tasks):
    article = published_with_picture(admin_client, article_form)  # its task never runs
    Expert.objects.create(name="No Photo", slug="no-photo", last_name="Photo")

    out = StringIO()
    call_command("rebuild_renditions", stdout=out)

    assert "Copies of 1 pictures made" in out.getvalue()

    article.refresh_from_db()
    assert article.image_renditions["of"] == article.image.name


def test_a_picture_missing_from_the_media_store_is_left_as_it_is(caplog):
    """An import may name a file nobody copied: the task says so once, and is not tried again."""
    article = ArticleFactory(image="articles/2020/" + "0" * 32 + ".jpg")

    assert render_missing(Article, [article.pk], now=True) == 1

    article.refresh_from_db()
    assert article.image_renditions == {} and "is not in the media store" in caplog.text
