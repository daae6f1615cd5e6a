"""Editors see the background tasks (the admin's Tasks list): what the worker did, and what failed
and why. Nobody changes them there; Contributors do not see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def editors_and_view(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(
        content_type__app_label="django_tasks_database", codename="view_dbtaskresult"
    )
    return Group.objects.filter(name="Editors"), list(view)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are otherwise made after all migrations
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    groups, view = editors_and_view(apps)
    for group in groups:
        group.permissions.add(*view)


def withdraw(apps, schema_editor):
    groups, view = editors_and_view(apps)
    for group in groups:
        group.permissions.remove(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0028_alter_article_image"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(grant, withdraw)]
