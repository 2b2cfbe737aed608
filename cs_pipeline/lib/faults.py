"""Named fault points for the reliability tests: ``CS_PIPELINE_FAULT=<point>:<action>`` makes the code stop there.

Actions: ``sleep=<seconds>`` (announces itself on stderr, then waits: a test kills the process while it waits) and
``fail`` (raises FaultInjected). Unset, a fault point costs one dictionary lookup. Points are named where they are
called, e.g. ``publish.marts.mid_swap``.
"""
from __future__ import annotations

import os
import sys
import time

ENV = "CS_PIPELINE_FAULT"


class FaultInjected(RuntimeError):
    """Raised at a fault point whose action is ``fail``."""


def fault_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    point, _, action = spec.partition(":")
    if point != name:
        return
    if action.startswith("sleep="):
        print(f"fault point {name}: sleeping {action[6:]} s", file=sys.stderr, flush=True)
        time.sleep(float(action[6:]))
    elif action == "fail":
        raise FaultInjected(f"fault injected at {name}")
    else:
        raise ValueError(f"{ENV}: unknown action {action!r} (sleep=<seconds> or fail)")
