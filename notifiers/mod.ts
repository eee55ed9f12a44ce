/**
 * Notifiers: the registry list of every notifier type.
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import type { Notifier } from "./notifier.ts";

export type { Alert, AlertKind, Notifier } from "./notifier.ts";

/** The notifier registry: one entry per type. */
export const notifierDefinitions: readonly AnyDefinition<Notifier>[] = [];

/** Any notifier object as written in `checkup.json`. */
export type NotifierConfig = { type: string; [key: string]: unknown };
