"""What may be attached to a case: size, count and type limits, checked before saving."""

import mimetypes
import unicodedata
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# Invoices, delivery documents, traces, logs, screenshots and archives of them.
ALLOWED_EXTENSIONS = frozenset(
    {
        ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".txt", ".log", ".csv",
        ".pcap", ".pcapng", ".zip", ".gz", ".tgz", ".7z", ".xlsx", ".xls", ".docx",
        ".doc", ".odt", ".ods", ".eml", ".json", ".xml", ".har",
    }
)  # fmt: skip
EXTRA_TYPES = {
    ".pcap": "application/vnd.tcpdump.pcap",
    ".pcapng": "application/x-pcapng",
    ".log": "text/plain",
    ".har": "application/json",
    ".7z": "application/x-7z-compressed",
}


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
    if errors:
        raise ValidationError({"attachments": errors})
