"""The project's URLs plus `POST /bench/bare-insert`: a bare Django view that inserts one row.

It is the yardstick of the Open311 POST benchmark: the same server, settings, middleware and database,
and the least a view that writes can do (one INSERT in its own transaction, a small JSON answer).
"""

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns

TABLE = "bench_bare_insert"


@csrf_exempt
def bare_insert(request: HttpRequest) -> JsonResponse:
    body = request.POST.get("description", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [body])
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/bare-insert", bare_insert, name="bench-bare-insert"), *project_urlpatterns]
