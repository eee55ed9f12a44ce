/** `deno task schema`: regenerates schema/checkup.schema.json from the zod schemas. */
import { configJsonSchemaText } from "./json_schema.ts";

const path = new URL("../schema/checkup.schema.json", import.meta.url);
await Deno.writeTextFile(path, configJsonSchemaText());
Deno.stdout.writeSync(new TextEncoder().encode(`wrote ${path.pathname}\n`));
