import { isReleasedUpstreamController, parseImage } from '../../../../constructs';

const NOT_A_REFERENCE =
  'is not an image reference (expected [registry/]repository:tag or [registry/]repository@sha256:<64 hex>)';

describe('image references', () => {
  test.each([
    ['quay.io/argoproj/argoexec:v3.4.0', { repository: 'quay.io/argoproj/argoexec', tag: 'v3.4.0' }],
    ['localhost:5000/wc:dev', { repository: 'localhost:5000/wc', tag: 'dev' }],
    [`wc@sha256:${'f'.repeat(64)}`, { repository: 'wc', digest: `sha256:${'f'.repeat(64)}` }],
  ])('%s parses', (ref, expected) => {
    expect(parseImage(ref)).toEqual(expected);
  });

  test.each([
    ['wc', 'names no tag or digest; give :<tag> or @sha256:<digest> (an implicit :latest is not reproducible)'],
    ['UPPER/wc:v1', 'is not an image reference ("UPPER" is neither a registry host nor a lower-case path component)'],
    ['wc:', NOT_A_REFERENCE],
    [`wc@sha256:${'f'.repeat(10)}`, NOT_A_REFERENCE],
    ['a//b:v1', NOT_A_REFERENCE],
  ])('%s is refused', (ref, error) => {
    expect(parseImage(ref)).toEqual({ error });
  });

  test('only tagged releases of the upstream repository, not pinned by digest, are released controllers', () => {
    const released = (ref: string) => isReleasedUpstreamController(parseImage(ref) as any);
    expect(released('quay.io/argoproj/workflow-controller:v3.4.0')).toBe(true);
    expect(released('quay.io/argoproj/workflow-controller:v3.6.0-rc1')).toBe(true);
    expect(released('quay.io/argoproj/workflow-controller:dev-mc')).toBe(false);
    expect(released('ghcr.io/me/workflow-controller:v3.4.0')).toBe(false);
    expect(released('QUAY.IO/argoproj/workflow-controller:v3.5.0')).toBe(true);
    expect(released(`quay.io/argoproj/workflow-controller:v3.5.0@sha256:${'0'.repeat(64)}`)).toBe(false);
  });
});
