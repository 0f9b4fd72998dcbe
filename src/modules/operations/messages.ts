import { defineMessages } from '../../infra/http/errors.js';

/** Error codes of `civicgrid backup` and `civicgrid restore`. */
defineMessages({
  BACKUP_SOURCE_MISSING: {
    'zh-CN': (p) => `要备份的数据库不存在：${String(p.path)}`,
    en: (p) => `The database to back up does not exist: ${String(p.path)}`,
  },
  BACKUP_ARCHIVE_BUSY: {
    'zh-CN': '存档迁移一直在运行，备份未能开始；请在迁移结束后重试',
    en: 'An archive move kept running and the backup could not start; try again when it ends',
  },
  BACKUP_OUT_EXISTS: {
    'zh-CN': (p) => `备份目录已存在且不为空：${String(p.path)}（请指定新的 --out）`,
    en: (p) => `The backup directory exists and is not empty: ${String(p.path)} (give a new --out)`,
  },
  BACKUP_TOOL_MISSING: {
    'zh-CN': (p) => `找不到 ${String(p.tools)}：请安装 MariaDB/MySQL 客户端工具（Debian：apt-get install mariadb-client）`,
    en: (p) => `${String(p.tools)} not found: install the MariaDB/MySQL client tools (Debian: apt-get install mariadb-client)`,
  },
  BACKUP_TOOL_FAILED: {
    'zh-CN': (p) => `${String(p.tool)} 执行失败：${String(p.message)}`,
    en: (p) => `${String(p.tool)} failed: ${String(p.message)}`,
  },
  BACKUP_NOT_FOUND: {
    'zh-CN': (p) => `备份不存在：${String(p.path)}`,
    en: (p) => `No backup at ${String(p.path)}`,
  },
  BACKUP_MANIFEST_MISSING: {
    'zh-CN': (p) => `备份缺少清单文件 manifest.json：${String(p.path)}（备份未完成或不是 CivicGrid 备份）`,
    en: (p) => `The backup has no manifest.json: ${String(p.path)} (unfinished, or not a CivicGrid backup)`,
  },
  BACKUP_MANIFEST_INVALID: {
    'zh-CN': (p) => `备份清单已损坏：${Array.isArray(p.problems) ? p.problems.join('；') : ''}`,
    en: (p) => `The backup manifest is damaged: ${Array.isArray(p.problems) ? p.problems.join('; ') : ''}`,
  },
  BACKUP_FORMAT_UNSUPPORTED: {
    'zh-CN': (p) => `备份格式版本 ${String(p.formatVersion)} 高于本程序支持的版本 ${String(p.supported)}：请用更新的 CivicGrid 恢复`,
    en: (p) => `Backup format version ${String(p.formatVersion)} is newer than this program reads (${String(p.supported)}): restore with a newer CivicGrid`,
  },
  BACKUP_TOO_NEW: {
    'zh-CN': (p) => `该备份由更新的版本（${String(p.programVersion)}）生成，包含本程序不认识的数据库迁移：${Array.isArray(p.unknownMigrations) ? p.unknownMigrations.join(', ') : ''}`,
    en: (p) => `The backup was made by a newer version (${String(p.programVersion)}) with migrations this program does not know: ${Array.isArray(p.unknownMigrations) ? p.unknownMigrations.join(', ') : ''}`,
  },
  BACKUP_CORRUPT: {
    'zh-CN': (p) => `备份已损坏：${String(p.part)} ${String(p.reason)}`,
    en: (p) => `The backup is damaged: ${String(p.part)} ${String(p.reason)}`,
  },
  BACKUP_DIALECT_MISMATCH: {
    'zh-CN': (p) => `这是 ${String(p.backup)} 数据库的备份，不能恢复到 ${String(p.target)} 数据库`,
    en: (p) => `This is a backup of a ${String(p.backup)} database; it cannot be restored into ${String(p.target)}`,
  },
  RESTORE_AUDIT_KEYS_MISSING: {
    'zh-CN': '备份中没有审计链密钥（密钥来自环境变量或被 --no-keys 排除）：请设置 CIVICGRID_AUDIT_KEYS 后再恢复，否则无法校验审计日志',
    en: 'The audit chain keys are not in this backup (they came from the environment or were left out with --no-keys): set CIVICGRID_AUDIT_KEYS and restore again, or the audit log cannot be verified',
  },
  RESTORE_DB_URL_REQUIRED: {
    'zh-CN': '恢复 MySQL/MariaDB 备份需要用 --db-url mysql://… 指定目标数据库',
    en: 'Restoring a MySQL/MariaDB backup needs the target database: --db-url mysql://…',
  },
  RESTORE_TARGET_NOT_EMPTY: {
    'zh-CN': (p) => `恢复目标不为空：${String(p.target)}（确认要覆盖请加 --force）`,
    en: (p) => `The restore target is not empty: ${String(p.target)} (add --force to overwrite it)`,
  },
  RESTORE_PITR_UNAVAILABLE: {
    'zh-CN': (p) => `无法做时间点恢复：${String(p.reason)}`,
    en: (p) => `Point-in-time recovery is not possible: ${String(p.reason)}`,
  },
  RESTORE_VERIFY_FAILED: {
    'zh-CN': (p) => `恢复后的校验未通过（数据已保留在目标位置供检查）：${Array.isArray(p.problems) ? p.problems.join('；') : ''}`,
    en: (p) => `The restored data failed verification (left in place for inspection): ${Array.isArray(p.problems) ? p.problems.join('; ') : ''}`,
  },
});
