"""The editorial desk's workflow in the admin: the body's editor and its picture upload, review,
versions (compare, restore), refusing stale saves, the schedule and the dashboard. ArticleAdmin
(articles/admin.py) wires these in."""

import base64
import difflib
import mimetypes
from datetime import datetime

import reversion
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.tasks import TaskResultStatus
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_prose_editor.widgets import AdminProseEditorWidget
from django_tasks_db.models import DBTaskResult, get_date_max
from reversion.models import Version

from articles import permissions, pictures, references, review, richtext
from articles.models import Article, ArticleAuthor, RelatedLink, ReviewStep, TaskProgress, Topic
from articles.pagination import whole_number
from articles.pictures import PictureFormField
from experts.models import Expert

COMPARED_FIELDS = [
    "Title",
    "Lead",
    "Body",
    "Authors",
    "Topics",
    "Related articles",
    "Status",
    "Publication date",
]


def body_editor():
    """The body's editor (django-prose-editor, docs/editor.md): what it can write is what
    articles.richtext allows, so nothing an editor makes is lost when the body is cleaned."""
    return AdminProseEditorWidget(
        config={
            "extensions": {
                "Bold": True,
                "Italic": True,
                "Underline": True,
                "Strike": True,
                "Subscript": True,
                "Superscript": True,
                "Heading": {"levels": [2, 3, 4]},
                "BulletList": True,
                "OrderedList": True,
                "ListItem": True,
                "Blockquote": True,
                "HorizontalRule": True,
                "HardBreak": True,
                "Link": {"enableTarget": False, "protocols": sorted(richtext.URL_SCHEMES)},
                "Figure": {"pickerUrl": reverse("admin:articles_article_image")},
                "Caption": True,
                "Image": True,
                "Table": True,
                "TableRow": True,
                "TableHeader": True,
                "TableCell": True,
                "History": True,
            }
        },
        preset="article",
    )


class ArticleAdminForm(forms.ModelForm):
    """The article form, refusing to save over a change someone else saved after it was opened."""

    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)
    # The site's languages (settings.LANGUAGES): the model field has no choices, so that a new
    # language needs no migration.
    language = forms.ChoiceField(choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE, required=False)

    class Meta:
        model = Article
        fields = ["title"]  # the admin passes the fields of its fieldsets instead

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_updated_at"].initial = self.instance.updated_at.isoformat()
        if "language" in self.fields:
            self.fields["language"].choices = settings.LANGUAGES
        if "body" in self.fields:
            self.fields["body"].widget = body_editor()
        if "published_at" in self.fields:
            self.fields["published_at"].help_text += " " + desk_time_zone_note()

    def clean_language(self):
        """Left out (a form of an older page, a script): the article keeps its language."""
        return self.cleaned_data.get("language") or self.instance.language or settings.LANGUAGE_CODE

    def clean(self):
        cleaned = super().clean()
        seen = parse_datetime(self.data.get("seen_updated_at") or "")
        if self.instance.pk and seen and self.instance.updated_at != seen:
            raise ValidationError(stale_message(self.instance, seen))
        return cleaned


def stale_message(article, seen):
    latest = Version.objects.get_for_object(article).select_related("revision__user").first()
    who = f" by {latest.revision.user}" if latest and latest.revision.user else ""
    changed = changes_since(article, seen)
    what = f" They changed: {', '.join(changed)}." if changed else ""
    when = timezone.localtime(article.updated_at).strftime("%d %b %Y %H:%M:%S")
    return (
        f"This article was saved{who} at {when}, after you opened it, so your changes were not saved "
        f"over theirs.{what} Your edits are still in the form below: keep a copy of what you need, "
        "reload the page to see the current version, and make your changes there."
    )


