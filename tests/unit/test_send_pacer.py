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


class LateTime(FakeTime):
    """Every sleep wakes 10 ms late, as on a busy loop."""

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds + 0.010


async def test_a_share_of_a_budget_keeps_its_pace_when_wake_ups_come_late() -> None:
    time = LateTime()
    pacer = SendPacer(48, monotonic=time.monotonic, sleep=time.sleep)
    pacer.set_rate(15.0, burst=1.25)  # a third of the budget, no burst
    await pacer.wait()  # the one send the bucket holds

    for _ in range(150):
        await pacer.wait()
    assert time.now <= 150 / 15.0 + 0.05  # late wake-ups did not slow it down (~10.0 s, not 11.5 s)
    assert time.now >= 150 / 15.0 - 1.25 / 15.0  # and never more than its burst ahead


async def test_alone_a_late_wake_up_loses_its_time_as_before() -> None:
    time = LateTime()
    pacer = SendPacer(10, burst=1, monotonic=time.monotonic, sleep=time.sleep)
    await pacer.wait()
    for _ in range(10):
        await pacer.wait()
    assert abs(time.now - 10 * 0.11) < 1e-9
