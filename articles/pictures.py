"""Pictures editors upload (lead images, portraits, pictures in bodies): judged by what the file
is, not by what it is called, and stored under names of our own.

Django's ImageField checks that Pillow can read the file, but takes the uploader's name and
extension: a GIF with HTML appended, named "plan.pdf", was stored as a PDF and served as one, and a
draft's lead image was public at once at /media/articles/2026/draft-secret-plan.png. Here the
stored name is random (nothing to guess, nothing said of the piece) and its extension is the one of
the format Pillow found, so the file is served as what it is.
"""

import uuid
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible

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
    """A model's picture: uploaded through PictureFormField, stored as `folder`/<random>.<format>."""

    def __init__(self, *args, folder="pictures", **kwargs):
        kwargs["upload_to"] = RandomName(folder)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["folder"] = kwargs.pop("upload_to").folder
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PictureFormField, **kwargs})


def store(picture, folder, storage):
    """Save an uploaded picture (cleaned by PictureFormField) under a random name; returns the name."""
    return storage.save(RandomName(folder)(None, picture.name), picture)
