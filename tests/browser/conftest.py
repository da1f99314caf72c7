"""Headless Chromium (Debian's `chromium` and `chromium-driver`, never a downloaded browser)
driving the console of the synced demo stack that tests/e2e use too."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.aws import AwsClients
from gluekb_dev.demo.records import OrgFacts
from gluekb_dev.demo.tenant import TenantStore
from tests.support import ROOT

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

    from gluekb_dev.demo.records import Tenant
    from tests.e2e.conftest import RunningStack

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = ROOT / ".gluekb" / "screenshots"
CHROME_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-extensions", "--window-size=1280,900",
)  # fmt: skip


@dataclass
class Site:
    """The console under test: where it is, its demo tenant, and how to make keys for it."""

    url: str
    home: Path
    clients: AwsClients
    resource: Callable[[str], str]
    tenant: Tenant

    def key(self, name: str, organizations: list[str], scopes: list[str]) -> str:
        store = ApiKeyStore(self.clients.dynamodb, self.resource("ApiKeysTable"))
        key, _ = store.create(name, organizations, scopes)
        return key

    def facts(self, name: str) -> OrgFacts:
        return self.tenant.facts_for(name)

    def password(self, organization: str, index: int) -> tuple[str, str]:
        record = self.tenant.of_organization("passwords", self.facts(organization).id)[index]
        return f"itglue:passwords:{record['id']}", self.tenant.secrets[str(record["id"])]


def site_of(running: RunningStack) -> Site:
    home = running.stack.home
    return Site(
        url=running.stack.api_url.rstrip("/"),
        home=home,
        clients=running.clients,
        resource=running.resource,
        tenant=TenantStore(home / "demo").load(),
    )


@pytest.fixture(scope="module")
def site(synced_stack: RunningStack) -> Site:
    return site_of(synced_stack)


def start_chromium() -> WebDriver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium and chromium-driver are missing: run `make browser` (apt-get)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def chrome() -> Iterator[WebDriver]:
    driver = start_chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each page's screenshot goes (under .gluekb/, not committed), emptied per run."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
