/**
 * Go Checkup's reads, served by `checkup serve` for tools that used Go's: `/index.json` (the map of round
 * names to store times) and `/<ns>-check.json` (one round). Endpoints and error texts are scrubbed of
 * secrets; a round that does not exist is a 404, not Go's 200 with an error body.
 *
 * @module
 */
import { redactResult } from "../_internal/redact.ts";
import { encodeResults, type Result } from "../result.ts";
import { encodeIndex } from "../storage/fs.ts";
import { NotFoundError, type StorageReader } from "../storage/storage.ts";
import { type Representation, representation } from "./http_cache.ts";

const JSON_TYPE = "application/json; charset=utf-8";
/** Names of check files: `<ns>-check.json`. */
export const CHECK_FILE: RegExp = /^\d{1,25}-check\.json$/;

/** Go Checkup's reads over a storage reader. */
export class GoReads {
  readonly #reader: StorageReader;
  readonly #redact: (text: string) => string;
  #index?: { key: string; rep: Promise<Representation> };

  constructor(reader: StorageReader, redact: (text: string) => string) {
    this.#reader = reader;
    this.#redact = redact;
  }

  /**
   * `index.json`, newline-terminated as Go wrote it. Listing a storage can be expensive (a directory of
   * 100,000 files), so one listing serves every request with the same `cacheKey`.
   */
  index(cacheKey: string): Promise<Representation> {
    if (this.#index?.key !== cacheKey) {
      const rep = this.#reader.index().then((entries) =>
        representation(
          encodeIndex(new Map(entries.map((e) => [e.name, e.timestamp]))) + "\n",
          JSON_TYPE,
          "no-cache",
        )
      );
      const entry = { key: cacheKey, rep };
      this.#index = entry;
      rep.catch(() => {
        if (this.#index === entry) this.#index = undefined;
      });
    }
    return this.#index!.rep;
  }

  /** One round as Go served it, or undefined when there is no such round. Rounds never change: cacheable. */
  async checkFile(name: string): Promise<Representation | undefined> {
    if (!CHECK_FILE.test(name)) return undefined;
    let results: Result[];
    try {
      results = await this.#reader.fetch(name);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    const safe = results.map((r) => redactResult(r, this.#redact));
    return representation(encodeResults(safe) + "\n", JSON_TYPE, "public, max-age=86400");
  }
}
