//! Backups of the embedded SQLite database (issue 20): a consistent copy of a live
//! database without stopping writes (`VACUUM INTO`, which copies from one read
//! transaction — writers go on in WAL mode), checked with `PRAGMA integrity_check`;
//! and the marker a serving process holds so that a restore never replaces a
//! database in use. PostgreSQL's backups are `pg_dump`'s (the command line runs it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{ConnectOptions, Connection, Row};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The file behind a `sqlite://` URL (`sqlite://cxpm.db?mode=rwc`, `sqlite:///abs/x.db`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The marker file a serving process holds locked beside the database.
fn marker(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".in-use");
    PathBuf::from(name)
}

/// Marks the SQLite database at `db` as in use for as long as the returned file is
/// open: a shared advisory lock (several replicas may serve one file), which the
/// operating system drops when the process ends, also by SIGKILL.
pub fn hold(db: &Path) -> anyhow::Result<File> {
    let path = marker(db);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.try_lock_shared()
        .map_err(|e| anyhow::anyhow!("{} is being restored ({e})", db.display()))?;
    Ok(file)
}

/// Whether a process holds the database at `db`: its marker locked, or a write lock
/// on the file itself.
pub async fn in_use(db: &Path) -> anyhow::Result<bool> {
    if let Ok(file) = File::options().write(true).open(marker(db))
        && file.try_lock().is_err()
    {
        return Ok(true);
    }
    if !db.exists() {
        return Ok(false);
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await
        .with_context(|| format!("opening {}", db.display()))?;
    let free = sea_orm::sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut conn)
        .await
        .is_ok();
    if free {
        sea_orm::sqlx::query("ROLLBACK")
            .execute(&mut conn)
            .await
            .ok();
    }
    conn.close().await.ok();
    Ok(!free)
}

/// Copies the live database `db` to the new file `to` (which must not exist),
/// consistent as of one moment, while writes go on.
pub async fn copy_into(db: &DatabaseConnection, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!(
            "{} exists already: a backup never overwrites a file",
            to.display()
        );
    }
    let target = to
        .to_str()
        .context("the backup's path is not valid UTF-8")?
        .replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
        .with_context(|| format!("writing {}", to.display()))?;
    Ok(())
}

/// SQLite's own check of the database file at `path`: `ok`, or what is wrong.
pub async fn integrity(path: &Path) -> anyhow::Result<String> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    let rows = sea_orm::sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .with_context(|| format!("checking {}", path.display()))?;
    conn.close().await.ok();
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("; "))
}

/// Replaces the database at `db` by the backup `from`, after checking the backup, and
/// only when no process holds `db`.
pub async fn restore(from: &Path, db: &Path) -> anyhow::Result<()> {
    let check = integrity(from).await?;
    if check != "ok" {
        bail!("{} fails SQLite's integrity check: {check}", from.display());
    }
    if in_use(db).await? {
        bail!(
            "{} is in use (a cxpm is serving it, or another process writes to it): stop it first",
            db.display()
        );
    }
    let mut partial = db.as_os_str().to_owned();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    std::fs::copy(from, &partial).with_context(|| format!("copying to {}", partial.display()))?;
    File::open(&partial)?.sync_all()?;
    // The old database's WAL and shared-memory files belong to the old database.
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("removing {}", side.display()))?;
        }
    }
    std::fs::rename(&partial, db).with_context(|| format!("replacing {}", db.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite://cxpm.db?mode=rwc").unwrap().to_str(),
            Some("cxpm.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/cxpm/cx.db")
                .unwrap()
                .to_str(),
            Some("/var/lib/cxpm/cx.db")
        );
        assert!(sqlite_path("postgres://u@h/db").is_none());
        assert!(sqlite_path("sqlite::memory:").is_none());
    }
}
