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

RECEIPT_NUMBERS = """
query Sample($after: String) {
  cases(first: 100, after: $after) { edges { node { receiptNo } } pageInfo { endCursor } }
}
"""
