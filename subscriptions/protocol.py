"""The `graphql-transport-ws` wire format, and nothing else: the subprotocol's name, the close codes this server
uses, the text of every message it sends, and the parsing of what clients send.

Pure functions and constants, no state and no I/O, so the connection, the fan-out and the tests read the same
codes and shapes from one place, and a change to what goes on the wire is a change to this file.
"""

import json
from typing import Any

from graphql import GraphQLError

from schema.errors import public

PROTOCOL = "graphql-transport-ws"

# A close: the WebSocket close code and its reason.
Close = tuple[int, str]

# Close code for a watcher too far behind: RFC 6455's "try again later", which graphql-transport-ws leaves free
# and its reference client retries (its 4400-4499 codes are fatal there).
TOO_FAR_BEHIND: Close = (1013, "Too far behind; resume with after")
# Close code when the event log moved backwards under the socket (the database was replaced): RFC 6455's
# "service restart"; the old sequence numbers mean nothing in the new log.
LOG_REPLACED: Close = (1012, "The event log was replaced; subscribe again without after")
# The protocol's own closes.
INVALID_MESSAGE: Close = (4400, "Invalid message")
INVALID_INIT_PAYLOAD: Close = (4400, "Invalid connection_init payload")
INVALID_SUBSCRIBE: Close = (4400, "Invalid subscribe message")
INVALID_COMPLETE: Close = (4400, "Invalid complete message")
UNAUTHORIZED: Close = (4401, "Unauthorized")
SUBPROTOCOL_NOT_ACCEPTABLE: Close = (4406, "Subprotocol not acceptable")
INIT_TIMEOUT: Close = (4408, "Connection initialisation timeout")
MESSAGE_TOO_LARGE: Close = (4413, "Message too large")
TOO_MANY_INITS: Close = (4429, "Too many initialisation requests")


def unknown_type(kind: Any) -> Close:
    return (4400, f"Unknown message type {kind!r}")


def subscriber_exists(operation_id: str) -> Close:
    return (4409, f"Subscriber for {operation_id} already exists")


def parse(text: str) -> tuple[Any, dict[str, Any]] | None:
    """A client message's `type` and the message (a JSON object); None if the text is not one."""
    try:
        message = json.loads(text)
        kind = message["type"]
    except (ValueError, KeyError, TypeError, RecursionError):
        # RecursionError: JSON nested deeper than the parser recurses (over HTTP the same is a 400).
        return None
    return kind, message


def bearer_token(payload: dict[str, Any]) -> str | None:
    """The token of a `connection_init` payload's `Authorization: Bearer …`, if it has one."""
    authorization = payload.get("authorization") or payload.get("Authorization")
    if isinstance(authorization, str) and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


CONNECTION_ACK = '{"type":"connection_ack"}'
PONG = '{"type":"pong"}'


def next_message(operation_id: str, payload: str) -> str:
    """A `next` message around a payload that is already JSON (rendered once for every watcher of a group)."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload}}}'


def complete_message(operation_id: str) -> str:
    return json.dumps({"id": operation_id, "type": "complete"})


def error_message(operation_id: str, errors: list[dict[str, Any]]) -> str:
    return json.dumps({"id": operation_id, "type": "error", "payload": errors}, ensure_ascii=False)


def resume_point(operation_id: str, last_sequence: int) -> str:
    """The `error` that tells a subscription cut off for being too far behind where to resume."""
    error = {
        "message": f"too far behind: resume with after: {last_sequence}",
        "extensions": {"code": "TOO_FAR_BEHIND", "lastSequence": last_sequence},
    }
    return json.dumps({"id": operation_id, "type": "error", "payload": [error]})


def public_errors(errors: Any) -> list[dict[str, Any]]:
    """The HTTP door's error path: expected errors keep their message and get a code, others are masked and
    logged with the request id."""
    return [dict(public(error).formatted) for error in errors]


def bad_input(error: Exception) -> GraphQLError:
    """A refusal of the subscription's arguments, in the shape the HTTP door gives it."""
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def internal_error() -> list[dict[str, Any]]:
    return [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}]


def answer_too_large(limit_bytes: int) -> list[dict[str, Any]]:
    """The refusal of a query or mutation whose answer alone is more than a socket may hold (the operation ends,
    the socket stays): over HTTP the same document is answered."""
    message = f"the answer is larger than the {limit_bytes:,} bytes a socket may hold: ask for less, or use HTTP"
    return [{"message": message, "extensions": {"code": "ANSWER_TOO_LARGE", "limitBytes": limit_bytes}}]


def too_many_subscriptions() -> list[dict[str, Any]]:
    return [{"message": "too many subscriptions on this connection", "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS"}}]
