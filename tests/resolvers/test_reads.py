"""Commit positions as clients see them: PostgreSQL's pg_lsn text, compared as (high, low) numbers."""

import pytest

from resolvers.errors import InvalidInput
from resolvers.reads import Position, format_lsn, parse_lsn, requested


@pytest.mark.parametrize("text", ["0/0", "0/3A1F2B8", "16/B374D848", "FFFFFFFF/FFFFFFFF"])
def test_a_position_reads_back_as_postgresql_writes_it(text: str) -> None:
    assert format_lsn(parse_lsn(text)) == text


def test_the_high_half_counts_first() -> None:
    # As text "1/0" sorts before "0/FFFFFFFF"; as positions it comes after.
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    assert Position(parse_lsn("1/0")).covers(Position(parse_lsn("0/FFFFFFFF")))
    assert not Position(parse_lsn("0/FFFFFFFF")).covers(Position(parse_lsn("1/0")))


@pytest.mark.parametrize("value", ["", "0/", "/1", "1/2/3", "0/1G", "123456789/0", " 0/1", 17, {"lsn": "0/1"}, ["0/1"]])
def test_anything_else_is_the_clients_error(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        requested({"readAfter": value})
    assert refused.value.argument == "extensions.readAfter"


def test_no_position_asks_for_nothing() -> None:
    assert requested(None) == requested({}) == requested({"readAfter": None}) == Position()
