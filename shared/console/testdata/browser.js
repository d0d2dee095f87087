// Drives the console in Debian's chromium for browser_test.go: each
// scenario does what a person (or an attacker's page) would, and prints
// what it saw as one line of JSON. The Go test asserts on it.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT);
const input = JSON.parse(process.env.PAYHOOK_INPUT);
const step = 60000; // each wait: generous, the machine is shared

async function launch(args = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM, args });
}

// login opens the login link in a fresh context and says where it landed.
async function login(browser, link) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(step);
  const resp = await page.goto(link);
  return { context, page, status: resp.status(), url: page.url() };
}

// rows reads the webhooks table: provider, event id, status per row.
async function rows(page) {
  return page.$$eval("#webhooks tbody tr", (trs) => trs.filter((tr) => tr.querySelector("td.event")).map((tr) => ({
    provider: tr.querySelector("td.provider").textContent, id: tr.querySelector("td.event").textContent,
    status: tr.querySelector("td.status").textContent,
  })));
}

const scenarios = {
  async login(browser) {
    const first = await login(browser, input.link);
    const cookies = await first.context.cookies();
    const script = await first.page.evaluate(() => document.cookie);
    const again = await login(browser, input.link);
    return {
      status: first.status, url: first.url, title: await first.page.title(),
      cookies: cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite })),
      scriptSees: script, againStatus: again.status, againText: await again.page.textContent("main"),
    };
  },

  async list(browser) {
    const { page } = await login(browser, input.link);
    await page.goto(input.base + "/console/events?limit=2");
    const pages = [await rows(page)];
    while (await page.$("#next")) {
      await page.click("#next");
      pages.push(await rows(page));
    }
    await page.selectOption("select[name=provider] >> nth=0", "paypal");
    await page.click("form.filters button[type=submit]");
    const filtered = await rows(page);
    await page.fill("form.find input[name=id]", input.find);
    await page.click("form.find button");
    const found = await page.textContent("h1");
    if (input.screenshots) {
      await page.goto(input.base + "/console/events");
      await page.screenshot({ path: input.screenshots + "/console-webhooks.png" });
      await page.goto(input.base + "/console/payments");
      await page.screenshot({ path: input.screenshots + "/console-payments.png" });
    }
    return { pages, filtered, found };
  },

  async hostile(browser) {
    const { page } = await login(browser, input.link);
    const messages = [];
    page.on("console", (m) => messages.push(m.text()));
    page.on("dialog", (d) => { messages.push("dialog: " + d.message()); d.dismiss(); });
    await page.goto(input.base + "/console/events");
    await page.click(`a:text("${input.id}")`);
    await page.waitForSelector("#body");
    // Give any handler an image error or a script would fire the time to.
    await page.waitForTimeout(1000);
    for (const a of await page.$$("main a")) {
      await a.hover();
    }
    if (input.screenshots) {
      await page.screenshot({ path: input.screenshots + "/console-webhook.png" });
    }
    return {
      ran: await page.evaluate(() => window.__xss || null),
      body: await page.textContent("#body"),
      images: await page.$$eval("main img", (els) => els.length),
      scriptsInMain: await page.$$eval("main script", (els) => els.length),
      javascriptLinks: await page.$$eval("a", (els) => els.filter((a) => a.protocol === "javascript:").length),
      messages,
    };
  },

  async rebinding(browser) {
    // A page of attacker.example's, after its name was rebound to the
    // console's loopback address: same origin as far as the browser
    // knows, so it may read whatever the listener answers.
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(step);
    const origin = `http://attacker.example:${input.port}`;
    await page.route(origin + "/evil.html", (route) => route.fulfill({
      contentType: "text/html",
      body: `<script>
        window.results = [];
        (async () => {
          for (const path of ${JSON.stringify(input.paths)}) {
            try {
              const r = await fetch(path);
              window.results.push({ path, status: r.status, body: (await r.text()).slice(0, 200) });
            } catch (e) { window.results.push({ path, error: String(e) }); }
          }
          window.done = true;
        })();
      </script>`,
    }));
    await page.goto(origin + "/evil.html");
    await page.waitForFunction(() => window.done === true);
    return { results: await page.evaluate(() => window.results) };
  },

  async crossOriginPost(browser) {
    // Logged in, then lured to a page on another local port (same site:
    // the cookie goes along) that posts the console's redrive form.
    const { context, page } = await login(browser, input.link);
    await page.route(input.attacker + "/lure.html", (route) => route.fulfill({
      contentType: "text/html",
      body: `<form method="post" action="${input.base}/console/redrive">
        <input name="provider" value="${input.provider}"><input name="event_id" value="${input.id}"></form>
        <script>document.forms[0].submit()</script>`,
    }));
    await page.goto(input.attacker + "/lure.html");
    await page.waitForURL(input.base + "/console/redrive");
    return { text: await page.textContent("body"), cookies: (await context.cookies()).length };
  },

  async redrive(browser) {
    const { page } = await login(browser, input.link);
    await page.goto(input.base + "/console/dead");
    const dead = await rows(page);
    if (input.screenshots) {
      await page.screenshot({ path: input.screenshots + "/console-dead-letters.png" });
    }
    await page.click(`a:text("${input.id}")`);
    const before = await page.textContent("dd.status");
    await page.click("#redrive");
    const done = await page.textContent("#done");
    await page.goto(input.event);
    let status = await page.textContent("dd.status");
    for (const deadline = Date.now() + 2 * step; status !== "PROCESSED" && Date.now() < deadline;) {
      await page.waitForTimeout(250);
      await page.reload();
      status = await page.textContent("dd.status");
    }
    return { dead, before, done, status };
  },

  async redriveSelected(browser) {
    const { page } = await login(browser, input.link);
    await page.goto(input.base + "/console/dead");
    for (const id of input.ids) {
      await page.check(`input[name=event][value="stripe/${id}"]`);
    }
    await page.click("#redrive-selected");
    return { done: await page.textContent("#done") };
  },

  async resend(browser) {
    const { page } = await login(browser, input.link);
    await page.goto(input.event);
    await page.click("#resend");
    return { done: await page.textContent("#done") };
  },

  async audit(browser) {
    const { page } = await login(browser, input.link);
    await page.goto(input.base + "/console/audit");
    if (input.screenshots) {
      await page.screenshot({ path: input.screenshots + "/console-audit.png" });
    }
    return { verdict: await page.textContent("#verdict") };
  },
};

(async () => {
  const browser = await launch(input.args || []);
  try {
    const result = await scenarios[input.scenario](browser);
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
