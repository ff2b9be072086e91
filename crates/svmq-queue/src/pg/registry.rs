//! The side tables of the PostgreSQL store: task logs, live workers, the model registry
//! and the models' files.
//!
//! A model's files are stored with its registry entry, in the same transaction, in
//! chunks of [`CHUNK_BYTES`]: a model is registered with all its bytes or not at all.
//! A node that looks up a model it does not have copies the files into its home
//! through a staging directory and one rename, like a model it trained itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use postgres::{Client, GenericClient, Row, Transaction};

use super::convert::{millis, parse_json, to_u32};
use crate::artifacts::{create_staging_dir, discard_staging_dir};
use crate::error::{QueueError, Result};
use crate::ids::{ModelId, TaskId, WorkerId};
use crate::model::ModelRecord;
use crate::task::{LogLevel, LogLine, WorkerInfo};

/// Size of one stored piece of a model file.
const CHUNK_BYTES: usize = 1 << 20;

/// Appends a log line inside an open transaction (the caller has checked the task).
pub(super) fn append_log_in(
    client: &mut impl GenericClient,
    id: &TaskId,
    level: LogLevel,
    message: &str,
) -> Result<()> {
    client.execute(
        "INSERT INTO task_logs (task_id, at, level, message) VALUES ($1, now_ms(), $2, $3)",
        &[&id.as_str(), &level.as_str(), &message],
    )?;
    Ok(())
}

fn task_exists(client: &mut impl GenericClient, id: &TaskId) -> Result<bool> {
    Ok(client
        .query_opt("SELECT 1 FROM tasks WHERE id = $1", &[&id.as_str()])?
        .is_some())
}

pub(super) fn append_log(
    client: &mut Client,
    id: &TaskId,
    level: LogLevel,
    message: &str,
) -> Result<()> {
    let inserted = client.execute(
        "INSERT INTO task_logs (task_id, at, level, message)
         SELECT id, now_ms(), $2, $3 FROM tasks WHERE id = $1",
        &[&id.as_str(), &level.as_str(), &message],
    )?;
    if inserted == 0 {
        return Err(QueueError::TaskNotFound { id: id.clone() });
    }
    Ok(())
}

