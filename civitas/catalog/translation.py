"""django-modeltranslation registrations: resident-facing text exists once per language.

Each field below gets `<field>_<lang>` columns (name_en, name_es…). Reading `obj.name` returns
the active language, falling back to the default language when that translation is empty.
The default-language name is required; every other translation is optional.
"""

from __future__ import annotations

from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.translator import TranslationOptions, register

from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType


@register(ServiceGroup)
class ServiceGroupTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {DEFAULT_LANGUAGE: ("name",), "default": ()}


@register(ServiceType)
class ServiceTypeTranslation(TranslationOptions):
    fields = ("name", "description", "keywords")
    required_languages = {DEFAULT_LANGUAGE: ("name",), "default": ()}


@register(ServiceAttribute)
class ServiceAttributeTranslation(TranslationOptions):
    fields = ("description", "datatype_description")
    required_languages = {DEFAULT_LANGUAGE: ("description",), "default": ()}


@register(AttributeValue)
class AttributeValueTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = {DEFAULT_LANGUAGE: ("name",), "default": ()}
