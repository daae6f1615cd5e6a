"""{% picture %}: an uploaded picture as an <img> a browser can size (src, srcset, sizes, width, height)."""

from django import template

from articles.pictures import Renditions

register = template.Library()


@register.inclusion_tag("includes/picture.html")
def picture(image, renditions, sizes, alt="", css_class="", lazy=True, width=None, height=None):
    """`image` a PictureField's file, `renditions` its renditions field, `sizes` the width it takes on
    the page (the `sizes` attribute). `width` and `height` name a box of a fixed size (a portrait);
    otherwise the picture's own are given, once known, so the page does not move as it loads."""
    shown = Renditions(image, renditions)
    return {
        "picture": shown,
        "sizes": sizes,
        "alt": alt,
        "css_class": css_class,
        "lazy": lazy,
        "width": width or shown.width,
        "height": height or shown.height,
    }
