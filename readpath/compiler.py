"""A validated query over the public read types → one SQL statement returning the `data` object as JSON text.

`plan()` works once per document: it walks the selection and writes the SQL of every object (static: it does not
depend on variables). `Plan.statement()` works per request: it reads the root arguments, which the same checks as
the Strawberry path validate (pagination, cursors, IDs), and writes the small variable part of the statement.
Whatever the compiler does not know raises `Unsupported`; the caller then lets Strawberry answer.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import DateTime, literal_column
from strawberry import relay

from models import Case
from readpath.tables import DIALECT, TABLES, utc_time
from resolvers.case import CaseFilter, CaseOrder, overdue
from resolvers.officer import OFFICERS_ORDER
from resolvers.pagination import Slice, decode_cursor
from schema import case_filter
from schema.enums import CaseStatus
from schema.ids import optional_db_id_for


class Unsupported(Exception):
    """The compiler does not know this; Strawberry answers instead."""


Fields = dict[str, list[FieldNode]]


def _collect(selections: Iterable[SelectionSetNode], fragments: dict[str, FragmentDefinitionNode], on: str) -> Fields:
    """Fields by response key, fragments of the same type flattened, as GraphQL merges them."""
    collected: Fields = {}

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise Unsupported("directives")
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                collected.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if selection.type_condition is not None and selection.type_condition.name.value != on:
                    raise Unsupported("fragment on another type")
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                if fragment.type_condition.name.value != on:
                    raise Unsupported("fragment on another type")
                walk(fragment.selection_set)

    for selection_set in selections:
        walk(selection_set)
    return collected


def _subselections(nodes: Sequence[FieldNode]) -> list[SelectionSetNode]:
    return [node.selection_set for node in nodes if node.selection_set is not None]


def _literal(text: str) -> str:
    """A response key or type name as an SQL string; GraphQL names are [_A-Za-z][_0-9A-Za-z]*, nothing to escape."""
    return f"'{text}'"


@dataclass
class _Writer:
    fragments: dict[str, FragmentDefinitionNode]
    aliases: int = 0

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def obj(self, type_name: str, row: str, selections: list[SelectionSetNode]) -> str:
        """json_build_object of the selected fields of the `type_name` row aliased `row`."""
        table = TABLES.get(type_name)
        if table is None:
            raise Unsupported(f"type {type_name}")
        parts: list[str] = []
        for key, nodes in _collect(selections, self.fragments, type_name).items():
            name = nodes[0].name.value
            if any(node.arguments for node in nodes):
                raise Unsupported(f"arguments on {type_name}.{name}")
            if name == "__typename":
                value = _literal(type_name)
            elif name in table.scalars:
                value = table.scalars[name].format(t=row)
            elif name in table.relations:
                relation = table.relations[name]
                related = self.alias()
                inner = self.obj(relation.target, related, _subselections(nodes))
                source = relation.source.format(t=row, r=related)
                if relation.many:
                    value = _rows(inner, source, relation.order.format(r=related))
                else:
                    value = f"(SELECT {inner} FROM {source} LIMIT 1)"
            else:
                raise Unsupported(f"field {type_name}.{name}")
            parts += [_literal(key), value]
        if len(parts) > 100:
            raise Unsupported("more than 50 fields in one object (json_build_object takes 100 arguments)")
        return f"json_build_object({', '.join(parts)})"


@dataclass
class Statement:
    """SQL text and its positional parameters; `add` numbers a parameter and returns its placeholder.

    `receipt_nos` and `lists` say which events change the answer: those of these cases, or (lists) of any case.
    """

    ctes: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    receipt_nos: set[str] = field(default_factory=set)
    lists: bool = False
    sql: str = ""

    def add(self, value: Any, sql_type: str) -> str:
        self.params.append(value)
        return f"${len(self.params)}::{sql_type}"


@dataclass(frozen=True)
class _CaseRoot:
    node: FieldNode
    case_sql: str

    def sql(self, statement: Statement, arguments: dict[str, Any]) -> str:
        statement.receipt_nos.add(arguments["receiptNo"])
        receipt_no = statement.add(arguments["receiptNo"], "text")
        return f'(SELECT {self.case_sql} FROM "case" c WHERE c.receipt_no = {receipt_no})'


@dataclass(frozen=True)
class _TaskTypeRoot:
    """`taskType(code:)`, as resolvers.task_type.task_type_by_code reads it."""

    node: FieldNode
    task_type_sql: str
    row: str

    def sql(self, statement: Statement, arguments: dict[str, Any]) -> str:
        code = statement.add(arguments["code"], "text")
        return f"(SELECT {self.task_type_sql} FROM task_type {self.row} WHERE {self.row}.code = {code})"


# resolvers.case.overdue over the alias `c`, rendered from that one definition (its statuses as literals, as below).
OVERDUE = str(
    overdue(literal_column("c.status", Case.status.type), literal_column("c.due_at", DateTime(timezone=True))).compile(
        dialect=DIALECT, compile_kwargs={"literal_binds": True}
    )
)


def _criteria(statement: Statement, criteria: CaseFilter) -> list[str]:
    """resolvers.case.case_criteria, in SQL over the alias `c`."""
    where: list[str] = []
    if criteria.task_type_id is not None:
        where.append(f"c.task_type_id = {statement.add(criteria.task_type_id, 'int')}")
    if criteria.task_type_code is not None:
        code = statement.add(criteria.task_type_code, "text")
        where.append(f"c.task_type_id = (SELECT id FROM task_type WHERE code = {code})")
    if criteria.department_id is not None:
        department = statement.add(criteria.department_id, "int")
        if criteria.include_subdepartments:
            where.append(
                "c.department_id IN (SELECT id FROM department WHERE path LIKE "
                f"(SELECT path FROM department WHERE id = {department}) || '%')"
            )
        else:
            where.append(f"c.department_id = {department}")
    if criteria.statuses:
        # Written as literals (a closed vocabulary, nothing to escape): as a parameter, PostgreSQL's generic plan
        # for a prepared statement cannot know a status is rare and walks the date index across every case.
        where.append(f"c.status IN ({', '.join(_literal(status.value) for status in sorted(criteria.statuses))})")
    if criteria.received_from is not None:
        where.append(f"c.received_at >= {statement.add(criteria.received_from, 'timestamptz')}")
    if criteria.received_to is not None:
        where.append(f"c.received_at < {statement.add(criteria.received_to, 'timestamptz')}")
    if criteria.officer_id is not None:
        officer = statement.add(criteria.officer_id, "int")
        where.append(f"EXISTS (SELECT 1 FROM step s WHERE s.case_id = c.id AND s.officer_id = {officer})")
    if criteria.overdue_now is not None:
        where.append(OVERDUE if criteria.overdue_now else f"NOT ({OVERDUE})")
    if criteria.due_from is not None:
        where.append(f"c.due_at >= {statement.add(criteria.due_from, 'timestamptz')}")
    if criteria.due_to is not None:
        where.append(f"c.due_at < {statement.add(criteria.due_to, 'timestamptz')}")
    return where


def _filter(raw: dict[str, Any] | None) -> CaseFilter:
    """The filter argument as graphql-core coerced it, checked by the same code as Strawberry's path."""
    if raw is None:
        return CaseFilter()

    def global_id(value: str | None) -> relay.GlobalID | None:
        return None if value is None else relay.GlobalID.from_id(value)

    statuses: list[CaseStatus] | None = raw["status"]
    given = case_filter.CaseFilter(
        task_type_code=raw["taskTypeCode"],
        department_id=global_id(raw["departmentId"]),
        include_subdepartments=raw["includeSubdepartments"],
        status=statuses,
        received_from=raw["receivedFrom"],
        received_to=raw["receivedTo"],
        officer_id=global_id(raw["officerId"]),
        overdue_now=raw["overdueNow"],
        due_from=raw["dueFrom"],
        due_to=raw["dueTo"],
    )
    return given.criteria()


