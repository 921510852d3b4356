"""Open311 GeoReport v2 routes (namespace "open311"); each view answers in XML or JSON by URL suffix."""

app_name = "open311"

urlpatterns: list = []
