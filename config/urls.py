from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

import pagecache
from articles.sitemaps import ArticleSitemap, TopicSitemap
from articles.views import robots_txt
from config.i18n import switch_language
from config.media import media_urlpatterns
from experts.sitemaps import ExpertSitemap

SITEMAPS = {"articles": ArticleSitemap, "experts": ExpertSitemap, "topics": TopicSitemap}

handler404 = "articles.views.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        pagecache.declaring(sitemap_views.index, pagecache.sitemap_pages()),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        pagecache.declaring(sitemap_views.sitemap, pagecache.sitemap_pages()),
        {"sitemaps": SITEMAPS, "template_name": "sitemap_section.xml"},
        name="sitemap-section",
    ),
    path("api/", include("config.api")),
    path("language/<str:language>/", switch_language, name="switch_language"),
    *media_urlpatterns(),
]
# The public pages, in each language under its prefix (/en/…, /ru/…): config.i18n.
urlpatterns += i18n_patterns(
    path("experts/", include("experts.urls")),
    path("follow/", include("alerts.urls")),
    path("", include("articles.urls")),
)
