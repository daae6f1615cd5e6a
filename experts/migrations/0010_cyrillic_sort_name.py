from django.db import migrations, models

from experts.names import cyrillic_sort_name


def fill(apps, schema_editor):
    """The Cyrillic sort names of the experts already here (Expert.refresh_search_names keeps them after)."""
    Expert = apps.get_model("experts", "Expert")
    rows = list(Expert.objects.only("pk", "name", "last_name", "translations"))
    for row in rows:
        row.cyrillic_sort_name = cyrillic_sort_name(row.name, row.last_name, row.translations)[:80]
    Expert.objects.bulk_update(rows, ["cyrillic_sort_name"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0009_photo_renditions"),
    ]

    operations = [
        migrations.AddField(
            model_name="expert",
            name="cyrillic_sort_name",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=80),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
