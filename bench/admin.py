"""Admin benchmark: the editorial admin's change lists, search, filters and autocomplete at scale.

    python bench/admin.py [--sizes 100000] [--databases postgres sqlite] [--requests 10]

Same bench databases as bench/search.py (generated on first use). Writes bench/results/admin.json
and the "Editorial admin" section of docs/performance.md.
"""

import json
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def autocomplete(model_name, field_name, term):
    query = {"term": term, "app_label": "articles", "model_name": model_name, "field_name": field_name}
    return "/admin/autocomplete/?" + urlencode(query)


def child(url, size, requests):
    common.setup_django()
    common.ensure_corpus(size, **common.corpus_shape(size))
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from articles.models import Article, Category

    editor, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    editor.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(editor)
    article = Article.objects.order_by("-id").first()
    category = Category.objects.first()
    cases = {
        "dashboard": "/admin/",
        "article list": "/admin/articles/article/",
        "article list, page 50": "/admin/articles/article/?p=50",
        "article search: a common word": "/admin/articles/article/?q=security",
        "article search: a common word in a category": (
            f"/admin/articles/article/?q=security&category__id__exact={category.pk}"
        ),
        # A filter the index does not hold: the best ids the filter keeps are read first, then paged.
        "article search: a common word among drafts": (
            "/admin/articles/article/?q=security&status__exact=draft"
        ),
        "article search: a title's slug": f"/admin/articles/article/?q={article.slug}",
        "article filter: drafts": "/admin/articles/article/?status__exact=draft",
        "article filter: category": f"/admin/articles/article/?category__id__exact={category.pk}",
        "article filter: awaiting review": "/admin/articles/article/?review_status__exact=submitted",
        "article form": f"/admin/articles/article/{article.pk}/change/",
        "expert list": "/admin/experts/expert/",
        "expert search": "/admin/experts/expert/?q=smith",
        "autocomplete: related article": autocomplete("relatedlink", "related", "security"),
        "autocomplete: related, by slug": autocomplete("relatedlink", "related", article.slug),
        "autocomplete: author": autocomplete("articleauthor", "expert", "an"),
        "schedule": "/admin/articles/article/schedule/",
    }
    results = {
        label: {"url": path, **common.measure(client, path, requests=requests)}
        for label, path in cases.items()
    }
    print(json.dumps({"cases": results}))


def describe(requests):
    return (
        f"In-process server time of each admin page for a signed-in editor over {requests} requests"
        " after 3 warm-up requests (5,000 experts, 300 topics). Change lists show no full count"
        " (`show_full_result_count = False`), and the article list counts at most 10,000."
    )


def main():
    common.page_benchmark(
        Path(__file__),
        child,
        name="admin",
        section="Editorial admin",
        describe=describe,
        sizes=[100000],
        databases=["postgres", "sqlite"],
        requests=10,
    )


if __name__ == "__main__":
    main()
