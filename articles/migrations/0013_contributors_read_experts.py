"""Contributors no longer add experts: a profile is public the moment it is saved, so only Editors
create them (articles.permissions.may_change_expert; docs/security.md)."""

from django.db import migrations

WITHDRAWN = ["add_expert", "add_expertlink"]


def withdraw(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Contributors"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="experts", codename__in=WITHDRAWN)
        )


def give_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Contributors"):
        group.permissions.add(*Permission.objects.filter(content_type__app_label="experts", codename__in=WITHDRAWN))


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_draft_index"), ("experts", "0001_initial")]

    operations = [migrations.RunPython(withdraw, give_back)]
