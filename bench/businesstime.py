"""Operations per second of the business-time arithmetic, for the SLA targets in use.

python bench/businesstime.py [--seconds 2] [--out bench/results/<date>-businesstime.json]
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.businesstime import office_hours

TARGETS = {
    "30 minutes": timedelta(minutes=30),
    "1 business day (9 h)": timedelta(hours=9),
    "200 hours": timedelta(hours=200),
}


def measure(operation, starts, seconds: float) -> float:
    done, deadline = 0, time.perf_counter() + seconds
    began = time.perf_counter()
    while time.perf_counter() < deadline:
        for start in starts:
            operation(start)
        done += len(starts)
    return done / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    holidays = [date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1)]
    calendar = office_hours("America/New_York", closed_dates=holidays)
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60)) for _ in range(500)]

    results = []
    for label, target in TARGETS.items():
        add_rate = measure(lambda s, t=target: calendar.add(s, t), starts, args.seconds)
        elapsed_rate = measure(
            lambda s, t=target: calendar.elapsed(s, s + t * 3), starts, args.seconds
        )
        results.append(
            {
                "target": label,
                "add_per_second": round(add_rate),
                "elapsed_per_second": round(elapsed_rate),
            }
        )
    report = {"benchmark": "businesstime", "calendar": "us office hours", "results": results}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
