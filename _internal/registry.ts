/**
 * A plugin kind's registry of type names, each importing its module only when asked: a config that names
 * one `http` checker loads the http checker alone, never the drivers and schemas of the other types (the
 * node compatibility layer, database and cloud clients). The names are known without importing anything,
 * so "unknown type" errors still list every valid type.
 *
 * The kinds' `mod.ts` files import every module eagerly (the library's public entry points) and
 * {@linkcode PluginRegistry.provide} what they built, so synchronous resolution works for library users.
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";

/** One type of a registry: its names, and how to import its definition. */
export interface RegistryEntry<I> {
  /** The `"type"` value in `checkup.json`. */
  readonly type: string;
  /** Other accepted names (as the definition's `aliases`). */
  readonly aliases?: readonly string[];
  /** Imports the type's module and returns its definition. */
  readonly load: () => Promise<AnyDefinition<I>>;
}

/** The registry of one plugin kind (checker, storage, notifier). */
export class PluginRegistry<I> {
  /** "checker", "storage" or "notifier": named in errors. */
  readonly kind: string;
  readonly #entries: readonly RegistryEntry<I>[];
  readonly #loaded = new Map<string, AnyDefinition<I>>();

  constructor(kind: string, entries: readonly RegistryEntry<I>[]) {
    this.kind = kind;
    this.#entries = entries;
  }

  /** Every type name, in registry order (aliases left out). */
  get types(): string[] {
    return this.#entries.map((e) => e.type);
  }

  /** The entries, in registry order. */
  get entries(): readonly RegistryEntry<I>[] {
    return this.#entries;
  }

  /** The entry named `name` (its type or an alias), if any. */
  entry(name: string): RegistryEntry<I> | undefined {
    return this.#entries.find((e) => e.type === name || e.aliases?.includes(name));
  }

  /** The types whose definition is loaded, in registry order. */
  get loadedTypes(): string[] {
    return this.#entries.filter((e) => this.#loaded.has(e.type)).map((e) => e.type);
  }

  /** The definition of `name` once loaded (see {@linkcode load}); undefined when not loaded or unknown. */
  loaded(name: string): AnyDefinition<I> | undefined {
    const entry = this.entry(name);
    return entry && this.#loaded.get(entry.type);
  }

  /** Imports the modules of the named types; names that are not types are left to validation. */
  async load(names: Iterable<string>): Promise<void> {
    const wanted = new Set<RegistryEntry<I>>();
    for (const name of names) {
      const entry = this.entry(name);
      if (entry && !this.#loaded.has(entry.type)) wanted.add(entry);
    }
    await Promise.all([...wanted].map(async (e) => this.#add(e, await e.load())));
  }

  /** Imports every type's module. */
  loadAll(): Promise<void> {
    return this.load(this.types);
  }

  /** Records definitions already imported (a kind's `mod.ts` imports them all). */
  provide(definitions: readonly AnyDefinition<I>[]): void {
    for (const d of definitions) {
      const entry = this.entry(d.type);
      if (!entry) throw new Error(`the ${this.kind} registry has no entry for type "${d.type}"`);
      this.#add(entry, d);
    }
  }

  #add(entry: RegistryEntry<I>, definition: AnyDefinition<I>): void {
    if (definition.type !== entry.type) {
      throw new Error(`the ${this.kind} registry entry "${entry.type}" loaded type "${definition.type}"`);
    }
    this.#loaded.set(entry.type, definition);
  }
}
