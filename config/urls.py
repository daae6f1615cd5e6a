from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Expert Opinions — editorial admin"
admin.site.site_title = "Expert Opinions admin"
admin.site.index_title = "Editorial desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("experts/", include("experts.urls")),
    path("", include("articles.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
