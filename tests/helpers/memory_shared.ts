/**
 * An in-memory {@linkcode SharedStore} for unit tests of the coordination logic (the real backends have
 * their own conformance tests): `create` is atomic as the backends guarantee, and `failing` makes every
 * call throw, like a storage that is down.
 */
import type { SharedStore } from "../../storage/storage.ts";

/** A SharedStore in a Map. */
export class MemoryShared implements SharedStore {
  readonly docs = new Map<string, string>();
  /** When set, every call throws (a storage outage). */
  failing = false;

  #check(): Promise<void> {
    return this.failing ? Promise.reject(new Error("connection refused")) : Promise.resolve();
  }

  async create(key: string, value: string): Promise<boolean> {
    await this.#check();
    if (this.docs.has(key)) return false;
    this.docs.set(key, value);
    return true;
  }

  async put(key: string, value: string): Promise<void> {
    await this.#check();
    this.docs.set(key, value);
  }

  async list(prefix: string): Promise<Map<string, string>> {
    await this.#check();
    return new Map([...this.docs].filter(([k]) => k.startsWith(prefix)));
  }

  async remove(keys: readonly string[]): Promise<void> {
    await this.#check();
    for (const k of keys) this.docs.delete(k);
  }
}
