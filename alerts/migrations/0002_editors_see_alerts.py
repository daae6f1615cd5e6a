"""Editors see the alerts in the admin (who follows what, the outbox, the next digest) and change
nothing there; Contributors see none of it: the addresses are personal data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_subscriber", "view_subscription", "view_delivery"]


def editors_and_view(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="alerts", codename__in=VIEW)
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
        ("alerts", "0001_followers_and_outbox"),
        ("articles", "0031_one_alphabet_for_counts"),
    ]

    operations = [migrations.RunPython(grant, withdraw)]
