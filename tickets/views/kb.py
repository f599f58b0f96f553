"""Knowledge-base pages: an article, and "this solved it", which ends the intake without
opening a case."""

from django.shortcuts import get_object_or_404, redirect, render

from partners.access import role_required
from partners.roles import STAFF_ROLES, Role
from tickets import kb, selectors, services


@role_required(Role.PARTNER, *STAFF_ROLES)
def article(request, slug: str):
    found = get_object_or_404(selectors.articles_published(), slug=slug)
    return render(
        request,
        "tickets/partner/article.html",
        {
            "article": found,
            "body": kb.render_body(found.body),
            "query": request.GET.get("q", "")[:300],
            "can_mark_solved": request.user.is_partner,
        },
    )


@role_required(Role.PARTNER)
def article_solved(request, slug: str):
    """POST records that the article solved the problem, then shows a thank-you page
    (GET) so that reloading it records nothing twice."""
    found = get_object_or_404(selectors.articles_published(), slug=slug)
    if request.method == "POST":
        services.article_mark_solved(
            article=found, user=request.user, query=request.POST.get("q", "")
        )
        return redirect("tickets:article_solved", slug=found.slug)
    return render(request, "tickets/partner/article_solved.html", {"article": found})
