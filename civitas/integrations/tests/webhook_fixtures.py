"""Fixtures and helpers shared by the webhook tests (imported by each test_webhooks*.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civitas.cases.tests.conftest import (  # noqa: F401  (fixtures shared with the cases tests)
    caseworker,
    make_case,
    other_service_type,
    person,
    service_type,
    supervisor,
    team,
)

HANDLER_TASK = "civitas.core.tasks.run_event_handler"
DELIVERY_TASK = "civitas.integrations.tasks.deliver_webhook"


@pytest.fixture
def make_subscription(department_admin, department, settings):
    """make_subscription(url=..., events=[...], actor=department_admin, departments=[department]) → subscription."""
    from civitas.integrations.webhooks.subscriptions import EVENTS, webhook_subscription_create

    def make(url: str = "https://hooks.example.org/civitas", events=None, actor=None, departments=None, **extra):
        actor = actor or department_admin
        departments = [department] if departments is None else departments
        return webhook_subscription_create(
            actor=actor,
            name=extra.pop("name", "Works orders"),
            url=url,
            events=list(EVENTS) if events is None else events,
            department_ids=[d.pk for d in departments],
            **extra,
        )

    return make


def run_integration_handlers() -> int:
    """Run the queued event-handler tasks of this app as the worker would; returns how many ran."""
    from django_tasks_db.models import DBTaskResult

    from civitas.core.tasks import run_event_handler

    ran = 0
    for row in DBTaskResult.objects.filter(task_path=HANDLER_TASK).order_by("enqueued_at"):
        kwargs = row.args_kwargs["kwargs"]
        if not kwargs["handler_path"].startswith("civitas.integrations."):
            continue
        row.delete()
        run_event_handler.call(**kwargs)
        ran += 1
    return ran


def delivery_tasks() -> list:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path=DELIVERY_TASK).order_by("enqueued_at"))


def run_deliveries() -> list[str]:
    """Run every queued delivery task once (whatever its run_after); returns the outcomes."""
    from civitas.integrations.tasks import deliver_webhook

    outcomes = []
    for row in delivery_tasks():
        row.delete()
        outcomes.append(deliver_webhook.call(**row.args_kwargs["kwargs"]))
    return outcomes


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server answering every POST with `status` (and `location` for redirects)."""

    status: int = 200
    location: str = ""
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?source=civitas"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            answer = b"ok" if receiver.status < 300 else b"receiver broke\n  badly"
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 (private addresses allowed for the test)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
