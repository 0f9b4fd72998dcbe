import { describe, expect, it } from 'vitest';
import { binlogArgs, binlogDatetime, binlogFilesFrom, dumpArgs, mysqlTarget, optionFile, usesSourceData, withDatabase } from './mysql-client.js';

describe('mysqlTarget and optionFile', () => {
  it('reads host, port, credentials and database; puts the password in the option file only', () => {
    const t = mysqlTarget('mysql://app:p%40ss%22w@db.local:3307/civicgrid');
    expect(t).toEqual({ host: 'db.local', port: 3307, user: 'app', password: 'p@ss"w', database: 'civicgrid', socket: null });
    expect(optionFile(t)).toBe('[client]\nuser="app"\npassword="p@ss\\"w"\nhost="db.local"\nport=3307\nprotocol=TCP\n');
  });

  it('uses the Unix socket when the URL names one, and mariadb:// like mysql://', () => {
    const t = mysqlTarget('mariadb://root@localhost/cg?socketPath=/run/mysqld/mysqld.sock');
    expect(t.socket).toBe('/run/mysqld/mysqld.sock');
    expect(optionFile(t)).toContain('socket="/run/mysqld/mysqld.sock"\nprotocol=SOCKET\n');
    expect(optionFile(t)).not.toContain('password');
  });

  it('talks to the first host of a host list (Galera nodes)', () => {
    const t = mysqlTarget('mysql://app:pw@10.0.0.1:3312,10.0.0.2:3313/civicgrid');
    expect(t).toEqual({ host: '10.0.0.1', port: 3312, user: 'app', password: 'pw', database: 'civicgrid', socket: null });
    expect(withDatabase('mysql://app:pw@10.0.0.1:3312,10.0.0.2:3313/civicgrid', 'mysql')).toBe('mysql://app:pw@10.0.0.1:3312/mysql');
  });

  it('refuses a URL without a database, and swaps the database of a URL', () => {
    expect(() => mysqlTarget('mysql://root@127.0.0.1:3306/')).toThrow(/no database/);
    expect(withDatabase('mysql://root@127.0.0.1:3306/a?socketPath=/x', 'b')).toBe('mysql://root@127.0.0.1:3306/b?socketPath=/x');
  });
});

describe('dumpArgs', () => {
  const mariadb = { command: 'mariadb-dump', version: 'mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)' };
  it('takes one consistent snapshot and records the binlog position only when the server has a binary log', () => {
    const withLog = dumpArgs(mariadb, '/tmp/o.cnf', 'cg', true);
    expect(withLog[0]).toBe('--defaults-extra-file=/tmp/o.cnf');
    expect(withLog).toContain('--single-transaction');
    expect(withLog).toContain('--master-data=2');
    expect(withLog.at(-1)).toBe('cg');
    expect(dumpArgs(mariadb, '/tmp/o.cnf', 'cg', false).some((a) => /master-data|source-data/.test(a))).toBe(false);
  });

  it('says --source-data to MySQL 8.0.26 and later only', () => {
    expect(usesSourceData(mariadb.version)).toBe(false);
    expect(usesSourceData('mysqldump  Ver 8.0.25 for Linux on x86_64 (MySQL Community Server - GPL)')).toBe(false);
    expect(usesSourceData('mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)')).toBe(true);
    expect(usesSourceData('mysqldump  Ver 8.4.0 for Linux on x86_64 (MySQL Community Server - GPL)')).toBe(true);
  });
});

describe('binary log replay', () => {
  it('replays the recorded file and every later one, in order', () => {
    expect(binlogFilesFrom(['binlog.index', 'binlog.000010', 'binlog.000008', 'binlog.000009', 'binlog.000007', 'other.000009'], 'binlog.000008'))
      .toEqual(['binlog.000008', 'binlog.000009', 'binlog.000010']);
  });

  it('refuses a missing start file or a gap', () => {
    expect(() => binlogFilesFrom(['binlog.000009'], 'binlog.000008')).toThrow(/not there/);
    expect(() => binlogFilesFrom(['binlog.000008', 'binlog.000010'], 'binlog.000008')).toThrow(/binlog.000009 is missing/);
  });

  it('stops at a UTC instant, filters on the source database and renames it', () => {
    expect(binlogDatetime(new Date('2026-12-03T15:04:05.678+08:00'))).toBe('2026-12-03 07:04:05');
    expect(binlogArgs({ optionFilePath: '/o', startPosition: 863, sourceDatabase: 'cg', targetDatabase: 'cg_restored', until: new Date('2026-12-03T07:04:05Z'), files: ['/b/binlog.000001'] }))
      .toEqual(['--defaults-extra-file=/o', '--start-position=863', '--database=cg', '--rewrite-db=cg->cg_restored', '--stop-datetime=2026-12-03 07:04:05', '/b/binlog.000001']);
    expect(binlogArgs({ optionFilePath: '/o', startPosition: 4, sourceDatabase: 'cg', targetDatabase: 'cg', until: null, files: [], lenientGtids: true }))
      .toEqual(['--defaults-extra-file=/o', '--start-position=4', '--database=cg', '--skip-gtid-strict-mode']);
    expect(binlogArgs({ optionFilePath: '/o', startPosition: 4, sourceDatabase: 'cg', targetDatabase: 'cg', until: null, files: [], skipGtids: true }))
      .toEqual(['--defaults-extra-file=/o', '--start-position=4', '--database=cg', '--skip-gtids']);
  });
});
