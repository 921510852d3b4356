"""Secrets in URL paths — tracking, survey and sign-in tokens — kept out of logs.

`redact_path` replaces such a segment with "[token]"; `RedactSecretsFilter` (settings.LOGGING) applies it to
every log record's message and arguments, and `config/gunicorn.py` applies it to the access log, whose
query strings are dropped altogether (a GET form may carry an email address or phone number).
"""

from __future__ import annotations

import logging
import re

# /track/<token>/..., /satisfaction/<token>/, /account/sign-in/<token>/ (but not its "sent" page)
SECRET_SEGMENT = re.compile(r"(/(?:track|satisfaction)/)(?!$)[^/?#\s\"']+|(/account/sign-in/)(?!sent/)[^/?#\s\"']+")


def redact_path(text: str) -> str:
    """`text` with the token segments of portal URLs replaced by "[token]"."""
    return SECRET_SEGMENT.sub(lambda m: f"{m.group(1) or m.group(2)}[token]", text)


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record's message and string arguments so that no portal token reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_path(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True
