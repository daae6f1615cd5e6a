"""The "Contributors" group: they write and edit their own drafts; publishing is for Editors.

Which drafts are theirs is decided in the admin (Article.created_by); the group only grants the
model permissions. Neither group has any permission on users or groups: only superusers manage those.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTRIBUTOR_PERMISSIONS = {
    "articles": {
        "article": ["add", "change", "delete", "view"],
        "articleauthor": ["add", "change", "delete", "view"],
        "relatedlink": ["add", "change", "delete", "view"],
        "topic": ["view"],
        "category": ["view"],
        "source": ["view"],
    },
    "experts": {"expert": ["add", "view"], "expertlink": ["add", "view"]},
}


def create_contributors_group(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions exist only after migrate, unless made now
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    contributors, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Contributors")
    for app_label, models in CONTRIBUTOR_PERMISSIONS.items():
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        contributors.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def remove_contributors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Contributors").delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_article_created_by")]

    operations = [migrations.RunPython(create_contributors_group, remove_contributors_group)]
