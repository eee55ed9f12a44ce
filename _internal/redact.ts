/**
 * Keeps secrets out of logs and error messages: known secret values (collected from the config) and
 * common credential shapes (URL passwords, DSN passwords, token query parameters) are replaced by `***`.
 */

const KEY_PATTERN =
  /(password|passwd|secret|token|api[-_]?key|access[-_]?key|webhook|dsn|instrumentation_key|routing_key|integration_key|authorization|cookie)/i;

/** Whether a config key names a secret (its value must never be logged). */
export function isSecretKey(key: string): boolean {
  return KEY_PATTERN.test(key) && !/_id$|^tls_|_file$/i.test(key);
}

/** A set of secret strings plus the credential patterns; `redact` scrubs a text of both. */
export class Redactor {
  #secrets = new Set<string>();

  /** Remembers a secret value (values shorter than 4 characters are ignored: too likely to be words). */
  add(value: unknown): void {
    if (typeof value === "string" && value.length >= 4) this.#secrets.add(value);
  }

  /** Walks a config-like value and remembers every string under a secret-looking key. */
  collect(value: unknown, secretParent = false): void {
    if (typeof value === "string") {
      if (secretParent) this.add(value);
    } else if (Array.isArray(value)) {
      for (const v of value) this.collect(v, secretParent);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) this.collect(v, secretParent || isSecretKey(k));
    }
  }

  /** Returns `text` with every known secret and credential-shaped substring replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join("***");
    return redactPatterns(out);
  }
}

/** Scrubs credential shapes that need no prior knowledge of the secret. */
export function redactPatterns(text: string): string {
  return text
    // scheme://user:password@host
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, "$1***@")
    // go-sql-driver user:password@tcp(
    .replace(/(^|[\s"'])([^\s:@"'/]+:)[^@\s"']+@(tcp|unix)\(/g, "$1$2***@$3(")
    // key=value DSN passwords
    .replace(/\b(password|sslpassword)=('[^']*'|\S+)/gi, "$1=***")
    // token-like query parameters
    .replace(
      /([?&](?:token|access_token|key|apikey|api_key|secret|sig|signature|password)=)[^&\s"']+/gi,
      "$1***",
    )
    // Authorization headers
    .replace(/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g, "$1 ***");
}
