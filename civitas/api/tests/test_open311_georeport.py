"""The PyPI client `georeport` against a live test server: list services, read a definition, post a request
(the client cannot post, so the form goes through `requests` as any app would), read it back — JSON and XML."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_round_trip(live_server, service_type, app_key, fmt):
    root = live_server.url + "/open311/v2/"
    client = GeoReport(root, jurisdiction="riverton.gov", output_format=fmt)

    services = client.get_service_list()
    services = services if isinstance(services, list) else [services]
    assert [s["service_code"] for s in services] == ["streetlight"]

    definition = client.get_service_definition("streetlight")
    attributes = definition["attributes"]
    attributes = attributes["attribute"] if fmt == "xml" else attributes
    assert [a["code"] for a in attributes] == ["pole", "lamps"]

    posted = requests.post(
        f"{root.rstrip('/')}/requests.json",
        data={
            "api_key": app_key,
            "jurisdiction_id": "riverton.gov",
            "service_code": "streetlight",
            "lat": "42.3601",
            "long": "-71.0589",
            "description": "Lamp out by the library",
            "attribute[pole]": "P-12",
            "email": "reader@residents.example",
        },
        timeout=30,
    )
    assert posted.status_code == 200, posted.text
    reference = posted.json()[0]["service_request_id"]

    one = client.get_service_request(reference)
    assert one["service_request_id"] == reference
    assert one["status"] == "open" and one["service_code"] == "streetlight"
    listed = client.get_service_requests(service_code="streetlight", status="open")
    listed = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in listed] == [reference]
    assert "reader@residents.example" not in str(listed)
