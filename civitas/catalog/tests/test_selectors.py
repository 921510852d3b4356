"""Catalogue reads: the public list, lookups, staff scoping, search and translations."""

from __future__ import annotations

import pytest
from django.utils import translation

from civitas.catalog.models import AttributeDatatype as D
from civitas.catalog.models import ServiceGroup
from civitas.catalog.selectors import (
    attributes_for,
    resolve_language,
    search_tokens,
    service_type_by_code,
    service_type_search,
    service_types_for_staff,
    service_types_public,
)
from civitas.core.errors import NotFound


@pytest.fixture
def catalogue(make_service_type, group, other_department):
    """A small catalogue over two groups and two departments, with private and inactive entries."""
    trash = ServiceGroup.objects.create(code="trash", name_en="Trash", name_es="Basura", order=0)
    return {
        "pothole": make_service_type(
            "pothole", "Pothole", name_es="Bache", keywords_en="hole, road damage", keywords_es="hoyo, socavón"
        ),
        "graffiti": make_service_type("graffiti", "Graffiti", name_es="Grafiti", keywords_en="tag, vandalism, paint"),
        "missed": make_service_type(
            "missed-pickup",
            "Missed pickup",
            group=trash,
            name_es="Recogida perdida",
            keywords_en="garbage, rubbish, bins",
            description_en="Trash was not collected.",
        ),
        "abuse": make_service_type("elder-abuse", "Elder abuse", is_private=True, keywords_en="abuse, neglect"),
        "old": make_service_type("old-type", "Retired pothole form", is_active=False),
        "tree": make_service_type("tree", "Fallen tree", department=other_department, extra_groups=[trash]),
    }


@pytest.mark.django_db
class TestPublicCatalogue:
    def test_private_and_inactive_types_are_never_listed(self, catalogue):
        codes = [st.code for st in service_types_public()]
        assert "elder-abuse" not in codes
        assert "old-type" not in codes
        assert set(codes) == {"pothole", "graffiti", "missed-pickup", "tree"}

    def test_types_of_an_inactive_department_are_not_listed(self, catalogue, other_department):
        other_department.is_active = False
        other_department.save()
        assert "tree" not in [st.code for st in service_types_public()]

    def test_ordered_by_group_then_name_in_the_language(self, catalogue):
        assert [st.code for st in service_types_public(language="en")] == [
            "missed-pickup",  # Trash (order 0) first
            "tree",  # Streets (order 1): Fallen tree, Graffiti, Pothole
            "graffiti",
            "pothole",
        ]
        # Spanish: Bache, Fallen tree (no translation: English name), Grafiti
        assert [st.code for st in service_types_public(language="es")][1:] == ["pothole", "tree", "graffiti"]

    def test_one_query_per_relation_however_many_types(self, catalogue, make_attribute, django_assert_num_queries):
        make_attribute(catalogue["pothole"], "size", D.STRING)
        with django_assert_num_queries(2):  # types with group and has_metadata, then extra groups
            rows = [
                (st.code, st.group.code, st.has_metadata, [g.code for g in st.extra_groups.all()])
                for st in service_types_public()
            ]
        assert ("pothole", "streets", True, []) in rows
        assert ("graffiti", "streets", False, []) in rows
        assert ("tree", "streets", False, ["trash"]) in rows


@pytest.mark.django_db
class TestTranslations:
    def test_spanish_name_when_spanish_is_active(self, catalogue):
        pothole = service_type_by_code("pothole")
        with translation.override("es"):
            assert pothole.name == "Bache"
            assert pothole.group.name == "Calles"
            assert pothole.keyword_list == ["hoyo", "socavón"]
        with translation.override("en"):
            assert pothole.name == "Pothole"

    def test_falls_back_to_english(self, catalogue):
        tree = service_type_by_code("tree")
        graffiti = service_type_by_code("graffiti")
        with translation.override("es"):
            assert tree.name == "Fallen tree"
            assert graffiti.keyword_list == ["tag", "vandalism", "paint"]  # no Spanish keywords yet

    def test_attribute_and_value_translations(self, service_type, make_attribute):
        size = make_attribute(service_type, "size", D.SINGLEVALUELIST, "Size", values=[("s", "Small"), ("l", "Large")])
        size.description_es = "Tamaño"
        size.save()
        size.values.filter(key="s").update(name_es="Pequeño")
        (attribute,) = attributes_for(service_type)
        with translation.override("es"):
            assert attribute.description == "Tamaño"
            assert [v.name for v in attribute.values.all()] == ["Pequeño", "Large"]

    @pytest.mark.parametrize(("given", "expected"), [("es", "es"), ("es-MX", "es"), ("fr", "en"), ("EN", "en")])
    def test_resolve_language(self, given, expected):
        assert resolve_language(given) == expected


