import assert from "node:assert/strict";
import { ASSETS, pageHtml } from "./assets.ts";
import { CONTENT_SECURITY_POLICY, metaPolicy } from "./security.ts";

Deno.test("every page file is embedded, and index.html references only embedded files", () => {
  const html = ASSETS["index.html"].text;
  const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 4);
  // The feeds are generated (by `serve` and `serve --export`), not embedded files.
  const generated = ["feed.atom", "feed.json"];
  // Query links (`?incidents`) are the page's own views.
  for (const ref of refs.filter((r) => !generated.includes(r) && !r.startsWith("?"))) {
    assert.ok(ASSETS[ref], `index.html references ${ref}, which is not embedded`);
  }
  for (const [path, asset] of Object.entries(ASSETS)) {
    if (!path.endsWith(".js")) continue;
    let imports = 0;
    for (const m of asset.text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[\w./]+)"/g)) {
      // Resolved as the browser does, under a site hosted below a prefix: nothing may leave the site.
      const url = new URL(m[1], `https://host.example/prefix/${path}`);
      assert.ok(url.pathname.startsWith("/prefix/"), `${path} imports ${m[1]}, outside the site`);
      const target = url.pathname.slice("/prefix/".length);
      assert.ok(ASSETS[target], `${path} imports ${m[1]} (${target}), which is not embedded`);
      imports++;
    }
    if (path === "js/app.js") assert.ok(imports >= 4, "app.js loads the renderer and the status model");
    assert.doesNotMatch(
      asset.text,
      /["'`]https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      `${path} must not reach a third party`,
    );
  }
  assert.doesNotMatch(html, /<script>|<style|\sstyle="|\son\w+="/, "no inline script or style (CSP)");
});

Deno.test("the page's modules load the status model from the site's status/, the sources' ../../status/", async () => {
  const app = await Deno.readTextFile(new URL("../statuspage/js/app.js", import.meta.url));
  assert.match(app, /import\("\.\.\/\.\.\/status\/view\.js"\)/, "the sources import the model where it is");
  assert.equal(
    ASSETS["js/app.js"].text,
    app.replaceAll('"../../status/', '"../status/'),
    "the embedded app.js differs from the source only in where it finds the model",
  );
  assert.match(ASSETS["js/app.js"].text, /import\("\.\.\/status\/rollup\.js"\)/);
  for (const [path, asset] of Object.entries(ASSETS)) {
    if (path.startsWith("status/")) {
      assert.doesNotMatch(
        asset.text,
        /from "\.\.\/|import\("\.\./,
        `${path} imports nothing outside status/`,
      );
    }
  }
});

Deno.test("settings are written into the page, escaped", () => {
  const html = pageHtml({
    title: `<b>"Acme"</b>`,
    logo: "logo",
    source: "api/v1/status",
    refresh: 30,
    range: "7d",
  });
  assert.match(html, /<title>&#60;b&#62;&#34;Acme&#34;&#60;\/b&#62;<\/title>/);
  assert.match(html, /<h1 id="page-title">&#60;b&#62;/);
  assert.match(html, /<img id="logo" src="logo"/);
  assert.match(html, /name="checkup-source" content="api\/v1\/status"/);
  assert.match(html, /name="checkup-refresh" content="30"/);
  assert.match(html, /data-range="7d" aria-pressed="true"/);
  assert.match(html, /data-range="24h" aria-pressed="false"/);
  assert.equal(pageHtml({}), ASSETS["index.html"].text);
});

Deno.test("the page carries the server's policy in a meta tag, for static hosts that send no header", () => {
  const html = ASSETS["index.html"].text;
  const meta = /<meta http-equiv="Content-Security-Policy"\s+content="([^"]+)">/.exec(html);
  assert.ok(meta, "index.html has a CSP meta tag");
  assert.ok(html.indexOf(meta[0]) < html.search(/<link|<script/), "before anything the page loads");
  assert.equal(meta[1], metaPolicy());
  const header = CONTENT_SECURITY_POLICY.split("; ");
  assert.deepEqual(
    metaPolicy().split("; "),
    header.filter((d) => !d.startsWith("frame-ancestors")),
    "the header's policy but for frame-ancestors, which a meta tag cannot carry",
  );
  const page = pageHtml({
    csp: metaPolicy({ connect: ["https://bucket.example"], img: ["https://cdn.example"] }),
  });
  assert.match(page, /connect-src 'self' https:\/\/bucket\.example;/);
  assert.match(page, /img-src 'self' data: https:\/\/cdn\.example;/);
});
