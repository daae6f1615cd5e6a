import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_the_editors_group_exists_after_migrating():
    assert Group.objects.filter(name="Editors").exists()


@pytest.mark.parametrize(
    "permission",
    [
        "articles.add_article",
        "articles.change_article",
        "articles.delete_article",
        "articles.publish_article",
        "articles.add_relatedlink",
        "articles.change_topic",
        "experts.add_expert",
        "experts.change_expert",
        "experts.add_expertlink",
    ],
)
def test_an_editor_may_do_what_editing_needs(editor, permission):
    assert editor.has_perm(permission)


@pytest.mark.parametrize(
    "permission", ["auth.add_user", "auth.change_user", "auth.change_group", "auth.delete_user"]
)
def test_an_editor_may_not_manage_users(editor, permission):
    assert not editor.has_perm(permission)
