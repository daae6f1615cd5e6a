"""The content of the knowledge base, and what is stored beside it so that pages never count.

Content: Article (a piece, in one language, perhaps a version of another: `translation_of`), its
authors in order (ArticleAuthor, to experts.Expert), its related links (RelatedLink: to an article
here, or an entry for one not here yet), the experts its body names (ArticleMention), its review
steps (ReviewStep); and how it is classified: Topic (themes and regions, a tree, with TopicLineage
holding every ancestor pair), Category, Source. Translatable gives topics, categories, sources and
experts their names in other languages.

Who may see an article is one rule, `published_condition()`, behind ArticleQuerySet.published()
(and scheduled(), drafts(), released()): views, feeds, sitemaps, search and the API read through it.

Stored beside the content, written only by the write path (articles.derived) and its helpers:
Tally, TopicExpertTally, TopicCategoryTally, ArticleTally and Timeline (counts, top lists and timelines:
articles.tallies; one alphabet, Counted), SearchTerm, ArticleSearch and ArticleFts (the search
index: articles.search), TaskProgress (long background jobs: articles.maintenance).
"""

from collections import Counter

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from iuliia import WIKIPEDIA as CYRILLIC_TO_LATIN

from articles.addresses import slug_address
from articles.pictures import PictureField
from articles.richtext import clean_html, clean_text_fields, folded_words, one_line


class TopicQuerySet(models.QuerySet):
    def subtree_ids(self, root_ids):
        """Ids of the given topics and of every topic below them."""
        return set(
            TopicLineage.objects.filter(ancestor_id__in=root_ids).values_list("descendant_id", flat=True)
        )

    def on_profile_of(self, expert):
        """The topics an expert's profile shows, read in one query from the stored counts: those they
        name as research interests (`is_interest`) and those they are published under, with
        `expert_article_count` (tagged with the topic itself: "Writes most on") and `under_count`
        (subtopics included: the listing's topic facet). Never counted on the archive."""
        # Joined, not a subquery per topic: the busiest expert is under every topic of the taxonomy.
        tally = models.FilteredRelation(
            "expert_tallies", condition=Q(expert_tallies__expert=expert, expert_tallies__language="")
        )
        interests = self.model.experts.through.objects.filter(topic=models.OuterRef("pk"), expert=expert)
        return (
            self.annotate(tally=tally, is_interest=models.Exists(interests))
            .annotate(
                expert_article_count=Coalesce(F("tally__direct"), 0),
                under_count=Coalesce(F("tally__articles"), 0),
            )
            .filter(Q(under_count__gt=0) | Q(is_interest=True))
            .order_by("name")
        )

    def rebuild_lineage(self):
        """Bring the ancestor/descendant pairs of the whole tree in line with the parent links.

        The taxonomy holds hundreds of topics, not millions, so recomputing the few thousand pairs
        on each change of the tree is cheap; only the pairs that changed are written (a rewrite of
        them all on every save would leave the table full of dead rows until the next vacuum).
        It keeps every read a plain indexed join.
        """
        parents = dict(self.model._default_manager.values_list("id", "parent_id"))
        wanted = {}
        for topic_id in parents:
            ancestor, depth = topic_id, 0
            while ancestor is not None and (ancestor, topic_id) not in wanted:
                wanted[ancestor, topic_id] = depth
                ancestor, depth = parents.get(ancestor), depth + 1
        existing = {
            (ancestor, descendant): (pk, depth)
            for pk, ancestor, descendant, depth in TopicLineage.objects.values_list(
                "pk", "ancestor_id", "descendant_id", "depth"
            )
        }
        stale = [pk for pair, (pk, depth) in existing.items() if wanted.get(pair) != depth]
        missing = [
            TopicLineage(ancestor_id=ancestor, descendant_id=descendant, depth=depth)
            for (ancestor, descendant), depth in wanted.items()
            if existing.get((ancestor, descendant), (None, None))[1] != depth
        ]
        depths = Counter(descendant for _ancestor, descendant in wanted)  # itself and those above
        with transaction.atomic():
            if stale:
                TopicLineage.objects.filter(pk__in=stale).delete()
            if missing:
                TopicLineage.objects.bulk_create(missing)
            moved = [
                Topic(pk=pk, depth=depths[pk] - 1)
                for pk, depth in self.model._default_manager.values_list("pk", "depth")
                if depth != depths[pk] - 1
            ]
            if moved:
                Topic.objects.bulk_update(moved, ["depth"])


