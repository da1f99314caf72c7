"""A technician's hands on the console: open pages, fill labelled fields, press buttons, wait for
what a person would wait for, and keep a screenshot of each page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as until
from selenium.webdriver.support.ui import Select, WebDriverWait

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

_UNLABELLED = """
return Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.id && document.querySelector(`label[for="${e.id}"]`)))
  .filter(e => !e.getAttribute('aria-label'))
  .map(e => e.outerHTML);
"""


@dataclass
class Console:
    driver: WebDriver
    url: str
    screenshots: Path

    def open(self, path: str) -> None:
        self.driver.get(f"{self.url}{path}")

    @property
    def path(self) -> str:
        current: str = self.driver.current_url
        return current.removeprefix(self.url)

    def wait(self, css: str, timeout_s: float = 30) -> WebElement:
        found: WebElement = WebDriverWait(self.driver, timeout_s).until(
            until.visibility_of_element_located((By.CSS_SELECTOR, css))
        )
        return found

    def wait_text(self, css: str, text: str, timeout_s: float = 30) -> WebElement:
        """The element `css` once it shows `text`: after a form posts, the page it left may
        still show an element of the same kind (the last "p.ok"), gone stale a moment later."""
        WebDriverWait(self.driver, timeout_s).until(
            until.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
        )
        return self.wait(css)

    def wait_for(self, script: str, timeout_s: float = 30, *args: Any) -> Any:
        return WebDriverWait(self.driver, timeout_s, poll_frequency=0.5).until(
            lambda d: d.execute_script(script, *args)
        )

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def field(self, label: str) -> WebElement:
        """The form control a visible label names (what a screen reader would announce)."""
        for element in self.driver.find_elements(By.TAG_NAME, "label"):
            if element.text.strip() == label and element.is_displayed():
                return self.driver.find_element(By.ID, element.get_attribute("for") or "")
        raise AssertionError(f"no field labelled {label!r} on {self.path}")

    def type(self, label: str, text: str) -> None:
        control = self.field(label)
        control.clear()
        control.send_keys(text)

    def choose(self, label: str, visible_text: str) -> None:
        Select(self.field(label)).select_by_visible_text(visible_text)

    def press(self, name: str, within: str = "main") -> None:
        for button in self.find(within).find_elements(By.CSS_SELECTOR, "button, a.button"):
            if button.text.strip() == name and button.is_displayed():
                button.click()
                return
        raise AssertionError(f"no button {name!r} on {self.path}")

    def heading(self) -> str:
        return self.wait("h1").text

    def unlabelled_fields(self) -> list[str]:
        found: list[str] = self.driver.execute_script(_UNLABELLED)
        return found

    def shot(self, name: str) -> Path:
        """A screenshot of the whole page (the window grown to the document's height)."""
        size = self.driver.get_window_size()
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(size["width"], min(max(int(height) + 120, 600), 4000))
        self.driver.execute_script("window.scrollTo(0, 0)")
        path = self.screenshots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(size["width"], size["height"])
        return path

    def sign_in(self, key: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/")
        self.wait("#api_key")
        self.type("API key", key)
        self.press("Sign in")
        self.wait("nav[aria-label=Console]")
