"""The pages a mailed link opens, used by a person in a real headless Chromium (Debian's
chromium and chromedriver, never a downloaded browser) against `make run`'s embedded mode: a
real API process on SQLite, its jobs in process, mail over SMTP to a local server. The link is
taken from the raw bytes the mail server received, as someone reading them would copy it.
Screenshots are kept in artifacts/screenshots/ (CI prints where). Without Chromium these
tests fail, they do not skip: .ci/run installs it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.integration.conftest import _free_port
from tests.integration.processes import api_process
from tests.integration.smtp import SmtpServer
from tests.leak_guard import GUARD

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SECRET = "mail-pages-browser-tests-signing-secret-0123456789"
PASSWORD, NEW_PASSWORD = "correct horse battery", "a brand new password"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=900,700",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} missing: `apt-get install -y chromium chromium-driver` "
            "(Debian's packages; .ci/run installs them)"
        )
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def embedded_api(database_url: str, smtp_port: int) -> Iterator[str]:
    """`python -m entrypoints.http` in development mode without Redis (what `make run`
    serves); its output goes to the leak guard. Yields the site's base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INKWELL_")}
    env |= {
        "INKWELL_ENV": "development",
        "INKWELL_DATABASE_URL": database_url,
        "INKWELL_PUBLIC_URL": base,
        "INKWELL_JWT_SECRET": SECRET,
        "INKWELL_EMAIL_BACKEND": "smtp",
        "INKWELL_SMTP_HOST": "127.0.0.1",
        "INKWELL_SMTP_PORT": str(smtp_port),
        "INKWELL_ARGON2_MEMORY_COST_KIB": "64",
        "INKWELL_ARGON2_TIME_COST": "1",
        "INKWELL_LOG_FORMAT": "json",
    }
    GUARD.register(SECRET)
    with api_process(env, port, label="embedded-api"):
        yield base


@pytest.fixture
def site(migrated_sqlite: str, smtp: SmtpServer) -> Iterator[tuple[str, httpx.Client]]:
    """The embedded API's base URL, and an API client of it."""
    with (
        embedded_api(migrated_sqlite, smtp.port) as base,
        httpx.Client(base_url=f"{base}/api/v1", timeout=10) as api,
    ):
        yield base, api


def mailed_link(smtp: SmtpServer, base: str, path: str) -> str:
    """The link as it stands in the raw message: one line, verbatim."""
    pattern = re.compile(rb"\r\n(" + re.escape(f"{base}{path}?token=".encode()) + rb"[\w-]+)\r\n")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [m.group(1).decode() for raw in smtp.mailbox.raw for m in pattern.finditer(raw)]
        if found:
            GUARD.register(found[-1].split("token=", 1)[1])
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {path} link in the raw mail the server received")


def shot(browser: WebDriver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def page_text(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "main").text)


def shows(browser: WebDriver, heading: str, text: str = "") -> None:
    """Wait for the next page (the elements of the one before go stale meanwhile)."""
    WebDriverWait(
        browser, 15, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == heading and text in page_text(d))


def button_colour(browser: WebDriver) -> str:
    """The page's own style, which applies only if the policy admits it by its hash."""
    button = browser.find_element(By.CSS_SELECTOR, "button[type=submit]")
    return str(button.value_of_css_property("background-color"))


def sign_up(api: httpx.Client) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
    assert api.post("/users", json=body).status_code == 201


def login(api: httpx.Client, password: str) -> httpx.Response:
    return api.post("/auth/token", data={"username": "ada@example.com", "password": password})


def test_a_person_confirms_their_address_from_the_mailed_link_in_a_browser(
    site: tuple[str, httpx.Client], smtp: SmtpServer, browser: WebDriver
) -> None:
    base, api = site
    sign_up(api)
    browser.get(mailed_link(smtp, base, "/verify-email"))
    shows(browser, "Confirm your email address")
    assert button_colour(browser) == "rgba(29, 78, 216, 1)"
    shot(browser, "verify-email-1-form")
    access = login(api, PASSWORD).json()["access_token"]
    me = {"Authorization": f"Bearer {access}"}
    assert api.get("/users/me", headers=me).json()["email_verified"] is False

    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shows(browser, "Address confirmed", "Your email address is confirmed.")
    shot(browser, "verify-email-2-confirmed")
    assert api.get("/users/me", headers=me).json()["email_verified"] is True

    browser.back()  # the same link again: the page says so in words
    shows(browser, "Confirm your email address")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shows(browser, "Confirm your email address", "invalid or has expired")
    shot(browser, "verify-email-3-spent")


def test_a_person_sets_a_new_password_from_the_mailed_link_in_a_browser(
    site: tuple[str, httpx.Client], smtp: SmtpServer, browser: WebDriver
) -> None:
    base, api = site
    sign_up(api)
    assert api.post("/auth/password-reset", json={"email": "ada@example.com"}).is_success
    browser.get(mailed_link(smtp, base, "/reset-password"))
    shows(browser, "Choose a new password")
    assert button_colour(browser) == "rgba(29, 78, 216, 1)"
    shot(browser, "reset-password-1-form")

    browser.find_element(By.ID, "new_password").send_keys(NEW_PASSWORD)
    browser.find_element(By.ID, "confirm_password").send_keys("not the same one")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shows(browser, "Choose a new password", "The two passwords do not match.")
    shot(browser, "reset-password-2-mismatch")
    assert login(api, PASSWORD).status_code == 200  # nothing changed

    browser.find_element(By.ID, "new_password").send_keys(NEW_PASSWORD)
    browser.find_element(By.ID, "confirm_password").send_keys(NEW_PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shows(browser, "Password changed", "Your password has been changed.")
    shot(browser, "reset-password-3-changed")
    assert login(api, NEW_PASSWORD).status_code == 200
    assert login(api, PASSWORD).status_code == 401