def changes_since(article, seen):
    """The fields that differ between the version saved before `seen` and the article now."""
    before = (
        Version.objects.get_for_object(article)
        .filter(revision__date_created__lte=seen)
        .select_related("revision")
        .first()
    )
    now = Version.objects.get_for_object(article).select_related("revision").first()
    if before is None or now is None:
        return []
    old, new = described(before), described(now)
    return [name for name in COMPARED_FIELDS if old[name] != new[name]]


def described(version, readable=None):
    """What an editor compares, as text, from a version and the versions saved with it; related
    articles are named only among `readable` (default: all), else by their entry's title."""
    data = version.field_dict
    followers = list(version.revision.version_set.exclude(pk=version.pk))
    authors = sorted(
        (v.field_dict for v in followers if v.content_type.model_class() is ArticleAuthor),
        key=lambda f: f["position"],
    )
    links = sorted(
        (
            v.field_dict
            for v in followers
            if v.content_type.model_class() is RelatedLink
            and v.field_dict.get("kind", RelatedLink.Kind.LISTING) == RelatedLink.Kind.LISTING
        ),
        key=lambda f: f["position"],
    )
    experts = dict(Expert.objects.filter(pk__in=[a["expert_id"] for a in authors]).values_list("pk", "name"))
    related = [r["related_id"] for r in links if r["related_id"]]
    existing = set(Article.objects.filter(pk__in=related).values_list("pk", flat=True))
    readable = Article.objects.all() if readable is None else readable
    titles = dict(readable.filter(pk__in=related).values_list("pk", "title"))
    unnamed = dict.fromkeys(existing, "(an article not public yet)")
    topics = sorted(Topic.objects.filter(pk__in=data.get("topics", [])).values_list("name", flat=True))
    published = data.get("published_at")
    return {
        "Title": data.get("title", ""),
        "Lead": data.get("lead", ""),
        "Body": data.get("body", ""),
        "Authors": "\n".join(experts.get(a["expert_id"], "(deleted expert)") for a in authors),
        "Topics": "\n".join(topics),
        "Related articles": "\n".join(
            titles.get(r["related_id"]) or r.get("title") or unnamed.get(r["related_id"], "(deleted article)")
            for r in links
        ),
        "Status": data.get("status", ""),
        "Publication date": published.isoformat() if isinstance(published, datetime) else "",
    }


def compare_view(model_admin, request, object_id):
    article = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    versions = Version.objects.get_for_object(article).select_related("revision__user")
    if not model_admin.has_view_or_change_permission(request, article):
        raise PermissionDenied
    chosen = [whole_number(request.GET.get(name, "")) for name in ("old", "new")]
    old, new = (
        (versions.filter(pk=chosen[0]).first(), versions.filter(pk=chosen[1]).first())
        if all(number is not None for number in chosen)
        else (versions[1] if len(versions) > 1 else None, versions.first())
    )
    if old is None or new is None:
        raise Http404("Choose two versions of this article.")
    readable = permissions.readable_articles(request.user)
    before, after = described(old, readable), described(new, readable)
    differ = difflib.HtmlDiff(wrapcolumn=60)
    rows = [
        {
            "name": name,
            "changed": before[name] != after[name],
            "table": differ.make_table(
                before[name].splitlines(), after[name].splitlines(), "Older", "Newer", context=True
            )
            if before[name] != after[name]
            else "",
        }
        for name in COMPARED_FIELDS
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": article,
        "title": f"Compare versions of “{article}”",
        "versions": versions,
        "old": old,
        "new": new,
        "rows": rows,
        "can_restore": permissions.may_restore(request.user, article, old),
    }
    return TemplateResponse(request, "admin/articles/article/compare.html", context)


def restore_view(model_admin, request, object_id, version_id):
    article = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
    # Checked against the state restored too: a Contributor cannot bring back an approved version.
    if request.method != "POST" or not permissions.may_restore(request.user, article, version):
        raise PermissionDenied
    with reversion.create_revision():
        version.revision.revert(delete=True)
        reversion.set_user(request.user)
        when = timezone.localtime(version.revision.date_created).strftime("%d %b %Y %H:%M")
        reversion.set_comment(f"Restored the version of {when}")
        Article.objects.get(pk=article.pk).save()  # record the restored state as the newest version
    messages.success(request, f"Restored the version of {when}.")
    return redirect(reverse("admin:articles_article_change", args=[article.pk]))


