"""Reads of the service catalogue: the public catalogue, lookups by code, staff lists, search.

Translated text (`name`, `description`, `keywords`) is read through modeltranslation's
descriptors, so it comes out in the language active when it is *read* (render inside
`translation.override(language)`). The `language` arguments choose the sort order and the
columns searched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname

from civitas.accounts.permissions import ALL, departments_for
from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType
from civitas.core.errors import NotFound

SEARCH_MAX_TOKENS = 8
SEARCH_MIN_TOKEN_LENGTH = 3
SEARCH_DEFAULT_LIMIT = 20
# Words that would match nearly everything; dropped from search queries.
STOP_WORDS = frozenset(
    {
        *("the", "and", "for", "with", "from", "this", "that", "there", "have", "has", "are", "was"),
        *("not", "you", "your", "about", "near", "some"),
        *("los", "las", "del", "con", "por", "para", "una", "uno", "que", "hay", "esta", "este"),
        *("mas", "muy", "sin", "sobre"),
    }
)
_TOKEN_SPLIT = re.compile(r"[\s,;.!?¿¡()\"']+")

# Search weights: how strongly a matching column ranks a service type.
WEIGHT_CODE = 100
WEIGHT_NAME_START = 12
WEIGHT_NAME = 8
WEIGHT_KEYWORD = 5
WEIGHT_DESCRIPTION = 1


def resolve_language(language: str | None = None) -> str:
    """A configured language code for `language` (or the active one), else the default language."""
    code = (language or get_language() or DEFAULT_LANGUAGE).lower()
    if code in AVAILABLE_LANGUAGES:
        return code
    base = code.split("-")[0].split("_")[0]
    return base if base in AVAILABLE_LANGUAGES else DEFAULT_LANGUAGE


def translated(field: str, language: str) -> Any:
    """An expression for `field` in `language`, falling back to the default language when empty."""
    if language == DEFAULT_LANGUAGE:
        return F(build_localized_fieldname(field, DEFAULT_LANGUAGE))
    return Coalesce(
        NullIf(F(build_localized_fieldname(field, language)), Value("")),
        F(build_localized_fieldname(field, DEFAULT_LANGUAGE)),
    )


def _with_metadata(qs: QuerySet[ServiceType]) -> QuerySet[ServiceType]:
    """Annotate `has_active_attributes` (read by ServiceType.has_metadata) in the same query."""
    active = ServiceAttribute.objects.filter(service_type=OuterRef("pk"), is_active=True)
    return qs.annotate(has_active_attributes=Exists(active))


def _extra_groups_prefetch(language: str) -> Prefetch:
    groups = ServiceGroup.objects.filter(is_active=True).order_by("order", translated("name", language).asc())
    return Prefetch("extra_groups", queryset=groups)


def _public_base() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(is_active=True, is_private=False, department__is_active=True)


def service_types_public(*, language: str | None = None) -> QuerySet[ServiceType]:
    """The public catalogue (portal, Open311 `services`): active, never private.

    Ordered by group order and name, then the service's order and name, all in `language`.
    The primary group is joined, active extra groups are prefetched and `has_metadata` is
    answered without further queries.
    """
    language = resolve_language(language)
    qs = _with_metadata(_public_base()).select_related("group")
    return qs.prefetch_related(_extra_groups_prefetch(language)).order_by(
        "group__order",
        translated("group__name", language).asc(),
        "order",
        translated("name", language).asc(),
        "code",
    )


def service_type_by_code(code: str, *, include_private: bool = False, include_inactive: bool = False) -> ServiceType:
    """One service type by its Open311 service_code; NotFound when missing, inactive or private.

    Private service types are found only with `include_private` (staff intake); inactive ones
    only with `include_inactive` (history, case views).
    """
    qs = _with_metadata(ServiceType.objects.select_related("group", "department", "default_team"))
    if not include_private:
        qs = qs.filter(is_private=False)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    service_type = qs.filter(code=(code or "").strip()).first()
    if service_type is None:
        raise NotFound(f"No service with code {code!r}.", field="service_code")
    return service_type


def service_type_for_intake(code: str) -> ServiceType | None:
    """The service type a new case names, read as cheaply as possible (the case-creation hot path).

    No visibility filters: the caller decides what inactive or private means for its channel.
    """
    return ServiceType.objects.select_related("default_team").filter(code=(code or "").strip()).first()


def service_types_for_staff(*, actor: Any, include_inactive: bool = False) -> QuerySet[ServiceType]:
    """Service types in the departments where `actor` may view the catalogue (private ones included)."""
    allowed = departments_for(actor, "catalog.view")
    qs = ServiceType.objects.all()
    if allowed is not ALL:
        qs = qs.filter(department_id__in=allowed)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    listed: QuerySet[ServiceType] = _with_metadata(qs).select_related("group", "department", "default_team")
    return listed.order_by("department__name", "group__order", "group__code", "order", "code")


def attributes_for(service_type: ServiceType) -> QuerySet[ServiceAttribute]:
    """The service definition: active attributes in form order, with their values prefetched."""
    values = AttributeValue.objects.order_by("order", "id")
    return (
        ServiceAttribute.objects.filter(service_type=service_type, is_active=True)
        .order_by("order", "id")
        .prefetch_related(Prefetch("values", queryset=values))
    )


# --- search ---------------------------------------------------------------------------------------


def search_tokens(query: str) -> list[str]:
    """Lower-cased words worth searching for: no stop words, short words or duplicates."""
    tokens: list[str] = []
    for word in _TOKEN_SPLIT.split((query or "").lower()):
        word = _stem(word.strip("-_"))
        if len(word) >= SEARCH_MIN_TOKEN_LENGTH and word not in STOP_WORDS and word not in tokens:
            tokens.append(word)
    return tokens[:SEARCH_MAX_TOKENS]


def _stem(word: str) -> str:
    """A crude plural strip ("potholes" → "pothole") so singular and plural find each other."""
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def fold(text: str) -> str:
    """Text for matching: case-folded, accents removed ("Árbol" → "arbol", "SOCAVÓN" → "socavon")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _searched_columns(language: str) -> dict[str, list[str]]:
    languages = [language] if language == DEFAULT_LANGUAGE else [language, DEFAULT_LANGUAGE]
    return {
        field: [build_localized_fieldname(field, lang) for lang in languages]
        for field in ("name", "keywords", "description")
    }


