"""Start-up: a short `tunelint check` imports and builds only what it needs, and the
one-command parser it builds says and accepts what the whole parser does."""

from __future__ import annotations

import json
import os
import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
from pathlib import Path

import pytest

from tunelint.cli import _COMMANDS

from conftest import EXAMPLES, REPO, run_python, run_tunelint

# Modules `tunelint check` on a small file has no use for: a dependency of another command,
# an optional extra, or what only a rule it does not run (or a plugin scan) needs.
NOT_FOR_CHECK = (
    "bpe_openai",
    "difflib",
    "encodings.cp1252",  # CT004 needs it only for a text that may be mojibake
    "hashlib",  # loads OpenSSL: only a finding's fingerprint, the cache or a tokenizer needs it
    "importlib.metadata",
    "jsonschema",
    "numpy",
    "openai",
    "ray",
    "shutil",  # imports zlib, bz2 and lzma: argparse asks it for the terminal's width
    "struct",  # with threading, binascii and importlib.util: only reading a vocabulary needs it
    "threading",  # only the progress bar (on a terminal) and reading a vocabulary need it
    "tiktoken",
    "tokenizers",
    "transformers",
    "tunelint.convert",
    "tunelint.engine.cache",
    "tunelint.engine.ray_executor",
    "tunelint.finetuning",
    "tunelint.output.step_summary",
    "tunelint.target_matrix",
    "tunelint.tokens.bpe",
)


