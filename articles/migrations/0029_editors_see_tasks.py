"""Editors see the background tasks (the admin's Tasks list): what the worker did, and what failed
and why. Nobody changes them there; Contributors do not see them."""

from django.db import migrations

from config.grants import editors_may

grant, withdraw = editors_may("django_tasks_database", ["view_dbtaskresult"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0028_alter_article_image"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(grant, withdraw)]