class Translatable(models.Model):
    """A row whose names and texts (TRANSLATED) may be written in the site's other languages.

    The fields hold them as first entered, in whatever language; `translations` holds the others,
    {"ru": {"name": "Ричард Вайц", "position": "…"}}, edited in the admin with a field per
    language of settings.LANGUAGES. A page shows `obj.local.name`: the page's language's version,
    else the field itself, so a missing translation shows the other language, never an empty heading.
    A third language needs no new column.
    """

    TRANSLATED = ("name",)

    translations = models.JSONField(
        default=dict, blank=True, help_text="The names and texts in other languages, by language code."
    )

    class Meta:
        abstract = True

    def translated(self, field, language=None):
        """`field` in `language` (the page's by default), else as entered."""
        entry = self.translations.get(language or translation.get_language()) if self.translations else None
        return (entry.get(field) if isinstance(entry, dict) else None) or getattr(self, field)

    @property
    def local(self):
        """The translated fields in the page's language, for templates: `topic.local.name`."""
        return Localized(self)

    def every_name(self):
        """The name in every language it is written in (search indexes them all)."""
        names = [self.name]
        for entry in (self.translations or {}).values():
            if isinstance(entry, dict) and entry.get("name") and entry["name"] not in names:
                names.append(entry["name"])
        return names


def localized(field, prefix=""):
    """A translatable `field` in the page's language as an SQL expression: the translation if there
    is one, else the field (for values() queries: facets, choice lists)."""
    language = translation.get_language()
    return Coalesce(
        # KT() takes no relation path ("expert__translations"): the transforms, spelled out.
        NullIf(KeyTextTransform(field, KeyTransform(language, f"{prefix}translations")), Value("")),
        F(f"{prefix}{field}"),
        output_field=models.CharField(),
    )


class Localized:
    """A Translatable's fields in the page's language (see Translatable.local)."""

    def __init__(self, obj):
        self._obj = obj

    def __getattr__(self, field):
        if field not in self._obj.TRANSLATED:
            raise AttributeError(field)
        return self._obj.translated(field)

    def __getitem__(self, field):
        try:
            return getattr(self, field)
        except AttributeError:
            raise KeyError(field) from None


class Topic(Translatable):
    """A theme ("Nuclear Security") or a region ("Korean Peninsula"); either may nest."""

    class Kind(models.TextChoices):
        THEME = "theme", _("Theme")
        REGION = "region", _("Region")

    TRANSLATED = ("name", "description")

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.THEME, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(blank=True)
    # How far below the top of the tree (0: a top-level topic), kept with the lineage: an article's
    # deepest topics are its most specific ones, which the related fill-in shares (articles.related).
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        super().save(*args, **kwargs)  # the lineage follows: articles.derived.content_changed(tree=True)

    def get_absolute_url(self):
        return slug_address("articles:topic", self.slug)

    def clean(self):
        if self.pk and self.parent_id and self.parent_id in Topic.objects.subtree_ids([self.pk]):
            raise ValidationError(
                {"parent": "A topic cannot be placed under itself or one of its subtopics."}
            )

    def ancestors(self):
        """The topics above this one, outermost first (one query)."""
        links = self.ancestor_links.filter(depth__gt=0).select_related("ancestor").order_by("-depth")
        return [link.ancestor for link in links]


class TopicLineage(models.Model):
    """One (ancestor, descendant) pair of the topic tree, a topic being its own ancestor at depth 0.

    Kept by articles.derived.content_changed(tree=True), which every change of the tree reports
    to; it lets "a topic includes its subtopics" be one
    indexed join in filters and facet counts on both databases.
    """

    ancestor = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="descendant_links")
    descendant = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ancestor", "descendant"], name="topic_lineage_once")]
        indexes = [models.Index(fields=["descendant", "ancestor"], name="lineage_descendant_idx")]

    def __str__(self):
        return f"{self.ancestor_id} > {self.descendant_id}"


