import { MAX_CONFIGMAP_DATA_BYTES, apiLimitIssues } from '../../../../constructs/model/limits';
import { topologyIssues } from '../../support/constructs';

const SPANS_LINES =
  'spans lines; the controller reads each key of its ConfigMap as one `key: value` line, so this value must be one line';

/** The controller ConfigMap's data of local cluster `c0` besides instanceID: `cluster` and the podGC default. */
const OTHER_DATA_BYTES = 'c0'.length + 'spec:\n  podGC:\n    strategy: OnWorkflowCompletion\n'.length;

const withInstanceId = (instanceID: string) => apiLimitIssues({ name: 'c0', controller: { config: { instanceID } } });

describe("objects over the API server's limits are refused by validate", () => {
  test('the controller ConfigMap over 1 MiB of data, named by the key that makes it big', () => {
    expect(
      topologyIssues(
        (t) =>
          (t.local.controller.config.links = [
            { name: 'x', scope: 'workflow', url: `https://logs/${'a'.repeat(1024 * 1024)}` },
          ]),
      ),
    ).toEqual([
      {
        path: 'local.controller.config.links',
        value: undefined,
        noValue: true,
        message:
          "makes 1048625 of the 1048688 bytes of ConfigMap workflow-controller-configmap's data; the API server takes at most 1048576 bytes (1 MiB) in one ConfigMap",
      },
    ]);
  });

  test('just under 1 MiB passes', () => {
    expect(
      topologyIssues(
        (t) =>
          (t.local.controller.config.links = [
            { name: 'x', scope: 'workflow', url: `https://logs/${'a'.repeat(1000 * 1000)}` },
          ]),
      ),
    ).toEqual([]);
  });

  test("a plain config value on several lines, which would break the controller's `key: value` lines", () => {
    expect(topologyIssues((t) => (t.local.controller.config.instanceID = 'a\nb'))).toEqual([
      { path: 'local.controller.config.instanceID', value: 'a\nb', message: SPANS_LINES },
    ]);
  });
});

describe('the ConfigMap data limit', () => {
  test('is the API server limit of 1 MiB, counted over the data values as written', () => {
    expect(MAX_CONFIGMAP_DATA_BYTES).toBe(1048576);
    expect(withInstanceId('a'.repeat(MAX_CONFIGMAP_DATA_BYTES - OTHER_DATA_BYTES))).toEqual([]);
    expect(withInstanceId('a'.repeat(MAX_CONFIGMAP_DATA_BYTES - OTHER_DATA_BYTES + 1))).toEqual([
      {
        path: 'local.controller.config.instanceID',
        value: undefined,
        noValue: true,
        message:
          "makes 1048525 of the 1048577 bytes of ConfigMap workflow-controller-configmap's data; the API server takes at most 1048576 bytes (1 MiB) in one ConfigMap",
      },
    ]);
  });

  test('counts bytes, not characters', () => {
    const twoBytes = 'é'.repeat((MAX_CONFIGMAP_DATA_BYTES - OTHER_DATA_BYTES) / 2);
    expect(withInstanceId(twoBytes)).toEqual([]);
    expect(withInstanceId(`${twoBytes}é`)).toEqual([
      {
        path: 'local.controller.config.instanceID',
        value: undefined,
        noValue: true,
        message:
          "makes 1048526 of the 1048578 bytes of ConfigMap workflow-controller-configmap's data; the API server takes at most 1048576 bytes (1 MiB) in one ConfigMap",
      },
    ]);
  });

  test('every plain value on several lines (LF or CR) is named; the size is checked once there are none', () => {
    const links = [{ url: 'a'.repeat(MAX_CONFIGMAP_DATA_BYTES) }];
    expect(
      apiLimitIssues({ name: 'c0', controller: { config: { instanceID: 'a\nb', navColor: 'x\ry', links } } }),
    ).toEqual([
      { path: 'local.controller.config.instanceID', value: 'a\nb', message: SPANS_LINES },
      { path: 'local.controller.config.navColor', value: 'x\ry', message: SPANS_LINES },
    ]);
  });
});
