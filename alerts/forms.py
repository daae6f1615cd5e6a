from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alerts.models import Subscription
from articles.models import Topic
from experts.models import Expert


class FollowForm(forms.Form):
    """Follow one thing: an expert (by slug), a topic or region (by slug), a search, or the site."""

    email = forms.EmailField(label=_("Your email address"), max_length=254)
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.INSTANT,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=_("Language of the emails"), choices=settings.LANGUAGES)
    expert = forms.SlugField(required=False, widget=forms.HiddenInput)
    topic = forms.SlugField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        given = [name for name in ("expert", "topic", "q") if data.get(name)]
        if len(given) > 1:
            raise forms.ValidationError(_("Follow one thing at a time."))
        data["kind"], data["target"] = Subscription.Kind.SITE, None
        if data.get("expert"):
            data["kind"] = Subscription.Kind.EXPERT
            data["target"] = Expert.objects.filter(slug=data["expert"]).first()
        elif data.get("topic"):
            data["kind"] = Subscription.Kind.TOPIC
            data["target"] = Topic.objects.filter(slug=data["topic"]).first()
        elif data.get("q", "").strip():
            data["kind"], data["q"] = Subscription.Kind.SEARCH, " ".join(data["q"].split())
        if data["kind"] in (Subscription.Kind.EXPERT, Subscription.Kind.TOPIC) and data["target"] is None:
            raise forms.ValidationError(_("There is nothing by that name to follow."))
        return data

    def subscription_fields(self):
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "expert": data["target"] if data["kind"] == Subscription.Kind.EXPERT else None,
            "topic": data["target"] if data["kind"] == Subscription.Kind.TOPIC else None,
            "query": data["q"] if data["kind"] == Subscription.Kind.SEARCH else "",
        }
