from django.urls import path

from experts import views
from experts.feeds import ExpertAtomFeed, ExpertFeed

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="list"),
    path("<slug:slug>/", views.expert_detail, name="detail"),
    path("<slug:slug>/feed/", ExpertFeed(), name="feed"),
    path("<slug:slug>/feed/atom/", ExpertAtomFeed(), name="atom"),
]
