"""Staff sign-in and sign-out (the auth work adds MFA, lockout, idle timeout, sign-out everywhere)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import path

from civitas.console.views._base import render_page, staff_view


class SignInView(auth_views.LoginView):
    template_name = "console/auth/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    next_page = "console:sign-in"


@staff_view("console.use")
def account(request: HttpRequest) -> HttpResponse:
    return render_page(request, "console/auth/account.html", {"active": "account"})


urls = [
    path("sign-in/", SignInView.as_view(), name="sign-in"),
    path("sign-out/", SignOutView.as_view(), name="sign-out"),
    path("account/", account, name="account"),
]