def desk_time_zone_note():
    """Which zone the desk's times are in (settings.DESK_TIME_ZONE: the admin's active zone)."""
    now = timezone.localtime()
    offset = now.strftime("%z")  # "+0300"
    name = timezone.get_current_timezone_name()
    return f"Times are in {name} (UTC{offset[:3]}:{offset[3:]}, now {now:%H:%M})."


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve and publish"), ("return", "Send back to the author")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        help_text="Leave empty to publish now; a later time schedules the article.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].help_text += " " + desk_time_zone_note()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("note"):
            self.add_error("note", "Say what the author should change.")
        return cleaned


def submit_view(model_admin, request, object_id):
    """A Contributor (or anyone who may edit the draft) hands it to the Editors."""
    article = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    if not model_admin.has_change_permission(request, article) or article.status != Article.Status.DRAFT:
        raise PermissionDenied
    if request.method == "POST":
        review.submit_for_review(article, request.user)
        messages.success(request, "Submitted for review: an editor will approve it or send it back.")
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))
    return _review_page(model_admin, request, article, form=None)


def review_view(model_admin, request, object_id):
    """An Editor approves (now or at a set time) or sends back a submitted draft, with a note."""
    article = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    if not model_admin.has_publish_permission(request) or article.status != Article.Status.DRAFT:
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            review.approve(
                article, request.user, form.cleaned_data["note"], when=form.cleaned_data["publish_at"]
            )
            state = "scheduled" if article.is_scheduled else "published"
            messages.success(request, f"Approved and {state}.")
        else:
            review.send_back(article, request.user, form.cleaned_data["note"])
            messages.success(request, "Sent back to the author with your note.")
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))
    return _review_page(model_admin, request, article, form=form)


def _review_page(model_admin, request, article, *, form):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": article,
        "title": f"Review “{article}”" if form else f"Submit “{article}” for review",
        "form": form,
        "steps": article.review_steps.select_related("user"),
    }
    return TemplateResponse(request, "admin/articles/article/review.html", context)


def schedule_view(model_admin, request):
    """The pieces scheduled for publication, by date."""
    scheduled = model_admin.get_queryset(request).scheduled().order_by("published_at", "id")
    days = {}
    for article in scheduled[:500]:
        days.setdefault(timezone.localtime(article.published_at).date(), []).append(article)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Publication schedule",
        "days": sorted(days.items()),
        "time_zone_note": desk_time_zone_note(),
    }
    return TemplateResponse(request, "admin/articles/article/schedule.html", context)


def dashboard(user, *, rows=10):
    """What an editor's desk needs at a glance (a fixed number of queries)."""
    articles = permissions.desk_articles(user, Article.objects.order_by())
    may_see_tasks = user.has_perm("django_tasks_database.view_dbtaskresult")
    return {
        # References imported from publishers' pages whose article is not here yet, with the pages
        # (that the user may read) citing them: to write or import next.
        "waiting_references": references.waiting(permissions.readable_articles(user)),
        "awaiting_review": articles.drafts()
        .filter(review_status=ReviewStep.Action.SUBMITTED)
        .order_by("-updated_at")[:rows],
        "sent_back": articles.drafts()
        .filter(review_status=ReviewStep.Action.RETURNED)
        .order_by("-updated_at")[:rows],
        "scheduled": articles.scheduled().order_by("published_at")[:rows],
        # A Contributor's lists hold their own pieces only: the empty ones say so.
        "own_only": not permissions.is_editor(user),
        "recently_published": articles.published().order_by("-published_at")[:rows],
        "flagged": articles.filter(needs_review=True).order_by("-updated_at")[:rows],
        "experts_to_complete": Expert.objects.filter(Q(photo="") | Q(bio="")).order_by("last_name")[:rows],
        # Background tasks under way and those that failed, for those who may see the tasks
        # (Editors): None for others.
        "tasks_under_way": tasks_under_way(rows) if may_see_tasks else None,
        "failed_tasks": DBTaskResult.objects.failed().order_by("-finished_at")[:rows]
        if may_see_tasks
        else None,
    }