class Category(Translatable):
    """The kind of piece: Expert Opinions, Interviews, Reports, News."""

    TRANSLATED = ("name", "description")

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address("articles:category", self.slug)


class Source(Translatable):
    """A publisher whose pieces the knowledge base carries, with the disclaimer it requires (in
    each language its pages print it)."""

    TRANSLATED = ("name", "disclaimer")

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=170, unique=True)
    url = models.URLField("website", blank=True)
    disclaimer = models.TextField(blank=True, help_text="Shown under every article from this source.")

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address("articles:source", self.slug)


def published_condition(prefix=""):
    """The publication rule as a Q object, for querysets that reach articles through a relation.

    `Article.objects.published()` is this with no prefix; `published_condition("article__")`
    filters rows that point at a published article (author links, topic links) without a subquery.
    """
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__lte": timezone.now()})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles a reader may see: published, with a publication time that has come."""
        return self.filter(published_condition())

    def scheduled(self):
        """Approved for publication at a time still to come: hidden until then."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        return self.filter(status=Article.Status.DRAFT)

    def released(self):
        """Published or scheduled: what unpublishing takes back."""
        return self.exclude(status=Article.Status.DRAFT)

    def for_topics(self, topics):
        """Articles under any of the given topics or their subtopics."""
        tagged = Article.topics.through.objects.filter(topic__ancestor_links__ancestor__in=topics)
        return self.filter(pk__in=tagged.values("article_id"))

    def for_topic(self, topic):
        return self.for_topics([topic])

    def for_expert(self, expert):
        return self.filter(article_authors__expert=expert)

    def with_cards(self):
        """Everything an article card shows, in two queries whatever the number of cards."""
        return self.select_related("category", "source").prefetch_related(
            models.Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("expert").order_by("position"),
            )
        )


class ReviewAction(models.TextChoices):
    """A step of an article's review (ReviewStep.action), and so where its review stands."""

    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Sent back"
    APPROVED = "approved", "Approved"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(max_length=320, help_text="Unique among the articles of its language.")
    # One of settings.LANGUAGES (checked by clean(), not by choices: a new language is then a
    # settings change, not a migration).
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text="The piece this one translates: the original, in another language. Each version "
        "of a piece points at the same original.",
    )
    lead = models.TextField(blank=True, help_text="The standfirst: one or two sentences, plain text.")
    body = models.TextField(blank=True, help_text="HTML; anything outside the allow-list is removed.")
    # The body as readers get it: "Also read" lines as link blocks, the first mention of each expert
    # linked to the profile. Written by articles.linking whenever the body, a reference or an expert's
    # names change; blank when it would equal the body (most articles: nothing to link).
    body_html = models.TextField(blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        help_text="A published article with a future date stays hidden until then (scheduled).",
    )
    authors = models.ManyToManyField(
        "experts.Expert", through="ArticleAuthor", related_name="articles", blank=True
    )
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    original_url = models.URLField("original URL", max_length=500, blank=True)
    image = PictureField(
        "lead image",
        folder="articles/%Y",
        blank=True,
        renditions_field="image_renditions",
        widths=(160, 320, 480, 640, 960, 1280),  # a card's thumbnail to the article's column, twice as dense
    )
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)  # articles.pictures
    image_alt = models.CharField("image description", max_length=300, blank=True)
    image_caption = models.CharField(max_length=500, blank=True)
    image_credit = models.CharField(max_length=200, blank=True, help_text='For example "Photo: AP".')
    needs_review = models.BooleanField(
        default=False, help_text="Flagged for an editor, e.g. a title the importer had to derive."
    )
    featured = models.BooleanField(
        default=False,
        help_text="Shown above the latest on the home page of its language (the newest featured piece).",
    )
    review_status = models.CharField(
        "review",
        max_length=10,
        choices=[("", "Not submitted"), *ReviewAction.choices],  # the latest step's action
        default="",
        blank=True,
        db_index=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="articles_created",
        help_text="Who created the article: a Contributor may edit only their own drafts.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()
    # A search's highlighted passage of the article, set on the articles of a page of results
    # (articles.listing). None elsewhere: a card asking for it on other pages then finds it at once
    # (a template's failed lookup of a missing attribute lists the article's every name).
    snippet = None

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        # One index by date serves the listings (newest first, status checked on the way). A
        # (status, date) index was dropped: SQLite's planner then preferred walking every published
        # article over looking up a short list of ids (search results, an expert's authorships).
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="article_date_idx"),
            # The sitemap's last change: the newest edit, found without reading the archive.
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
            # The editors' list of drafts (a few among many): only drafts are in it, so the
            # public queries, which never ask for drafts, are not tempted by it.
            models.Index(
                fields=["-published_at", "-id"], condition=Q(status="draft"), name="article_draft_date_idx"
            ),
            # The home page's featured piece: a few among a million, found without a scan.
            models.Index(
                fields=["-published_at", "-id"], condition=Q(featured=True), name="article_featured_idx"
            ),
            # The desk's pieces flagged for review, a few among many: the walk of every edit newest
            # first to find them took 62 ms at 100,000 articles.
            models.Index(fields=["-updated_at"], condition=Q(needs_review=True), name="article_flagged_idx"),
            # The pieces at a review step: the admin's list of them newest first, the desk's by
            # their last edit. Nearly every piece is at none (""), and SQLite's statistics then
            # say any step holds them all: past the step's own index, it walked every article by
            # date for the few awaiting review (2.2 s at a million). These serve the order too,
            # which SQLite then prefers.
            models.Index(fields=["review_status", "-published_at", "-id"], name="article_review_date_idx"),
            models.Index(fields=["review_status", "-updated_at"], name="article_review_edit_idx"),
            # A piece's versions, among the versions only. Nearly every piece is an original (NULL),
            # and SQLite's statistics then say an original has them all as versions: it walked
            # the archive for a piece's versions (2.3 s at a million), past the foreign key's index.
            models.Index(
                fields=["translation_of"],
                condition=Q(translation_of__isnull=False),
                name="article_versions_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_date",
                violation_error_message="A published article needs a publication date.",
            ),
            # Slug first: the index also finds a slug in any language (an old link, a switch).
            models.UniqueConstraint(
                fields=["slug", "language"],
                name="article_slug_per_language",
                violation_error_message="Another article in this language has this slug.",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="article_one_version_per_language",
                violation_error_message="This piece already has a version in this language.",
            ),
        ]
        permissions = [("publish_article", "Can publish and unpublish articles")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        if not self.slug:
            self.slug = unique_slug(Article, self.title, language=self.language)
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The article under its own language's prefix, whatever the page's language."""
        return slug_address("articles:detail", self.slug, self.language)

    def clean(self):
        if self.language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": "Choose one of the site's languages."})
        if self.translation_of_id:
            original = self.translation_of
            if original.pk == self.pk:
                raise ValidationError({"translation_of": "An article cannot translate itself."})
            if original.translation_of_id:
                # Not named: the original may be a piece the editor of this one may not read.
                raise ValidationError(
                    {"translation_of": "Choose the original piece, not one of its translations."}
                )
            if original.language == self.language:
                raise ValidationError(
                    {"translation_of": "A translation is in another language than its original."}
                )
        if (
            self.slug
            and Article.objects.filter(slug=self.slug, language=self.language).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"slug": "Another article in this language has this slug."})

    @property
    def original_id(self):
        """The id of the piece this article is a version of: its original's, or its own."""
        return self.translation_of_id or self.pk

    def versions(self):
        """The published versions of this piece in other languages (one query), as {language: article}."""
        root = self.original_id
        others = (
            Article.objects.published()
            .filter(Q(pk=root) | Q(translation_of_id=root))
            .exclude(pk=self.pk)
            .order_by()  # by date, SQLite could walk the archive newest first for these few
            .only("slug", "language", "title", "translation_of_id")
        )
        return {other.language: other for other in others}

    @property
    def is_public(self):
        """Whether a reader can see the article now."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        """Published with a publication time still to come."""
        return self.status == self.Status.PUBLISHED and not self.is_public

    def ordered_authors(self):
        """The authors in byline order (uses the prefetch of with_cards() when present)."""
        return [link.expert for link in self.article_authors.all()]

    def publish(self, *, when=None):
        """Mark as published at `when` (default: the date already set, or now)."""
        self.status = self.Status.PUBLISHED
        self.published_at = when or self.published_at or timezone.now()

    def unpublish(self):
        self.status = self.Status.DRAFT


class ArticleAuthor(models.Model):
    """An expert's place in an article's byline."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_authors")
    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "expert"], name="article_author_once"),
        ]
        indexes = [models.Index(fields=["expert", "article"], name="author_expert_article_idx")]
        verbose_name = "author"

    def __str__(self):
        return f"{self.expert} on {self.article}"


