"""`POST /predict/many`: several callers' `/predict` bodies in one request, one per line.

Kiln's API sends one when predictions for this server queue behind those it already has in
flight here: one request to read and answer instead of many. Each line is limited, checked and
predicted as if it had come alone (the micro-batcher merges the lines as it merges concurrent
requests, and a line that fails fails alone); the answer holds each line's `/predict` answer on
its own line, in order (compact JSON has no raw newline), and their statuses, comma-separated,
in `X-Kiln-Statuses`.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from .serve_http import Connection, encode_answer

# Lines in one request at most: Kiln's API sends far fewer (api/prediction-coalescer.ts).
MAX_PARTS = 256
STATUSES_HEADER = b"X-Kiln-Statuses"


def split_parts(body: bytes) -> Optional[List[bytes]]:
    """The body's lines (a final newline ends the last one), or None when there are none or too many."""
    parts = body.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return parts if 1 <= len(parts) <= MAX_PARTS else None


class ManyAnswer:
    """Collects each line's answer; answers the request once the last one is in."""

    def __init__(self, conn: Connection, count: int, extra_headers: bytes = b"") -> None:
        self.conn = conn
        self.bodies: List[bytes] = [b""] * count
        self.statuses: List[int] = [0] * count
        self.left = count
        self.extra_headers = extra_headers

    def settle(self, index: int, status: int, payload: Any, _headers: bytes = b"") -> None:
        self.statuses[index], self.bodies[index] = encode_answer(status, payload)
        self.left -= 1
        if self.left == 0:
            statuses = b",".join(b"%d" % s for s in self.statuses)
            headers = b"%s: %s\r\n%s" % (STATUSES_HEADER, statuses, self.extra_headers)
            self.conn.respond_body(200, b"\n".join(self.bodies), headers, b"application/x-ndjson")


# Answers one line: (status, payload, extra headers).
Answer = Callable[[int, Any, bytes], None]
