"""The audit log at /desk/audit, at 1280 px and at 375 px: no sideways scroll, axe-core clean."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import WIDTHS, Axe, LiveServer, assert_no_sideways_scroll, log_in

pytestmark = pytest.mark.e2e

LONG_TITLE = "Internetfreedomandprivacyruleswithoutaspaceanywhereinthem " * 2


@pytest.mark.parametrize("width", list(WIDTHS))
def test_audit_log_is_accessible_at_every_width(axe: Axe, live_server: LiveServer, width: str):
    piece = live_server.publish(f"{LONG_TITLE}{width}", "Recorded.")
    page = axe.page()
    page.set_viewport_size(WIDTHS[width])
    log_in(page, live_server, "editor")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.locator("table.audit tbody tr")).not_to_have_count(0)
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"audit log {width}")
    page.get_by_role("link", name=f"{LONG_TITLE}{width}".strip()).first.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Only events about")
    assert f"piece={piece.id}" in page.url
    assert_no_sideways_scroll(page)
    axe.assert_clean(page, f"audit log of one piece {width}")
