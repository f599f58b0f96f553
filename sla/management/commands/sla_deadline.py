import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from partners.models import CaseType, PolicyVersion
from partners.selectors import NoPolicyInForce
from sla.selectors import deadlines_for


class Command(BaseCommand):
    help = (
        "When every SLA metric of a case would be due: give the region, case type, class of "
        "service and the instant it is opened."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, choices=["eu", "us"])
        parser.add_argument("--type", required=True, dest="case_type", help="Case type code.")
        parser.add_argument("--cos", required=True, choices=["critical", "standard"])
        parser.add_argument("--at", required=True, help="ISO 8601 instant with its offset.")
        parser.add_argument("--reason", help="Case reason code (restoration needs it).")
        parser.add_argument("--policy", help="Policy version code; default: the one in force.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, region, case_type, cos, at, reason, policy, json: bool, **options):
        try:
            instant = datetime.fromisoformat(at)
        except ValueError as exc:
            raise CommandError(f"--at {at!r} is not an ISO 8601 instant") from exc
        if instant.tzinfo is None:
            raise CommandError("--at needs a UTC offset, e.g. 2026-11-23T17:30:00-05:00")
        version = None
        if policy:
            version = PolicyVersion.objects.filter(code=policy).first()
            if version is None:
                raise CommandError(f"No policy version {policy!r}")
        try:
            used, found = deadlines_for(
                region=region,
                case_type=case_type,
                cos=cos,
                at=instant,
                reason=reason,
                policy=version,
            )
        except NoPolicyInForce as exc:
            raise CommandError(str(exc)) from exc
        if not CaseType.objects.filter(policy=used, code=case_type).exists():
            known = ", ".join(used.case_types.values_list("code", flat=True))
            raise CommandError(f"Policy {used.code} has no case type {case_type!r} ({known})")
        report = {
            "policy": used.code,
            "calendar": region,
            "region": region,
            "case_type": case_type,
            "cos": cos,
            "at": instant.isoformat(),
            "targets": [
                {
                    "metric": d.metric,
                    "calendar": d.calendar,
                    "target_minutes": int(d.target.total_seconds() // 60),
                    "due": d.due.isoformat(),
                    "breach_at": d.breach_at.isoformat(),
                    "pauses_while_waiting": d.pauses_while_waiting,
                }
                for d in found
            ],
        }
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(f"Policy {used.code}, {region} calendar, {case_type}, {cos}, opened {at}")
        for d in report["targets"]:
            self.stdout.write(
                f"  {d['metric']:<26} due {d['due']}  (breached from {d['breach_at']}, "
                f"{d['calendar']} calendar, {d['target_minutes']} business minutes)"
            )
        if not found:
            self.stdout.write("  No metric applies.")


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2)
