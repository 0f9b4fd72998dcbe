import { describe, expect, it } from 'vitest';
import { Host, HostGroup, isConnectionError, isCutBeforeCommit, splitHosts } from './failover.js';

describe('several database hosts', () => {
  it('splits a URL with a host list into one URL per host, keeping credentials, database and options', () => {
    expect(splitHosts('mysql://u:p%40ss@10.0.0.1:3306,10.0.0.2:3307,db3/civicgrid?socketPath=x')).toEqual([
      'mysql://u:p%40ss@10.0.0.1:3306/civicgrid?socketPath=x',
      'mysql://u:p%40ss@10.0.0.2:3307/civicgrid?socketPath=x',
      'mysql://u:p%40ss@db3/civicgrid?socketPath=x',
    ]);
    expect(splitHosts('mysql://h1,h2/db')).toEqual(['mysql://h1/db', 'mysql://h2/db']);
    expect(splitHosts('mysql://u@one:3306/db')).toEqual(['mysql://u@one:3306/db']);
    expect(() => splitHosts('mysql://u@a,,b/db')).toThrow(/empty host/);
  });

  it('tells a lost server from an error of the statement', () => {
    expect(isConnectionError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('WSREP has not yet prepared node for application use'), { errno: 1047 }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('Deadlock found'), { errno: 1213 }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('Duplicate entry'), { errno: 1062 }))).toBe(false);
    expect(isCutBeforeCommit(new Error('plain'))).toBe(false);
  });

  it('tries hosts from the one that last answered, round the list', () => {
    const hosts = ['a', 'b', 'c'].map((name) => new Host(name, {} as never));
    const group = new HostGroup(hosts);
    expect(group.ordered().map((c) => c.host.name)).toEqual(['a', 'b', 'c']);
    group.current = 2;
    expect(group.ordered().map((c) => c.host.name)).toEqual(['c', 'a', 'b']);
    const now = 1_000_000;
    hosts[0]!.markDown(now);
    expect(hosts[0]!.isUp(now + 1000)).toBe(false);
    expect(hosts[0]!.isUp(now + 2000)).toBe(true);
  });
});
