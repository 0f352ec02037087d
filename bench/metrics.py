"""A process's Prometheus `/metrics`, read by the bench scripts."""

from __future__ import annotations

import urllib.request

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families


def families(url: str) -> dict[str, Metric] | None:
    """The metric families served at `url`, by name; None when nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    return {family.name: family for family in text_string_to_metric_families(text)}


def total(url: str, family: str, sample_suffix: str) -> float | None:
    """The sum of a family's samples named `<family><sample_suffix>` (`_sum`, `_total`); None without the family."""
    found = families(url)
    if found is None or family not in found:
        return None
    return sum(sample.value for sample in found[family].samples if sample.name == family + sample_suffix)
