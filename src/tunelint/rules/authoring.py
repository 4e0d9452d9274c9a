"""Everything a rule needs, in one import: ``from tunelint.rules.authoring import ...``.

For tunelint's own rule families and for plugins (``engine.plugins``) alike. A rule is a
function (line or record scope) or a class (file or dataset scope) registered with
``@rule``; its docstring is its user documentation (``tunelint rule CODE``)::

    from collections.abc import Iterator

    from tunelint.rules.authoring import Format, RecordContext, Severity, Violation, rule, texts

    @rule("AC001", "shouting", Severity.WARNING, formats=[Format.CHAT])
    def shouting(ctx: RecordContext) -> Iterator[Violation]:
        '''A message is written in capital letters only. ...'''
        for text in texts(ctx):
            if text.text.isupper():
                yield Violation("message is all capitals", text.location)

The names, by what they are for:

- registering: ``rule``, ``Scope``, ``Severity``, ``Format`` (which record layouts it
  sees), ``config_key`` (a ``[tool.tunelint]`` table the rule reads);
- what a check sees: ``Line`` (line scope), ``RecordContext`` (record, file and dataset
  scope: the record, its raw line, numbers, format and ``Settings``);
- what it reports: ``Violation`` at a ``JsonPath``, with an optional safe ``Fix``
  (``edit_value``, ``remove_items``, ``edit_line``, ``delete_line``: a fix rewrites only
  the bytes it fixes, never the rest of the record);
- walking a record: ``messages``, ``texts``, ``message_lists``, ``chat_messages``,
  ``tool_definitions``, ``SYSTEM_ROLES`` (each walk is done once per record, shared);
- the fast paths (optional): ``PlainBatch`` and ``Reports`` for a batch form
  (``@rule(batch=...)``), ``TypedBatch`` for one over well-formed tool-calling records
  and preference pairs (``typed_batch=...``; ``engine.typed_batch``), ``RecordRun`` for
  what serves both (a file rule may then have one method for ``visit_plain`` and
  ``visit_typed``), and the facts
  ``quiet_on_object`` / ``quiet_on_plain`` / ``roles_only`` / ``quiet_on_typed`` /
  ``typed_roles_only`` / ``whole_file`` of ``@rule`` (``tunelint.engine.registry`` says
  what each promises);
- values and errors: ``json_type`` (a value's JSON type name), ``is_one_of`` (a value
  is one of some names, never when it is a list or an object), ``dotted_path`` (a
  ``JsonPath`` as text), ``canonical_json`` (the bytes duplicates are judged on),
  ``xxh3_64`` (the 64-bit hash they keep of bytes), ``ConfigError`` (a rule's configuration is wrong: one line, exit 2), ``UTF8_BOM``,
  ``PLAIN_ROLES`` (the roles a plain record may have), ``quote`` (a value in a message,
  escaped, secrets masked, length capped: use it for anything taken from the data) and
  ``mask`` (a secret shown as ``sk-p…9xQ``);
- types: ``RecordCheck`` (the signature of a record-scope check, for rule factories);
- file scope: ``FileCheck``, ``MergeableCheck`` (``partial`` / ``absorb``), and
  ``DatasetCheck`` (``reference``) for a validation file against its training file.
"""

from __future__ import annotations

from tunelint.engine.batch import PlainBatch, RecordRun, Reports, canonical_json, xxh3_64
from tunelint.engine.context import RecordContext
from tunelint.engine.errors import ConfigError
from tunelint.engine.findings import JsonPath, Severity, Violation, dotted_path
from tunelint.engine.fixes import Fix, delete_line, edit_line, edit_value, remove_items
from tunelint.engine.formats import SYSTEM_ROLES, Format, is_one_of, json_type
from tunelint.engine.patterns import LazyPattern
from tunelint.engine.plain import PLAIN_ROLES
from tunelint.engine.quoting import mask, quote
from tunelint.engine.reader import UTF8_BOM, Line, LineProblem
from tunelint.engine.registry import (
    DatasetCheck,
    FileCheck,
    MergeableCheck,
    RecordCheck,
    Scope,
    config_key,
    rule,
)
from tunelint.engine.settings import Settings
from tunelint.engine.typed_batch import TypedBatch
from tunelint.rules.walk import (
    chat_messages,
    message_lists,
    messages,
    texts,
    tool_definitions,
)

__all__ = [
    "PLAIN_ROLES",
    "SYSTEM_ROLES",
    "UTF8_BOM",
    "ConfigError",
    "DatasetCheck",
    "FileCheck",
    "Fix",
    "Format",
    "JsonPath",
    "LazyPattern",
    "Line",
    "LineProblem",
    "MergeableCheck",
    "PlainBatch",
    "RecordCheck",
    "RecordContext",
    "RecordRun",
    "Reports",
    "Scope",
    "Settings",
    "Severity",
    "TypedBatch",
    "Violation",
    "canonical_json",
    "chat_messages",
    "config_key",
    "delete_line",
    "dotted_path",
    "edit_line",
    "edit_value",
    "is_one_of",
    "json_type",
    "mask",
    "message_lists",
    "messages",
    "quote",
    "remove_items",
    "rule",
    "texts",
    "tool_definitions",
    "xxh3_64",
]