pub(super) fn task_logs(
    client: &mut Client,
    id: &TaskId,
    tail: Option<u32>,
) -> Result<Vec<LogLine>> {
    let mut transaction = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    if !task_exists(&mut transaction, id)? {
        return Err(QueueError::TaskNotFound { id: id.clone() });
    }
    // Positions are numbered over the whole log, then the last `tail` are kept.
    let tail = tail.map(i64::from);
    let rows = transaction.query(
        "SELECT position, at, level, message FROM (
             SELECT ROW_NUMBER() OVER (ORDER BY id) AS position, at, level, message
             FROM task_logs WHERE task_id = $1) AS numbered
         ORDER BY position DESC LIMIT $2",
        &[&id.as_str(), &tail],
    )?;
    transaction.commit()?;
    let mut lines = rows
        .iter()
        .map(|row| {
            Ok(LogLine {
                sequence: row.try_get(0)?,
                at: row.try_get(1)?,
                level: LogLevel::parse(row.try_get(2)?)?,
                message: row.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    lines.reverse();
    Ok(lines)
}

pub(super) fn register_worker(client: &mut Client, worker: &WorkerInfo) -> Result<()> {
    let max_concurrent = i32::try_from(worker.max_concurrent).unwrap_or(i32::MAX);
    client.execute(
        "INSERT INTO workers (id, hostname, pid, max_concurrent, heartbeat_at)
         VALUES ($1, $2, $3, $4, now_ms())
         ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
             max_concurrent = excluded.max_concurrent, heartbeat_at = excluded.heartbeat_at",
        &[
            &worker.id.as_str(),
            &worker.hostname,
            &i64::from(worker.pid),
            &max_concurrent,
        ],
    )?;
    Ok(())
}

pub(super) fn worker_heartbeat(client: &mut Client, worker_id: &WorkerId) -> Result<()> {
    client.execute(
        "UPDATE workers SET heartbeat_at = now_ms() WHERE id = $1",
        &[&worker_id.as_str()],
    )?;
    Ok(())
}

pub(super) fn unregister_worker(client: &mut Client, worker_id: &WorkerId) -> Result<()> {
    client.execute("DELETE FROM workers WHERE id = $1", &[&worker_id.as_str()])?;
    Ok(())
}

pub(super) fn live_workers(client: &mut Client, within: Duration) -> Result<Vec<WorkerInfo>> {
    let rows = client.query(
        "SELECT id, hostname, pid, max_concurrent, heartbeat_at FROM workers
         WHERE heartbeat_at >= now_ms() - $1 ORDER BY id",
        &[&millis(within).min(100 * 365 * 86_400_000)],
    )?;
    rows.iter()
        .map(|row| {
            Ok(WorkerInfo {
                id: row.try_get::<_, String>(0)?.parse()?,
                hostname: row.try_get(1)?,
                pid: u32::try_from(row.try_get::<_, i64>(2)?).unwrap_or(0),
                max_concurrent: to_u32(row.try_get(3)?),
                heartbeat_at: row.try_get(4)?,
            })
        })
        .collect()
}

const MODEL_COLUMNS: &str = "model_id, task_id, user_id, created_at, path, metadata";

fn model_from_row(row: &Row) -> Result<ModelRecord> {
    let task_id: Option<String> = row.try_get(1)?;
    Ok(ModelRecord {
        model_id: row.try_get::<_, String>(0)?.parse()?,
        task_id: task_id.map(|id| id.parse()).transpose()?,
        user_id: row.try_get(2)?,
        created_at: row.try_get(3)?,
        path: PathBuf::from(row.try_get::<_, String>(4)?),
        metadata: parse_json(row.try_get(5)?)?,
    })
}

/// One file of a model: its path relative to the model directory, and its bytes.
pub(super) struct ModelFile {
    name: String,
    bytes: Vec<u8>,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> QueueError {
    let path = path.to_path_buf();
    move |source| QueueError::Io {
        action,
        path,
        source,
    }
}

/// Every regular file under a model directory, with `/`-separated relative names.
/// A directory that does not exist has no files.
pub(super) fn read_model_files(directory: &Path) -> Result<Vec<ModelFile>> {
    let mut files = Vec::new();
    if directory.is_dir() {
        collect_files(directory, "", &mut files)?;
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn collect_files(directory: &Path, prefix: &str, files: &mut Vec<ModelFile>) -> Result<()> {
    let entries = std::fs::read_dir(directory)
        .map_err(io_error("cannot read the model directory", directory))?;
    for entry in entries {
        let entry = entry.map_err(io_error("cannot read the model directory", directory))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            return Err(QueueError::InvalidArgument(format!(
                "the model file name {} is not valid UTF-8",
                path.display()
            )));
        };
        let relative = format!("{prefix}{name}");
        let file_type = entry
            .file_type()
            .map_err(io_error("cannot read the model directory", directory))?;
        if file_type.is_dir() {
            collect_files(&path, &format!("{relative}/"), files)?;
        } else if file_type.is_file() {
            let bytes =
                std::fs::read(&path).map_err(io_error("cannot read the model file", &path))?;
            files.push(ModelFile {
                name: relative,
                bytes,
            });
        }
    }
    Ok(())
}

pub(super) fn register_model(
    client: &mut Client,
    model: &ModelRecord,
    files: &[ModelFile],
) -> Result<()> {
    let mut transaction = client.transaction()?;
    insert_model(&mut transaction, model, files)?;
    transaction.commit()?;
    Ok(())
}

/// Inserts a registry row and its files inside a caller's transaction.
pub(super) fn insert_model(
    transaction: &mut Transaction<'_>,
    model: &ModelRecord,
    files: &[ModelFile],
) -> Result<()> {
    let path = model.path.to_str().ok_or_else(|| {
        QueueError::InvalidArgument(format!(
            "the model path {} is not valid UTF-8",
            model.path.display()
        ))
    })?;
    transaction.execute(
        "INSERT INTO models (model_id, task_id, user_id, created_at, path, metadata)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &model.model_id.as_str(),
            &model.task_id.as_ref().map(TaskId::as_str),
            &model.user_id,
            &model.created_at,
            &path,
            &serde_json::to_string(&model.metadata)?,
        ],
    )?;
    let insert = transaction.prepare(
        "INSERT INTO model_files (model_id, name, chunk, bytes) VALUES ($1, $2, $3, $4)",
    )?;
    for file in files {
        // An empty file is still one (empty) chunk, so that it is recreated.
        let chunks: Vec<&[u8]> = if file.bytes.is_empty() {
            vec![file.bytes.as_slice()]
        } else {
            file.bytes.chunks(CHUNK_BYTES).collect()
        };
        for (index, chunk) in chunks.into_iter().enumerate() {
            let index = i32::try_from(index).unwrap_or(i32::MAX);
            transaction.execute(
                &insert,
                &[&model.model_id.as_str(), &file.name, &index, &chunk],
            )?;
        }
    }
    Ok(())
}

pub(super) fn get_model(client: &mut Client, id: &ModelId) -> Result<ModelRecord> {
    let sql = format!("SELECT {MODEL_COLUMNS} FROM models WHERE model_id = $1");
    let row = client
        .query_opt(sql.as_str(), &[&id.as_str()])?
        .ok_or_else(|| QueueError::ModelNotFound { id: id.to_string() })?;
    model_from_row(&row)
}

/// The stored files of a model, whole.
pub(super) fn model_files(client: &mut Client, id: &ModelId) -> Result<Vec<ModelFile>> {
    let rows = client.query(
        "SELECT name, bytes FROM model_files WHERE model_id = $1 ORDER BY name, chunk",
        &[&id.as_str()],
    )?;
    let mut files: Vec<ModelFile> = Vec::new();
    for row in rows {
        let name: String = row.try_get(0)?;
        let bytes: &[u8] = row.try_get(1)?;
        match files.last_mut() {
            Some(file) if file.name == name => file.bytes.extend_from_slice(bytes),
            _ => files.push(ModelFile {
                name,
                bytes: bytes.to_vec(),
            }),
        }
    }
    Ok(files)
}

/// A stored relative name as a path inside the model directory; names that would
/// leave it are refused.
fn relative_path(name: &str) -> Result<PathBuf> {
    let mut path = PathBuf::new();
    for part in name.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return Err(QueueError::InvalidArgument(format!(
                "the stored model file name {name:?} is not a plain relative path"
            )));
        }
        path.push(part);
    }
    Ok(path)
}

/// Writes a model's files to `destination` (`<home>/models/<id>`) through a staging
/// directory and one rename. Another process doing the same at the same moment is not
/// an error: its copy is identical.
pub(super) fn materialize(home: &Path, destination: &Path, files: &[ModelFile]) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let staging = create_staging_dir(home)?;
    let written = (|| {
        for file in files {
            let path = staging.join(relative_path(&file.name)?);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io_error("cannot create the model cache directory", parent))?;
            }
            std::fs::write(&path, &file.bytes)
                .map_err(io_error("cannot write the model cache file", &path))?;
        }
        match std::fs::rename(&staging, destination) {
            Ok(()) => Ok(()),
            Err(_) if destination.is_dir() => discard_staging_dir(&staging),
            Err(error) => Err(io_error(
                "cannot move the cached model into place at",
                destination,
            )(error)),
        }
    })();
    if written.is_err() {
        let _ = discard_staging_dir(&staging);
    }
    written
}

