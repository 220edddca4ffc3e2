"""The loader takes COPY columns and load order from the models and refuses rows that do not fit them."""

from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

import pytest

from models import Base
from schema.time import SEOUL
from seed import loader
from seed.generator import ROW_TYPES, Row, generate
from seed.scale import SCALES

LEGAL_REFERENCE = Base.metadata.tables["legal_reference"]


class Reference(NamedTuple):
    id: int
    law: str
    article: str
    title: str
    excerpt: str
    url: str


class Backwards(NamedTuple):
    url: str
    excerpt: str
    title: str
    article: str
    law: str


class WithNickname(NamedTuple):
    id: int
    law: str
    article: str
    title: str
    excerpt: str
    url: str
    nickname: str


class WithoutUrl(NamedTuple):
    id: int
    law: str
    article: str
    title: str
    excerpt: str


def test_a_row_naming_an_unknown_column_is_refused() -> None:
    with pytest.raises(ValueError, match="table 'legal_reference' has no column 'nickname'"):
        loader.copy_columns(LEGAL_REFERENCE, [WithNickname(1, "건축법", "제11조", "허가", "…", "https://x", "n")])


def test_rows_leaving_out_a_required_column_are_refused() -> None:
    with pytest.raises(ValueError, match="table 'legal_reference' leave out column 'url'"):
        loader.copy_columns(LEGAL_REFERENCE, [WithoutUrl(1, "건축법", "제11조", "허가", "…")])


def test_rows_giving_different_columns_are_refused() -> None:
    rows: list[Row] = [
        Reference(1, "건축법", "제11조", "허가", "…", "https://x"),
        WithoutUrl(2, "건축법", "제12조", "…", "…"),
    ]
    with pytest.raises(ValueError, match="'legal_reference' give different columns: row 1 differs from row 0 in url"):
        loader.copy_columns(LEGAL_REFERENCE, rows)


def test_columns_follow_the_table_and_leave_what_the_database_fills_to_it() -> None:
    rows = [Backwards("https://x", "…", "허가", "제11조", "건축법")]  # no id: the serial gives it

    columns = loader.copy_columns(LEGAL_REFERENCE, rows)

    assert columns == ["law", "article", "title", "excerpt", "url"]
    assert loader.records(columns, rows) == [("건축법", "제11조", "허가", "…", "https://x")]


def test_tables_load_after_the_tables_they_refer_to() -> None:
    position = {name: index for index, name in enumerate(loader.TABLES)}
    assert position.keys() == ROW_TYPES.keys()
    for name in loader.TABLES:
        for key in Base.metadata.tables[name].foreign_keys:
            referred = key.column.table.name
            if referred in position and referred != name and not key.use_alter:
                assert position[referred] < position[name], f"{name} refers to {referred}"
    # department.head_id → officer is the reference the load order cannot honour; heads are set afterwards.
    assert position["department"] < position["officer"]


def test_every_generated_table_fits_its_model() -> None:
    small = replace(SCALES["demo"], officers=60, cases=40)
    dataset = generate(small, datetime(2026, 11, 26, 15, tzinfo=SEOUL), set(), seed=3)

    copies = loader.plan(dataset)

    assert [table for table, _, _ in copies] == list(loader.TABLES)