class RelatedLink(models.Model):
    """An item of an article's "Related articles" listing, in order, or an "Also read" reference in
    its body.

    It points at an article here (`related`), or, until that article arrives, it is an *entry*: the
    piece as the publisher's page described it (title, date, lead, expert, category). Readers see an
    entry in its place; articles.references links it to the article the moment one with its title is
    saved (an import, an editor's), and a reader sees a link once that article is published.
    """

    class Kind(models.TextChoices):
        LISTING = "listing", "Related listing"
        ALSO_READ = "also-read", "Also read (in the body)"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a deleted article's entry waits again, if it has a title
        related_name="linked_from",
        verbose_name="related article",
    )
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.LISTING)
    title = models.CharField(
        max_length=300, blank=True, help_text="As the publisher's page gives it, for a piece not here yet."
    )
    # The title as references compare it (articles.richtext.folded_words): cases, punctuation and
    # spaces do not matter. Indexed where the entry still waits: an arriving article looks it up.
    title_key = models.CharField(max_length=300, blank=True, editable=False)
    truncated = models.BooleanField(
        default=False, help_text="The page cut the title short (“…”): a longer title starting so matches."
    )
    published_on = models.DateField("date", null=True, blank=True)
    lead = models.TextField(blank=True)
    expert = models.ForeignKey(
        "experts.Expert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField("original URL", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "kind", "related"],
                condition=Q(related__isnull=False),
                name="related_link_once",
            ),
            models.CheckConstraint(
                condition=~Q(article=models.F("related")),
                name="related_link_not_self",
                violation_error_message="An article cannot be related to itself.",
            ),
        ]
        indexes = [
            models.Index(fields=["title_key"], condition=Q(related__isnull=True), name="related_waiting_idx"),
        ]
        verbose_name = "related article"

    def __str__(self):
        # Not the related article's title: the admin shows this string to whoever edits the citing
        # article (an inline row, a delete confirmation), who may not be allowed to read the other.
        return f"{self.article} → {self.title or f'item {self.position + 1}'}"

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        self.title = one_line(self.title)  # as the importer writes it: a backup reads back the same
        self.title_key = folded_words(self.title)
        super().save(*args, **kwargs)

    @property
    def lead_as_listed(self):
        """The lead as the publisher's listing gave it, with "…" where the listing cut it mid-sentence."""
        lead = self.lead.strip()
        return lead if not lead or lead[-1] in '.!?…"”»)' else f"{lead}…"


