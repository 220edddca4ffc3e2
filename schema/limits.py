"""Validation rules beyond depth, aliases and tokens: no field asked for over and over in one selection."""

from collections import Counter
from typing import Any

from graphql import FieldNode, GraphQLError, SelectionSetNode, ValidationRule

# The same field (same response name) more than this many times in one selection set is refused.
MAX_DUPLICATES = 10


class FieldDuplicationLimit(ValidationRule):
    """graphql-cop's "field duplication" probe: hundreds of copies of one field, each resolved again."""

    def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
        names = Counter(
            (selection.alias or selection.name).value
            for selection in node.selections
            if isinstance(selection, FieldNode)
        )
        for name, count in names.items():
            if count > MAX_DUPLICATES:
                self.report_error(
                    GraphQLError(f"'{name}' is selected {count} times in one selection; at most {MAX_DUPLICATES}", node)
                )
