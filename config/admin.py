"""The editorial admin's site: Django's AdminSite, with its titles, the desk as its index, and its
"view on site" shortcut asking the same question as every other admin view.

Django's shortcut (/admin/r/<content type>/<id>/) redirects any member of staff to any object's
public address, whoever may open it: walking the ids of articles listed the slugs (usually the
titles) of every draft and scheduled piece. Here it redirects only to an object the model's admin
would open for this user (its queryset and view permission, which ask articles.permissions).
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


class EditorialAdminSite(admin.AdminSite):
    site_header = _("Expert Opinions — editorial admin")
    site_title = _("Expert Opinions admin")
    index_title = _("Editorial desk")
    index_template = "admin/dashboard.html"

    def get_urls(self):
        own = [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            )
        ]
        return own + super().get_urls()  # ours first: Django's route of the same name is never reached

    def view_on_site(self, request, content_type_id, object_id):
        """Redirect to the object's public page if this user may open the object here, else 404."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model_admin = self._registry.get(content_type.model_class()) if content_type else None
        found = model_admin.get_object(request, unquote(object_id)) if model_admin else None
        if found is None or not model_admin.has_view_or_change_permission(request, found):
            raise Http404("Nothing of yours to show on the site.")
        return shortcut(request, content_type_id, object_id)
