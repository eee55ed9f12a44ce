/**
 * Keeps secrets out of every published text (logs, errors, stored results, the page, the API, metrics,
 * summaries): known secret values (collected from the config) and credential shapes (URL userinfo,
 * query parameters whose name looks like a credential, DSN passwords, Authorization values) are replaced
 * by `***`. Redaction is deterministic and idempotent (`redact(redact(x)) === redact(x)`), so a text
 * redacted when stored and the same text redacted again when read are equal: an endpoint's identity
 * (title + endpoint) does not change between rounds written before and after redaction.
 */
import type { Result } from "../result.ts";

/** What every secret is replaced by. */
export const MASK = "***";

const KEY_PATTERN =
  /(password|passwd|secret|token|api[-_]?key|access[-_]?key|webhook|dsn|instrumentation_key|routing_key|integration_key|authorization|cookie)/i;

/** Whether a config key names a secret (its value must never be logged). */
export function isSecretKey(key: string): boolean {
  return (KEY_PATTERN.test(key) || isCredentialName(key)) && !/_id$|^tls_|_file$/i.test(key);
}

/** Words that name a credential wherever they stand in a name (`client_secret`, `sessionid`). */
const CREDENTIAL_STEMS = /token|secret|passw|passphrase|credential|signature|session|cookie|authoriz|hmac/;
/** Words that name a credential only as a whole word (`api_key`, not `keyword`; `sig`, not `design`). */
const CREDENTIAL_WORDS = new Set([
  "key",
  "keys",
  "sig",
  "sign",
  "pass",
  "pwd",
  "pw",
  "psk",
  "auth",
  "oauth",
  "otp",
  "totp",
  "sid",
  "jwt",
  "bearer",
  "ticket",
  "cred",
  "creds",
  "passcode",
]);

/**
 * Whether a query parameter (or header, or config key) name looks like it holds a credential: it
 * contains token, secret, password, passphrase, credential, signature, session, cookie or authorization;
 * or one of its words (split at punctuation and camelCase) is key, sig, sign, pass, pwd, auth, otp, sid,
 * jwt, ticket… or ends in `key`/`sig` (`apikey`, `hmacsig`), or starts with `auth` (not `author`); or it
 * is `code` (an OAuth code; `status_code` is not); or it starts with `X-Amz-`. Case does not matter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCredentialName } from "./redact.ts";
 * assert.ok(isCredentialName("auth_token") && isCredentialName("X-Amz-Date") && isCredentialName("apiKey"));
 * assert.ok(!isCredentialName("keyword") && !isCredentialName("status_code") && !isCredentialName("author"));
 * ```
 */
export function isCredentialName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === "code" || lower.startsWith("x-amz-") || CREDENTIAL_STEMS.test(lower)) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) =>
    CREDENTIAL_WORDS.has(w) || (w.length > 3 && /(key|sig)$/.test(w)) || /^o?auth(?!or)./.test(w)
  );
}