def tasks_under_way(rows):
    """The tasks running or waiting, those running first (one query): each with `job`, `done` and
    `total` from its TaskProgress (None without one) and `waits_until`, the time it waits for (None
    if it may run now)."""
    progress = TaskProgress.objects.filter(task_id=OuterRef("pk"))
    tasks = list(
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.RUNNING, TaskResultStatus.READY])
        .annotate(**{field: Subquery(progress.values(field)[:1]) for field in ("job", "done", "total")})
        .order_by("-status", "enqueued_at")[:rows]  # "RUNNING" > "READY": those running first
    )
    now, never = timezone.now(), get_date_max()  # a task without a run_after has the largest date
    for task in tasks:
        task.waits_until = task.run_after if now < task.run_after < never else None
    return tasks


def preview(model_admin, request, object_id):
    """The article as the form now says, exactly as a reader will see it, without keeping anything.

    The form is saved through the admin's own path (so authors, topics, related links and every
    rule apply), the public article page is rendered from the saved state, then the transaction is
    rolled back: nothing of the preview stays, not even the admin's "saved" message, nor a picture
    it uploaded (shown in the page as a data: URL, then deleted from the media store).
    """
    from articles.views import article_detail, keep_private

    request.uploaded_files = []
    try:
        with transaction.atomic():
            saved = model_admin.changeform_view(request, object_id)
            if saved.status_code != 302:
                transaction.set_rollback(True)
                return saved  # the form with its errors, as a save would show it
            page = article_detail(request, request.POST.get("slug", ""))
            transaction.set_rollback(True)
        list(messages.get_messages(request))  # drop "was saved": it was not
        for picture in request.uploaded_files:
            page.content = page.content.replace(picture.url.encode(), _data_url(picture).encode())
        return keep_private(page)
    finally:
        for picture in request.uploaded_files:
            picture.storage.delete(picture.name)


def _data_url(picture):
    with picture.storage.open(picture.name, "rb") as stored:
        data = base64.b64encode(stored.read()).decode()
    return f"data:{mimetypes.guess_type(picture.name)[0]};base64,{data}"


class ImageUploadForm(forms.Form):
    image = PictureFormField()
    alt_text = forms.CharField(
        label="Description (alt text)",
        max_length=300,
        help_text="What the picture shows, for readers who cannot see it.",
    )
    caption = forms.CharField(max_length=500, required=False)


def image_view(model_admin, request):
    """The body editor's picture picker (its Figure's "Browse..."): a picture uploaded to the media
    store, handed back to the editor with its description and caption (the picker protocol the
    editor speaks: window.opener.CKEDITOR.tools.callFunction, static/admin/js/image-picker.js)."""
    if not permissions.may_upload_image(request.user):
        raise PermissionDenied
    form = ImageUploadForm(request.POST or None, request.FILES or None)
    uploaded = None
    if request.method == "POST" and form.is_valid():
        name = pictures.store(form.cleaned_data["image"], "articles/body/%Y", default_storage)
        uploaded = {
            "url": default_storage.url(name),
            "alt_text": form.cleaned_data["alt_text"],
            "caption": form.cleaned_data["caption"],
        }
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Insert a picture",
        "form": form,
        "uploaded": uploaded,
        "callback": request.GET.get("CKEditorFuncNum", ""),
        "is_popup": True,
    }
    return TemplateResponse(request, "admin/articles/article/image.html", context)
