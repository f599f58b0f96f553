"""The multipart watch in ``core.middleware``: a part header that is not UTF-8 is found
however the body is cut into reads, and nothing else is mistaken for one."""

import io
import re

import pytest

from core.middleware import PartHeaderCheck, UnreadablePartHeader

BOUNDARY = b"----b0undary"
# A file's content may hold anything but the delimiter: bytes that are not UTF-8, blank
# lines, a header-like line.
BINARY = b'\x89PNG\r\n\r\n\xff\xfe\r\nContent-Disposition: x; filename="\xe9"\r\n\r\n\x00'


def body(filename: bytes, *, epilogue: bytes = b"") -> bytes:
    return (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="body"\r\n\r\n'
        b"Hello\r\n"
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="attachments"; filename="' + filename + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + BINARY + b"\r\n"
        b"--" + BOUNDARY + b"--\r\n" + epilogue
    )


def read_all(data: bytes, size: int) -> bytes:
    check = PartHeaderCheck(io.BytesIO(data), BOUNDARY)
    chunks = []
    while chunk := check.read(size):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 16, 64, 65536])
def test_a_latin1_file_name_is_found_however_the_reads_fall(size):
    with pytest.raises(UnreadablePartHeader, match=re.escape("“résumé.png” is not UTF-8 text")):
        read_all(body("résumé.png".encode("latin-1")), size)


@pytest.mark.parametrize("size", [1, 5, 64, 65536])
def test_everything_else_passes_through_unchanged(size):
    data = body("résumé.png".encode(), epilogue=b"\r\n\r\n\xff trailing bytes\r\n\r\n")
    assert read_all(data, size) == data


def read_lines(check: PartHeaderCheck) -> None:
    while check.readline():
        pass


def test_readline_is_watched_too():
    check = PartHeaderCheck(io.BytesIO(body(b"\xe9t\xe9.png")), BOUNDARY)
    with pytest.raises(UnreadablePartHeader):
        read_lines(check)