/** A query parameter (or fragment parameter) start: the separator, then the name and `=`. */
const PARAM = /[?&;#]([^=&#;?\s"'<>\\/`]{1,100})=/g;
/** Where a parameter's value ends. */
const VALUE_END = /[&#;\s"'<>\\`]/g;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}

/**
 * The values of the query (and fragment) parameters of `text` whose name looks like a credential, with
 * their positions: `[start, end)` pairs, in order.
 */
function credentialValues(text: string): [number, number][] {
  const spans: [number, number][] = [];
  if (!/[?&;#]/.test(text)) return spans;
  PARAM.lastIndex = 0;
  for (let m; (m = PARAM.exec(text));) {
    if (!isCredentialName(decodeName(m[1]))) {
      // Look again right after the "=": the value may hold a URL with its own parameters.
      continue;
    }
    const start = PARAM.lastIndex;
    VALUE_END.lastIndex = start;
    const end = VALUE_END.exec(text)?.index ?? text.length;
    if (end > start) spans.push([start, end]);
    PARAM.lastIndex = end;
  }
  return spans;
}

/** The URL userinfo (`scheme://user:password@`): everything up to the last `@` before the host. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>\\`[\]]*@/gi;

/**
 * Masks the credentials of every URL in a text, keeping the rest byte for byte: the userinfo
 * (`https://user:pw@host` → `https://***@host`) and the value of every query or fragment parameter whose
 * name looks like a credential ({@linkcode isCredentialName}); the names stay, so the text stays readable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrls } from "./redact.ts";
 * assert.ok(
 *   redactUrls("https://u:p@api.example/x?auth_token=abc&page=2") === "https://***@api.example/x?auth_token=***&page=2",
 * );
 * ```
 */
export function redactUrls(text: string): string {
  let out = text.replace(USERINFO, `$1${MASK}@`);
  const spans = credentialValues(out);
  for (let i = spans.length - 1; i >= 0; i--) {
    const [s, e] = spans[i];
    if (out.slice(s, e) !== MASK) out = out.slice(0, s) + MASK + out.slice(e);
  }
  return out;
}

/** Scrubs credential shapes that need no prior knowledge of the secret. */
export function redactPatterns(text: string): string {
  return redactUrls(text)
    // go-sql-driver user:password@tcp(
    .replace(/(^|[\s"'])([^\s:@"'/]+:)[^@\s"']+@(tcp|unix)\(/g, `$1$2${MASK}@$3(`)
    // key=value DSN passwords (query parameters are redactUrls' part)
    .replace(/(^|[^?&;#\w-])(password|sslpassword)=('[^']*'|\S+)/gi, `$1$2=${MASK}`)
    // Authorization headers
    .replace(/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`);
}

/**
 * The credential parts of a text that {@linkcode redactPatterns} masks, so they can be masked by value
 * wherever else they appear (an exec check printing its URL's token, a server echoing it in an error).
 */
function credentialsIn(text: string): string[] {
  // Every shape below holds an "@" (userinfo, DSN) or an "=" (parameters): most strings hold neither.
  if (!text.includes("@") && !text.includes("=")) return [];
  const found: string[] = [];
  for (const m of text.matchAll(USERINFO)) {
    const info = m[0].slice(m[1].length, -1);
    const colon = info.indexOf(":");
    // user:password, or a token as the user name (https://<token>@github.com)
    if (colon >= 0) found.push(info.slice(colon + 1));
    else if (info.length >= 8) found.push(info);
  }
  for (const m of text.matchAll(/(?:^|[\s"'])[^\s:@"'/]+:([^@\s"']+)@(?:tcp|unix)\(/g)) found.push(m[1]);
  for (const m of text.matchAll(/\b(?:password|sslpassword)=('[^']*'|[^\s&;]+)/gi)) {
    found.push(m[1].replace(/^'(.*)'$/, "$1"));
  }
  for (const [s, e] of credentialValues(text)) if (e - s >= 8) found.push(text.slice(s, e));
  return found.flatMap((v) => {
    try {
      const decoded = decodeURIComponent(v);
      return decoded === v ? [v] : [v, decoded];
    } catch {
      return [v];
    }
  });
}

/**
 * A set of secret strings plus the credential patterns; `redact` scrubs a text of both. Deterministic and
 * idempotent for a given set of secrets.
 */
export class Redactor {
  #secrets = new Set<string>();
  #sorted?: string[];
  /** {@linkcode isSecretKey} of the keys seen by `collect` (a config repeats the same few keys). */
  #secretKeys = new Map<string, boolean>();

  /**
   * Remembers a secret value. Values shorter than 4 characters are ignored (too likely to be words), and
   * so are values that contain the mask itself (masking them would not be idempotent).
   */
  add(value: unknown): void {
    if (typeof value === "string" && value.length >= 4 && !value.includes(MASK)) {
      this.#secrets.add(value);
      this.#sorted = undefined;
    }
  }

  /**
   * Walks a config-like value and remembers every string under a secret-looking key, plus the credential
   * parts of every string (URL passwords, DSN passwords, credential query parameter values).
   */
  collect(value: unknown, secretParent = false): void {
    if (typeof value === "string") {
      if (secretParent) this.add(value);
      for (const c of credentialsIn(value)) this.add(c);
    } else if (Array.isArray(value)) {
      for (const v of value) this.collect(v, secretParent);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        let secret = this.#secretKeys.get(k);
        if (secret === undefined) this.#secretKeys.set(k, secret = isSecretKey(k));
        this.collect(v, secretParent || secret);
      }
    }
  }

  /** Returns `text` with every known secret and credential-shaped substring replaced by `***`. */
  redact(text: string): string {
    let out = text;
    this.#sorted ??= [...this.#secrets].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const s of this.#sorted) if (out.includes(s)) out = out.split(s).join(MASK);
    return redactPatterns(out);
  }
}

/**
 * A result with its endpoint, notice and attempt errors passed through `redact` (title, message and node
 * are shown as written). The same object when nothing changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactPatterns, redactResult } from "./redact.ts";
 * const r = redactResult({ endpoint: "https://x/?sig=abc", timestamp: 1n }, redactPatterns);
 * assert.ok(r.endpoint === "https://x/?sig=***");
 * ```
 */
export function redactResult(r: Result, redact: (text: string) => string): Result {
  const endpoint = r.endpoint && redact(r.endpoint);
  const notice = r.notice && redact(r.notice);
  let times = r.times;
  if (times?.some((a) => a.error && redact(a.error) !== a.error)) {
    times = times.map((a) => (a.error ? { ...a, error: redact(a.error) } : a));
  }
  if (endpoint === r.endpoint && notice === r.notice && times === r.times) return r;
  return { ...r, endpoint, notice, times };
}
