"""``tunelint targets``: the targets with their sources and dates, and where files pass.

Without files it lists every built-in target. With files it lints each file once per
target and prints, for each file, whether it passes under each target and the codes of
the findings that make it fail, most frequent first: where is this file valid as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunelint.engine.settings import Settings
from tunelint.presentation import add_format_argument
from tunelint.targets import builtin_targets, get_target
from tunelint.targets.layouts import diagnose

TOP_CODES = 3


def add_targets_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "targets",
        help="list the targets, or show under which targets files pass",
        description="Without FILE: every target, what it accepts, its source and the date "
        "its facts were checked. With FILE: each file linted for each target, pass or fail.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="FILE")
    add_format_argument(parser)
    parser.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        metavar="NAMES",
        help="targets to try, comma-separated (default: every built-in target)",
    )
    return parser


@dataclass
class Verdict:
    target: str
    passed: bool
    findings: int = 0
    codes: Counter[str] = field(default_factory=Counter)

    def top(self) -> list[tuple[str, int]]:
        return self.codes.most_common(TOP_CODES)


@dataclass
class FileRow:
    path: str
    layout: str
    verdicts: list[Verdict]


def target_list(output_format: str) -> str:
    targets = list(builtin_targets().values())
    if output_format == "json":
        return json.dumps(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "kind": t.kind,
                    "layouts": sorted(map(str, t.layouts)),
                    "checked": t.checked.isoformat(),
                    "sources": list(t.sources),
                    "notes": t.notes,
                    "min_examples": t.min_examples,
                    "max_examples": t.max_examples,
                    "max_file_bytes": t.max_file_bytes,
                    "sample_weight": t.sample_weight,
                    "byte_order_mark": t.byte_order_mark,
                    "models": {
                        name: {"context": m.context, "price": m.price, "price_unit": m.price_unit}
                        for name, m in t.models.items()
                    },
                    "pricing": None if t.pricing is None else t.pricing.as_json(),
                }
                for t in targets
            ],
            indent=2,
        )
    width = max(len(t.name) for t in targets)
    lines = [f"{'target':<{width}}  kind      checked     accepts"]
    for t in targets:
        layouts = ", ".join(sorted(map(str, t.layouts)))
        lines.append(f"{t.name:<{width}}  {t.kind:<8}  {t.checked.isoformat()}  {layouts}")
        lines.append(f"{'':<{width}}  {t.title}; source: {t.source}")
    return "\n".join(lines)


def target_matrix(
    files: Sequence[Path],
    names: Sequence[str],
    settings_for: Callable[[list[str]], Settings],
    jobs: int,
) -> list[FileRow]:
    """Lint ``files`` once per target; a row per file, a verdict per target."""
    from tunelint.engine.pool import lint_files

    rows = [FileRow(str(path), _layout_name(path), []) for path in files]
    for name in names:
        settings = settings_for([name])
        for row, result in zip(rows, lint_files(files, settings, jobs), strict=True):
            failing = [f for f in result.findings if f.severity >= settings.fail_on]
            row.verdicts.append(
                Verdict(name, not failing, len(failing), Counter(f.code for f in failing))
            )
    return rows


def _layout_name(path: Path) -> str:
    layout = diagnose(path).layout
    return "mixed" if layout is None else str(layout)


def matrix_text(rows: Sequence[FileRow]) -> str:
    lines = []
    for row in rows:
        passing = [v.target for v in row.verdicts if v.passed]
        lines.append(f"{row.path}  [{row.layout}]  passes: {', '.join(passing) or 'none'}")
        width = max((len(v.target) for v in row.verdicts), default=0)
        for verdict in row.verdicts:
            if verdict.passed:
                lines.append(f"  {verdict.target:<{width}}  pass")
                continue
            reasons = "  ".join(f"{code} x{count}" for code, count in verdict.top())
            more = len(verdict.codes) - TOP_CODES
            tail = f"  (+{more} more codes)" if more > 0 else ""
            lines.append(f"  {verdict.target:<{width}}  FAIL  {reasons}{tail}")
    return "\n".join(lines)


def matrix_json(rows: Sequence[FileRow]) -> str:
    return json.dumps(
        [
            {
                "path": row.path,
                "layout": row.layout,
                "targets": {
                    v.target: {
                        "pass": v.passed,
                        "findings": v.findings,
                        "codes": dict(v.codes.most_common()),
                    }
                    for v in row.verdicts
                },
            }
            for row in rows
        ],
        indent=2,
        ensure_ascii=False,
    )


def run_targets(args: argparse.Namespace, settings_for: Callable[[list[str]], Settings]) -> int:
    """The ``targets`` command; exit 0 when every file passes under some target, else 1."""
    from tunelint.engine.discovery import expand_paths
    from tunelint.engine.pool import default_jobs

    if not args.paths:
        print(target_list(args.output_format))
        return 0
    names = args.only or list(builtin_targets())
    for name in names:
        get_target(name)  # an unknown name is a usage error before any work
    files = expand_paths(args.paths)
    if not files:
        print("tunelint: warning: no JSONL files found", file=sys.stderr)
    rows = target_matrix(files, names, settings_for, default_jobs())
    print(matrix_json(rows) if args.output_format == "json" else matrix_text(rows))
    return 0 if all(any(v.passed for v in row.verdicts) for row in rows) else 1
