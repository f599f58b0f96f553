"""Real e-mails, built with the standard library the way mail clients shape them, as the
bytes an MTA pipes into ``manage.py ingest_email``."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

DESK = "Support desk <support@supportdesk.test>"

# Tiny but real file contents.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PCAP = bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000") + b"\x00" * 40
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def _base(*, sender: str, subject: str, message_id: str | None = None, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DESK
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="partner.test")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def gmail_reply(
    *,
    sender: str,
    subject: str,
    text: str,
    quoted: str = "Thanks, we are looking into it.",
    attachments: list[tuple[str, bytes, str]] = (),
    message_id: str | None = None,
    **headers,
) -> bytes:
    """text/plain + text/html alternatives, the quote under a wrapped "On … wrote:" line
    with "> " lines (and a <blockquote> in HTML), files attached."""
    message = _base(sender=sender, subject=subject, message_id=message_id, **headers)
    quote_lines = "\n".join(f"> {line}" for line in quoted.splitlines())
    message.set_content(
        f"{text}\n\nOn Mon, 3 Mar 2025 at 10:04, Support desk <\nsupport@supportdesk.test> "
        f"wrote:\n\n{quote_lines}\n>\n> The support desk\n"
    )
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line)
    message.add_alternative(
        f'<div dir="ltr">{paragraphs}</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Mon, 3 Mar 2025 at 10:04, Support desk '
        "&lt;support@supportdesk.test&gt; wrote:<br></div>"
        f'<blockquote class="gmail_quote">{quoted}<br>The support desk</blockquote></div>',
        subtype="html",
    )
    for name, content, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def outlook_reply(*, sender: str, subject: str, text: str, style: str = "headers") -> bytes:
    """Plain text the way Outlook quotes: an "Original Message" line or a From/Sent block,
    with the quoted text not prefixed by ">"."""
    message = _base(sender=sender, subject=subject)
    if style == "original":
        quote = "-----Original Message-----\nFrom: Support desk\n"
    else:
        quote = (
            "________________________________\n"
            "From: Support desk <support@supportdesk.test>\n"
            "Sent: Monday, March 3, 2025 10:04 AM\n"
            "To: Partner <partner@partner.test>\n"
        )
    message.set_content(
        f"{text}\n\nBest regards\nMario\n\n{quote}"
        f"Subject: {subject}\n\nWe need the trace of a failing call.\n"
    )
    return bytes(message)


def with_forwarded_mail(*, sender: str, subject: str, text: str, forwarded: bytes) -> bytes:
    """A reply that carries another e-mail as a message/rfc822 attachment."""
    from email import message_from_bytes, policy

    message = _base(sender=sender, subject=subject)
    message.set_content(text)
    message.add_attachment(message_from_bytes(forwarded, policy=policy.default))
    return bytes(message)


def with_inline_screenshot(*, sender: str, subject: str, text: str) -> bytes:
    """Text + HTML, the HTML showing a pasted screenshot (multipart/related, Content-ID)."""
    message = _base(sender=sender, subject=subject)
    message.set_content(f"{text}\n[image: screenshot.png]\n")
    cid = make_msgid(domain="partner.test")
    message.add_alternative(
        f'<p>{text}</p><img src="cid:{cid[1:-1]}" alt="screenshot">', subtype="html"
    )
    html = message.get_payload()[1]
    html.add_related(PNG, "image", "png", cid=cid, filename="screenshot.png")
    return bytes(message)


def html_only(*, sender: str, subject: str, html: str) -> bytes:
    message = _base(sender=sender, subject=subject)
    message.set_content(html, subtype="html")
    return bytes(message)


def latin1_reply(*, sender: str, case_number: str, text: str) -> bytes:
    """An ISO-8859-1 body (quoted-printable) under an encoded-word subject."""
    message = _base(sender=sender, subject="placeholder")
    message.set_content(text, charset="iso-8859-1", cte="quoted-printable")
    # Set in bytes: the header API would re-encode the subject as UTF-8.
    subject = f"=?iso-8859-1?q?R=E9ponse_=E0_votre_demande?= [{case_number}]"
    return bytes(message).replace(b"Subject: placeholder", f"Subject: {subject}".encode())


def plain(*, sender: str, subject: str, text: str, message_id: str | None = None, **headers):
    message = _base(sender=sender, subject=subject, message_id=message_id, **headers)
    message.set_content(text)
    return bytes(message)


def with_signature(*, sender: str, subject: str, text: str) -> bytes:
    message = _base(sender=sender, subject=subject)
    message.set_content(f"{text}\n\n-- \nMario Rossi\nAcme Telecom | +39 0461 000 000\n")
    return bytes(message)


# --- Malformed ---------------------------------------------------------------------------

GARBAGE = b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00garbage that is no e-mail\xc3\x28\n\n\xff"


def missing_from(*, subject: str) -> bytes:
    message = EmailMessage()
    message["To"] = DESK
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="partner.test")
    message.set_content("Who sent this?")
    return bytes(message)


def broken_boundary(*, sender: str, subject: str) -> bytes:
    """Declares one MIME boundary and uses another: no part can be found."""
    return (
        f"From: {sender}\r\nTo: {DESK}\r\nSubject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='partner.test')}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="declared-boundary"\r\n\r\n'
        "--another-boundary\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
        "--another-boundary--\r\n"
    ).encode()
