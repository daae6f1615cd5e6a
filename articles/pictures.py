"""Pictures editors upload (lead images, portraits, pictures in bodies): judged by what the file
is, not by what it is called, and stored under names of our own.

Django's ImageField checks that Pillow can read the file, but takes the uploader's name and
extension: a GIF with HTML appended, named "plan.pdf", was stored as a PDF and served as one, and a
draft's lead image was public at once at /media/articles/2026/draft-secret-plan.png. Here the
stored name is random (nothing to guess, nothing said of the piece) and its extension is the one of
the format Pillow found, so the file is served as what it is.

A picture shown on public pages also has renditions: smaller copies, a few widths apart, that a
browser picks from (`srcset`) so that a phone does not download a 1,600 px original for a 400 px
column. They are made by a background task after the upload (make_renditions), and kept with the
row, in a JSON field beside the picture's ("renditions_field"): its width and height, and the
stored name of each rendition. A page reads them with the row, so it checks no file and makes no
query per picture; until the task has run, the page shows the original, as before.
"""

import io
import logging
import uuid
from pathlib import PurePosixPath

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.tasks import task
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# Pillow's format -> the extension the file is stored (and so served) with.
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
EXTENSIONS = {f".{extension}" for extension in FORMATS.values()}
MAX_BYTES = 10 * 1024 * 1024


