from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView


def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


admin.site.site_header = "Civitas administration"
admin.site.site_title = "Civitas admin"

urlpatterns = [
    path("", include("civitas.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("", include("civitas.api.urls")),
    path("console/", include("civitas.console.urls")),
    # Staff sign in once, at the console's sign-in (lockout, MFA, audit); the admin's own form is not used.
    path("admin/login/", RedirectView.as_view(pattern_name="console:sign-in", query_string=True)),
    path("admin/", admin.site.urls),
]
