import logging

from civitas.core.redact import RedactSecretsFilter, redact_path


def test_token_segments_are_redacted():
    assert redact_path("/track/abcDEF_123-x/") == "/track/[token]/"
    assert redact_path("/track/abc/follow/") == "/track/[token]/follow/"
    assert redact_path("/satisfaction/tok/") == "/satisfaction/[token]/"
    assert redact_path("/account/sign-in/tok123/") == "/account/sign-in/[token]/"
    assert redact_path("Forbidden (CSRF): /track/secret/unfollow/") == "Forbidden (CSRF): /track/[token]/unfollow/"


def test_pages_without_tokens_are_left_alone():
    for path in ("/track/", "/account/sign-in/", "/account/sign-in/sent/", "/requests/SR-2026-000001/"):
        assert redact_path(path) == path


def test_the_filter_rewrites_messages_and_arguments():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/track/s3cret/",), None
    )
    RedactSecretsFilter().filter(record)
    assert "s3cret" not in record.getMessage()
    assert record.getMessage() == "Not Found: /track/[token]/"


def test_the_gunicorn_access_log_drops_tokens_and_query_strings():
    from types import SimpleNamespace

    from config.gunicorn import RedactingLogger

    logger = RedactingLogger(SimpleNamespace(**_gunicorn_cfg()))
    environ = {
        "PATH_INFO": "/track/s3cret/",
        "QUERY_STRING": "email=a@b.example",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "RAW_URI": "/track/s3cret/?email=a@b.example",
    }
    response = SimpleNamespace(status="200 OK", response_length=10, headers=[], sent=10)
    request = SimpleNamespace(headers=[], method="GET", path="/track/s3cret/", query="email=a@b.example")
    atoms = logger.atoms(response, request, environ, _delta())
    assert "s3cret" not in str(atoms) and "a@b.example" not in str(atoms)


def _gunicorn_cfg() -> dict:
    from gunicorn.config import Config

    config = Config()
    return {name: setting.get() for name, setting in config.settings.items()}


def _delta():
    from datetime import timedelta

    return timedelta(milliseconds=5)
