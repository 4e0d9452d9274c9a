"""Columns point at the JSON location a finding names."""

from __future__ import annotations

import pytest

from tunelint.engine.locate import locate_column

LINE = '{"messages": [{"role": "user", "content": "a{[,:\\"}"}, {"role": "bot", "content": [1, {"x": 2}]}], "k\\u0041": 5}'


@pytest.mark.parametrize(
    ("path", "points_at"),
    [
        ((), '{"messages"'),
        (("messages",), '[{"role"'),
        (("messages", 0), '{"role": "user"'),
        (("messages", 1, "role"), '"bot"'),
        (("messages", 1, "content", 1, "x"), "2}]"),
        (("kA",), "5}"),
        (("messages", 7), '[{"role"'),  # missing: the deepest part found
        (("messages", 1, "name"), '{"role": "bot"'),
    ],
)
def test_column_points_at_the_location(path: tuple[str | int, ...], points_at: str) -> None:
    column = locate_column(LINE.encode(), path)
    assert LINE[column - 1 :].startswith(points_at)


def test_columns_count_characters_not_bytes() -> None:
    line = '{"a": "파리", "b": 1}'
    assert locate_column(line.encode(), ("b",)) == line.index("1") + 1


def test_byte_order_mark_is_not_a_column() -> None:
    assert locate_column(b'\xef\xbb\xbf{"a": 1}', ("a",)) == 7


@pytest.mark.parametrize(
    ("line", "path", "points_at"),
    [
        ('{ "a" : \t1, "b": 2}', ("a",), "1,"),  # the first key, spaced out
        ('{"ab": 1, "a": 2}', ("a",), "2}"),  # a longer key that starts alike
        ('{"a" "b": 1, "b": 2}', ("b",), "2}"),  # not a key followed by a colon
        ('{"\\u0061": 1, "a": 2}', ("a",), "1,"),  # the first key, escaped
        ('{"x": "\\"a\\": 0", "a": 3}', ("a",), "3}"),  # the key text inside a string
    ],
)
def test_keys_are_found_as_members_only(
    line: str, path: tuple[str | int, ...], points_at: str
) -> None:
    assert line[locate_column(line.encode(), path) - 1 :].startswith(points_at)