def _token_weight(token: str, texts: dict[str, list[str]]) -> int:
    """The best weight one (folded) token earns on one service type (0 when it matches nothing)."""
    if any(name.startswith(token) for name in texts["name"]):
        return WEIGHT_NAME_START
    if any(token in name for name in texts["name"]):
        return WEIGHT_NAME
    if any(token in keywords for keywords in texts["keywords"]):
        return WEIGHT_KEYWORD
    if any(token in description for description in texts["description"]):
        return WEIGHT_DESCRIPTION
    return 0


def service_type_search(
    query: str,
    *,
    language: str | None = None,
    include_private: bool = False,
    limit: int = SEARCH_DEFAULT_LIMIT,
    department_ids: set[int] | None = None,
) -> list[ServiceType]:
    """Service types matching `query` in their name, keywords (synonyms) or description, best first.

    Each word of the query earns the best weight it matches (name start > name > keyword >
    description) in `language`, with the default language searched too; an exact service code
    ranks first. Matching ignores case and accents in every language ("arbol" finds "Árboles",
    "socavon" finds "socavón"), so it is done in Python over the searchable columns of the
    candidate types (a catalogue is hundreds of rows, not millions): one query for the columns,
    one for the best `limit` types. Only public service types unless `include_private`; only
    those of `department_ids` when given (None: every department).
    """
    language = resolve_language(language)
    tokens = [fold(token) for token in search_tokens(query)]
    code = (query or "").strip()
    if not tokens and not code:
        return []
    qs = ServiceType.objects.filter(is_active=True, department__is_active=True)
    if not include_private:
        qs = qs.filter(is_private=False)
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    columns = _searched_columns(language)
    names = (build_localized_fieldname("name", language), build_localized_fieldname("name", DEFAULT_LANGUAGE))
    rows = qs.values("pk", "code", "order", "group__order", *{c for cols in columns.values() for c in cols}, *names)
    ranked: list[tuple[tuple[Any, ...], int, int]] = []
    for row in rows:
        texts = {field: [fold(row[column] or "") for column in cols] for field, cols in columns.items()}
        rank = WEIGHT_CODE if row["code"].lower() == code.lower() else 0
        rank += sum(_token_weight(token, texts) for token in tokens)
        if rank > 0:
            name = fold(row[names[0]] or row[names[1]] or "")
            ranked.append(((-rank, row["group__order"], row["order"], name, row["code"]), row["pk"], rank))
    best = sorted(ranked)[: max(1, limit)]
    found = {
        st.pk: st
        for st in _with_metadata(ServiceType.objects.filter(pk__in=[pk for _, pk, _ in best])).select_related("group")
    }
    results = []
    for _key, pk, rank in best:
        service_type = found.get(pk)  # None only if the type was deleted in between
        if service_type is not None:
            service_type.search_rank = rank  # type: ignore[attr-defined]
            results.append(service_type)
    return results


def service_types_for_intake(
    *, actor: Any, query: str, language: str | None = None, limit: int = 10
) -> list[ServiceType]:
    """Service types matching `query` that `actor` may open cases for (staff intake: private ones too)."""
    allowed = departments_for(actor, "case.create")
    if allowed is not ALL and not allowed:
        return []
    return service_type_search(query, language=language, include_private=True, limit=limit, department_ids=allowed)
