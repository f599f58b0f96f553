"""Who sent a request, as every limit, lockout and the access log count it; and the counter
pages limit themselves with. No database."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from core import ratelimit
from core.client_address import address_from, client_address, client_ident


def request(remote: str = "198.51.100.20", forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_header_is_ignored(settings):
    settings.PROXY_COUNT = 0

    assert client_address(request("198.51.100.20", "203.0.113.7")) == "198.51.100.20"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # what the client wrote comes first
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the first
        (1, " 203.0.113.7 ", "203.0.113.7"),
        (1, "", "10.0.0.2"),  # no header: the connection's own
        (1, "1.2.3.4, not-an-address", "10.0.0.2"),
        (1, "1.2.3.4, 203.0.113.7:443", "10.0.0.2"),
        (1, "2001:DB8::1", "2001:db8::1"),
        (1, "::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_behind_proxies_the_entry_they_appended(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies

    assert client_address(request("10.0.0.2", forwarded)) == expected


@given(
    made_up=st.lists(st.ip_addresses().map(str), max_size=4),
    client=st.ip_addresses(v=4).map(str),
    proxies=st.lists(st.ip_addresses(v=4).map(str), min_size=1, max_size=3),
)
def test_nothing_the_client_writes_changes_its_address(made_up, client, proxies):
    """Each proxy appends the address it heard from; the last one is the connection."""
    chain = [*made_up, client, *proxies[:-1]]
    meta = {"REMOTE_ADDR": proxies[-1], "HTTP_X_FORWARDED_FOR": ", ".join(chain)}

    assert address_from(meta, len(proxies)) == client


def test_an_ipv6_client_is_counted_by_its_64_network(settings):
    settings.PROXY_COUNT = 0

    assert client_ident(request("2001:db8:5:6:ffff:1:2:3")) == "2001:db8:5:6::"
    assert client_ident(request("2001:db8:5:6::1")) == "2001:db8:5:6::"
    assert client_ident(request("198.51.100.20")) == "198.51.100.20"


# --- Counting requests in fixed windows ------------------------------------------------------


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def test_a_rate_allows_its_count_per_window_then_says_how_long_to_wait():
    start = 7200.0  # the start of an hour
    verdicts = [ratelimit.hit("s", "client", "3/hour", now=start + n) for n in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 3600 - 3
    assert ratelimit.hit("s", "client", "3/hour", now=start + 3600).allowed


def test_scopes_and_idents_are_counted_apart():
    for _ in range(2):
        ratelimit.hit("a", "client", "2/m", now=60.0)

    assert not ratelimit.hit("a", "client", "2/m", now=60.0).allowed
    assert ratelimit.hit("b", "client", "2/m", now=60.0).allowed
    assert ratelimit.hit("a", "other", "2/m", now=60.0).allowed


@pytest.mark.parametrize("text", ["", "5", "five/hour", "5/fortnight", "/hour"])
def test_a_rate_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="rate"):
        ratelimit.Rate.parse(text)