class ArticleMention(models.Model):
    """An expert named in an article's body, found when it is saved (articles.linking): the first
    mention links to the profile unless an editor unticked `linked`, which later saves keep."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    expert = models.ForeignKey("experts.Expert", on_delete=models.CASCADE, related_name="mentions")
    linked = models.BooleanField(
        default=True, help_text="Untick to leave this expert's name unlinked in this article; it stays so."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "expert"], name="article_mention_once")]
        indexes = [models.Index(fields=["expert", "article"], name="mention_expert_article_idx")]
        verbose_name = "expert mentioned"
        verbose_name_plural = "experts mentioned in the body (the first mention links to the profile)"

    def __str__(self):
        return f"{self.expert} in {self.article}"


class ReviewStep(models.Model):
    """One step of an article's review: who submitted, sent back or approved it, when, and why."""

    Action = ReviewAction

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_steps")
    action = models.CharField(max_length=10, choices=Action)
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.article}"


def slug_for(text):
    """A readable Latin slug: Cyrillic transliterated the way Russian sites write addresses
    (Wikipedia's scheme: "Переговоры о санкциях" -> "peregovory-o-sanktsiyakh"). ASCII is left
    as it is by the scheme, and not given to it: it reads a title letter by letter in Python (0.12
    ms of an English title's 0.14, for every article imported or generated)."""
    text = text or ""
    return slugify(text if text.isascii() else CYRILLIC_TO_LATIN.translate(text))


