"""`DemoState`: what the app holds: the tenant view, the request log, the rate window and the
faults in force (changeable at run time, `PUT /_demo/faults`)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque

from gluekb_dev.demo.server.config import DemoServerConfig, Faults
from gluekb_dev.demo.server.request_log import RequestLog
from gluekb_dev.demo.server.view import TenantView
from gluekb_dev.demo.tenant import TenantStore


class DemoState:
    """What the app holds: the tenant view, the request log, the rate window, the faults."""

    def __init__(self, store: TenantStore, config: DemoServerConfig) -> None:
        self.view = TenantView(store)
        self.config = config
        self.faults = config.faults
        self.rng = random.Random(config.faults.seed)
        self.log = RequestLog(config.max_recorded_requests)
        self._window: deque[float] = deque()
        self._window_lock = threading.Lock()

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def take_rate_slot(self) -> float | None:
        """None if the request is within the limit; else the seconds until it would be."""
        now = time.monotonic()
        with self._window_lock:
            window = self._window
            while window and window[0] <= now - self.config.rate_window_s:
                window.popleft()
            if len(window) >= self.config.rate_limit:
                return window[0] + self.config.rate_window_s - now
            window.append(now)
            return None