@dataclass(frozen=True)
class _CasesRoot:
    """`cases`: a keyset page (fetched with one extra row to tell that more lie beyond), as a connection; as
    resolvers.pagination.keyset and build_page take it, forward or backward."""

    node: FieldNode
    # The connection's fields, with `{page}` for the page's CTE, `{size}` for the page size, `{where}` for criteria.
    connection_sql: str

    def sql(self, statement: Statement, arguments: dict[str, Any]) -> str:
        statement.lists = True
        order: CaseOrder = arguments["orderBy"]
        window = Slice(arguments["first"], arguments["after"], arguments["last"], arguments["before"])
        where = _criteria(statement, _filter(arguments["filter"]))
        column = order.value[0]
        keyset = list(where)
        for cursor, argument, later in ((window.after, "after", True), (window.before, "before", False)):
            if cursor is not None:
                value, row_id = decode_cursor(cursor, order.name, datetime, argument)
                pair = f"({statement.add(value, 'timestamptz')}, {statement.add(row_id, 'int')})"
                keyset.append(f"(c.{column}, c.id) {'>' if later == order.ascending else '<'} {pair}")
        order_sql = f"c.{column} {{direction}}, c.id {{direction}}"
        cursor = cursor_sql(order.name, column)
        return _page(
            statement, self.connection_sql, window, order.ascending, '"case" c', order_sql, keyset, where, cursor
        )


