"""Fan-out benchmark (`make bench`): how fast one booking's availability reaches every watcher.

Starts the app under uvicorn with 2 workers (`BENCH_WORKERS`) on a fresh `tk_bench` database,
opens 1,000 and then 10,000 websocket clients on one campaign's `/ws/campaigns/{id}/` (the
clients are asyncio tasks of this one process, spread over the workers by the kernel), then
books one seat over HTTP a few times, a second apart, and measures for every client the time
from the booking's 201 to the frame that shows the new count. Prints p50, p99 and max of
those delays, how many clients missed a round (no such frame within `DEADLINE` s), and the
server processes' resident memory per connected client.
"""

import asyncio
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

import aiohttp
import websockets
from bench import (
    bench_database_url,
    free_port,
    percentile,
    process_tree,
    recreate_database,
    seed,
    server_env,
    setup_django,
    start_server,
)

SIZES = [int(size) for size in os.environ.get("BENCH_FANOUT_CLIENTS", "1000,10000").split(",")]
ROUNDS = 5
DEADLINE = 5.0
CONNECTING_AT_ONCE = 200
CONNECT_ATTEMPTS = 3


def raise_open_files_limit(needed: int) -> None:
    """Each client is a socket here and in a server process: lift the soft limit to the hard."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < needed:
        sys.exit(f"open files are limited to {hard}; {needed} are needed (ulimit -Hn)")


class Watcher:
    """One websocket client that records when each frame arrived, parsing nothing meanwhile."""

    def __init__(self):
        self.frames: list[tuple[float, str]] = []
        self.socket = None

    async def run(self, url: str, origin: str, connected: asyncio.Semaphore) -> None:
        async with connected:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    self.socket = await websockets.connect(
                        url, origin=origin, open_timeout=120, ping_interval=None, compression=None
                    )
                    self.frames.append((time.perf_counter(), await self.socket.recv()))
                    break
                except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                    # A connection refused or dropped on a saturated machine: like the page's
                    # script, connect again; the last failure ends the benchmark.
                    if attempt == CONNECT_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(1)
        try:
            async for message in self.socket:
                self.frames.append((time.perf_counter(), message))
        except websockets.ConnectionClosed:
            pass

    def arrival(self, ticket_type_id: int, remaining: int, after: int) -> float | None:
        """When the first frame (from index `after`) showing `remaining` arrived."""
        for arrived, text in self.frames[after:]:
            rows = json.loads(text)["ticket_types"]
            if any(r["id"] == ticket_type_id and r["remaining"] == remaining for r in rows):
                return arrived
        return None


def resident_bytes(pids: list[int]) -> int:
    """Resident memory of these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


async def measure(base_url: str, token: str, ticket_type, clients: int, server_pids) -> dict:
    ws_url = base_url.replace("http://", "ws://") + f"/ws/campaigns/{ticket_type.campaign_id}/"
    memory_before = resident_bytes(server_pids)
    watchers = [Watcher() for _ in range(clients)]
    connecting = asyncio.Semaphore(CONNECTING_AT_ONCE)
    tasks = [asyncio.create_task(w.run(ws_url, base_url, connecting)) for w in watchers]
    started = time.perf_counter()
    while sum(1 for w in watchers if w.frames) < clients:
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
        await asyncio.sleep(0.2)
    connect_s = time.perf_counter() - started
    # This process holds every client: a full collection of its garbage (tens of ms with
    # 10,000 sockets) would delay whole rounds and be counted as the server's. None runs
    # while measuring.
    gc.collect()
    gc.disable()
    memory_each = (resident_bytes(server_pids) - memory_before) / clients
    remaining = json.loads(watchers[0].frames[0][1])["ticket_types"][0]["remaining"]
    delays, missed = [], 0
    item = {"ticket_type": ticket_type.pk, "quantity": 1}
    body = {"campaign": ticket_type.campaign_id, "items": [item]}
    async with aiohttp.ClientSession(headers={"X-Session-Token": token}) as session:
        for _ in range(ROUNDS):
            await asyncio.sleep(1.0)
            marks = [len(w.frames) for w in watchers]
            async with session.post(f"{base_url}/api/v1/bookings/", json=body) as response:
                await response.read()
            created = time.perf_counter()
            assert response.status == 201, response.status
            remaining -= 1
            await asyncio.sleep(DEADLINE)
            for watcher, mark in zip(watchers, marks, strict=True):
                arrived = watcher.arrival(ticket_type.pk, remaining, mark)
                if arrived is None:
                    missed += 1
                else:
                    delays.append(max(0.0, arrived - created) * 1000)
    gc.enable()
    for watcher in watchers:
        await watcher.socket.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"connect_s": connect_s, "delays": delays, "missed": missed, "memory": memory_each}


def main() -> None:
    raise_open_files_limit(max(SIZES) + 1000)
    database_url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    recreate_database(database_url)
    env = server_env(database_url)
    setup_django(env)
    from django.core.cache import cache

    cache.clear()
    tokens, _, _, (_, probe_types) = seed()
    port = free_port()
    server = start_server(port, env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        print(f"\n== fan-out: one booking's availability to N websocket clients, {ROUNDS} rounds")
        for size in SIZES:
            server_pids = process_tree(server.pid)
            result = asyncio.run(measure(base_url, tokens[0], probe_types[0], size, server_pids))
            delays = result["delays"] or [float("nan")]
            print(
                f"  {size:>6} clients (connected in {result['connect_s']:.1f} s): "
                f"p50 {percentile(delays, 0.5):.1f} ms  p99 {percentile(delays, 0.99):.1f} ms  "
                f"max {max(delays):.1f} ms  missed {result['missed']} of {size * ROUNDS}; "
                f"server memory {result['memory'] / 1024:.0f} KiB per client"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
