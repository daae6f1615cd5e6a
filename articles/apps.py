from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from articles import lookups, permissions, signals  # noqa: F401 - registers, connects

        m2m_changed.connect(permissions.desk_groups_give_staff_status, sender=get_user_model().groups.through)
