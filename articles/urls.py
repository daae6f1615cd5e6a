from django.urls import path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="list"),
    path("search/", views.search_results, name="search"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/cite/<str:style>/", views.article_citation, name="cite"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed/", feeds.TopicFeed(), name="topic_feed"),
    path("topics/<slug:slug>/feed/atom/", feeds.TopicAtomFeed(), name="topic_atom"),
    path("feeds/latest/", feeds.LatestArticlesFeed(), name="feed"),
    path("feeds/latest/atom/", feeds.LatestArticlesAtomFeed(), name="atom"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
]
