"""The two read queries every benchmark here measures (shaped as in the performance issue)."""

CASE_DETAIL = """
query CaseDetail($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    id receiptNo title location status receivedAt dueAt closedAt result
    taskType { code name statutoryDays legalReferences { law article title url } }
    department { name phone }
    steps {
      sequence name status startedAt dueAt signedAt comment
      officer { name title email phone department { name } }
    }
  }
}
"""

CASE_LIST = """
query Dashboard($status: [CaseStatus!]) {
  cases(filter: {status: $status}, orderBy: RECEIVED_AT_DESC, first: 50) {
    edges { node {
      receiptNo title status receivedAt dueAt
      taskType { code name }
      department { name }
      steps { sequence name status signedAt officer { name } }
    } }
  }
}
"""

# The operator page's directory (50 officers with their units, by page) and the public task list with its laws.
OFFICERS_PAGE = """
query Directory($after: String) {
  officers(first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name title email phone department { name } } }
  }
}
"""

TASK_LIST = """
query TaskList {
  taskTypes { code name category disclosureReason statutoryDays legalReferences { law article title url } }
}
"""

RECEIPT_NUMBERS = """
query Sample($after: String) {
  cases(first: 100, after: $after) { edges { node { receiptNo } } pageInfo { endCursor } }
}
"""

# The statuses the 50-case list is loaded with: the big closed bucket, the open one and a small one.
LIST_STATUSES = ("COMPLETED", "IN_PROGRESS", "REJECTED")

# PostGraphile v5's equivalents of the two queries above (bench/peer/postgraphile.mjs: Amber preset with simplified
# inflection), in its own field names. It has no many-to-many fields out of the box, so the task type's legal
# references come through the link table; it cannot order that link by the article's law, so bench/peer/shape.py
# compares legal references as a set.
POSTGRAPHILE_CASE_DETAIL = """
query CaseDetail($receiptNo: String!) {
  caseByReceiptNo(receiptNo: $receiptNo) {
    rowId receiptNo title location status receivedAt dueAt closedAt result
    taskType {
      code name statutoryDays
      taskTypeLegalReferences { nodes { legalReference { law article title url } } }
    }
    department { name phone }
    steps(orderBy: SEQUENCE_ASC) {
      nodes {
        sequence name status startedAt dueAt signedAt comment
        officer { name title email phone department { name } }
      }
    }
  }
}
"""

POSTGRAPHILE_CASE_LIST = """
query Dashboard($status: String!) {
  cases(condition: {status: $status}, orderBy: [RECEIVED_AT_DESC, ROW_ID_DESC], first: 50) {
    nodes {
      receiptNo title status receivedAt dueAt
      taskType { code name }
      department { name }
      steps(orderBy: SEQUENCE_ASC) { nodes { sequence name status signedAt officer { name } } }
    }
  }
}
"""
