/**
 * The status page, embedded in the module graph (text imports), so `deno compile` carries it and nothing
 * is read from the working directory at run time. The export writer turns the same files into a static
 * site.
 *
 * The site is `statuspage/` with the status model (`status/`, plain ES modules shared with the server)
 * beside its `js/`: `index.html`, `css/`, `images/`, `js/` and `status/`. In the sources the page's modules
 * import the model at `../../status/` (so Deno type-checks and tests them where they are); in the site it
 * is one level closer, so those specifiers are written `../status/` as the files are embedded. Nothing
 * else in a file changes.
 *
 * @module
 */
import indexHtml from "../statuspage/index.html" with { type: "text" };
import styleCss from "../statuspage/css/style.css" with { type: "text" };
import appJs from "../statuspage/js/app.js" with { type: "text" };
import chartJs from "../statuspage/js/chart.js" with { type: "text" };
import domJs from "../statuspage/js/dom.js" with { type: "text" };
import formatJs from "../statuspage/js/format.js" with { type: "text" };
import markdownJs from "../statuspage/js/markdown.js" with { type: "text" };
import pageMaintenanceJs from "../statuspage/js/maintenance.js" with { type: "text" };
import incidentsPageJs from "../statuspage/js/incidents.js" with { type: "text" };
import renderJs from "../statuspage/js/render.js" with { type: "text" };
import fleetJs from "../statuspage/js/fleet.js" with { type: "text" };
import detailJs from "../statuspage/js/detail.js" with { type: "text" };
import codecJs from "../status/codec.js" with { type: "text" };
import combinedJs from "../status/combined.js" with { type: "text" };
import durationJs from "../status/duration.js" with { type: "text" };
import endpointJs from "../status/endpoint.js" with { type: "text" };
import groupsJs from "../status/groups.js" with { type: "text" };
import incidentsJs from "../status/incidents.js" with { type: "text" };
import operationsJs from "../status/operations.js" with { type: "text" };
import locationsJs from "../status/locations.js" with { type: "text" };
import maintenanceJs from "../status/maintenance.js" with { type: "text" };
import maintenanceViewJs from "../status/maintenance_view.js" with { type: "text" };
import messagesJs from "../status/messages.js" with { type: "text" };
import quorumJs from "../status/quorum.js" with { type: "text" };
import quorumRulesJs from "../status/quorum_rules.js" with { type: "text" };
import rollupJs from "../status/rollup.js" with { type: "text" };
import runsJs from "../status/runs.js" with { type: "text" };
import slotsJs from "../status/slots.js" with { type: "text" };
import textJs from "../status/text.js" with { type: "text" };
import viewJs from "../status/view.js" with { type: "text" };
import logoSvg from "../statuspage/images/logo.svg" with { type: "text" };
import healthySvg from "../statuspage/images/status-healthy.svg" with { type: "text" };
import degradedSvg from "../statuspage/images/status-degraded.svg" with { type: "text" };
import partialSvg from "../statuspage/images/status-partial.svg" with { type: "text" };
import maintenanceSvg from "../statuspage/images/status-maintenance.svg" with { type: "text" };
import downSvg from "../statuspage/images/status-down.svg" with { type: "text" };
import unknownSvg from "../statuspage/images/status-unknown.svg" with { type: "text" };
import configExample from "../statuspage/config.example.json" with { type: "text" };
import { metaPolicy } from "./security.ts";

/** One embedded file: its content type and text. */
export interface Asset {
  /** Its Content-Type. */
  readonly type: string;
  /** Its content. */
  readonly text: string;
}

const JS = "text/javascript; charset=utf-8";
const SVG = "image/svg+xml";
/** Where the page's modules find the status model: in the sources, and in the site. */
const MODEL_IN_SOURCES = '"../../status/';
const MODEL_IN_SITE = '"../status/';

/** A page module as the site serves it: its imports of the status model point at the site's `status/`. */
function pageModule(text: string): Asset {
  return { type: JS, text: text.replaceAll(MODEL_IN_SOURCES, MODEL_IN_SITE) };
}

