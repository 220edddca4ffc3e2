"""Take a case through the rest of its approval line over the real HTTP API, as each step's own officer.

For reviewers and demos: `openproc walk 2026-BLD-PMT-00018`. Tokens are issued for the officers involved,
used for their own steps only, and revoked at the end.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

CASE = """
query($receiptNo: String!) {
  case(receiptNo: $receiptNo) { id status steps { id sequence name status officer { id name title } } }
}
"""
START = "mutation($id: ID!) { startStep(input: {stepId: $id}) { __typename ... on WorkflowError { code message } } }"
SIGN = """
mutation($id: ID!, $comment: String) {
  signStep(input: {stepId: $id, comment: $comment}) { __typename ... on WorkflowError { code message } }
}
"""
CLOSE = """
mutation($id: ID!, $result: String!) {
  closeCase(input: {caseId: $id, result: $result}) { __typename ... on WorkflowError { code message } }
}
"""


def endpoint(url: str) -> str:
    """The GraphQL URL of a server named by its base (http://host:port) or by its /graphql URL itself."""
    base = url.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


def call(url: str, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=30) as response:
            payload: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"POST {url} answered HTTP {error.code} {error.reason}: is OPEN serving there?") from None
    except urllib.error.URLError as error:
        raise RuntimeError(f"cannot reach {url} ({error.reason}): is `openproc serve` running?") from None
    if payload.get("errors"):
        raise RuntimeError(payload["errors"][0]["message"])
    result: dict[str, Any] = payload["data"]
    return result


def walk(url: str, receipt_no: str, token_for: Callable[[str], str], say: Callable[[str], None], result: str) -> None:
    """`token_for` maps an officer's global ID to a bearer token."""
    case = call(url, CASE, receiptNo=receipt_no)["case"]
    if case is None:
        raise RuntimeError(f"no case {receipt_no}")
    for step in case["steps"]:
        if step["status"] in ("SIGNED", "SKIPPED"):
            continue
        officer = step["officer"]
        token = token_for(officer["id"])
        who = f"{officer['name']} {officer['title']}"
        if step["status"] == "PENDING":
            _expect(call(url, START, token, id=step["id"])["startStep"])
            say(f"{step['sequence']}. {step['name']}: started by {who}")
        _expect(call(url, SIGN, token, id=step["id"], comment="검토 완료")["signStep"])
        say(f"{step['sequence']}. {step['name']}: signed by {who}")
    last_officer = case["steps"][-1]["officer"]
    _expect(call(url, CLOSE, token_for(last_officer["id"]), id=case["id"], result=result)["closeCase"])
    say(f"closed: {result}")


def _expect(outcome: dict[str, Any]) -> None:
    if outcome["__typename"] == "WorkflowError":
        raise RuntimeError(f"{outcome['code']}: {outcome['message']}")


OPEN_CASES = """
query Open { cases(filter: {status: [IN_PROGRESS]}, first: 100) {
  edges { node { id receiptNo steps { id status name officer { id name title } } } }
} }
"""


def simulate(
    url: str,
    token_for: Callable[[str], str],
    say: Callable[[str], None],
    *,
    per_minute: float,
    actions: int,
    seed: int = 7,
) -> int:
    """Act as officers moving random open cases one step forward, `per_minute` times a minute, `actions` times."""
    import random
    import time

    rng = random.Random(seed)
    health = url.rsplit("/", 1)[0] + "/healthz"
    for _ in range(120):  # `make run` starts the simulator beside the server: wait for it, a minute at most
        try:
            with urllib.request.urlopen(health, timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    done = 0
    while done < actions:
        cases = [edge["node"] for edge in call(url, OPEN_CASES)["cases"]["edges"]]
        if not cases:
            say("no open case left")
            return done
        case = rng.choice(cases)
        # Whose turn it is: the first step neither signed nor skipped (pending until its officer starts it).
        step = next((row for row in case["steps"] if row["status"] not in ("SIGNED", "SKIPPED")), None)
        if step is None:
            _expect(
                call(url, CLOSE, token_for(case["steps"][-1]["officer"]["id"]), id=case["id"], result="허가")[
                    "closeCase"
                ]
            )
            say(f"{case['receiptNo']}: closed")
        else:
            token = token_for(step["officer"]["id"])
            if step["status"] == "PENDING":
                _expect(call(url, START, token, id=step["id"])["startStep"])
                say(f"{case['receiptNo']}: {step['name']} started by {step['officer']['name']}")
            elif step["status"] == "IN_PROGRESS":
                _expect(call(url, SIGN, token, id=step["id"], comment="검토 완료")["signStep"])
                say(f"{case['receiptNo']}: {step['name']} signed by {step['officer']['name']}")
            else:
                continue
        done += 1
        time.sleep(60 / per_minute)
    return done
