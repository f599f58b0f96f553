"""Demo macros: three canned replies a team lead would keep, written through the service
as the demo lead (agent@demo.test holds the lead role). Idempotent: existing names stay."""

from partners.models import User
from tickets.models import Macro
from tickets.services.macros import macro_save

LEAD_EMAIL = "agent@demo.test"

MACROS = [
    {
        "name": "Ask for a trace",
        "body": (
            "Hello {requester_name},\n\n"
            "thank you for the details on {case_number}. To find where the calls go wrong "
            "we need a network trace (pcap) of one failing call, taken on the PBX while you "
            "reproduce the problem, and the exact time of the call.\n\n"
            "Please attach both to this case; until then the case waits on you.\n\n"
            "Kind regards,\n{agent_name}"
        ),
        "status": "waiting_on_partner",
        "assign": Macro.Assign.ME,
    },
    {
        "name": "First answer: we are on it",
        "body": (
            "Hello {requester_name},\n\n"
            "we have your case {case_number} ({case_subject}) and an engineer is looking "
            "into it now. Our next update for {partner_name} is {due_time}.\n\n"
            "Kind regards,\n{agent_name}"
        ),
        "status": "open",
        "assign": Macro.Assign.ME,
    },
    {
        "name": "Solved: please confirm",
        "body": (
            "Hello {requester_name},\n\n"
            "the fix described above should solve {case_number}. We have marked the case "
            "resolved; if the problem comes back, just reply here and it reopens.\n\n"
            "Kind regards,\n{agent_name}"
        ),
        "status": "resolved",
        "assign": "",
    },
]


def seed_macros() -> int:
    """Create the demo macros that do not exist yet; returns how many were created."""
    lead = User.objects.get(email=LEAD_EMAIL)
    created = 0
    for spec in MACROS:
        if Macro.objects.filter(name=spec["name"]).exists():
            continue
        macro_save(actor=lead, macro=None, **spec)
        created += 1
    return created
