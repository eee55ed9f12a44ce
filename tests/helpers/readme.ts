/** The README's registry sections, as the readme tests of checkers, storage and notifiers read them. */
import assert from "node:assert/strict";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** The text between `<!-- section:NAME -->` and `<!-- /section:NAME -->`. */
export function readmeSection(name: string): string {
  const start = readme.indexOf(`<!-- section:${name} -->`);
  const end = readme.indexOf(`<!-- /section:${name} -->`);
  assert.ok(start >= 0 && end > start, `README: no section ${name}`);
  return readme.slice(start, end);
}

/** The text under `#### \`type\`` in `section`, up to the next heading (fails when there is none). */
export function typeSubsection(section: string, type: string): string {
  const start = section.indexOf(`#### \`${type}\``);
  assert.ok(start >= 0, `no README heading for ${type}`);
  const next = section.indexOf("\n#### ", start + 1);
  return section.slice(start, next < 0 ? undefined : next);
}
