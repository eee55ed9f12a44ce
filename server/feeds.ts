/**
 * The status feeds: `feed.atom` (Atom 1.0, RFC 4287) and `feed.json` (JSON Feed 1.1) of incident updates
 * and maintenance windows, newest first. `checkup serve` answers them and `serve --export` writes them
 * beside the static page; the page links both (`<link rel="alternate">`).
 *
 * Written here rather than with a feed library: the npm `feed` package emits JSON Feed 1.0 (not 1.1) and
 * brings an XML serializer for what is a dozen elements; escaping is the one thing to get right, and the
 * tests read both feeds back with real parsers (feedsmith, fast-xml-parser's validator).
 *
 * - Entry ids are URNs made from the incident's and update's ids (or the window's), so they never change
 *   with the address the site is served at, and a reader never shows an entry twice.
 * - Links are relative to the feed (the site's root) unless the site's public URL is known (`base`):
 *   a `Host` header never ends up in a cached body.
 * - Texts are plain text (Markdown as written), after the config's redactor.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Incident, MaintenanceWindow } from "../status/operations.js";

/** Entries in a feed at most (newest first). */
export const FEED_ENTRIES = 50;

/** What a feed is built from. */
export interface FeedSource {
  /** The site's title. */
  title: string;
  /** Incidents, their updates oldest first. */
  incidents: readonly Incident[];
  /** Maintenance windows (occurrences) to list: past, current and upcoming. */
  maintenance: readonly MaintenanceWindow[];
  /** Scrubs secrets from texts. */
  redact: (text: string) => string;
  /** The site's public URL (`https://status.example.com/`); unset: links relative to the feed. */
  base?: string;
  /** The feed's `updated` when it has no entry (ms). */
  now: number;
}

/** One entry of either feed. */
interface Entry {
  id: string;
  title: string;
  text: string;
  /** Link relative to the site root. */
  link: string;
  published: number;
  updated: number;
  tags: string[];
}

/** A URN (`urn:uuid:…`) made from `parts`: the same parts give the same id. */
function urn(parts: string[]): string {
  const h = createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  const v = `8${h.slice(13, 16)}`, variant = ((parseInt(h[16], 16) & 3) | 8).toString(16) + h.slice(17, 20);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${v}-${variant}-${h.slice(20, 32)}`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function affects(list: readonly { title: string; impact?: string }[]): string {
  return list.map((a) => (a.impact ? `${a.title} (${a.impact})` : a.title)).join(", ");
}

function entries(src: FeedSource): Entry[] {
  const out: Entry[] = [];
  for (const incident of src.incidents) {
    const link = `?incident=${encodeURIComponent(incident.id)}`;
    for (const u of incident.updates) {
      const what = affects(u.affected);
      out.push({
        id: urn(["incident", incident.id, u.id]),
        title: src.redact(`${incident.title}: ${capital(u.state)}`),
        text: src.redact(`${u.text}${what ? `\n\nAffects: ${what}` : ""}`),
        link,
        published: u.t,
        updated: u.t,
        tags: ["incident", u.state],
      });
    }
  }
  for (const w of src.maintenance) {
    const what = w.about.length ? w.about.join(", ") : "all endpoints";
    out.push({
      id: urn(["maintenance", w.id]),
      title: src.redact(`Maintenance: ${w.title}`),
      text: src.redact(
        `From ${utc(w.start)} to ${utc(w.end)}. Affects: ${what}.${w.message ? `\n\n${w.message}` : ""}`,
      ),
      link: "",
      published: w.start,
      updated: w.start,
      tags: ["maintenance"],
    });
  }
  out.sort((a, b) => b.updated - a.updated || (a.id < b.id ? -1 : 1));
  return out.slice(0, FEED_ENTRIES);
}

/** Escapes text for XML element content and double-quoted attributes (and drops characters XML forbids). */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

function href(src: FeedSource, path: string): string {
  if (!src.base) return path || "./";
  return new URL(path, src.base.endsWith("/") ? src.base : src.base + "/").href;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The Atom 1.0 feed.
 *
 * @example
 * ```ts
 * import { atomFeed } from "./feeds.ts";
 * const xml = atomFeed({ title: "Status", incidents: [], maintenance: [], redact: (t) => t, now: 0 });
 * console.assert(xml.includes('<feed xmlns="http://www.w3.org/2005/Atom">'));
 * ```
 */
export function atomFeed(src: FeedSource): string {
  const list = entries(src);
  const updated = list.reduce((m, e) => Math.max(m, e.updated), list.length ? -Infinity : src.now);
  const title = escapeXml(`${src.title}: incidents and maintenance`);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${urn(["feed", src.base ?? "", src.title])}</id>`,
    `  <title>${title}</title>`,
    `  <updated>${iso(updated)}</updated>`,
    `  <author><name>${escapeXml(src.title)}</name></author>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(href(src, ""))}"/>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(href(src, "feed.atom"))}"/>`,
    '  <generator uri="https://github.com/sourcegraph/checkup">Checkup</generator>',
  ];
  for (const e of list) {
    lines.push(
      "  <entry>",
      `    <id>${e.id}</id>`,
      `    <title>${escapeXml(e.title)}</title>`,
      `    <published>${iso(e.published)}</published>`,
      `    <updated>${iso(e.updated)}</updated>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(href(src, e.link))}"/>`,
      ...e.tags.map((t) => `    <category term="${escapeXml(t)}"/>`),
      `    <content type="text">${escapeXml(e.text)}</content>`,
      "  </entry>",
    );
  }
  lines.push("</feed>", "");
  return lines.join("\n");
}

/**
 * The JSON Feed 1.1.
 *
 * @example
 * ```ts
 * import { jsonFeed } from "./feeds.ts";
 * const feed = JSON.parse(jsonFeed({ title: "Status", incidents: [], maintenance: [], redact: (t) => t, now: 0 }));
 * console.assert(feed.version === "https://jsonfeed.org/version/1.1");
 * ```
 */
export function jsonFeed(src: FeedSource): string {
  const feed: Record<string, unknown> = {
    version: "https://jsonfeed.org/version/1.1",
    title: `${src.title}: incidents and maintenance`,
    description: `Incident updates and maintenance windows of ${src.title}`,
    authors: [{ name: src.title }],
  };
  if (src.base) {
    feed.home_page_url = href(src, "");
    feed.feed_url = href(src, "feed.json");
  }
  feed.items = entries(src).map((e) => ({
    id: e.id,
    ...(src.base ? { url: href(src, e.link) } : {}),
    title: e.title,
    content_text: e.text,
    date_published: iso(e.published),
    date_modified: iso(e.updated),
    tags: e.tags,
  }));
  return JSON.stringify(feed, null, 2) + "\n";
}
