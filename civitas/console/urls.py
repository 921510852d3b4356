"""The staff console at /console/. Each views module owns its routes (a list named `urls`).

Every route name here must be in civitas.accounts.permissions.ROUTE_RULES (a test checks).
"""

from civitas.console.views import auth, intake, people, queues, search, supervisor, tokens, workspace

app_name = "console"

urlpatterns = [
    *auth.urls,
    *queues.urls,
    *search.urls,
    *workspace.urls,
    *people.urls,
    *intake.urls,
    *supervisor.urls,
    *tokens.urls,
]
