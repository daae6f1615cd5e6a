"""The names the mention finder looks up, for the experts already here (Expert.save keeps them after)."""

from django.db import migrations

from articles.richtext import folded_words


def forwards(apps, schema_editor):
    Expert = apps.get_model("experts", "Expert")
    ExpertName = apps.get_model("experts", "ExpertName")
    rows = []
    for pk, name, translations, other_names in Expert.objects.values_list(
        "pk", "name", "translations", "other_names"
    ).iterator():
        names = [
            name,
            *(entry.get("name", "") for entry in (translations or {}).values() if isinstance(entry, dict)),
        ]
        names += other_names.splitlines()
        keys = {folded_words(each) for each in names} - {""}
        rows += [ExpertName(expert_id=pk, name=key) for key in sorted(keys) if len(key) <= 200]
        if len(rows) >= 5000:
            ExpertName.objects.bulk_create(rows)
            rows = []
    ExpertName.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("experts", "0005_other_names_and_sort_name")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
