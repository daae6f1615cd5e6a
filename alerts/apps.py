from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Email alerts"

    def ready(self):
        # export_kb --with-subscribers writes subscriber lines and import_kb reads them with ours:
        # the importer knows nothing of this app.
        from alerts.backup import SubscriberWriter, export_lines
        from articles.importers.jsonl import OPTIONAL_EXPORTS, WRITERS

        WRITERS["subscriber"] = SubscriberWriter()
        OPTIONAL_EXPORTS["subscriber"] = export_lines
