"""Keyboard-only helpers: reach a control with Tab the way a person would, never by clicking."""

from __future__ import annotations

from typing import Any

MAX_TABS = 120


def is_focused(locator: Any) -> bool:
    return bool(locator.evaluate("(el) => el === document.activeElement"))


def tab_to(page: Any, locator: Any, *, max_tabs: int = MAX_TABS) -> None:
    """Press Tab until `locator` has the focus; fail when it cannot be reached from the keyboard."""
    locator.wait_for()
    for _ in range(max_tabs):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"could not reach {locator} with {max_tabs} Tab presses; the focus is on {focused}")


def arrow_to_checked(page: Any, radio: Any, *, key: str = "ArrowUp", max_presses: int = 10) -> None:
    """Within a focused radio group, move with the arrow keys until `radio` is checked."""
    for _ in range(max_presses):
        if radio.is_checked():
            return
        page.keyboard.press(key)
    raise AssertionError(f"could not check {radio} with {key}")
