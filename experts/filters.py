import django_filters
from django.db.models.functions import Substr, Upper
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from articles.models import Topic
from experts.models import Expert, in_letter_order, sort_field


class ExpertFilterSet(django_filters.FilterSet):
    letter = django_filters.CharFilter(label="Letter", method="filter_letter", max_length=1)
    topic = django_filters.ModelChoiceFilter(
        label="Topic",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        method="filter_topic",
        empty_label="Any topic",
    )
    organisation = django_filters.CharFilter(label="Organisation", lookup_expr="iexact", max_length=200)

    class Meta:
        model = Expert
        fields = []

    def filter_letter(self, queryset, name, letter):
        return queryset.filter(**{f"{sort_field()}__istartswith": letter})

    @extend_schema_field(OpenApiTypes.STR)  # the API schema: chosen by slug
    def filter_topic(self, queryset, name, topic):
        """Experts whose research interests include the topic or one of its subtopics."""
        return queryset.filter(topics__ancestor_links__ancestor=topic).distinct()


def letters_in_use():
    """The initials under which at least one expert is filed, in the order of the page's language."""
    initials = (
        Expert.objects.annotate(initial=Upper(Substr(sort_field(), 1, 1)))
        .order_by()
        .values_list("initial", flat=True)
        .distinct()
    )
    return in_letter_order(set(initials))
