from django.http import HttpResponse


def expert_list(request):
    return HttpResponse("")


expert_detail = expert_list
