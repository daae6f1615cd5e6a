from django.contrib.admin.apps import AdminConfig


class EditorialAdminConfig(AdminConfig):
    """django.contrib.admin with the site of config.admin: `admin.site` is that site everywhere."""

    default_site = "config.admin.EditorialAdminSite"