def _page(
    statement: Statement,
    connection_sql: str,
    window: Slice,
    ascending: bool,
    rows: str,
    order: str,
    keyset: list[str],
    where: list[str],
    cursor: str,
) -> str:
    """The connection over the page's rows: a CTE of the `window` of `rows` (one extra row fetched, to tell that
    more lie beyond), as resolvers.pagination.keyset and build_page take it, forward or backward. `order` has
    `{direction}` for each key; `cursor` is each page row's cursor over the alias `p`."""
    size = window.size
    # Fetched in the list's order, or from the far end when taken backward; `ord` counts in fetch order.
    fetched = order.format(direction="ASC" if ascending != window.backward else "DESC")
    page = f"page{len(statement.ctes)}"
    statement.ctes.append(
        f"{page} AS MATERIALIZED (SELECT *, row_number() OVER (ORDER BY {fetched}) AS ord FROM {rows} "
        f"{_where(keyset)} ORDER BY {fetched} LIMIT {size + 1})"
    )
    has_next, has_previous = (
        flag if isinstance(flag, str) else str(flag).lower()
        for flag in window.flags(f"((SELECT count(*) FROM {page}) > {size})")
    )
    return connection_sql.format(
        page=page,
        size=size,
        where=_where(where),
        cursor=cursor,
        shown="p.ord DESC" if window.backward else "p.ord",
        shown_reversed="p.ord" if window.backward else "p.ord DESC",
        has_next=has_next,
        has_previous=has_previous,
    )


@dataclass(frozen=True)
class _OfficersRoot:
    """`officers`, by id, as resolvers.officer.list_officers pages them."""

    node: FieldNode
    connection_sql: str

    def sql(self, statement: Statement, arguments: dict[str, Any]) -> str:
        window = Slice(arguments["first"], arguments["after"], arguments["last"], arguments["before"])
        raw = arguments["departmentId"]
        department = optional_db_id_for(
            None if raw is None else relay.GlobalID.from_id(raw), "Department", "departmentId"
        )
        where = [] if department is None else [f"o.department_id = {statement.add(department, 'int')}"]
        keyset = list(where)
        for cursor, argument, later in ((window.after, "after", True), (window.before, "before", False)):
            if cursor is not None:
                _, row_id = decode_cursor(cursor, OFFICERS_ORDER, int, argument)
                keyset.append(f"o.id {'>' if later else '<'} {statement.add(row_id, 'int')}")
        # resolvers.pagination.encode_cursor(OFFICERS_ORDER, id, id) over the page row `p`.
        cursor = _base64url(f"'[\"{OFFICERS_ORDER}\",' || p.id || ',' || p.id || ']'")
        return _page(
            statement, self.connection_sql, window, True, "officer o", "o.id {direction}", keyset, where, cursor
        )


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def cursor_sql(ordering: str, column: str) -> str:
    """resolvers.pagination.encode_cursor over the page row `p`: URL-safe base64, unpadded, of the JSON."""
    return _base64url(f"'[\"{ordering}\",\"' || {utc_time(f'p.{column}')} || '\",' || p.id || ']'")


def _base64url(text: str) -> str:
    """URL-safe base64 of the SQL text expression `text`, unpadded, without the line breaks encode() adds."""
    return f"rtrim(translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


def _connection(writer: _Writer, nodes: Sequence[FieldNode], node_type: str, rows: str) -> str:
    """The selected fields of `node_type`'s connection over `rows` (its table and alias, e.g. `"case" c`); `{page}`
    etc. are filled per request (doubled braces stay literal)."""
    connection_type, edge_type = f"{node_type}Connection", f"{node_type}Edge"
    parts: list[str] = []
    for key, fields in _collect(_subselections(nodes), writer.fragments, connection_type).items():
        name = fields[0].name.value
        if name == "__typename":
            value = _literal(connection_type)
        elif name == "totalCount":
            value = f"(SELECT count(*) FROM {rows} {{where}})"
        elif name == "edges":
            edge_parts: list[str] = []
            for edge_key, edge_fields in _collect(_subselections(fields), writer.fragments, edge_type).items():
                edge_name = edge_fields[0].name.value
                if edge_name == "__typename":
                    edge_value = _literal(edge_type)
                elif edge_name == "cursor":
                    edge_value = "{cursor}"
                elif edge_name == "node":
                    edge_value = (
                        writer.obj(node_type, "p", _subselections(edge_fields)).replace("{", "{{").replace("}", "}}")
                    )
                else:
                    raise Unsupported(f"{edge_type}.{edge_name}")
                edge_parts += [_literal(edge_key), edge_value]
            value = (
                f"coalesce((SELECT json_agg(json_build_object({', '.join(edge_parts)}) ORDER BY {{shown}}) "
                "FROM {page} p WHERE p.ord <= {size}), '[]'::json)"
            )
        elif name == "pageInfo":
            info_parts: list[str] = []
            for info_key, info_fields in _collect(_subselections(fields), writer.fragments, "PageInfo").items():
                info_name = info_fields[0].name.value
                info_value = {
                    "__typename": _literal("PageInfo"),
                    "hasNextPage": "{has_next}",
                    "hasPreviousPage": "{has_previous}",
                    "startCursor": "(SELECT {cursor} FROM {page} p WHERE p.ord <= {size} ORDER BY {shown} LIMIT 1)",
                    "endCursor": "(SELECT {cursor} FROM {page} p WHERE p.ord <= {size} ORDER BY {shown_reversed} "
                    "LIMIT 1)",
                }.get(info_name)
                if info_value is None:
                    raise Unsupported(f"PageInfo.{info_name}")
                info_parts += [_literal(info_key), info_value]
            value = f"json_build_object({', '.join(info_parts)})"
        else:
            raise Unsupported(f"{connection_type}.{name}")
        parts += [_literal(key), value]
    return f"json_build_object({', '.join(parts)})"


