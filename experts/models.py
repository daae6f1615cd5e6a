"""Experts: the named authors of commentary (Expert), their links elsewhere (ExpertLink) and
every form of their names that the body of an article may use (ExpertName: what articles.linking
looks a body's names up in, to find mentions). Their names in other languages come from articles.models'
Translatable; their article counts from the stored counts (Tally), never from a count of the archive.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from articles.addresses import slug_address
from articles.models import CYRILLIC_TO_LATIN, Tally, Translatable, unique_slug
from articles.pictures import PictureField
from articles.richtext import clean_html, clean_text_fields, fold, folded_words
from experts.names import CYRILLIC, CYRILLIC_LANGUAGES, cyrillic_sort_name, guess_sort_name


def in_latin_script(language):
    return (language or "").split("-")[0] not in CYRILLIC_LANGUAGES


def latin_letters(text):
    """Cyrillic in Latin letters as Wikipedia writes Russian names ("Игорь Белов" → "Igor Belov")."""
    return CYRILLIC_TO_LATIN.translate(text) if CYRILLIC.search(text or "") else text


def sort_field(language=None):
    """The field the A–Z index of a page in `language` (the page's) files experts by."""
    return (
        "latin_sort_name" if in_latin_script(language or translation.get_language()) else "cyrillic_sort_name"
    )


def in_letter_order(letters, language=None):
    """Letters as the A–Z index of a page in `language` lists them: in a Cyrillic-script language,
    its own alphabet first, then the Latin letters of the names it has in Latin only."""
    if in_latin_script(language or translation.get_language()):
        return sorted(letters)
    return sorted(letters, key=lambda letter: (not CYRILLIC.match(letter), letter))


# Experts whose name Russian pages show in Latin letters (no Cyrillic name given): Cyrillic letters
# sort after U+0400, Latin ones before it.
NAMED_IN_LATIN_ONLY = models.Q(cyrillic_sort_name__lt="\u0400")

SORT_AND_SEARCH_NAMES = ("search_names", "latin_sort_name", "cyrillic_sort_name")  # refresh_search_names()


class ExpertQuerySet(models.QuerySet):
    def in_index_order(self):
        """A to Z as the page's language files them: a Russian-only name among the Latin ones in
        English; in Russian, the names given in Russian from А to Я, then those in Latin only."""
        field = sort_field()
        if in_latin_script(translation.get_language()):
            return self.order_by(field, "name")
        return self.order_by(models.Case(models.When(NAMED_IN_LATIN_ONLY, then=1), default=0), field, "name")

    def top_under_topic(self, topic, limit, language=""):
        """The experts most published under `topic` (its subtopics included) in `language` (blank:
        every language), with `topic_article_count` set: read from the stored counts, never counted
        on the archive."""
        return (
            self.filter(
                topic_tallies__topic=topic, topic_tallies__language=language, topic_tallies__articles__gt=0
            )
            .annotate(topic_article_count=models.F("topic_tallies__articles"))
            .order_by("-topic_article_count", "last_name", "name")[:limit]
        )

    def with_article_counts(self, experts):
        """The given experts (a page of them) with `article_count` set on each, from the stored counts."""
        experts = list(experts)
        stored = Tally.objects.filter(kind=Tally.Kind.EXPERT, ref__in=[expert.pk for expert in experts])
        counts = dict(stored.values_list("ref", "count"))
        for expert in experts:
            expert.article_count = counts.get(expert.pk, 0)
        return experts


class Expert(Translatable):
    """A named author of commentary, with the position and organisation shown in bylines."""

    TRANSLATED = ("name", "position", "organisation", "bio")

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=170, unique=True)
    last_name = models.CharField(
        "sort name",
        max_length=80,
        blank=True,
        db_index=True,
        help_text="What the A–Z index files the expert under: “Weitz” for Richard Weitz, “Lee” for Lee "
        "Jae-Young. Left blank, it is guessed from the name (the family name: the first word of a Korean, "
        "Chinese or Japanese name written family name first, else the last word).",
    )
    other_names = models.TextField(
        blank=True,
        help_text="Other spellings articles may use, one a line (“R. Weitz”, “Ричарда Вайца”): a body "
        "naming the expert so links to the profile too.",
    )
    position = models.CharField(
        max_length=300,
        blank=True,
        help_text='For example "Senior Fellow and Director of the Center for Political-Military Analysis".',
    )
    organisation = models.CharField(max_length=200, blank=True, db_index=True)
    country = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True, help_text="HTML; anything outside the allow-list is removed.")
    photo = PictureField(
        folder="experts",
        blank=True,
        renditions_field="photo_renditions",
        widths=(56, 112, 160, 320),  # the portraits' boxes (28, 56 and 160 px), and twice as dense
    )
    photo_renditions = models.JSONField(default=dict, blank=True, editable=False)  # articles.pictures
    topics = models.ManyToManyField(
        "articles.Topic", related_name="experts", blank=True, verbose_name="research interests"
    )
    # Every name in every language, case-folded: what the search box's "Experts:" looks words up in
    # (SQLite compares only ASCII letters case-insensitively, and not inside JSON at all).
    search_names = models.TextField(blank=True, editable=False)
    # The sort name in Latin letters ("Belov" for "Белов"): how pages in a Latin-script language file
    # the expert, among the other Latin names rather than after Z.
    latin_sort_name = models.CharField(max_length=80, blank=True, db_index=True, editable=False)
    # And in Cyrillic where the name is given so: how a Russian page files the expert ("Вайц" for
    # Richard Weitz, given in Russian as "Ричард Вайц"); the Latin sort name where it is not.
    cyrillic_sort_name = models.CharField(max_length=80, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        clean_text_fields(self)
        if not self.slug:
            self.slug = unique_slug(Expert, self.name)
        if not self.last_name:
            self.last_name = guess_sort_name(self.name)[: self._meta.get_field("last_name").max_length]
        self.bio = clean_html(self.bio)
        for entry in (self.translations or {}).values():
            if isinstance(entry, dict) and entry.get("bio"):
                entry["bio"] = clean_html(entry["bio"])
        self.refresh_search_names()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *SORT_AND_SEARCH_NAMES}
        super().save(*args, **kwargs)  # experts.signals then writes its ExpertName rows

    def get_absolute_url(self):
        return slug_address("experts:detail", self.slug)

    def name_inverted(self):
        """ "Weitz, Richard": the name as bibliographies file it (the whole name if it has one part)."""
        last = self.last_name.strip()
        if last and self.name.endswith(last) and self.name[: -len(last)].strip():
            return f"{last}, {self.name[: -len(last)].strip()}"
        return self.name

    def refresh_search_names(self):
        """Set search_names and latin_sort_name from the names (bulk writers call this; save() does)."""
        names = self.every_name()
        latin = latin_letters(self.name)
        if latin != self.name:
            names.append(latin)  # "Belov" finds Белов too
        self.search_names = " ".join(fold(name) for name in names)
        self.latin_sort_name = latin_letters(self.last_name)[:80]
        self.cyrillic_sort_name = cyrillic_sort_name(self.name, self.last_name, self.translations)[:80]

    def translated(self, field, language=None):
        """As Translatable's, but a page in a Latin-script language never shows Cyrillic it was not
        given in its own language: the name transliterated ("Igor Belov"), and no position,
        organisation or biography rather than a Russian one."""
        value = super().translated(field, language)
        if not in_latin_script(language or translation.get_language()) or not CYRILLIC.search(value or ""):
            return value
        return latin_letters(value) if field == "name" else ""

    def mention_names(self):
        """Every name a body may name the expert by: in every language, and the other spellings."""
        return [*self.every_name(), *(line.strip() for line in self.other_names.splitlines() if line.strip())]

    @property
    def initials(self):
        """ "RW": the portrait's placeholder (the first letters of the first and the last word)."""
        words = [word for word in self.translated("name").split() if word[:1].isalpha()]
        return "".join(word[0] for word in (words[:1] + words[-1:] if len(words) > 1 else words)).upper()

    @property
    def initial(self):
        """The letter the expert is filed under in the A–Z index of the page's language."""
        sort_name = getattr(self, sort_field())
        return (sort_name or self.name or "#")[:1].upper()

    @property
    def affiliation(self):
        """Position and organisation as a byline shows them."""
        parts = (self.translated("position"), self.translated("organisation"))
        return ", ".join(part for part in parts if part)


class ExpertLink(models.Model):
    """A personal link on an expert's profile: homepage, publications, social account."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class ExpertName(models.Model):
    """One name of an expert as bodies are searched for it (articles.richtext.folded_words): the
    mention finder looks up a body's capitalised word runs here, one indexed query an article."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200, db_index=True)

    def __str__(self):
        return self.name

    @classmethod
    def write_for(cls, experts):
        """Bring the names of these experts in line with their fields (experts.signals calls this
        after a save, before the bodies naming them are looked up; bulk writers call it themselves)."""
        experts = [expert for expert in experts if expert.pk]
        wanted = {
            (expert.pk, key)
            for expert in experts
            for key in map(folded_words, expert.mention_names())
            if key and len(key) <= 200
        }
        held = set(cls.objects.filter(expert__in=experts).values_list("expert_id", "name"))
        if held == wanted:
            return
        cls.objects.filter(expert__in=experts).delete()
        cls.objects.bulk_create(cls(expert_id=pk, name=name) for pk, name in sorted(wanted))
