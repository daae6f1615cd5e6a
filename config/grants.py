"""What data migrations use to give the Editors group permissions: the permissions are made first
(Django otherwise makes them only after every migration has run), then added to the group."""

from django.contrib.auth.management import create_permissions


def editors_may(app_label, codenames):
    """(grant, withdraw): RunPython functions adding and removing these permissions of `app_label`
    to and from the Editors group (where it exists: a database migrated before it was made)."""

    def group_and_permissions(apps):
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        chosen = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        return Group.objects.filter(name="Editors"), list(chosen)

    def grant(apps, schema_editor):
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, apps=apps)
            app_config.models_module = None
        groups, chosen = group_and_permissions(apps)
        for group in groups:
            group.permissions.add(*chosen)

    def withdraw(apps, schema_editor):
        groups, chosen = group_and_permissions(apps)
        for group in groups:
            group.permissions.remove(*chosen)

    return grant, withdraw
