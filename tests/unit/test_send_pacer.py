from __future__ import annotations

from bot.reminders.pacing import SendPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_burst_passes_at_once_then_sends_are_spaced_at_the_rate() -> None:
    time = FakeTime()
    pacer = SendPacer(10, burst=5, monotonic=time.monotonic, sleep=time.sleep)

    for _ in range(5):
        await pacer.wait()
    assert time.slept == []

    for _ in range(10):
        await pacer.wait()
    assert abs(time.now - 1.0) < 1e-9  # ten more sends took one second at 10 a second
    assert all(abs(delay - 0.1) < 1e-9 for delay in time.slept)


async def test_idle_time_refills_the_bucket_up_to_the_burst() -> None:
    time = FakeTime()
    pacer = SendPacer(10, burst=3, monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(3):
        await pacer.wait()

    time.now += 60.0  # a quiet minute
    for _ in range(3):
        await pacer.wait()
    assert time.slept == []
    await pacer.wait()
    assert len(time.slept) == 1
