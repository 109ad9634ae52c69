"""What a page must hold at any width, measured in the browser: nothing wider than the
viewport, controls a thumb can hit on a phone, a top bar on one line."""

from __future__ import annotations

from playwright.sync_api import Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TOUCH = 44  # px: the smallest control a thumb hits reliably (Apple's and Material's guidance)

# The outermost elements that stick out past the right edge of the viewport, each named
# (tag.class "text") — not those inside a box that scrolls or clips them, which do not widen the
# page, nor the children of an element already named.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.scrollingElement.scrollWidth <= width) return [];
  const escapes = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return false;
    }
    return true;
  };
  const sticksOut = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5;
  };
  const named = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (sticksOut(el) && escapes(el) && !(el.parentElement && sticksOut(el.parentElement))) {
      const classes = typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const text = (el.innerText || "").replace(/\\s+/g, " ").trim().slice(0, 40);
      named.push(`${el.tagName.toLowerCase()}${classes} "${text}" ends at ` +
        `${Math.round(el.getBoundingClientRect().right)} px`);
    }
  }
  const total = `the page is ${document.scrollingElement.scrollWidth} px wide at ${width} px`;
  return named.length ? named.slice(0, 5).map((n) => `${total}: ${n}`) : [total];
}"""

# Visible buttons, fields, selects and menu toggles lower than TOUCH px (checkboxes and radios
# are hit through their labels; file inputs are drawn by the browser).
_SMALL_TARGETS = """(touch) => {
  const controls = document.querySelectorAll(
    "button, .button, select, summary, input:not([type=hidden]):not([type=checkbox])" +
    ":not([type=radio]):not([type=file]), .topbar a, .menu-panel a");
  const small = [];
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.height < touch - 0.5) {
      const text = (el.innerText || el.value || el.name || "").replace(/\\s+/g, " ").trim();
      small.push(`${el.tagName.toLowerCase()} "${text.slice(0, 30)}" is ${Math.round(box.height)} px high`);
    }
  }
  return small.slice(0, 5);
}"""

# Each entry of the top bar on one line and the bar one row high (60 px + its border).
_BAR = """() => {
  const bar = document.querySelector(".topbar");
  const problems = [];
  if (bar.getBoundingClientRect().height > 62) problems.push(`the top bar is ${Math.round(bar.getBoundingClientRect().height)} px high`);
  for (const el of bar.querySelectorAll(".mainnav > a, .mainnav > details > summary, .topbar-right > a, .topbar-right button")) {
    const lines = el.getClientRects().length;
    const box = el.getBoundingClientRect();
    if (box.width && (lines > 1 || box.height > 62)) problems.push(`"${el.innerText}" wraps`);
  }
  const nav = document.querySelector(".mainnav");
  const right = document.querySelector(".topbar-right");
  if (nav && getComputedStyle(nav).display !== "none") {
    const end = Math.max(0, ...Array.from(nav.children, (c) => c.getBoundingClientRect().right));
    if (end > right.getBoundingClientRect().left) problems.push("the menu runs into the account links");
  }
  return problems;
}"""


def overflow(page: Page) -> list[str]:
    """What makes the page wider than the viewport (empty when nothing does)."""
    return [f"{page.url}: {line}" for line in page.evaluate(_OVERFLOW)]


def small_targets(page: Page) -> list[str]:
    return [f"{page.url}: {line}" for line in page.evaluate(_SMALL_TARGETS, TOUCH)]


def top_bar(page: Page) -> list[str]:
    return [f"{page.url}: {line}" for line in page.evaluate(_BAR)]
