"""The compiled read path: public queries answered by one SQL statement that has PostgreSQL build the JSON.

Strawberry owns the schema, its descriptions and validation; for a validated query over the public read types
(`case`, `cases` and everything reachable from them without arguments) `compiler` turns the selection into one
statement of nested `json_build_object` / `json_agg`, and `endpoint` sends PostgreSQL's text as the response body.
Anything else — mutations, subscriptions, fields with arguments or permissions, directives — goes to Strawberry
unchanged, as does any query whose arguments would be refused, so errors keep one source. A test compares both
paths' answers for every field the compiler knows.
"""
