"""Live views poll less often when one server process is crowded (losslab/ui/pace.py), with a
clock the test moves: a few visitors see no change, a lecture hall stretches every interval in
proportion, a hall that leaves is forgotten."""

from losslab.ui.pace import MAX_STRETCH, WINDOW, Pace


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_few_visitors_poll_at_the_base_rate():
    pace = Pace(budget=40, clock=Clock())
    assert [pace.interval(f"s{i}", 1.0) for i in range(5)] == [1.0] * 5


def test_a_lecture_hall_stretches_every_interval_in_proportion():
    pace = Pace(budget=40, clock=Clock())
    for i in range(100):  # viewers of the shared run, every 2 s when alone: 50 polls/s
        pace.note(f"viewer{i}", 2.0)
    for i in range(29):  # students on their own runs, every second: 29 more
        pace.note(f"student{i}", 1.0)
    student = pace.interval("student29", 1.0)  # 80 polls/s asked of a 40/s budget
    assert student == 2.0 and pace.interval("viewer0", 2.0) == 4.0
    assert pace.drifted(1.0, 1.0) and not pace.drifted(2.0, 1.0)  # an early session reruns once, then stays


def test_the_stretch_is_capped_and_a_hall_that_left_is_forgotten():
    clock = Clock()
    pace = Pace(budget=40, clock=clock)
    for i in range(1000):
        pace.note(f"s{i}", 1.0)
    assert pace.interval("me", 1.0) == MAX_STRETCH  # a chart still moves every few seconds
    clock.now += WINDOW + 1  # they closed their tabs; only "me" keeps polling
    pace.note("me", 1.0)
    assert pace.stretch() == 1.0 and pace.drifted(MAX_STRETCH, 1.0)
