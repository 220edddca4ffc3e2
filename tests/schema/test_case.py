from collections import Counter
from typing import Any

from resolvers.context import Context
from seed.generator import Dataset
from tests.helpers import execute

CASE_DETAIL = """
query CaseDetail($receiptNo: String!) {
  case(receiptNo: $receiptNo) {
    id receiptNo title location status receivedAt dueAt closedAt result isOverdue
    taskType { code name statutoryDays legalReferences { law article url } }
    department { name level parent { name } }
    currentStep { sequence name }
    steps {
      sequence name role status startedAt dueAt signedAt comment isOverdue
      officer { name title email phone department { name } }
      signer { name }
      legalBasis { law article title }
    }
    documents { title kind registeredAt viewCount registeredBy { name } }
    nextActions { description scheduledFor status completedAt }
  }
}
"""


def _rows(demo: Dataset, table: str) -> list[dict[str, Any]]:
    return [row._asdict() for row in demo.rows[table]]


async def test_case_detail_shows_the_whole_approval_line(context: Context, demo: Dataset) -> None:
    # Given an open case of the demo data
    case = next(row for row in _rows(demo, "case") if row["status"] == "in_progress")
    steps = [row for row in _rows(demo, "step") if row["case_id"] == case["id"]]

    # When it is looked up by receipt number
    data = await execute(context, CASE_DETAIL, receiptNo=case["receipt_no"])

    # Then every step is there, in order, with its officer, and the current step is the open one
    shown = data["case"]
    assert shown["receiptNo"] == case["receipt_no"]
    assert shown["status"] == "IN_PROGRESS"
    assert [step["sequence"] for step in shown["steps"]] == sorted(step["sequence"] for step in steps)
    assert all(step["officer"]["email"].endswith("@seoul.go.kr") for step in shown["steps"])
    open_step = next(step for step in steps if step["status"] == "in_progress")
    assert shown["currentStep"]["sequence"] == open_step["sequence"]
    assert shown["receivedAt"].endswith("+09:00"), "times are presented in Seoul time"
    assert shown["taskType"]["legalReferences"], "every task type cites its laws"


async def test_case_detail_discloses_only_public_documents(context: Context, demo: Dataset) -> None:
    documents = _rows(demo, "document")
    case_id = documents[0]["case_id"]
    case = next(row for row in _rows(demo, "case") if row["id"] == case_id)
    public_titles = Counter(doc["title"] for doc in documents if doc["case_id"] == case_id and doc["is_public"])
    assert any(not doc["is_public"] for doc in documents if doc["case_id"] == case_id), "fixture has private ones"

    data = await execute(context, CASE_DETAIL, receiptNo=case["receipt_no"])

    assert Counter(doc["title"] for doc in data["case"]["documents"]) == public_titles


async def test_unknown_receipt_number_is_null(context: Context, demo: Dataset) -> None:
    data = await execute(context, CASE_DETAIL, receiptNo="1999-NONE-00000")
    assert data["case"] is None
