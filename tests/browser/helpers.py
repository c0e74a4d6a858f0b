"""Steps the browser tests share: logging a demo user in, submitting a task form, deciding a
task. `page` and `context` are Playwright objects (sync API)."""

from __future__ import annotations

from typing import Any


def log_in(page: Any, base: str, username: str) -> None:
    """Log `page` in as the demo user `username` and wait for the inbox."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "jianfu-demo-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox")


def log_in_new_page(context: Any, base: str, username: str) -> Any:
    """A new page in `context` logged in as `username` alone (the context's cookies are
    cleared first)."""
    context.clear_cookies()
    page = context.new_page()
    log_in(page, base, username)
    return page


def submit(page: Any) -> None:
    """Submit the task form and wait for the "done" message (wherever the app goes next)."""
    page.click("form[method=post] button[type=submit]:has-text('提交')")
    page.locator(".flash", has_text="已办理").wait_for()


def decide(page: Any, field: str, value: str) -> None:
    """A decision: its button when the form shows decision buttons, else the select."""
    button = page.locator(f"button[name={field}][value={value}]")
    # Wait for the form's decision control (a button or the select) before choosing: a
    # count() taken while the page is still rendering under load would find neither.
    page.locator(f"button[name={field}][value={value}], #f-{field}").first.wait_for()
    if button.count():
        button.click()
        page.locator(".flash", has_text="已办理").wait_for()
    else:
        page.select_option(f"#f-{field}", value)
        submit(page)
