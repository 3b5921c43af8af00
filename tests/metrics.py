"""Reading GET /metrics in tests: samples as Prometheus parses them, and what a test changed.

Counters live for the whole test process, so tests compare two scrapes instead of reading
absolute values.
"""

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families


def scrape(client: Client | None = None) -> dict[str, dict[str, float]]:
    """`{sample name: {"label=value,...": value}}` from GET /metrics on loopback."""
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200, response.content
    return parse(response.content.decode())


def parse(text: str) -> dict[str, dict[str, float]]:
    samples: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


class MetricChanges:
    """`changes("tickets_bookings_total")`: `{labels: increase}` of the samples that moved
    since this object was made."""

    def __init__(self):
        self.before = scrape()

    def __call__(self, name: str) -> dict[str, float]:
        before, after = self.before.get(name, {}), scrape().get(name, {})
        moved = {labels: value - before.get(labels, 0) for labels, value in after.items()}
        return {labels: change for labels, change in moved.items() if change}
