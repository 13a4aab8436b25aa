/**
 * Container image references: parsed by the distribution reference grammar, because a malformed image only shows
 * up as an ImagePullBackOff long after `synth` or `pulumi up` reported success.
 */

/** The parts of an image reference. */
export interface ImageReference {
  /** Registry and path, e.g. `quay.io/argoproj/workflow-controller`. */
  readonly repository: string;
  /** The tag, when one is given. */
  readonly tag?: string;
  /** The `sha256:` digest, when one is given. */
  readonly digest?: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/** The upstream controller repository; its released tags cannot read the `cluster` key. */
const RELEASED_CONTROLLER_REPOSITORY = 'quay.io/argoproj/workflow-controller';
const RELEASE_TAG = /^v\d+\.\d+\.\d+(?:-rc\d+)?$/;

/**
 * Parses an image reference. Returns a reason instead when it is malformed or names neither tag nor digest (an
 * implicit `:latest` would make the output depend on the day it is pulled).
 */
export function parseImage(ref: string): ImageReference | { readonly error: string } {
  const m = REFERENCE.exec(ref);
  if (!m) {
    return {
      error: 'is not an image reference (expected [registry/]repository:tag or [registry/]repository@sha256:<64 hex>)',
    };
  }
  const [, repository, tag, digest] = m;
  // As in Docker's reference grammar, a first component is a registry only if it looks like a host.
  const first = repository.split('/')[0];
  if (
    repository.includes('/') &&
    !/[.:]/.test(first) &&
    first !== 'localhost' &&
    !new RegExp(`^${PATH_COMPONENT}$`).test(first)
  ) {
    return {
      error: `is not an image reference ("${first}" is neither a registry host nor a lower-case path component)`,
    };
  }
  if (!tag && !digest) {
    return {
      error: 'names no tag or digest; give :<tag> or @sha256:<digest> (an implicit :latest is not reproducible)',
    };
  }
  return { repository, tag, digest };
}

/**
 * Whether an image is a released upstream controller, which exits on the `cluster` ConfigMap key this package writes.
 * A digest is taken as the user's own build, as is any other repository.
 */
export function isReleasedUpstreamController(image: ImageReference): boolean {
  // Registry hosts are case-insensitive; the path is lower-case by the grammar.
  const [host, ...path] = image.repository.split('/');
  const repository = [host.toLowerCase(), ...path].join('/');
  return repository === RELEASED_CONTROLLER_REPOSITORY && !image.digest && RELEASE_TAG.test(image.tag ?? '');
}
