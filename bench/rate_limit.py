"""The shared IT Glue limiter's throughput: four limiters on one state table (template.yaml on
moto), 10 requests/s, burst 2, each sending 8 requests as fast as it is let.

    python bench/rate_limit.py

Prints one JSON object: `elapsed_s` next to the ideal `(total - burst) / rate` (target: within
1.3x + 0.5 s, i.e. the shared bucket does not starve its users) and the most requests granted
in any one-second window (must not exceed rate + burst; the test suite checks that part).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gluekb.adapters.aws import AwsClients
from gluekb.adapters.rate_limit import DynamoDbTokenBucket
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template

ROOT = Path(__file__).resolve().parents[1]
RATE, BURST, WORKERS, EACH = 10.0, 2, 4, 8


def main() -> None:
    with mock_aws():
        clients = AwsClients("us-east-1")
        Provisioner(
            Template(ROOT / "template.yaml", LOCAL_PARAMETERS),
            clients,
            {"WebhookSecret": "{}", "ConsoleSessionSecret": "{}"},
            tls=False,
        ).provision()
        emulator = ThreadPoolExecutor(max_workers=1)  # in-process moto: one thread, as DynamoDB
        limiters = [
            DynamoDbTokenBucket(
                clients.dynamodb, "gluekb-local-state", rate_per_s=RATE, burst=BURST,
                executor=emulator,
            )
            for _ in range(WORKERS)
        ]  # fmt: skip
        granted: list[float] = []

        async def worker(limiter: DynamoDbTokenBucket) -> None:
            for _ in range(EACH):
                await limiter.acquire()
                granted.append(time.time())

        async def run_all() -> None:
            await asyncio.gather(*(worker(limiter) for limiter in limiters))

        started = time.time()
        asyncio.run(run_all())
        elapsed = time.time() - started
        emulator.shutdown()
    total = WORKERS * EACH
    ordered = sorted(granted)
    busiest = max(
        sum(1 for t in ordered[i:] if t - moment < 1.0) for i, moment in enumerate(ordered)
    )
    ideal = (total - BURST) / RATE
    print(
        json.dumps(
            {
                "requests": total,
                "elapsed_s": round(elapsed, 2),
                "ideal_s": ideal,
                "within_target": elapsed < ideal * 1.3 + 0.5,
                "max_in_1s_window": busiest,
                "allowed_in_1s_window": RATE + BURST,
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