pub(super) fn list_models(client: &mut Client, user_id: &str) -> Result<Vec<ModelRecord>> {
    let sql = format!(
        "SELECT {MODEL_COLUMNS} FROM models WHERE user_id = $1 ORDER BY created_at DESC, model_id"
    );
    // A row that cannot be read is left out with a warning: one damaged entry must not
    // hide the user's other models.
    Ok(client
        .query(sql.as_str(), &[&user_id])?
        .iter()
        .filter_map(|row| {
            model_from_row(row)
                .map_err(
                    |error| tracing::warn!(%error, "left an unreadable model out of the listing"),
                )
                .ok()
        })
        .collect())
}

pub(super) fn delete_model(client: &mut Client, id: &ModelId) -> Result<()> {
    let deleted = client.execute("DELETE FROM models WHERE model_id = $1", &[&id.as_str()])?;
    if deleted == 0 {
        return Err(QueueError::ModelNotFound { id: id.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_file_names_cannot_leave_the_model_directory() {
        assert_eq!(
            relative_path("reports/index.html").unwrap(),
            Path::new("reports").join("index.html")
        );
        for bad in ["../x", "/etc/passwd", "a//b", "a/./b", "", "a\\..\\b"] {
            assert!(relative_path(bad).is_err(), "{bad}");
        }
    }
}
