"""Editors see the alerts in the admin (who follows what, the outbox, the next digest) and change
nothing there; Contributors see none of it: the addresses are personal data."""

from django.db import migrations

from config.grants import editors_may

grant, withdraw = editors_may("alerts", ["view_subscriber", "view_subscription", "view_delivery"])


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_followers_and_outbox"),
        ("articles", "0031_one_alphabet_for_counts"),
    ]

    operations = [migrations.RunPython(grant, withdraw)]
