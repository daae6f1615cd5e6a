"""Pictures editors upload: judged by what they are, stored under names nobody can guess (a draft's
lead image says nothing of the piece before it is public), and nothing kept from a preview."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from experts.models import Expert
from tests.factories import ArticleFactory, ExpertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def picture(name="draft-secret-plan.png", image_format="PNG", appended=b""):
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue() + appended, content_type="image/png")


def stored(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_a_lead_image_is_stored_under_a_random_name_not_the_uploaders(admin_client, article_form, media):
    admin_client.post(
        "/admin/articles/article/add/",
        article_form(title="Secret plan", slug="secret-plan", image=picture()),
    )

    name = Article.objects.get(slug="secret-plan").image.name
    assert re.fullmatch(r"articles/\d{4}/[0-9a-f]{32}\.png", name), name
    assert stored(media) == [name] and "secret" not in name


def test_a_portrait_is_stored_under_a_random_name_too(admin_client, media):
    expert = ExpertFactory(name="Richard Weitz")
    form = {
        "name": expert.name,
        "slug": expert.slug,
        "last_name": "Weitz",
        "photo": picture("richard-weitz-private.png"),
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }
    admin_client.post(f"/admin/experts/expert/{expert.pk}/change/", form)

    name = Expert.objects.get(pk=expert.pk).photo.name
    assert re.fullmatch(r"experts/[0-9a-f]{32}\.png", name), name


@pytest.mark.parametrize(
    ("name", "image_format", "extension"),
    [("photo.pdf", "GIF", "gif"), ("photo.png", "JPEG", "jpg"), ("photo", "WEBP", "webp")],
)
def test_a_picture_is_stored_and_served_as_what_it_is_whatever_its_name(
    admin_client, client, article_form, media, name, image_format, extension
):
    """A GIF with HTML appended, named .pdf, was kept as a PDF and served as application/pdf."""
    upload = picture(name, image_format, appended=b"<html><script>alert(1)</script></html>")
    admin_client.post("/admin/articles/article/add/", article_form(slug="polyglot", image=upload))

    name = Article.objects.get(slug="polyglot").image.name
    assert name.endswith(f".{extension}")
    served = client.get(f"/media/{name}")
    assert served["Content-Type"] == f"image/{extension.replace('jpg', 'jpeg')}"


@pytest.mark.parametrize("image_format", ["PDF", "TIFF", "BMP"])
def test_a_file_pillow_reads_but_that_is_no_web_picture_is_refused(
    admin_client, article_form, media, image_format
):
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format=image_format)
    upload = SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")

    response = admin_client.post("/admin/articles/article/add/", article_form(slug="scan", image=upload))

    # Pillow cannot read a PDF back ("Upload a valid image"); it reads TIFF and BMP, not web pictures.
    assert (
        "Upload a JPEG, PNG, GIF or WebP picture." in response.text or "Upload a valid image" in response.text
    )
    assert not Article.objects.filter(slug="scan").exists() and stored(media) == []


def test_a_preview_with_a_new_picture_shows_it_and_keeps_no_file(admin_client, article_form, media):
    article = ArticleFactory(title="Previewed piece", slug="previewed-piece")

    response = admin_client.post(
        f"/admin/articles/article/{article.pk}/change/",
        article_form(title="Previewed piece", slug="previewed-piece", image=picture(), _preview="Preview"),
    )

    assert response.status_code == 200 and "data:image/png;base64," in response.text
    assert stored(media) == []
    article.refresh_from_db()
    assert not article.image


def test_the_body_pictures_upload_names_by_content_too(admin_client, media):
    response = admin_client.post(
        "/admin/articles/article/image/",
        {"image": picture("x.pdf", "GIF"), "alt_text": "A square", "caption": ""},
    )

    assert response.status_code == 200
    (name,) = stored(media)
    assert re.fullmatch(r"articles/body/\d{4}/[0-9a-f]{32}\.gif", name), name
