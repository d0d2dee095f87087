package local

// BackupPathForTest is where serve's admin API answers a backup.
const BackupPathForTest = backupPath
