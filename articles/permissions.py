"""Who may see and change which article or expert: the one place the editorial rules are decided.

Every view that reads or writes an article or an expert asks here: the public pages and
citations (a signed-in member of staff previewing), the admin's lists and forms, the workflow
views (submit, review, compare, restore, preview) and django-reversion's history, revert and
recover views. docs/security.md states the same rules in words; tests/test_permissions.py walks
them as a matrix of roles × states × views.

- Readers (anyone not signed in, or without a role) see published articles and nothing else.
- Contributors write articles as drafts. They see and change their own drafts, see their own
  scheduled and published pieces (read-only), and see nothing of anyone else's that readers do
  not see. A version they restore must itself be a draft of theirs. Experts, topics, categories
  and sources are read-only to them.
- Editors (who may publish) and superusers see and change every article and expert, publish,
  schedule, unpublish, restore any version and recover deleted articles.
"""

from django.db.models import Q

from articles.models import Article, published_condition

PUBLISH_PERMISSION = "articles.publish_article"
DESK_GROUPS = ("Editors", "Contributors")  # made by migrations; membership is the role


def desk_groups_give_staff_status(sender, instance, action, pk_set, reverse, model, **kwargs):
    """A user added to Editors or Contributors may sign in to the desk at once: Django's admin also
    needs "staff status", which nobody should have to tick by hand besides the group (connected to
    User.groups' m2m_changed in ArticlesConfig.ready())."""
    from django.contrib.auth import get_user_model

    if action != "post_add":
        return
    users = get_user_model().objects.filter(is_staff=False)
    if reverse:  # group.user_set.add(...): the instance is the group, the pks are users
        if instance.name in DESK_GROUPS:
            users.filter(pk__in=pk_set).update(is_staff=True)
    elif model.objects.filter(pk__in=pk_set, name__in=DESK_GROUPS).exists():  # user.groups.add(...)
        users.filter(pk=instance.pk).update(is_staff=True)
        instance.is_staff = True


def is_editor(user):
    """May publish, and so see and change every article and expert."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(PUBLISH_PERMISSION))


def is_contributor(user):
    """Signed in to the desk to write their own drafts (but not an editor)."""
    return bool(
        user
        and user.is_active
        and user.is_staff
        and not is_editor(user)
        and user.has_perm("articles.add_article")
    )


def readable_condition(user):
    """The articles `user` may read anywhere (public pages, citations, previews, the admin), as Q."""
    if is_editor(user):
        return Q()
    if is_contributor(user):
        return published_condition() | Q(created_by=user.pk)
    return published_condition()


def readable_articles(user, queryset=None):
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.filter(readable_condition(user))


def desk_articles(user, queryset):
    """The articles `user` works with in the admin: every one for an Editor, their own for a Contributor."""
    if is_editor(user):
        return queryset
    if is_contributor(user):
        return queryset.filter(created_by=user.pk)
    return queryset.none()


def on_desk(user, article):
    """Whether `article` is one of desk_articles(user): its change form opens for them."""
    return is_editor(user) or (is_contributor(user) and article.created_by_id == user.pk)


def may_read(user, article):
    if article is None:
        return False
    if is_editor(user) or article.is_public:
        return True
    return is_contributor(user) and article.created_by_id == user.pk


def may_change(user, article):
    """May save changes to `article` (None: may create a new one)."""
    if is_editor(user):
        return True
    if not is_contributor(user):
        return False
    return article is None or (article.created_by_id == user.pk and article.status == Article.Status.DRAFT)


def may_restore(user, article, version):
    """May bring `article` back to the state a django-reversion `version` of it kept.

    Checked against both the article now and the state restored: a Contributor may restore only a
    draft of their own into a draft (never an approved, published or scheduled state, never
    someone else's article).
    """
    if not may_change(user, article):
        return False
    if is_editor(user):
        return True
    kept = version.field_dict
    return kept.get("status") == Article.Status.DRAFT and kept.get("created_by_id") == user.pk


def may_recover(user):
    """Bringing back a deleted article is for Editors: the deletion may have been an editor's decision."""
    return is_editor(user)


def may_change_expert(user):
    """Experts are public the moment they are saved, so only Editors create, change or delete them."""
    return is_editor(user)


def may_upload_image(user):
    """Pictures for a body go to the media store for anyone who may write an article."""
    return may_change(user, None)
