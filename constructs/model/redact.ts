/**
 * What an error message may show of a value the user wrote. Errors end up in CI logs, so a credential pasted into any
 * field (or a field that is not one of ours) must never be echoed back: values that look like one are replaced by
 * their length, and a URL keeps everything but its user information.
 */

// Field names under which a value is a credential whatever it looks like (`key`, `ssh-key` and `sshKey` by key$).
const SECRET_NAME = /token|passw|secret|credential|private|auth|bearer|apikey|api-key|client-key|kubeconfig|key$|cert/i;
// Fields named like credentials that hold the names of Secrets or stores, or numbers: `imagePullSecrets`,
// `executorImagePullSecrets`, `artifactSecrets`, `secretName`, `secretRef`, `secretKeyRef`, `secretStore`,
// `tokenGeneration`, the topology's `secrets` block. Hiding those would hide the mistake.
const REFERENCE_NAME = /(?:Secrets|[Ss]ecretNames?|[Ss]ecretRef|KeyRef|Store|Generations?)$|^secrets$/;

/**
 * Whether a field (its last name in a path or config key such as `argo-multicluster:tokenGenerations`) holds a
 * credential. A flag of this CLI (`--flux-secret`) holds a name or a path: a credential given in one is still caught
 * by its shape.
 */
function namesCredential(field: string): boolean {
  if (field.startsWith('--')) return false;
  // split, not a pattern anchored at the end: that one retries from every character, quadratic in a long key.
  const name = field
    .split(/[^A-Za-z0-9_-]/)
    .filter(Boolean)
    .pop();
  return name !== undefined && SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/**
 * A reference to a Secret's key, as Kubernetes and Argo write them under fields named like credentials
 * (`clientSecret: {name: sso, key: client-secret}`): names, not the credential.
 */
function isSelector(v: object): boolean {
  // An array has no string `name`.
  const o = v as Record<string, unknown>;
  return (
    typeof o.name === 'string' &&
    Object.keys(o).every((k) => (k === 'name' || k === 'key' ? typeof o[k] === 'string' : k === 'optional'))
  );
}

// Every pattern runs on every message, and messages quote user input: each must run in time linear in the text. A
// pattern that may fail after scanning a run must not start again inside that run (a lookbehind on its first
// character), and a lazy scan stops at the next place a match could start.
const SECRET_SHAPES: RegExp[] = [
  // PEM: keys and certificates; the body ends at the next BEGIN, so that many BEGINs without END are one scan
  /-----BEGIN [A-Z0-9 ]{1,64}-----(?:(?:(?!-----BEGIN )[\s\S])*?-----END [A-Z0-9 ]{1,64}-----)?/g,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g, // a JWT, such as a ServiceAccount token
  /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, // a bootstrap token
  // base64 key or certificate data, and hex secrets; not an image digest (`sha256:<hex>`), which names no secret, and
  // not a long field name such as `requiredDuringSchedulingIgnoredDuringExecution`: 40 random base64 characters
  // without a digit, `+` or `/` come up about once in 4,000 draws
  /(?<![A-Za-z0-9+/:])(?=[A-Za-z]*[0-9+/])[A-Za-z0-9+/]{40,}={0,2}/g,
  /(?<![A-Za-z0-9:])[0-9a-fA-F]{32,}(?![A-Za-z0-9])/g,
  /\b(?:sk|ghp|gho|ghs|glpat|xox[abp])[-_][A-Za-z0-9_-]{10,}/g, // common API key prefixes
];

/** Whether `text` looks like it holds a credential. */
export function looksSecret(text: string): boolean {
  return SECRET_SHAPES.some((shape) => text.search(shape) >= 0);
}

/** `text` with the user information of any URL in it (`user:password@`) hidden. */
function withoutUserinfo(text: string): string {
  // A scheme starts where no scheme character stands before it: else each letter of a long word starts a scan.
  return text.replace(/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#@]*@/g, '$1(credentials hidden)@');
}

/** Shorter strings are not remembered: hiding every "abc" would garble messages and protect nothing. */
const MIN_REMEMBERED = 4;
let remembered: RegExp | undefined;
const rememberedSet = new Set<string>();

/**
 * Records credentials of the kubeconfig in use (a token, a password, key data, the Authorization header sent) so
 * that {@link redactText} hides them wherever they appear, whatever their shape: a server may echo the request's
 * Authorization header in an error body, and a static token or a password looks like any other word. Holds until
 * {@link forgetCredentials} (the CLI forgets at the start of each command).
 */
export function rememberCredentials(values: Iterable<string | undefined>): void {
  const added = [...values].filter((v): v is string => typeof v === 'string' && v.length >= MIN_REMEMBERED);
  if (added.length === 0) return;
  // Longest first, so that a header value is hidden whole rather than around the token inside it; one pattern, one
  // pass, so that no replacement is searched again.
  for (const value of added) rememberedSet.add(value);
  const longestFirst = [...rememberedSet].sort((a, b) => b.length - a.length);
  remembered = new RegExp(longestFirst.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}

/** Forgets what {@link rememberCredentials} recorded. */
export function forgetCredentials(): void {
  remembered = undefined;
  rememberedSet.clear();
}

/**
 * Free text (an error message) with every credential remembered from the kubeconfig in use, and every part that
 * looks like a credential, hidden: the last guard before anything is printed, for messages built from values this
 * module never saw.
 */
export function redactText(text: string): string {
  const known = remembered
    ? text.replace(remembered, (m) => `(${m.length} characters hidden: a credential of the kubeconfig in use)`)
    : text;
  return SECRET_SHAPES.reduce(
    (t, shape) => t.replace(shape, (m) => `(${m.length} characters hidden: this looks like a credential)`),
    withoutUserinfo(known),
  );
}

/**
 * `value` as an error message may show it: JSON, with every string that looks like a credential, or stands under a
 * field named like one, replaced by `(N characters hidden)`.
 * @param field the name of the field that holds `value`, if any
 */
export function shownValue(value: unknown, field?: string): string {
  const hide = (s: string) => `(${s.length} characters hidden: this looks like a credential)`;
  const clean = (key: string | undefined, v: unknown, inSelector = false): unknown => {
    // A placeholder the caller put in, such as "(secret)", is shown as it is.
    if (typeof v === 'string' && /^\([^()]*\)$/.test(v)) return v;
    // A selector's `key` names a key of the Secret.
    const credential = key !== undefined && !(inSelector && key === 'key') && namesCredential(key);
    if (typeof v === 'string') return credential || looksSecret(v) ? hide(v) : withoutUserinfo(v);
    if (v === null || typeof v !== 'object') return v;
    if (credential && !isSelector(v)) return '(hidden: this looks like a credential)';
    const selector = isSelector(v);
    if (Array.isArray(v)) return v.map((item) => clean(key, item, selector));
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, clean(k, item, selector)]));
  };
  // JSON has no infinity or NaN (it would print null): show them as the YAML the user wrote.
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? '.nan' : value === Infinity ? '.inf' : '-.inf';
  return JSON.stringify(clean(field, value)) ?? String(value);
}

/**
 * A field path as error messages write it: `remotes[0].server`. A key that is not a plain name is quoted
 * (`local["a b"]`), and one that looks like a credential is hidden like a value.
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => {
      if (typeof k === 'number') return `[${k}]`;
      const key = String(k);
      if (looksSecret(key)) return `[(${key.length} characters hidden: this looks like a credential)]`;
      if (/^[A-Za-z_$<][A-Za-z0-9_$<>-]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(withoutUserinfo(key))}]`;
    })
    .join('');
}