def _imported_by(*args: str | Path, cwd: Path) -> tuple[str, set[str]]:
    code = (
        "import sys\n"
        "from tunelint.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "print(status, *sorted(sys.modules), file=sys.stderr)\n"
    )
    result = run_python("-c", code, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    status, *modules = result.stderr.splitlines()[-1].split()
    return status, set(modules)


def test_check_on_a_small_file_imports_nothing_heavy(tmp_path: Path) -> None:
    data = EXAMPLES / "clean" / "preferences.jsonl"
    status, modules = _imported_by("check", data, "--no-cache", cwd=tmp_path)
    assert status == "0"
    assert "tunelint.rules.content" in modules  # the rules did run
    heavy = {m for m in modules if any(m == n or m.startswith(f"{n}.") for n in NOT_FOR_CHECK)}
    assert heavy == set()


def test_the_mojibake_pattern_spells_out_windows_1252s_glyphs_of_0x80_to_0x9f() -> None:
    """CT004's pattern holds them written out, so that loading the rules loads no codec."""
    from tunelint.rules import content

    glyphs = bytes(range(0x80, 0xA0)).decode("cp1252", "ignore")
    spelt_out = content._CONTINUATION
    assert spelt_out == "\u0080-\u00bf" + re.escape(glyphs)


# The dataclasses `tunelint check` may create: creating one compiles several functions (about
# 4M instructions, as much as importing a small module); a msgspec Struct costs almost
# nothing. These are public (``Finding``, ``Settings``...) or copied with
# ``dataclasses.replace``; a new record on check's path should be a ``msgspec.Struct``.
DATACLASSES_FOR_CHECK = {
    "tunelint.engine.findings.FileResult",
    "tunelint.engine.findings.Finding",
    "tunelint.engine.findings.Violation",
    "tunelint.engine.plan.RulePlan",
    "tunelint.engine.settings.Settings",
    "tunelint.engine.template_settings.TemplateSettings",
}

# The named tuples it may create (typing.NamedTuple: about 1.2M instructions each, the fields'
# annotations compiled one by one): those that are unpacked or public. Another record on
# check's path should be a ``msgspec.Struct`` too.
NAMED_TUPLES_FOR_CHECK = {
    "tunelint.engine.context.RecordContext",
    "tunelint.engine.reader.Block",
    "tunelint.engine.reader.Line",
    "tunelint.engine.typed_batch.Texts",
    "tunelint.rules.tool_schemas.Definition",
    "tunelint.rules.walk.Text",
}

DATACLASSES_MADE = (
    "import collections, dataclasses, sys\n"
    "made = []\n"
    "process_class, namedtuple = dataclasses._process_class, collections.namedtuple\n"
    "def recorded(cls, *args, **kwargs):\n"
    "    made.append(f'{cls.__module__}.{cls.__qualname__}')\n"
    "    return process_class(cls, *args, **kwargs)\n"
    "def recorded_tuple(name, fields, **kwargs):\n"
    "    if str(kwargs.get('module')).startswith('tunelint.'):\n"
    "        made.append(f'{kwargs[\"module\"]}.{name}')\n"
    "    return namedtuple(name, fields, **kwargs)\n"
    "dataclasses._process_class, collections.namedtuple = recorded, recorded_tuple\n"
    "from tunelint.cli import main\n"
    "from tunelint.engine.quoting import secret_patterns\n"
    "status = main(sys.argv[1:])\n"
    "print(status, secret_patterns.cache_info().misses, *made, file=sys.stderr)\n"
)


def _check_reporting(script: str, data: Path, folder: Path) -> list[str]:
    """``check --no-cache data`` run by ``script``, which prints what it saw as the last
    line of stderr: that line's words."""
    result = run_python("-c", script, "check", data, "--no-cache", cwd=folder)
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()[-1].split()


def test_check_on_a_small_clean_file_builds_no_more_than_it_needs(tmp_path: Path) -> None:
    """Only the public dataclasses and named tuples, and no secret pattern: nothing is
    quoted."""
    data = EXAMPLES / "clean" / "preferences.jsonl"
    status, compiled, *made = _check_reporting(DATACLASSES_MADE, data, tmp_path)
    assert (status, compiled) == ("0", "0")
    assert "tunelint.engine.reader.Line" in made  # named tuples are seen
    assert set(made) - DATACLASSES_FOR_CHECK - NAMED_TUPLES_FOR_CHECK == set()


# The modules whose regular expressions a clean run of a small plain chat file uses; every other
# pattern of tunelint's is a ``LazyPattern``, compiled when a text, a finding or a
# configuration first needs it (a pattern costs start-up as much as a small module).
PATTERNS_FOR_CHECK = {
    "tunelint.engine.config",  # whether a pyproject.toml that names tunelint holds the table
    "tunelint.engine.registry",
    "tunelint.engine.typed",
    "tunelint.rules.dataset",
    "tunelint.sources.walk",
    "tunelint.tokens.models",
}

PATTERNS_AND_TOML_PARSED = (
    "import re, sys, tomllib\n"
    "compiled, parsed = set(), []\n"
    "compile, loads = re._compile, tomllib.loads\n"
    "def recorded(pattern, flags):\n"
    "    caller = sys._getframe(1)\n"
    "    while caller.f_globals.get('__name__') in ('re', 'tunelint.engine.patterns'):\n"
    "        caller = caller.f_back\n"
    "    compiled.add(caller.f_globals.get('__name__', '?'))\n"
    "    return compile(pattern, flags)\n"
    "def parse(text, **options):\n"
    "    parsed.append(text.partition('\\n')[0])\n"
    "    return loads(text, **options)\n"
    "re._compile, tomllib.loads = recorded, parse\n"
    "from tunelint.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "ours = sorted(name for name in compiled if name.startswith('tunelint'))\n"
    "print(status, len(parsed), *ours, file=sys.stderr)\n"
)


def test_check_on_a_small_clean_file_compiles_and_parses_no_more_than_it_needs(
    tmp_path: Path,
) -> None:
    """No regular expression of a rule that finds nothing, and one TOML file parsed (the
    default target's): not the project's pyproject.toml, which names tunelint only as a
    dependency and a script."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "data"\ndependencies = ["tunelint>=0.1"]\n'
        '[project.scripts]\ntunelint = "tunelint.cli:main"\n',
        encoding="utf-8",
    )
    data = tmp_path / "chat.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {
                    "messages": [
                        {"role": "system", "content": "You answer questions about the weather."},
                        {"role": "user", "content": f"Will it rain on day {day}?"},
                        {"role": "assistant", "content": f"Day {day} should stay dry and mild."},
                    ]
                }
            )
            + "\n"
            for day in range(10)
        ),
        encoding="utf-8",
    )
    status, parsed, *compiled = _check_reporting(PATTERNS_AND_TOML_PARSED, data, tmp_path)
    assert (status, parsed) == ("0", "1")
    assert set(compiled) - PATTERNS_FOR_CHECK == set()


@pytest.mark.parametrize(
    "words", [[name] for name in _COMMANDS] + [["jobs", "list"], []], ids=" ".join
)
def test_each_commands_help_is_the_whole_parsers(words: list[str], tmp_path: Path) -> None:
    """``tunelint CMD --help`` (parsed with CMD's parser alone) prints what the parser with
    every command prints."""
    env = {**os.environ, "COLUMNS": "100"}
    shown = run_tunelint(*words, "--help", cwd=tmp_path, env=env)
    code = (
        "import contextlib, io, sys\n"
        "from tunelint.cli import build_parser\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    build_parser().parse_args([*sys.argv[1:], '--help'])\n"
        "print(out.getvalue(), end='')\n"
    )
    whole = run_python("-c", code, *words, cwd=tmp_path, env=env)
    assert whole.returncode == 0, whole.stderr
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == whole.stdout
    assert f"usage: tunelint {' '.join(words)}".rstrip() in shown.stdout


def test_a_misspelt_flag_is_matched_against_every_commands_flags(tmp_path: Path) -> None:
    # `stats` has no --select; `check` has: the one-command parser still suggests it.
    result = run_tunelint("stats", "data.jsonl", "--selct", "ALL", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "tunelint: error: unrecognized arguments: --selct ALL; did you mean '--select'?"
    )


COLLECTOR_SEEN = (
    "import gc, sys\n"
    "from tunelint.__main__ import run\n"
    "sys.argv[0] = 'tunelint'\n"
    "status = run()\n"
    "print(status, gc.get_threshold()[0], gc.get_freeze_count(), file=sys.stderr)\n"
)


def test_the_command_collects_garbage_seldom_and_never_rescans_its_imports(
    tmp_path: Path,
) -> None:
    """The ``tunelint`` script (what ``python -m tunelint`` runs too) makes the collector
    look at young objects every 10,000 allocations, not 700, and freezes what the
    imports made: on 20,000 tool-calling records this spared ~4 % of the instructions."""
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert scripts["tunelint"] == "tunelint.__main__:run"
    data = EXAMPLES / "clean" / "preferences.jsonl"
    status, threshold, frozen = _check_reporting(COLLECTOR_SEEN, data, tmp_path)
    assert (status, threshold) == ("0", "10000")
    assert int(frozen) > 10_000  # the objects of every module imported before the command ran
