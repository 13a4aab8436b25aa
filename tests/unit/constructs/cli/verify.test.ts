import { formatReports } from '../../../../constructs/cli/verify';

describe('verify flags labelled Secrets outside the profile namespace and duplicate cluster names', () => {
  const remote = {
    cluster: 'cluster-1',
    server: 'https://c1',
    profile: 'argo/argo.cluster-1',
    checks: [{ verb: 'get', group: '', resource: 'pods', namespace: 'default', allowed: true }],
  };

  test('a clean audit leaves the verdict to the needs', () => {
    const r = formatReports({ remotes: [remote], audit: { outside: [], duplicates: [] } }, 'argo');
    expect(r).toEqual({ text: expect.stringContaining('all needs met'), ok: true });
    expect(r.text).not.toMatch(/ROGUE|DUPLICATE/);
  });

  test('a Secret elsewhere and a second one for a cluster fail verify, each named', () => {
    const r = formatReports(
      {
        remotes: [remote],
        audit: {
          outside: [{ secret: 'default/evil', cluster: 'cluster-1' }],
          duplicates: [{ cluster: 'cluster-1', secrets: ['argo/argo.cluster-1', 'default/evil'] }],
        },
      },
      'argo',
    );
    expect(r.ok).toBe(false);
    expect(r.text).toContain('ROGUE PROFILE: default/evil claims cluster cluster-1 outside namespace argo');
    expect(r.text).toContain('DUPLICATE PROFILES for cluster cluster-1: argo/argo.cluster-1, default/evil');
    expect(r.text).toContain('some labelled Secrets are flagged');
  });

  test('an audit that could not run is reported, not passed over in silence', () => {
    const r = formatReports(
      { remotes: [remote], audit: { outside: [], duplicates: [], error: 'GET /api/v1/secrets: 403 forbidden' } },
      'argo',
    );
    expect(r.text).toContain('labelled Secrets in other namespaces: not checked (GET /api/v1/secrets: 403 forbidden)');
    expect(r.ok).toBe(true);
  });
});
