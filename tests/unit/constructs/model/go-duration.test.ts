import { goDurationSchema } from '../../../../constructs/model/go-duration';
import { TopologyError } from '../../../../constructs';
import { topology } from '../../support/helpers';

describe('Go durations, as time.ParseDuration reads them', () => {
  test.each(['0', '30s', '1.5h', '1h30m', '.5m', '2.m', '100ms', '10us', '10µs', '10μs', '1ns', '1h0m0.5s'])(
    '%s is one',
    (value) => expect(goDurationSchema.safeParse(value).success).toBe(true),
  );

  test.each(['', '1', 'h', '.h', '1d', '1H', '-1h', '+1h', '1h ', ' 1h', '1.5.5h', '00'])('%j is not', (value) => {
    const result = goDurationSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['must be a Go duration such as 30s, 1.5h or 1h30m']);
  });

  test('the controller config and an ExternalSecret refresh take the same durations', () => {
    const t = topology((r) => {
      r.local.controller.config.podGCDeleteDelayDuration = '1.5h';
      r.secrets = { mode: 'external', store: { name: 'vault', refreshInterval: '1.5h' } };
    });
    expect(t.local.controller.config.podGCDeleteDelayDuration).toBe('1.5h');
    expect(t.secrets.store?.refreshInterval).toBe('1.5h');
    let error: unknown;
    try {
      topology((r) => {
        r.local.controller.config.podGCDeleteDelayDuration = '90';
        r.secrets = { mode: 'external', store: { name: 'vault', refreshInterval: '90' } };
      });
    } catch (e) {
      error = e;
    }
    expect((error as TopologyError).issues).toEqual([
      {
        path: 'local.controller.config.podGCDeleteDelayDuration',
        value: '90',
        message: 'must be a Go duration such as 30s, 1.5h or 1h30m',
      },
      {
        path: 'secrets.store.refreshInterval',
        value: '90',
        message: 'must be a Go duration such as 30s, 1.5h or 1h30m',
      },
    ]);
  });
});
