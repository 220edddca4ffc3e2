"""A Redis pub/sub backend for broadcaster that subscribes before it listens.

broadcaster 0.3.1's own Redis backend starts listening while its SUBSCRIBE is still in flight; redis-py then
sees no channel, ends the listen loop, and the backend waits forever (seen with redis-py 8). This one plugs
into broadcaster's backend interface and surfaces connection errors instead of swallowing them.
"""

import asyncio
import contextlib

from broadcaster import BroadcastBackend, Event
from redis import asyncio as redis


class RedisPubSubBackend(BroadcastBackend):
    def __init__(self, url: str) -> None:
        self._url = url
        self._queue: asyncio.Queue[Event | Exception] = asyncio.Queue()
        self._listener: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._client = redis.Redis.from_url(self._url)
        self._pubsub = self._client.pubsub()

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(BaseException):
                await self._listener
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())

    async def unsubscribe(self, channel: str) -> None:
        # Called on the way out, often because the connection died: do not wait for a dead server.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: str) -> None:
        await self._client.publish(channel, message)

    async def next_published(self) -> Event:
        item = await self._queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    async def _listen(self) -> None:
        try:
            async for message in self._pubsub.listen():
                if message["type"] == "message":
                    self._queue.put_nowait(Event(channel=message["channel"].decode(), message=message["data"].decode()))
        except Exception as error:
            self._queue.put_nowait(error)
