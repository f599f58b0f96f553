"""What may be attached to a case: size, count and type limits, checked before saving.

A file's type is decided from its name, and its content must match: each accepted type
starts with the bytes its format begins with (its signature), and the text types hold
text. A program renamed ``invoice.pdf`` is refused, not stored as a PDF.
"""

import mimetypes
import unicodedata
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

EXTRA_TYPES = {
    ".pcap": "application/vnd.tcpdump.pcap",
    ".pcapng": "application/x-pcapng",
    ".log": "text/plain",
    ".har": "application/json",
    ".7z": "application/x-7z-compressed",
}


# The types accepted: invoices, delivery documents, traces, logs, screenshots and archives
# of them. What each holds: a short description for the refusal, and the bytes its
# content starts with (``TEXT``: text in UTF-8, UTF-16 with its byte-order mark, or a
# single-byte code page). Office formats of 2007 on and OpenDocument are zip archives;
# those before 2007 OLE2 compound files.
TEXT = None
_ZIP = (b"PK\x03\x04",)
_OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_PCAP = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
CONTENT = {
    ".pdf": ("a PDF document", (b"%PDF-",)),
    ".png": ("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".jpeg": ("a JPEG image", (b"\xff\xd8\xff",)),
    ".gif": ("a GIF image", (b"GIF87a", b"GIF89a")),
    ".webp": ("a WebP image", (b"RIFF",)),
    ".pcap": ("a pcap packet capture", _PCAP),
    ".pcapng": ("a pcapng packet capture", (b"\x0a\x0d\x0d\x0a",)),
    ".zip": ("a zip archive", (*_ZIP, b"PK\x05\x06", b"PK\x07\x08")),
    ".gz": ("a gzip archive", (b"\x1f\x8b",)),
    ".tgz": ("a gzip archive", (b"\x1f\x8b",)),
    ".7z": ("a 7-Zip archive", (b"7z\xbc\xaf\x27\x1c",)),
    ".xlsx": ("an Excel workbook", _ZIP),
    ".docx": ("a Word document", _ZIP),
    ".odt": ("an OpenDocument text", _ZIP),
    ".ods": ("an OpenDocument spreadsheet", _ZIP),
    # Older tools also save RTF as .doc, and tab-separated text as .xls.
    ".xls": ("an Excel workbook", (*_OLE2, TEXT)),
    ".doc": ("a Word document", (*_OLE2, b"{\\rtf")),
    **dict.fromkeys((".txt", ".log", ".csv", ".eml", ".json", ".xml", ".har"), ("text", (TEXT,))),
}
ALLOWED_EXTENSIONS = frozenset(CONTENT)
# Enough to find every signature and to tell text from a binary file.
HEAD_BYTES = 8192
# A PDF's header may come anywhere in its first kilobyte, after a byte-order mark.
PDF_HEADER_WITHIN = 1024
# Control characters text holds: tab, line and form feeds, and ESC (colours in logs). A
# terminal log may hold a stray bell or backspace too, never as many as a binary file.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1b")
_STRAY_CONTROLS_PER_100 = 1
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def is_text(head: bytes) -> bool:
    """Text, as far as ``head`` shows: UTF-16 with its byte-order mark, or bytes without
    NUL and with hardly any other control character (UTF-8, Latin-1, Windows-1252…)."""
    if head.startswith(_UTF16_BOMS):
        return True
    if b"\x00" in head:
        return False
    stray = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    return stray * 100 <= len(head) * _STRAY_CONTROLS_PER_100


def _starts_as(suffix: str, head: bytes, signature: bytes | None) -> bool:
    if signature is TEXT:
        return is_text(head)
    if suffix == ".pdf":
        return signature in head[:PDF_HEADER_WITHIN]
    if suffix == ".webp":
        return head.startswith(signature) and head[8:12] == b"WEBP"
    return head.startswith(signature)


def content_matches(name: str, head: bytes) -> bool:
    """Whether ``head``, the first ``HEAD_BYTES`` of a file named ``name``, is what a file
    of that type starts with. False for a type not accepted at all."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in CONTENT:
        return False
    _, signatures = CONTENT[suffix]
    return any(_starts_as(suffix, head, signature) for signature in signatures)


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def max_bytes() -> int:
    return settings.TICKET_ATTACHMENT_MAX_BYTES


def content_type_for(name: str) -> str:
    """Decided from the name, never from what the browser claims."""
    suffix = PurePath(name).suffix.lower()
    return EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


MAX_NAME_LENGTH = 200


def clean_name(name: str) -> str:
    """The file's own name, without any folder, control or format characters (which would
    break a Content-Disposition header or hide the real suffix), at most MAX_NAME_LENGTH
    characters long with its suffix kept."""
    visible = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    base = PurePath(visible.replace("\\", "/")).name.strip().lstrip(".")
    if len(base) > MAX_NAME_LENGTH:
        suffix = PurePath(base).suffix[:20]
        base = base[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return base or "attachment"


def validate_uploads(files: list[UploadedFile]) -> None:
    """Raise ValidationError listing every file that cannot be accepted, and why."""
    errors = []
    if len(files) > settings.TICKET_ATTACHMENT_MAX_COUNT:
        errors.append(f"Attach at most {settings.TICKET_ATTACHMENT_MAX_COUNT} files at a time.")
    for upload in files:
        name = clean_name(upload.name or "")
        suffix = PurePath(name).suffix.lower()
        if suffix not in ALLOWED_EXTENSIONS:
            errors.append(
                f"{name}: this type of file is not accepted. Use PDF, images, text, logs, "
                "traces (pcap), office documents or an archive (zip)."
            )
        elif upload.size > max_bytes():
            limit = filesizeformat(max_bytes())
            errors.append(
                f"{name} is {filesizeformat(upload.size)}; the limit is {limit} per file."
            )
        elif upload.size == 0:
            errors.append(f"{name} is empty.")
        elif not content_matches(name, _head(upload)):
            errors.append(f"{name} does not hold what its name says ({CONTENT[suffix][0]}).")
    if errors:
        raise ValidationError({"attachments": errors})
