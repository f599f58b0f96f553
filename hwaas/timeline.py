"""How hardware request steps read on a case timeline: each step carries its own words
(``hwaas.services``)."""

from tickets.timeline import wording


@wording("hwaas_")
def _step(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return data.get("text", ""), data.get("detail", "")
