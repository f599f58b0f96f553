"""Read rendered pages the way a user (or a screen reader) would: labels, fields, alerts."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "img", "br", "hr", "meta", "link", "area", "base", "col", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children_text: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.children_text.append(data)


class Page:
    def __init__(self, response) -> None:
        self.html = response.content.decode()
        parser = _Parser()
        parser.feed(self.html)
        for element in parser.elements:
            element.text = " ".join("".join(element.children_text).split())
        self.elements = parser.elements

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def field_labelled(self, label: str) -> Element:
        """The form control whose <label> reads ``label`` (what assistive technology uses)."""
        labels = [e for e in self.find_all("label") if e.text == label]
        assert len(labels) == 1, f"expected one label {label!r}, found {len(labels)}"
        target = labels[0].attrs.get("for")
        assert target, f"label {label!r} is not tied to a control"
        controls = [
            e
            for e in self.elements
            if e.tag in ("input", "select", "textarea") and e.attrs.get("id") == target
        ]
        assert len(controls) == 1, f"no control with id {target!r} for label {label!r}"
        return controls[0]

    def alerts(self) -> str:
        return " ".join(e.text for e in self.elements if e.attrs.get("role") == "alert")

    def errors_for(self, control: Element) -> str:
        """The error list Django ties to a control (``<ul id="<control id>_error">``)."""
        found = [e for e in self.elements if e.attrs.get("id") == f"{control.attrs['id']}_error"]
        return found[0].text if found else ""

    def text(self) -> str:
        body = [e for e in self.elements if e.tag == "body"]
        return body[0].text if body else ""
