from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "experts"

    def ready(self):
        from experts import signals  # noqa: F401 - connects the receivers
