"""`--compare old.json`: every numeric figure of this run as a ratio to the same figure of an earlier run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def flatten(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves by dotted path; list items are named by their `name` when they have one."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    leaves: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            leaves |= flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = item.get("name", index) if isinstance(item, dict) else index
            leaves |= flatten(item, f"{prefix}[{label}]")
    return leaves


def ratios(old: Any, new: Any) -> list[tuple[str, float, float, float | None]]:
    """(figure, old, new, new / old) for every figure both runs have."""
    before, after = flatten(old), flatten(new)
    return [(key, before[key], after[key], after[key] / before[key] if before[key] else None) for key in after if key in before]


def print_comparison(old: Any, new: Any) -> None:
    rows = ratios(old, new)
    if not rows:
        print("\ncompare: no figure in common with the earlier run")
        return
    print(f"\n{'figure (this run / earlier run)':<70} {'earlier':>10} {'now':>10} {'ratio':>7}")
    for key, before, after, ratio in rows:
        shown = f"{ratio:.2f}" if ratio is not None else "-"
        print(f"{key:<70} {before:>10.3f} {after:>10.3f} {shown:>7}")


def save_and_compare(figures: Any, json_path: Path | None, earlier: Path | None) -> None:
    """`--json` and `--compare` of every bench script: write this run's figures, print ratios to an earlier run's."""
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2))
    if earlier:
        print_comparison(json.loads(earlier.read_text()), figures)
