"""Mesa's weekly clock, advanced without its event loop when nothing else is on it.

``mesa.Model.run_for`` steps through Mesa's event list: about 8 us a week here, which
is a tenth of a 1,000-member social week and most of a contagion week. When the
model's clock is Mesa's plain weekly schedule and nothing else is scheduled or
listening, :class:`~netsim.model.network_model.NetworkModel` runs its weeks itself and
:func:`jump_clock` leaves the clock as that many ``step()`` calls through Mesa would
(``steps``, ``time``, the schedule's count and next event). The parts it reads are Mesa
3.5's internals, so a Mesa without one of them is "not ready" and the weeks go through
Mesa's own loop (tests/model/test_contagion_run.py and test_network_model.py hold both).
"""

from __future__ import annotations

import mesa


def jump_clock(model: mesa.Model, count: int) -> bool:
    """Advance Mesa's clock as ``count`` calls of ``step()`` would, without stepping.

    Only when the clock is Mesa's plain weekly one: its default schedule (every 1.0 from
    1.0, no end) is the only event pending, it is due at the next whole week, no
    simulator drives the model and nothing observes it. Then ``steps`` and ``time`` go
    up by ``count``, the schedule's execution count too, and its next event is due one
    week after the new time: what ``run_for(count)`` leaves (mesa.Model._advance_time,
    _do_step, EventGenerator._execute_and_reschedule). Returns False, changing nothing,
    otherwise; the caller then steps week by week.
    """
    if not clock_ready(model):
        return False
    schedule = model._default_schedule
    model._event_list.pop_event()  # the schedule's pending event, the only one
    model.steps += count
    model.time = model.time + count
    schedule._execution_count += count
    schedule._schedule_next(model.time + 1.0)
    return True


def clock_ready(model: mesa.Model) -> bool:
    """Whether :func:`jump_clock` would jump (the same checks, changing nothing).

    The clock's parts are Mesa's (3.5) internals: a Mesa without one of them is not
    ready (the run then steps week by week through Mesa's own loop).
    """
    try:
        schedule = model._default_schedule
        plan = schedule.schedule
        return bool(
            model._simulator is None
            and schedule.is_active
            and not schedule._paused
            and schedule.next_scheduled_time == model.time + 1.0
            and plan.interval == 1.0
            and plan.count is None
            and plan.end is None
            and len(model._event_list) == 1
            and not any(model.subscribers.values())
            and callable(schedule._schedule_next)
        )
    except AttributeError:
        return False


__all__ = ["clock_ready", "jump_clock"]
