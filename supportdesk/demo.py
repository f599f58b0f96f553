"""All the demo data, in dependency order: policies, organisations and accounts, knowledge
base, cases. Each part is idempotent, so ``seed_demo`` can run any number of times."""

from partners.demo import seed_demo as seed_partners
from tickets.demo_articles import seed_articles
from tickets.demo_cases import seed_cases


def seed_everything() -> dict[str, int]:
    counts = seed_partners()
    counts["articles"] = seed_articles()
    counts["cases"] = seed_cases()
    return counts
