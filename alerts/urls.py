from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.follow, name="follow"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/my-data.json", views.personal_data, name="personal_data"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
