"""Input refused before any view reads it, so that none can turn into a server error.

- A NUL character in the address, the query string or a page's posted form: PostgreSQL
  cannot store or even compare text holding one, and no field accepts it (Django's and
  DRF's form fields refuse it already; this covers every view that reads a parameter
  itself). The answer is a 400 naming the field: ``{"q": ["Null characters are not
  allowed."]}`` under ``/api/``, a plain-text line on pages. The API's JSON and form bodies
  go through its serializers, whose text fields refuse NUL with the same message.
- A multipart part whose headers are not UTF-8, such as a file name sent in Latin-1:
  Django's parser skips the part silently, so the file would be lost behind a success. The
  parser gives no access to the name's bytes, so the file cannot be kept under a cleaned
  name: the body is watched as the parser reads it, and the request refused with a 400 that
  names the file (a ``MultiPartParserError``, which DRF answers as ``{"detail": "…"}``; a
  page gets the sentence as plain text).
"""

import re

from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError

API_PREFIX = "/api/"
NUL = "\x00"
NUL_REFUSED = "Null characters are not allowed."  # Django's and DRF's own wording
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Django's parser refuses a part whose headers do not fit in this many bytes.
MAX_PART_HEADERS = 4096
_FILENAME = re.compile(rb'filename\s*=\s*"?([^";\r\n]*)', re.IGNORECASE)


class UnreadablePartHeader(MultiPartParserError):
    """A part of a multipart body has headers that are not UTF-8."""


def _unreadable(line: bytes) -> UnreadablePartHeader:
    found = _FILENAME.search(line)
    if found is None:
        return UnreadablePartHeader(
            "A part of the form has a header that is not UTF-8 text, so it could not be read."
        )
    # Most such names are Windows-1252 (or Latin-1): shown that way, so the sender knows it.
    name = found[1].decode("cp1252", errors="replace")
    name = "".join(char for char in name if char.isprintable())
    return UnreadablePartHeader(
        f"The name of the file “{name}” is not UTF-8 text, so the file could not be read. "
        "Rename the file and attach it again."
    )


class PartHeaderCheck:
    """The request body as the multipart parser reads it, watched for part headers that
    are not UTF-8. Raises ``UnreadablePartHeader`` from the read that brings one in."""

    def __init__(self, stream, boundary: bytes):
        self._stream = stream
        self._delimiter = b"\r\n--" + boundary
        # The first delimiter opens the body, without a line break before it.
        self._pending = b"\r\n"
        self._closed = False

    def __getattr__(self, name):
        return getattr(self._stream, name)  # close(), seekable()…: the stream's own

    def read(self, *args, **kwargs) -> bytes:
        data = self._stream.read(*args, **kwargs)
        self._scan(data)
        return data

    def readline(self, *args, **kwargs) -> bytes:
        data = self._stream.readline(*args, **kwargs)
        self._scan(data)
        return data

    def _scan(self, data: bytes) -> None:
        if self._closed or not data:
            return
        data = self._pending + data
        start = 0
        while True:
            found = data.find(self._delimiter, start)
            if found == -1:
                # Keep what could be the start of a delimiter cut by the read.
                self._pending = data[max(start, len(data) - len(self._delimiter) + 1) :]
                return
            headers_at = found + len(self._delimiter)
            if data[headers_at : headers_at + 2] == b"--":
                self._closed = True  # the closing delimiter: what follows is not read
                return
            end = data.find(b"\r\n\r\n", headers_at)
            if end == -1:
                # The headers go on in the next read (unless too long for the parser).
                fits = len(data) - found <= MAX_PART_HEADERS
                self._pending = data[found:] if fits else b""
                return
            for line in data[headers_at:end].split(b"\r\n"):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    raise _unreadable(line) from None
            start = end + 4


def _field_with_nul(request, *, api: bool) -> str | None:
    """The name of the first parameter holding a NUL; "address" for the path."""
    if NUL in request.path:
        return "address"
    params = [request.GET]
    if not api and request.method == "POST" and request.content_type in FORM_TYPES:
        params.append(request.POST)
    for query in params:
        for name, values in query.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "␀")
    return None


class HostileInputMiddleware:
    """See the module's docstring. Sits before the CSRF check, which reads posted forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith(API_PREFIX)
        boundary = request.content_params.get("boundary", "")
        if request.content_type == "multipart/form-data" and boundary.isascii() and boundary:
            # ``_stream`` is where HttpRequest.read() reads the body from.
            request._stream = PartHeaderCheck(request._stream, boundary.encode("ascii"))
        try:
            field = _field_with_nul(request, api=api)
        except UnreadablePartHeader as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        if field is None:
            return self.get_response(request)
        if api:
            return JsonResponse({field: [NUL_REFUSED]}, status=400)
        return HttpResponseBadRequest(
            f"“{field}” contains a NUL character, which no field accepts. Go back, remove it "
            "and send the form again.",
            content_type="text/plain; charset=utf-8",
        )
