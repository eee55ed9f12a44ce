/**
 * The JSON Schema of `checkup.json`, generated from the same zod schemas that validate it: one `oneOf`
 * branch per registered checker, storage and notifier type.
 *
 * @module
 */
import { z } from "zod";
import type { AnyDefinition } from "./plugin.ts";
import { checkerDefinitions } from "../checkers/mod.ts";
import { storageDefinitions } from "../storage/mod.ts";
import { notifierDefinitions } from "../notifiers/mod.ts";
import { checkerGroup, checkerIncident, quorumField, topLevelSchema } from "./top_level.ts";
import { checkerInterval } from "./load.ts";
import { maintenanceSchema } from "./maintenance.ts";

type JsonSchema = Record<string, unknown>;

function branch(d: AnyDefinition<unknown>): JsonSchema {
  const schema = z.toJSONSchema(d.schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete schema.$schema;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  props.type = { enum: [d.type, ...(d.aliases ?? [])], description: d.summary };
  schema.required = [...new Set(["type", ...((schema.required as string[]) ?? [])])];
  schema.title = d.type;
  schema.description = d.deprecated ? `${d.summary} Deprecated: ${d.deprecated}` : d.summary;
  return schema;
}

function union(
  list: readonly AnyDefinition<unknown>[],
  kind: string,
  common: Record<string, JsonSchema> = {},
): JsonSchema {
  const branches = list.map(branch);
  for (const b of branches) Object.assign(b.properties as JsonSchema, common);
  return { description: `A ${kind}: one of ${list.map((d) => `"${d.type}"`).join(", ")}.`, oneOf: branches };
}

/** Builds the JSON Schema (draft 2020-12) of the whole config file. */
export function configJsonSchema(): JsonSchema {
  const top = z.toJSONSchema(topLevelSchema, { io: "input" }) as JsonSchema;
  const notifier = union(notifierDefinitions, "notifier");
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://jsr.io/@checkup/cli/schema/checkup.schema.json",
    title: "Checkup configuration (checkup.json)",
    type: "object",
    properties: {
      $schema: { type: "string", description: "The JSON Schema of this file, for editor completion." },
      checkers: {
        type: "array",
        description: "The checks to run each round, in this order.",
        items: union(checkerDefinitions, "checker", {
          interval: z.toJSONSchema(checkerInterval, { io: "input" }) as JsonSchema,
          quorum: z.toJSONSchema(quorumField, { io: "input" }) as JsonSchema,
          group: z.toJSONSchema(checkerGroup, { io: "input" }) as JsonSchema,
          incident: z.toJSONSchema(checkerIncident, { io: "input" }) as JsonSchema,
        }),
      },
      storage: union(storageDefinitions, "storage"),
      notifiers: { type: "array", description: "Who is told about status changes.", items: notifier },
      notifier: { ...notifier, description: "Legacy single notifier (Go Checkup); it goes first." },
      maintenance: z.toJSONSchema(maintenanceSchema, { io: "input" }) as JsonSchema,
      ...(top.properties as JsonSchema),
    },
  };
}

/** The schema as committed in `schema/checkup.schema.json` (stable formatting). */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + "\n";
}
