from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="list"),
    path("search/", views.search_results, name="search"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
]
