"""The client's own limiter keeps Xero's per-tenant limits by construction (unit, fake clock)."""

import threading
import time

from resources.xero.throttle import TenantThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_sixty_first_call_in_a_minute_waits_for_the_window():
    clock = FakeClock()
    throttle = TenantThrottle(per_minute=60, minute_seconds=60, sleep=clock.sleep, monotonic=clock.monotonic)
    for _ in range(60):
        with throttle.call():
            clock.now += 0.1
    assert clock.sleeps == []
    with throttle.call():
        pass
    # The first call started at t=0, so the 61st may start at t=60, not before.
    assert clock.now >= 60.0
    assert len(clock.sleeps) == 1


def test_zero_minute_remaining_from_xero_holds_the_next_call():
    clock = FakeClock()
    throttle = TenantThrottle(sleep=clock.sleep, monotonic=clock.monotonic)
    with throttle.call():
        clock.now += 1
    throttle.observe(0)  # another process used up the tenant's minute
    with throttle.call():
        pass
    assert clock.now >= 60.0


def test_retry_after_blocks_every_caller_of_the_tenant():
    clock = FakeClock()
    throttle = TenantThrottle(sleep=clock.sleep, monotonic=clock.monotonic)
    throttle.block_for(7)
    with throttle.call():
        pass
    assert clock.now == 7


def test_never_more_than_five_in_flight():
    throttle = TenantThrottle(max_in_flight=5, minute_seconds=60, per_minute=1000)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal in_flight, peak
        with throttle.call():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.05)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 5
