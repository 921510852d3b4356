"""Portal: the home page and the service catalogue."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


urls: list[URLPattern] = [
    path("", home, name="home"),
]
