from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from supportdesk import health


@never_cache
def health_check(request):
    """For load balancers and ``make run``: 200 when the database answers, else 503."""
    report = health.check(timezone.now())
    status = 200 if report["database"] == "ok" else 503
    return JsonResponse(report, status=status)
