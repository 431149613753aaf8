"""An account's life in the browser, with JavaScript on and off: an admin makes a writer,
the writer sets a password from the link, turns on two-factor sign-in and logs in with it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Journey

pytestmark = pytest.mark.e2e


def test_admin_makes_a_writer_who_sets_a_password_turns_on_two_factor_and_logs_in_with_it(
    journey: Journey,
):
    variant = "js" if journey.js else "nojs"
    email = f"nazrin.{variant}@example.org"
    password = "a long passphrase of her own"

    admin = journey.person()
    journey.log_in(admin, "admin")
    admin.get_by_role("navigation", name="Site").get_by_role("link", name="Users").click()
    admin.get_by_role("link", name="New user").click()
    admin.get_by_label("Name").fill(f"Nazrin Writer {variant}")
    admin.get_by_label("Email").fill(email)
    admin.get_by_label("Role").select_option(label="Writer")
    journey.step(admin, "new user filled in")
    admin.get_by_role("button", name="Make the account").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Account made")
    link = admin.locator("#reset-link").input_value()
    assert re.fullmatch(rf"{re.escape(journey.server.url)}/reset/[\w.-]+", link), link
    journey.step(admin, "the link to hand over")

    writer = journey.person()
    writer.goto(link)
    expect(writer.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    writer.get_by_label("New password", exact=True).fill(password)
    writer.get_by_label("New password again").fill(password)
    writer.get_by_role("button", name="Set the password").click()
    expect(writer).to_have_url(re.compile(r"/login\?done=reset$"))
    journey.step(writer, "password set")
    writer.get_by_label("Email").fill(email)
    writer.get_by_label("Password", exact=True).fill(password)
    writer.get_by_role("button", name="Log in").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("My pieces")

    writer.get_by_role("navigation", name="Site").get_by_role("link", name="Account").click()
    writer.get_by_role("link", name="Turn it on").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(writer.locator(".qr svg")).to_be_visible()
    secret = writer.locator("code.secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    writer.get_by_label("Code from the app").fill(totp.now())
    journey.step(writer, "scanned, code typed")
    writer.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(writer.locator("ol.recovery-codes li")).to_have_count(10)
    journey.step(writer, "recovery codes, shown once")
    writer.get_by_role("link", name="I have saved them: continue").click()

    writer.get_by_role("button", name=re.compile("^Log out")).click()
    writer.get_by_label("Email").fill(email)
    writer.get_by_label("Password", exact=True).fill(password)
    writer.get_by_role("button", name="Log in").click()
    expect(writer.get_by_label("Code from your authenticator app")).to_be_visible()
    journey.step(writer, "the code step")
    # The code of the enrolment is spent: the app's next one (accepted a step ahead).
    writer.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    writer.locator("form", has=writer.get_by_label("Code from your authenticator app")).get_by_role(
        "button", name="Log in").click()
    expect(writer.get_by_role("heading", level=1)).to_have_text("My pieces")
    journey.step(writer, "logged in with two factors")
