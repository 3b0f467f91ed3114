"""`python -m losslab runs list | show ID | stop ID | code ID` on the same store the app uses."""

from __future__ import annotations

import datetime as dt
import json

from .service import SYSTEM, JobService


def _when(t):
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def runs_command(args) -> int:
    service = JobService()  # no executor: this process only reads and flags
    if args.action == "list":
        runs = service.list_runs(args.owner)
        if not runs:
            print("no runs")
        for r in runs:
            final = ", ".join(f"{k}={v:.4g}" for k, v in r["final"].items() if isinstance(v, float))
            print(f"{r['id']}  {r['task']:<10} {r['status']:<11} {_when(r['created'])}  "
                  f"{r['config'].get('loss')}  {final}")
        return 0
    if not args.run_id:
        raise ValueError(f"`runs {args.action}` needs a run id: python -m losslab runs {args.action} ID")
    if args.action == "code":
        from ..export import for_run

        name, text = for_run(service, args.run_id, SYSTEM, args.lang, args.notebook)
        if args.out or args.notebook:
            path = args.out or name
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(path)
        else:
            print(text, end="")
        return 0
    if args.action == "show":
        run = service.get(args.run_id)
        if run is None:
            raise ValueError(f"there is no run {args.run_id!r}")
        print(json.dumps(run, indent=2, default=str))
        return 0
    # The terminal is the server's own: it acts as the system, never with a student's token.
    run = service.stop(args.run_id, SYSTEM)
    print(f"{args.run_id}: {run['status']}{' (stop requested)' if run['stop_requested'] else ''}")
    return 0
