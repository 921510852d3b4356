"""Browser tests: Playwright driving Debian's Chromium, axe-core for accessibility (docs/howto/browser-tests.md)."""
