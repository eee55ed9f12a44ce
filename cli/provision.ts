/**
 * `checkup provision [s3]`: creates the configured storage's backing store (only `s3` can): the bucket,
 * CORS for the status page, and a public-read policy limited to the check files' prefix. Prints what was
 * created. `checkup provision s3` takes the bucket from `$AWS_BUCKET_NAME` instead of the config (Go's
 * form); credentials come from the config or the standard AWS chain (env, profile, instance role).
 */
import { parseStorage } from "../config/load.ts";
import { isProvisioner, type ProvisionInfo, type Storage } from "../storage/storage.ts";
import { NO_STORAGE } from "../engine.ts";
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup } from "./common.ts";
import type { Io } from "./io.ts";

const LABELS: Record<string, string> = {
  bucket: "Bucket",
  region: "Region",
  endpoint: "Endpoint",
  created: "Created",
  public_access_block: "Public access block",
  cors: "CORS",
  public_read: "Public read",
};

/** Formats provisioning info as Go's aligned `Label: value` report. */
export function formatProvisionInfo(info: ProvisionInfo): string {
  const rows = Object.entries(info).filter(([, v]) => v !== undefined) as [string, string][];
  const label = (k: string) => LABELS[k] ?? k.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
  const width = Math.max(...rows.map(([k]) => label(k).length));
  return rows.map(([k, v]) => `${label(k).padStart(width)}: ${v}`).join("\n");
}

function envStorage(provider: string): Storage {
  if (provider.toLowerCase() !== "s3") {
    throw new ExitError(`provision: unknown storage provider '${provider}' (expected s3)`, EXIT.usage);
  }
  const env = (k: string) => Deno.env.get(k) ?? "";
  if (!env("AWS_BUCKET_NAME")) {
    throw new ExitError("provision s3: set AWS_BUCKET_NAME (and AWS credentials, AWS_REGION)", EXIT.usage);
  }
  return parseStorage({
    type: "s3",
    bucket: env("AWS_BUCKET_NAME"),
    region: env("AWS_REGION"),
    access_key_id: env("AWS_ACCESS_KEY_ID"),
    secret_access_key: env("AWS_SECRET_ACCESS_KEY"),
  });
}

/** Provisions the configured storage (or, with `provider` "s3", the bucket named by the environment). */
export function runProvision(provider: string | undefined, opts: GlobalOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    let storage: Storage | undefined;
    let close = () => Promise.resolve();
    if (provider) {
      storage = envStorage(provider);
      close = async () => await storage?.close?.();
    } else {
      const { checkup } = await openCheckup(opts, io);
      storage = checkup.storage;
      close = () => checkup.close();
    }
    try {
      if (!storage) throw new ExitError(NO_STORAGE);
      if (!isProvisioner(storage)) {
        throw new ExitError(
          `storage ${storage.type} does not need provisioning (only s3 does); create it with its own tools`,
        );
      }
      io.out("One sec...\n");
      const info = await storage.provision(io.signal);
      io.out(`Provision successful\n\n${formatProvisionInfo(info)}\n\n`);
      io.out(
        "No IAM user or access key was created: the status page reads the check files anonymously,\n" +
          "and only those (the public-read policy is limited to the prefix shown above).\n",
      );
      return EXIT.ok;
    } finally {
      await close();
    }
  });
}
