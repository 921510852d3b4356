"""Stand-ins for the portal routes the emails link to (same names and paths as civitas/portal/views).

The notification tests use this URL conf so they do not depend on the portal pages being present;
test_real_portal_routes checks the real routes reverse with the same arguments.
"""

from django.http import HttpResponse
from django.urls import include, path


def _page(request, **kwargs):
    return HttpResponse("ok")


portal_patterns = [
    path("track/<str:token>/", _page, name="track-case"),
    path("requests/<str:reference>/", _page, name="request"),
    path("satisfaction/<str:token>/", _page, name="satisfaction"),
    path("account/sign-in/<str:token>/", _page, name="sign-in-link"),
]

urlpatterns = [path("", include((portal_patterns, "portal"), namespace="portal"))]
