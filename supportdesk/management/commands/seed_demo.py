from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partners.demo import DEMO_PASSWORD, USERS
from supportdesk.demo import seed_everything


class Command(BaseCommand):
    help = (
        "Create or refresh the demo organisations, devices, accounts, knowledge-base articles "
        "and cases (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo accounts share a published password.",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: their password is public. "
                "Pass --force if this really is a demo installation."
            )
        counts = seed_everything()
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: {organisations} organisations, {devices} devices, "
                "{users} accounts, {articles} articles, {cases} new cases, "
                "{credits} credits for last month.".format(**counts)
            )
        )
        if options["verbosity"] > 1:
            for user in USERS:
                self.stdout.write(f"  {user.email}  /  {DEMO_PASSWORD}")
