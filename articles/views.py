from django.http import HttpResponse


def home(request):
    return HttpResponse("")


article_list = article_detail = topic_list = topic_detail = category_detail = source_detail = home
