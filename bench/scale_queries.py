"""The SQL queries one request costs, counted as the benchmark's server would run them.

Run by ``bench/scale.py`` with the environment it gives gunicorn (same settings, database,
cache, broker and secret key), so that sessions, tokens and cached values are the server's.
Reads on stdin a JSON list of requests::

    [{"name": ..., "method": "GET" | "POST", "path": ..., "headers": {...}, "body": ...}]

and writes to the file its argument names, per name, the answer's status and the queries
of the request: each is made twice through Django's test client (the full middleware
chain) and the second one, with the caches as a running server has them, is counted with
``connection.execute_wrapper`` (``cold_queries`` is the first). ``/_floor/`` goes to the
bare handler of ``floor_wsgi``.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django

django.setup()

import floor_wsgi  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

HOST = "127.0.0.1"  # the server's ALLOWED_HOSTS


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(" ".join(sql.split())[:300])
        return execute(sql, params, many, context)


def floor_request() -> int:
    """The bare floor, through the handler gunicorn serves it with."""
    environ = RequestFactory(HTTP_HOST=HOST).get(floor_wsgi.FLOOR_PATH).environ
    answered = []
    body = floor_wsgi.bare(environ, lambda status, headers: answered.append(status))
    b"".join(body)
    body.close()
    return int(answered[0].split()[0])


def request(client: Client, spec: dict) -> int:
    if spec["path"] == floor_wsgi.FLOOR_PATH:
        return floor_request()
    headers = spec.get("headers", {})
    if spec.get("method", "GET") == "POST":
        response = client.post(
            spec["path"],
            data=spec.get("body", ""),
            content_type=headers.get("Content-Type", "application/json"),
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
    else:
        response = client.get(spec["path"], headers=headers)
    return response.status_code


def main() -> None:
    client = Client(HTTP_HOST=HOST)
    counted = {}
    for spec in json.load(sys.stdin):
        runs = []
        for _ in range(2):
            counter = Counter()
            with connection.execute_wrapper(counter):
                status = request(client, spec)
            runs.append((status, counter.statements))
        (_, cold), (status, warm) = runs
        counted[spec["name"]] = {
            "status": status,
            "queries": len(warm),
            "cold_queries": len(cold),
            "statements": warm,
        }
    Path(sys.argv[1]).write_text(json.dumps(counted))


if __name__ == "__main__":
    main()
