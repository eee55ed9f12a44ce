import assert from "node:assert/strict";
import { ASSETS, pageHtml } from "./assets.ts";
import { CONTENT_SECURITY_POLICY, metaPolicy } from "./security.ts";

Deno.test("every page file is embedded, and index.html references only embedded files", () => {
  const html = ASSETS["index.html"].text;
  const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 4);
  for (const ref of refs) assert.ok(ASSETS[ref], `index.html references ${ref}, which is not embedded`);
  for (const [path, asset] of Object.entries(ASSETS)) {
    if (!path.endsWith(".js")) continue;
    for (const m of asset.text.matchAll(/(?:from|import\()\s*"\.\/([\w.]+)"/g)) {
      assert.ok(ASSETS[`js/${m[1]}`], `${path} imports ./${m[1]}, which is not embedded`);
    }
    assert.doesNotMatch(
      asset.text,
      /["'`]https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      `${path} must not reach a third party`,
    );
  }
  assert.doesNotMatch(html, /<script>|<style|\sstyle="|\son\w+="/, "no inline script or style (CSP)");
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
