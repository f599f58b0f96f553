from django.core.management.base import BaseCommand, CommandError

from partners.services import PolicyDataError, policy_versions_load_all


class Command(BaseCommand):
    help = (
        "Load the support policy versions from partners/policy_data/. Versions already in the "
        "database are left as they are (they may have been edited in the admin) unless --update."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Re-apply the data files to existing versions."
        )

    def handle(self, *args, update: bool = False, **options):
        try:
            results = policy_versions_load_all(update=update)
        except PolicyDataError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        for policy, written in results:
            state = "loaded" if written else "already present, left unchanged"
            self.stdout.write(f"{policy.code} (from {policy.effective_from}): {state}")
