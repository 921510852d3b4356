"""Open311 discovery, services and service definitions: the spec's shapes in JSON and XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from civitas.catalog.models import ServiceGroup, ServiceType

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def parse_xml(content: bytes) -> ET.Element:
    """Our own server's answer (trusted test data)."""
    return ET.fromstring(content)  # noqa: S314


@pytest.fixture
def catalogue(service_type, other_service_type, department):
    extra = ServiceGroup.objects.create(code="lighting", name="Lighting")
    service_type.extra_groups.add(extra)
    service_type.keywords = "lamp, dark"
    service_type.save()
    group = ServiceGroup.objects.get(code="streets")
    ServiceType.objects.create(code="secret", name="Hidden thing", group=group, department=department, is_private=True)
    ServiceType.objects.create(code="retired", name="Old thing", group=group, department=department, is_active=False)
    ServiceType.objects.create(code="report.v2", name="Dotted code", group=group, department=department, kind="batch")
    return service_type


def test_services_json_is_an_array_of_services(client, catalogue):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    codes = [s["service_code"] for s in services]
    assert "streetlight" in codes and "park-litter" in codes and "report.v2" in codes
    assert "secret" not in codes and "retired" not in codes
    light = next(s for s in services if s["service_code"] == "streetlight")
    assert light == {
        "service_code": "streetlight",
        "service_name": "Street light out",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": "lamp, dark",
        "group": "Streets",
        "groups": ["Streets", "Lighting"],
    }
    dotted = next(s for s in services if s["service_code"] == "report.v2")
    assert dotted["metadata"] is False and dotted["type"] == "batch"


def test_services_xml_has_the_spec_elements(client, catalogue):
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = parse_xml(response.content)
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    light = next(s for s in root if s.findtext("service_code") == "streetlight")
    assert [child.tag for child in light] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
        "groups",
    ]
    assert light.findtext("metadata") == "true"
    assert [g.text for g in light.find("groups")] == ["Streets", "Lighting"]
    assert b"secret" not in response.content


def test_service_definition_json_and_xml(client, catalogue):
    data = client.get(f"{BASE}/services/streetlight.json").json()
    assert data["service_code"] == "streetlight"
    pole, lamps = data["attributes"]
    assert pole == {
        "variable": True,
        "code": "pole",
        "datatype": "string",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "Pole number",
        "values": [],
    }
    assert lamps["datatype"] == "singlevaluelist"
    assert lamps["values"] == [{"key": "one", "name": "One"}, {"key": "several", "name": "Several"}]

    root = parse_xml(client.get(f"{BASE}/services/streetlight.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "streetlight"
    attributes = root.find("attributes")
    assert [a.findtext("code") for a in attributes.findall("attribute")] == ["pole", "lamps"]
    values = attributes.findall("attribute")[1].find("values").findall("value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [("one", "One"), ("several", "Several")]


def test_dotted_service_code_resolves(client, catalogue):
    response = client.get(f"{BASE}/services/report.v2.json")
    assert response.status_code == 200
    assert response.json() == {"service_code": "report.v2", "attributes": []}


@pytest.mark.parametrize("code", ["secret", "retired", "nope"])
def test_private_inactive_and_unknown_definitions_are_404(client, catalogue, code):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/services/{code}.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert response.json() == [{"code": 404, "description": f"service_code {code!r} was not found."}]
        else:
            root = parse_xml(response.content)
            assert root.tag == "errors" and root.find("error").findtext("code") == "404"


def test_discovery_lists_the_endpoint(client, db):
    data = client.get(f"{BASE}/discovery.json").json()
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = parse_xml(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    formats = root.find("endpoints").find("endpoint").find("formats")
    assert [f.text for f in formats.findall("format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("path", ["services.html", "services", "nothing-here", "services/streetlight.yaml", ""])
def test_unknown_paths_and_formats_are_open311_404_in_json(client, db, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()[0]["code"] == 404


def test_unknown_path_with_xml_suffix_answers_xml(client, db):
    response = client.post(f"{BASE}/whatever.xml")
    assert response.status_code == 404
    assert parse_xml(response.content).tag == "errors"


def test_wrong_method_is_405_in_the_requested_format(client, db):
    response = client.post(f"{BASE}/services.xml")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert parse_xml(response.content).find("error").findtext("code") == "405"
    assert client.delete(f"{BASE}/requests.json").json()[0]["code"] == 405


def test_jurisdiction_is_checked_when_configured(client, catalogue, settings):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=anything").status_code == 200
    settings.OPEN311_JURISDICTIONS = ["riverton.gov"]
    assert client.get(f"{BASE}/services.json?jurisdiction_id=riverton.gov").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    response = client.get(f"{BASE}/services.xml?jurisdiction_id=elsewhere.gov")
    assert response.status_code == 404
    assert parse_xml(response.content).find("error").findtext("description") == "jurisdiction_id not found."


def test_anonymous_reads_are_rate_limited_per_address(client, catalogue, settings):
    settings.OPEN311_ANONYMOUS_RATE = "2/m"
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    limited = client.get(f"{BASE}/services.json")
    assert limited.status_code == 429
    assert limited.json()[0]["code"] == 429
    other = client.get(f"{BASE}/services.json", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 200


def test_text_is_utf8_and_xml_escaped(client, catalogue):
    catalogue.name = 'Farola <apagada> & "rota" ñ'
    catalogue.description = "bad\x01char"
    catalogue.save()
    raw = client.get(f"{BASE}/services.xml").content
    light = next(s for s in parse_xml(raw) if s.findtext("service_code") == "streetlight")
    assert light.findtext("service_name") == 'Farola <apagada> & "rota" ñ'
    assert light.findtext("description") == "badchar"
    data = json.loads(client.get(f"{BASE}/services.json").content.decode("utf-8"))
    assert any(s["service_name"] == 'Farola <apagada> & "rota" ñ' for s in data)
