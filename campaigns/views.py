"""Pages of the campaigns app."""

from django.shortcuts import render


def home(request):
    return render(request, "campaigns/home.html")
