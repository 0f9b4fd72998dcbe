import { describe, expect, it } from 'vitest';
import { DumpScanner, scanValues } from './dump-scan.js';

// The shape mariadb-dump 10.11 writes (--single-transaction --master-data=2 --hex-blob): one row per line;
// mysqldump writes a whole INSERT on one line (the incidents table below).
const DUMP = [
  '-- MariaDB dump 10.19-10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
  '--',
  "-- Position to start replication or point-in-time recovery from",
  '--',
  "-- CHANGE MASTER TO MASTER_LOG_FILE='binlog.000007', MASTER_LOG_POS=863;",
  '',
  'DROP TABLE IF EXISTS `audit_head`;',
  'CREATE TABLE `audit_head` (',
  '  `id` int(11) NOT NULL,',
  '  `seq` bigint(20) NOT NULL,',
  '  `hash` varchar(64) NOT NULL,',
  '  PRIMARY KEY (`id`)',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;',
  'LOCK TABLES `audit_head` WRITE;',
  'INSERT INTO `audit_head` VALUES',
  "(1,42,'ab12'),",
  "(2,43,'x;y');",
  'UNLOCK TABLES;',
  'CREATE TABLE `incidents` (',
  '  `id` int(11) NOT NULL AUTO_INCREMENT,',
  '  `description` text NOT NULL,',
  '  PRIMARY KEY (`id`)',
  ') ENGINE=InnoDB;',
  "INSERT INTO `incidents` VALUES (1,'道路破损'),(2,'it\\'s a ),( trap'),(3,'back\\\\slash'),(4,'line\\nbreak'),(5,NULL);",
  "INSERT INTO `incidents` VALUES (6,'-1.5e-3'),(7,0x00FF);",
  'CREATE TABLE `sessions` (',
  '  `id` varchar(64) NOT NULL',
  ') ENGINE=InnoDB;',
  "-- SET GLOBAL gtid_slave_pos='0-1-3';",
  '-- Dump completed on 2026-12-03  7:51:22',
  '',
].join('\n');

describe('DumpScanner', () => {
  it('counts rows per table, keeps captured rows whole, and reads the binlog position', () => {
    const s = new DumpScanner(['audit_head']);
    s.push(Buffer.from(DUMP));
    const r = s.finish();
    expect(r.counts).toEqual({ audit_head: 2, incidents: 7, sessions: 0 });
    expect(r.rows.audit_head).toEqual([{ id: 1, seq: 42, hash: 'ab12' }, { id: 2, seq: 43, hash: 'x;y' }]);
    expect(r.rows.incidents).toBeUndefined();
    expect(r.binlog).toEqual({ file: 'binlog.000007', position: 863 });
    expect(r.gtid).toBe('0-1-3');
    expect(r.completed).toBe(true);
  });

  it('gives the same answer however the bytes are split (multi-byte characters and lines cut in two)', () => {
    const bytes = Buffer.from(DUMP);
    const s = new DumpScanner(['incidents']);
    for (let i = 0; i < bytes.length; i += 3) s.push(bytes.subarray(i, i + 3));
    const r = s.finish();
    expect(r.counts.incidents).toBe(7);
    expect(r.rows.incidents!.map((x) => x.description)).toEqual(['道路破损', "it's a ),( trap", 'back\\slash', 'line\nbreak', null, '-1.5e-3', '0x00FF']);
  });

  it('says when the dump was cut short, and refuses a damaged INSERT', () => {
    const cut = new DumpScanner();
    cut.push(Buffer.from(DUMP.slice(0, DUMP.indexOf('-- Dump completed'))));
    expect(cut.finish().completed).toBe(false);
    const damaged = new DumpScanner();
    expect(() => damaged.push(Buffer.from("INSERT INTO `t` VALUES (1,'open\n"))).toThrow(/dump:/);
  });

  it('reads the MySQL 8 form of the position', () => {
    const s = new DumpScanner();
    s.push(Buffer.from("-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;\n"));
    expect(s.finish().binlog).toEqual({ file: 'binlog.000002', position: 157 });
  });
});

describe('scanValues', () => {
  it('calls back once per row, and says whether the statement goes on', () => {
    const seen: unknown[] = [];
    expect(scanValues("(1,'a'),(2,'b');", true, (v) => seen.push(v))).toBe('end');
    expect(scanValues("(3,'c'),", true, (v) => seen.push(v))).toBe('more');
    expect(scanValues('', true, (v) => seen.push(v))).toBe('more');
    expect(seen).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
  });

  it('throws past the end of the grammar', () => {
    expect(() => scanValues("(1,'a')", false, () => undefined)).toThrow(/dump:/);
    expect(() => scanValues("(1,'a');x", false, () => undefined)).toThrow(/dump:/);
    expect(() => scanValues('(1,@x);', true, () => undefined)).toThrow(/dump:/);
    expect(() => scanValues("(1,'open);", false, () => undefined)).toThrow(/dump:/);
    expect(() => scanValues("(1,'a'))", false, () => undefined)).toThrow(/dump:/);
  });
});
