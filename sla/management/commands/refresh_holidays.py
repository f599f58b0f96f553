from django.core.management.base import BaseCommand
from django.utils import timezone

from sla.calendars import default_years, public_holidays_refresh


class Command(BaseCommand):
    help = (
        "Add public holidays to the support calendars' closed dates, from 2022 (the oldest "
        "terms) to a few years ahead. Dates already on record are never changed or removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=3, help="Years ahead (default 3).")

    def handle(self, *args, ahead: int, **options):
        years = default_years(timezone.now().date(), ahead)
        added = public_holidays_refresh(years=years)
        if options["verbosity"]:
            self.stdout.write(f"{added} holiday dates added for {years.start}–{years.stop - 1}.")