Root = _CaseRoot | _CasesRoot | _TaskTypeRoot | _OfficersRoot


@dataclass(frozen=True)
class Plan:
    """A compiled operation: its name (for metrics) and its root fields."""

    name: str | None
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    roots: tuple[tuple[str, Root | str], ...]

    def statement(self, variables: VariableValues) -> Statement:
        """The SQL for these (coerced) variable values; raises InvalidInput where Strawberry's path would."""
        statement = Statement()
        query_type = self.schema.query_type
        assert query_type is not None
        parts: list[str] = []
        for key, root in self.roots:
            if isinstance(root, str):
                parts += [_literal(key), root]
                continue
            arguments = get_argument_values(query_type.fields[root.node.name.value], root.node, variables)
            parts += [_literal(key), root.sql(statement, arguments)]
        with_clause = f"WITH {', '.join(statement.ctes)} " if statement.ctes else ""
        statement.sql = f"{with_clause}SELECT json_build_object({', '.join(parts)})::text"
        return statement


# The reference lists at the root, as their resolvers read them (resolvers/task_type.py, legal_reference.py,
# department.py): the type, its rows over the alias {r}, their order. Only reference updates change them, and those
# drop every cached answer.
REFERENCE_LISTS = {
    "taskTypes": ("TaskType", "task_type {r}", "{r}.code"),
    "legalReferences": ("LegalReference", "legal_reference {r}", "{r}.law, {r}.id"),
    "departments": ("Department", "department {r} WHERE {r}.parent_id IS NULL", "{r}.code"),
}


def _rows(listed: str, source: str, order: str) -> str:
    """A JSON array of `listed` over `source` in `order`; empty, not null, when there is none."""
    return f"coalesce((SELECT json_agg({listed} ORDER BY {order}) FROM {source}), '[]'::json)"


def plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan:
    """Compile the chosen operation of a validated document, or raise Unsupported."""
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    fragments = {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if len(chosen) != 1:
        raise Unsupported("no single operation")
    operation = chosen[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise Unsupported("not a plain query")
    writer = _Writer(fragments)
    roots: list[tuple[str, Root | str]] = []
    for key, nodes in _collect([operation.selection_set], fragments, "Query").items():
        name = nodes[0].name.value
        if len(nodes) > 1:
            raise Unsupported("a root field asked twice under one key")
        if name == "__typename":
            roots.append((key, _literal("Query")))
        elif name == "case":
            roots.append((key, _CaseRoot(nodes[0], writer.obj("Case", "c", _subselections(nodes)))))
        elif name == "cases":
            roots.append((key, _CasesRoot(nodes[0], _connection(writer, nodes, "Case", '"case" c'))))
        elif name == "officers":
            roots.append((key, _OfficersRoot(nodes[0], _connection(writer, nodes, "Officer", "officer o"))))
        elif name == "taskType":
            row = writer.alias()
            roots.append((key, _TaskTypeRoot(nodes[0], writer.obj("TaskType", row, _subselections(nodes)), row)))
        elif name in REFERENCE_LISTS:
            target, source, order = REFERENCE_LISTS[name]
            row = writer.alias()
            listed = writer.obj(target, row, _subselections(nodes))
            roots.append((key, _rows(listed, source.format(r=row), order.format(r=row))))
        else:
            raise Unsupported(f"root field {name}")
    return Plan(operation.name.value if operation.name else None, schema, operation, tuple(roots))