/** The page's files by URL path (relative to the site root, without the leading slash). */
export const ASSETS: Readonly<Record<string, Asset>> = {
  "index.html": { type: "text/html; charset=utf-8", text: indexHtml },
  "css/style.css": { type: "text/css; charset=utf-8", text: styleCss },
  "js/app.js": pageModule(appJs),
  "js/chart.js": pageModule(chartJs),
  "js/dom.js": pageModule(domJs),
  "js/format.js": pageModule(formatJs),
  "js/maintenance.js": pageModule(pageMaintenanceJs),
  "js/markdown.js": pageModule(markdownJs),
  "js/incidents.js": pageModule(incidentsPageJs),
  "js/render.js": pageModule(renderJs),
  "js/fleet.js": pageModule(fleetJs),
  "js/detail.js": pageModule(detailJs),
  "status/codec.js": { type: JS, text: codecJs },
  "status/combined.js": { type: JS, text: combinedJs },
  "status/duration.js": { type: JS, text: durationJs },
  "status/endpoint.js": { type: JS, text: endpointJs },
  "status/groups.js": { type: JS, text: groupsJs },
  "status/incidents.js": { type: JS, text: incidentsJs },
  "status/operations.js": { type: JS, text: operationsJs },
  "status/locations.js": { type: JS, text: locationsJs },
  "status/maintenance.js": { type: JS, text: maintenanceJs },
  "status/maintenance_view.js": { type: JS, text: maintenanceViewJs },
  "status/messages.js": { type: JS, text: messagesJs },
  "status/quorum.js": { type: JS, text: quorumJs },
  "status/quorum_rules.js": { type: JS, text: quorumRulesJs },
  "status/rollup.js": { type: JS, text: rollupJs },
  "status/runs.js": { type: JS, text: runsJs },
  "status/slots.js": { type: JS, text: slotsJs },
  "status/text.js": { type: JS, text: textJs },
  "status/view.js": { type: JS, text: viewJs },
  "images/logo.svg": { type: SVG, text: logoSvg },
  "images/status-healthy.svg": { type: SVG, text: healthySvg },
  "images/status-degraded.svg": { type: SVG, text: degradedSvg },
  "images/status-partial.svg": { type: SVG, text: partialSvg },
  "images/status-maintenance.svg": { type: SVG, text: maintenanceSvg },
  "images/status-down.svg": { type: SVG, text: downSvg },
  "images/status-unknown.svg": { type: SVG, text: unknownSvg },
};

/** The template of a static site's `config.json`. */
export const CONFIG_EXAMPLE: string = configExample;

/** Settings written into index.html (server mode, or an exported static site). */
export interface PageSettings {
  /** The page title and heading. */
  title?: string;
  /** URL of the logo image (relative to the page). */
  logo?: string;
  /** Where the page reads its data: `api/v1/status` (server) or a `config.json` URL (static). */
  source?: string;
  /** Seconds between refreshes. */
  refresh?: number;
  /** The range shown first: 24h, 7d, 30d or 90d. */
  range?: string;
  /** The Content-Security-Policy of the page's meta tag (default {@linkcode metaPolicy}`()`). */
  csp?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function swap(html: string, from: string, to: string): string {
  if (!html.includes(from)) throw new Error(`statuspage/index.html: expected ${JSON.stringify(from)}`);
  return html.replace(from, () => to);
}

/** index.html with the given settings written in (escaped); throws if the template lost a marker. */
export function pageHtml(settings: PageSettings): string {
  let html = ASSETS["index.html"].text;
  if (settings.csp !== undefined) {
    // Single quotes stay as they are ('self'): the attribute is double-quoted.
    const csp = settings.csp.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
    html = swap(html, `content="${metaPolicy()}"`, `content="${csp}"`);
  }
  if (settings.title !== undefined) {
    const t = escapeHtml(settings.title);
    html = swap(html, "<title>Status</title>", `<title>${t}</title>`);
    html = swap(html, '<h1 id="page-title">Status</h1>', `<h1 id="page-title">${t}</h1>`);
  }
  if (settings.logo !== undefined) {
    html = swap(html, 'src="images/logo.svg"', `src="${escapeHtml(settings.logo)}"`);
  }
  if (settings.source !== undefined) {
    html = swap(
      html,
      'name="checkup-source" content="config.json"',
      `name="checkup-source" content="${escapeHtml(settings.source)}"`,
    );
  }
  if (settings.refresh !== undefined) {
    html = swap(
      html,
      'name="checkup-refresh" content="60"',
      `name="checkup-refresh" content="${Math.round(settings.refresh)}"`,
    );
  }
  if (settings.range !== undefined) {
    html = swap(
      html,
      'name="checkup-range" content="24h"',
      `name="checkup-range" content="${escapeHtml(settings.range)}"`,
    );
    html = html.replace(
      /data-range="(\w+)" aria-pressed="(true|false)"/g,
      (_m, r) => `data-range="${r}" aria-pressed="${r === settings.range}"`,
    );
  }
  return html;
}