def unique_slug(model, text, *, max_length=None, language=None):
    """A slug from `text` that no row of `model` uses yet ("title", "title-2", ...); for articles,
    none of `language`'s."""
    max_length = max_length or model._meta.get_field("slug").max_length
    base = slug_for(text)[: max_length - 8].strip("-") or "item"
    rows = model.objects.filter(slug__startswith=base)
    if language is not None:
        rows = rows.filter(language=language)
    taken = set(rows.values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


class Counted(models.TextChoices):
    """What a stored count counts, or a timeline lines up: one alphabet for Tally, Timeline and the
    keys of ArticleTally (written and read by articles.tallies.key() and parse())."""

    ARCHIVE = "a", "Archive"
    TOPIC = "t", "Topic"  # tagged with the topic itself
    UNDER_TOPIC = "u", "Under topic"  # tagged with it or one of its subtopics
    EXPERT = "e", "Expert"
    CATEGORY = "c", "Category"
    SOURCE = "s", "Source"
    YEAR = "y", "Year"
    MENTION = "m", "Mentioned"  # published pieces naming an expert they are not by


class Tally(models.Model):
    """A stored count of published articles: in the archive, under a topic (its subtopics' included),
    by an expert, naming an expert, of a category, of a source or of a year. Kept by
    articles.tallies; pages read it instead of counting the archive."""

    Kind = Counted

    kind = models.CharField(max_length=1, choices=Kind)
    ref = models.BigIntegerField(help_text="The topic's, expert's, category's or source's id; the year; 0.")
    language = models.CharField(max_length=8, blank=True, default="", help_text="Blank: every language.")
    count = models.IntegerField(default=0)
    # Experts' and topics' newest publication, for the sitemap's lastmod. Raised when a piece joins
    # (or changes topics or byline), never lowered: after an unpublication it may be later than the
    # newest piece left, which only makes a crawler look again.
    latest = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref", "language"], name="tally_once")]

    def __str__(self):
        language = f" in {self.language}" if self.language else ""
        return f"{self.get_kind_display()} {self.ref}{language}: {self.count}"


class TopicExpertTally(models.Model):
    """How many published articles an expert wrote under a topic: `articles` with its subtopics (the
    topic page's top experts), `direct` tagged with the topic itself (the expert's top topics)."""

    # No constraint: a deleted topic's or expert's rows are taken down to zero by the recount of
    # its articles, which comes after the delete (and pages join them away meanwhile).
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="expert_tallies"
    )
    expert = models.ForeignKey(
        "experts.Expert", on_delete=models.DO_NOTHING, db_constraint=False, related_name="topic_tallies"
    )
    # Blank: every language. A language's rows count `articles` only (a listing's topic × expert
    # in its language, and a topic page's top experts); an expert's profile reads the blank rows.
    language = models.CharField(max_length=8, blank=True, default="")
    articles = models.IntegerField(default=0)
    direct = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "expert", "language"], name="topic_expert_tally_once")
        ]
        indexes = [
            models.Index(fields=["topic", "-articles"], name="tally_topic_top_idx"),
            models.Index(fields=["expert", "-direct"], name="tally_expert_top_idx"),
        ]

    def __str__(self):
        return f"{self.expert_id} under {self.topic_id}: {self.articles} ({self.direct} directly)"


