"""Follow a case live with the `gql` client: prints each change as it happens, and resumes where it left off.

pip install "gql[websockets]"
python examples/subscribe.py 2026-BLD-PMT-00018                  # from now on
python examples/subscribe.py 2026-BLD-PMT-00018 --after 29000    # everything after sequence 29000 first
"""

import argparse
import asyncio

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

PROGRESS = gql("""
subscription Progress($receiptNo: String!, $after: Int) {
  caseProgress(receiptNo: $receiptNo, after: $after) {
    sequence type occurredAt
    case { status currentStep { name officer { name title } } }
    step { sequence name status signer { name } }
  }
}
""")


async def follow(url: str, receipt_no: str, after: int | None, count: int | None) -> None:
    seen = 0
    while True:
        # graphql-transport-ws is the protocol gql speaks by default on websockets.
        transport = WebsocketsTransport(url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
        try:
            async with Client(transport=transport) as session:
                async for result in session.subscribe(
                    PROGRESS, variable_values={"receiptNo": receipt_no, "after": after}
                ):
                    event = result["caseProgress"]
                    after = event["sequence"]  # resume from here if the connection drops
                    step = event["step"]
                    what = f"{step['sequence']}. {step['name']} {step['status']}" if step else ""
                    print(f"#{event['sequence']} {event['occurredAt']} {event['type']} {what}", flush=True)
                    seen += 1
                    if count is not None and seen >= count:
                        return
        except Exception as error:  # the server restarted or the network dropped: resume after `after`
            print(f"connection lost ({error}); resuming after {after}", flush=True)
            await asyncio.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("receipt_no")
    parser.add_argument("--url", default="ws://127.0.0.1:8000/graphql")
    parser.add_argument("--after", type=int, default=None, help="the last sequence you saw")
    parser.add_argument("--count", type=int, default=None, help="stop after this many events")
    args = parser.parse_args()
    asyncio.run(follow(args.url, args.receipt_no, args.after, args.count))


if __name__ == "__main__":
    main()
