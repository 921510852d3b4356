"""gunicorn settings (Procfile: `gunicorn -c config/gunicorn.py`): an access log without secrets.

Portal URLs carry tracking, survey and sign-in tokens in their paths, and GET forms may carry an email
address in the query string: the access log shows the path with tokens replaced and no query string.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from civitas.core.redact import redact_path

# Atoms that hold a URL (request line, referer, raw URI): their query strings are cut off.
URL_ATOMS = frozenset({"r", "f", "{raw_uri}e", "{http_referer}e", "{referer}i"})


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact_path(value.split("?")[0] if key in URL_ATOMS else value)
        atoms.update({"U": path, "q": "", "{query_string}e": ""})
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        return atoms


logger_class = RedactingLogger