class TopicCategoryTally(models.Model):
    """How many published articles of a category are under a topic (its subtopics' included), in
    every language (blank) and in each: a topic's page narrowed to a category knows its size
    without intersecting the two in the search index (articles.filters, _stored_alone)."""

    # No constraint, as TopicExpertTally: a deleted topic's or category's rows are taken down to
    # zero by the recount of its articles.
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="category_tallies"
    )
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="topic_tallies"
    )
    language = models.CharField(max_length=8, blank=True, default="")
    articles = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "category", "language"], name="topic_category_tally_once"
            )
        ]

    def __str__(self):
        language = f" in {self.language}" if self.language else ""
        return f"category {self.category_id} under {self.topic_id}{language}: {self.articles}"


class ArticleTally(models.Model):
    """What the stored counts hold for one article, so that a change is counted as a difference:
    the keys it adds 1 to and those placing it on its timelines (empty unless it is public), and,
    for a scheduled piece, when it is due.

    No foreign key: the row outlives a deleted article until its counts are taken back.
    """

    article_id = models.BigIntegerField(primary_key=True)
    keys = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"tally of {self.article_id}"


class Timeline(models.Model):
    """One published article on a timeline: of a topic it is tagged with, of a topic it is under
    (tagged with it or a subtopic), or of an expert who wrote it. Pages read these with short
    walks of one index, whatever the archive's size: the related fill-in (articles.related) an
    article's neighbours in time, the topic and expert listings their newest pieces. Kept by
    articles.tallies with the counts; no foreign key, like ArticleTally."""

    Kind = Counted  # TOPIC, UNDER_TOPIC, EXPERT or MENTION

    kind = models.CharField(max_length=1, choices=Kind)
    ref = models.BigIntegerField(help_text="The topic's or the expert's id.")
    published_at = models.DateTimeField()
    article_id = models.BigIntegerField(db_index=True)
    # Not in the index: a walk in one language skips the others' rows on the way (a few per page).
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "ref", "published_at", "article_id"], name="timeline_walk_idx"),
        ]

    def __str__(self):
        return f"{self.article_id} on {self.get_kind_display().lower()} {self.ref}'s timeline"


class SearchTerm(models.Model):
    """A word of the published archive: the vocabulary "did you mean" suggests from."""

    term = models.CharField(max_length=40, unique=True)

    def __str__(self):
        return self.term


class ArticleSearch(models.Model):
    """PostgreSQL: the weighted tsvector an article is found by, GIN-indexed (unused on SQLite)."""

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    document = SearchVectorField(null=True)
    # Title (A), authors and topics (B) and lead (C) alone: ranking reads this small vector instead
    # of the whole text's, which for a common word would mean reading every matching body.
    summary = SearchVectorField(null=True)

    def __str__(self):
        return f"search document of {self.article_id}"


class FtsTableColumn(models.TextField):
    """The hidden column an FTS5 table has under its own name: MATCH, bm25() and snippet() take it."""


@FtsTableColumn.register_lookup
class FtsMatch(models.Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class ArticleFts(models.Model):
    """SQLite: a row of the FTS5 table `articles_fts` (made by a migration, not managed by Django)."""

    article = models.OneToOneField(
        Article,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="fts",
    )
    title = models.TextField()
    lead = models.TextField()
    body = models.TextField()
    authors = models.TextField()
    topics = models.TextField()
    filters = models.TextField()  # filter terms (articles.search.documents.filter_terms)
    # Each column's adjacent stems, a token a pair (articles.search.sqlite.pairs): a phrase's rows.
    title_pairs = models.TextField()
    lead_pairs = models.TextField()
    authors_pairs = models.TextField()
    topics_pairs = models.TextField()
    document = FtsTableColumn(db_column="articles_fts")

    class Meta:
        managed = False
        db_table = "articles_fts"

    def __str__(self):
        return f"full-text row of {self.article_id}"


class TaskProgress(models.Model):
    """How far a long background job has got (articles.maintenance): the admin dashboard shows it
    beside the task's own row (django_tasks_db's DBTaskResult, same id)."""

    task_id = models.UUIDField(primary_key=True)
    job = models.CharField(max_length=100)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "task progress"

    def __str__(self):
        total = f" of {self.total:,}" if self.total is not None else ""
        return f"{self.job}: {self.done:,}{total}"
