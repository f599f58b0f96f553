"""All the demo data, in dependency order: support calendars and holidays, policies,
organisations and accounts, knowledge base, cases, services with last month's incidents and
credits, leased and purchased hardware. Each part is idempotent, so
``seed_demo`` can run any number of times."""

from django.utils import timezone

from availability.demo import seed_availability
from desk.demo_cases import seed_cases
from desk.demo_partner_chain import seed_partner_chain
from entitlements.demo import seed_entitlements
from hwaas.demo import seed_hardware
from partners.demo import seed_demo as seed_partners
from sla.calendars import default_years, public_holidays_refresh, standard_calendars_ensure
from tickets.demo_articles import seed_articles
from tickets.demo_macros import seed_macros


def seed_everything() -> dict[str, int]:
    standard_calendars_ensure()
    holidays = public_holidays_refresh(years=default_years(timezone.localdate()))
    counts = seed_partners()
    counts["holidays"] = holidays
    counts["articles"] = seed_articles()
    counts["cases"] = seed_cases()
    counts["macros"] = seed_macros()
    counts["credits"] = seed_availability()
    counts["hardware"] = seed_hardware()
    counts["entitlements"] = seed_entitlements()
    counts["partner_requests"] = seed_partner_chain()
    return counts