@pytest.mark.django_db
class TestByCode:
    def test_found(self, catalogue):
        assert service_type_by_code("graffiti") == catalogue["graffiti"]
        assert service_type_by_code(" graffiti ") == catalogue["graffiti"]

    def test_private_only_when_asked(self, catalogue):
        with pytest.raises(NotFound):
            service_type_by_code("elder-abuse")
        assert service_type_by_code("elder-abuse", include_private=True) == catalogue["abuse"]

    def test_inactive_only_when_asked(self, catalogue):
        with pytest.raises(NotFound):
            service_type_by_code("old-type", include_private=True)
        assert service_type_by_code("old-type", include_inactive=True) == catalogue["old"]

    @pytest.mark.parametrize("code", ["nope", "", "POTHOLE"])
    def test_unknown(self, catalogue, code):
        with pytest.raises(NotFound) as caught:
            service_type_by_code(code)
        assert caught.value.field == "service_code"


@pytest.mark.django_db
class TestStaffScope:
    def test_caseworker_sees_own_department_including_private(self, catalogue, make_staff, department):
        worker = make_staff("caseworker", department=department)
        codes = {st.code for st in service_types_for_staff(actor=worker)}
        assert codes == {"pothole", "graffiti", "missed-pickup", "elder-abuse"}
        codes = {st.code for st in service_types_for_staff(actor=worker, include_inactive=True)}
        assert "old-type" in codes

    def test_org_wide_auditor_sees_every_department(self, catalogue, make_staff):
        auditor = make_staff("auditor")
        assert "tree" in {st.code for st in service_types_for_staff(actor=auditor)}

    def test_no_role_sees_nothing(self, catalogue, make_staff):
        assert list(service_types_for_staff(actor=make_staff())) == []

    def test_other_department(self, catalogue, make_staff, other_department):
        worker = make_staff("field_crew", department=other_department)
        assert [st.code for st in service_types_for_staff(actor=worker)] == ["tree"]


@pytest.mark.django_db
class TestSearch:
    def codes(self, query, **kwargs):
        return [st.code for st in service_type_search(query, **kwargs)]

    def test_by_name_keyword_and_plural(self, catalogue):
        assert self.codes("pothole", language="en")[0] == "pothole"
        assert self.codes("there are potholes on my road", language="en")[0] == "pothole"
        assert self.codes("vandalism", language="en") == ["graffiti"]
        assert self.codes("RUBBISH", language="en") == ["missed-pickup"]

    def test_name_ranks_above_keyword_and_description(self, catalogue, make_service_type):
        make_service_type("trash-can", "Trash can overflowing")
        assert self.codes("trash", language="en") == ["trash-can", "missed-pickup"]

    def test_spanish_synonyms_and_english_fallback(self, catalogue):
        assert self.codes("socavón", language="es") == ["pothole"]
        assert self.codes("bache grande", language="es") == ["pothole"]
        assert self.codes("graffiti", language="es") == ["graffiti"]  # English still searched
        assert self.codes("socavón", language="en") == []

    def test_exact_code(self, catalogue):
        assert self.codes("missed-pickup", language="en")[0] == "missed-pickup"

    def test_private_and_inactive_excluded_unless_asked(self, catalogue):
        assert self.codes("abuse", language="en") == []
        assert self.codes("abuse", language="en", include_private=True) == ["elder-abuse"]
        assert "old-type" not in self.codes("pothole", language="en")

    @pytest.mark.parametrize("query", ["", "   ", "a", "the and", "%", "_"])
    def test_nothing_to_search(self, catalogue, query):
        assert service_type_search(query, language="en") == []

    def test_tokens(self):
        assert search_tokens("The Potholes, the POTHOLE; street-lights!") == ["pothole", "street-light"]
        assert len(search_tokens(" ".join(f"word{i}" for i in range(20)))) == 8

    def test_limit(self, catalogue):
        assert len(service_type_search("e", language="en")) == 0
        assert len(service_type_search("pothole graffiti tree", language="en", limit=2)) == 2


@pytest.mark.django_db
def test_attributes_for_is_active_ordered_with_values(service_type, make_attribute, django_assert_num_queries):
    make_attribute(service_type, "b", D.STRING, order=2)
    make_attribute(service_type, "a", D.SINGLEVALUELIST, order=1, values=[("x", "X"), ("y", "Y")])
    make_attribute(service_type, "gone", D.STRING, order=0, is_active=False)
    with django_assert_num_queries(2):
        rows = [(a.code, [v.key for v in a.values.all()]) for a in attributes_for(service_type)]
    assert rows == [("a", ["x", "y"]), ("b", [])]
