from django.urls import path

from articles.feeds import ExpertAtomFeed, ExpertFeed
from experts import views

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="list"),
    path("<slug:slug>/", views.expert_detail, name="detail"),
    path("<slug:slug>/feed/", ExpertFeed(), name="feed"),
    path("<slug:slug>/feed/atom/", ExpertAtomFeed(), name="atom"),
]
