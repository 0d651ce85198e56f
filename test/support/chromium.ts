// A real headless browser for the report's tests and its screenshot: Debian's chromium package driven by
// playwright-core (never the `playwright` package, whose install downloads browsers: nothing is downloaded here).
// .ci/run installs chromium when it is missing, as it does Java.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's chromium (apt-get install chromium); CHROMIUM_PATH for another build of it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/lib/chromium/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (as root: apt-get install -y chromium; .ci/run does it) or set CHROMIUM_PATH to its binary`);
  }
  // Chromium refuses its sandbox to root; as any other user it keeps it.
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: root ? ["--no-sandbox"] : [] });
}

/** What the page did that it should not: console errors, uncaught errors, CSP violations, and every request made. */
export interface PageWatch {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
  readonly requests: string[];
  /** securitypolicyviolation events, recorded in the page from its very start. */
  violations(): Promise<string[]>;
}

/**
 * Writes the page to `folder`/`file` and opens it from there (file://), as a user opens a downloaded report, with the
 * given viewport; everything the page does is watched from before its first byte.
 */
export async function openReport(browser: Browser, html: string, folder: string, file = "report.html", viewport = { width: 1400, height: 1000 }): Promise<{ page: Page; watch: PageWatch; url: string }> {
  const path = join(folder, file);
  writeFileSync(path, html);
  const url = pathToFileURL(path).href;
  const context = await browser.newContext({ viewport, offline: true, javaScriptEnabled: true });
  const page = await context.newPage();
  const watch = {
    consoleErrors: [] as string[],
    pageErrors: [] as string[],
    failedRequests: [] as string[],
    requests: [] as string[],
    violations: async () => (await page.evaluate("window.__violations || []")) as string[],
  };
  // Added through the DevTools protocol, so the page's CSP does not apply to this listener itself. (A string: the
  // tests are type-checked without the DOM library.)
  await page.addInitScript({
    content: `window.__violations = []; document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(event.violatedDirective + " " + event.blockedURI));`,
  });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") watch.consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => watch.pageErrors.push(error.message));
  page.on("request", (request) => watch.requests.push(request.url()));
  page.on("requestfailed", (request) => watch.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
  await page.goto(url, { waitUntil: "load" });
  return { page, watch, url };
}
