// Debian's Chromium (apt-get install chromium), driven by playwright-core: no browser download.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      // Containers and CI runners have no user namespaces for Chromium's sandbox.
      "--no-sandbox",
      "--disable-gpu",
      // Without these, Chromium's background calls to Google services fail on a closed
      // network and the refused connections disturb page loads.
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Loads the SPA once before the first test: Vite's dev server compiles modules and may
 * pre-bundle newly found dependencies on the first visit, then reload the page, which would
 * land in the middle of a journey.
 */
export async function warmUp(browser: Browser, spaUrl: string): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(spaUrl, { waitUntil: "networkidle", timeout: 120_000 });
  } finally {
    await context.close();
  }
}
