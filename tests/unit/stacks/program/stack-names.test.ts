import { partOfOutputs, remoteStackName } from '../../../../stacks/program/stack-names';

describe('remoteStackName', () => {
  test("the local part's stack, a dash, the remote's name", () => {
    expect(remoteStackName('prod', 'cluster-1')).toBe('prod-cluster-1');
  });
});

describe('partOfOutputs', () => {
  test.each([
    [
      'a remote part, which exports its cluster',
      { localCluster: 'c0', cluster: 'cluster-2', token: 't' },
      'remote:cluster-2',
    ],
    ['the local part, which exports the remotes without a profile', { profiles: {}, missingProfiles: [] }, 'local'],
    ['the local part before any remote has a token', { profiles: {}, missingProfiles: ['cluster-1'] }, 'local'],
    ['the whole fleet, which exports only the profiles', { localCluster: 'c0', profiles: {} }, 'all'],
    ['a cluster output that is no name', { cluster: 5, profiles: {} }, 'all'],
    ['a stack that never completed an up', {}, undefined],
    ['a stack with other outputs only', { localCluster: 'c0', controllerImage: 'i' }, undefined],
  ])('%s', (_case, outputs, part) => {
    expect(partOfOutputs(outputs)).toBe(part);
  });
});