@deconstructible
class RandomName:
    """An `upload_to`: `folder` (strftime codes allowed, "articles/%Y") / a random name, with the
    extension of the name given when it is a picture's (PictureFormField gives the format's)."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        extension = PurePosixPath(filename).suffix.lower()
        extension = extension if extension in EXTENSIONS else ""
        return f"{timezone.now().strftime(self.folder)}/{uuid.uuid4().hex}{extension}"


class PictureFormField(forms.ImageField):
    """An uploaded picture: a JPEG, PNG, GIF or WebP by its content, at most MAX_BYTES; its name
    becomes "picture.<the format's extension>" (the stored name is then made by RandomName)."""

    default_error_messages = {
        "format": "Upload a JPEG, PNG, GIF or WebP picture.",
        "size": "The picture is larger than 10 MB.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "JPEG, PNG, GIF or WebP, at most 10 MB.")
        super().__init__(**kwargs)

    def to_python(self, data):
        picture = super().to_python(data)  # Pillow read it, or "Upload a valid image"
        if picture is None:
            return None
        if picture.size > MAX_BYTES:
            raise ValidationError(self.error_messages["size"], code="size")
        found = getattr(getattr(picture, "image", None), "format", None)
        if found not in FORMATS:
            raise ValidationError(self.error_messages["format"], code="format")
        picture.name = f"picture.{FORMATS[found]}"
        return picture


class PictureField(models.ImageField):
    """A model's picture: uploaded through PictureFormField, stored as `folder`/<random>.<format>.

    With `renditions_field` (the name of a JSONField) and `widths`, each new upload, once saved,
    enqueues make_renditions for it.
    """

    def __init__(self, *args, folder="pictures", renditions_field=None, widths=(), **kwargs):
        kwargs["upload_to"] = RandomName(folder)
        self.renditions_field = renditions_field
        self.widths = tuple(sorted(widths))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["folder"] = kwargs.pop("upload_to").folder
        if self.renditions_field:
            kwargs["renditions_field"] = self.renditions_field
            kwargs["widths"] = self.widths
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PictureFormField, **kwargs})

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if self.renditions_field and not cls._meta.abstract:
            post_save.connect(self.render_new_upload, sender=cls)

    def pre_save(self, model_instance, add):
        picture = getattr(model_instance, self.attname)
        if picture and not picture._committed:  # an upload, stored by the save
            model_instance.__dict__.setdefault("_pictures_uploaded", set()).add(self.name)
        return super().pre_save(model_instance, add)

    def render_new_upload(self, sender, instance, raw=False, **kwargs):
        uploaded = instance.__dict__.get("_pictures_uploaded", set())
        if raw or self.name not in uploaded:
            return
        uploaded.discard(self.name)
        make_renditions.enqueue(
            sender._meta.label, instance.pk, self.name, getattr(instance, self.attname).name
        )


def store(picture, folder, storage):
    """Save an uploaded picture (cleaned by PictureFormField) under a random name; returns the name."""
    return storage.save(RandomName(folder)(None, picture.name), picture)


# Sent when make_renditions has stored a picture's renditions: the pages showing the row may go.
renditions_made = Signal()  # sender: the model; pk


@task()
def make_renditions(model_label, pk, field_name, name):
    """Make the renditions of the picture `name`, stored in field `field_name` of a row: a WebP copy
    at each of the field's widths narrower than the picture (turned upright as its EXIF says, and
    without its EXIF), then its size and their names in the row's renditions field — if the row
    still holds that picture (a newer upload has its own task). GIFs keep only their size: a copy
    would stop an animation. Idempotent: a run again stores new copies, and the row names those.
    Returns the widths made."""
    model = apps.get_model(model_label)
    field = model._meta.get_field(field_name)
    if not field.storage.exists(name):  # named by an import, never copied in: nothing to size, ever
        logger.warning("%s %s: its picture %s is not in the media store", model_label, pk, name)
        return []
    with field.storage.open(name) as file, Image.open(file) as original:
        animated = original.format == "GIF"
        picture = ImageOps.exif_transpose(original)
        width, height = picture.size
        if picture.mode not in {"RGB", "RGBA"}:
            picture = picture.convert(
                "RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB"
            )
        stem = PurePosixPath(name).with_suffix("")
        made = []
        for rendition_width in () if animated else field.widths:
            if rendition_width >= width:
                break
            size = (rendition_width, max(1, round(height * rendition_width / width)))
            # reducing_gap: a large original is first reduced by whole factors, then resampled, as
            # Pillow's thumbnail() does: the six copies of a 24 MP photo in 0.6 s instead of 1.4 s.
            copy = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            buffer = io.BytesIO()
            copy.save(buffer, "WEBP", quality=80, method=4)
            stored = field.storage.save(f"{stem}-{rendition_width}w.webp", ContentFile(buffer.getvalue()))
            made.append([rendition_width, stored])
    renditions = {"of": name, "width": width, "height": height, "sizes": made}
    if model.objects.filter(pk=pk, **{field.attname: name}).update(**{field.renditions_field: renditions}):
        renditions_made.send(sender=model, pk=pk)
    return [rendition_width for rendition_width, _ in made]


def render_missing(model, pks=None, *, now=False):
    """Make the renditions of the pictures of `model` (of the rows `pks`, or all) that have none of
    their own, for the writes that store a picture's name without an upload (an import, a restored
    backup): as tasks, or `now`. Returns how many pictures lacked them."""
    missing = 0
    for field in model._meta.fields:
        if not isinstance(field, PictureField) or not field.renditions_field:
            continue
        rows = model.objects.exclude(**{field.attname: ""})
        if pks is not None:
            rows = rows.filter(pk__in=pks)
        for pk, name, renditions in rows.values_list("pk", field.attname, field.renditions_field).iterator():
            if (renditions or {}).get("of") != name:
                missing += 1
                arguments = (model._meta.label, pk, field.name, name)
                if now:
                    make_renditions.call(*arguments)
                else:
                    make_renditions.enqueue(*arguments)
    return missing


class Renditions:
    """What a template needs to show a picture: `src`, `srcset`, `width` and `height`, from the
    picture (a FieldFile) and its renditions field. Renditions of another picture than the one the
    row holds now (a new upload whose task has not run, an import) count as none: the original
    alone is shown."""

    def __init__(self, picture, renditions):
        renditions = renditions if (renditions or {}).get("of") == picture.name else {}
        self.width = renditions.get("width")
        self.height = renditions.get("height")
        sizes = renditions.get("sizes") or []
        url = picture.storage.url
        candidates = [f"{url(name)} {rendition_width}w" for rendition_width, name in sizes]
        if candidates and self.width:
            candidates.append(f"{picture.url} {self.width}w")
        self.srcset = ", ".join(candidates)
        self.src = picture.url
