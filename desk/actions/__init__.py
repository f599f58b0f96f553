"""The use cases that span apps, one module each: what a person (or the vendor's monitoring)
does to a case when more than the case itself changes. Each composes the writes of the apps
below in one transaction, in the order the terms need: the case (``tickets.services``), its
clocks (``sla.services``), its entitlements (``entitlements``).

Views, the API, tasks and commands call these; the apps below never do.
"""
