//! The store's one error type.

use std::path::PathBuf;

use serde::ser::SerializeStruct;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database directory could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No database file where one was expected (read-only commands don't create one).
    #[error("no database at {0}")]
    NotFound(PathBuf),
    /// SQLite (through sqlx) failed.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed (or the file was written by a newer Gatewatch).
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A JSON value could not be (de)serialized.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// zstd failed to compress a value (see `packed`).
    #[error("compression failed: {0}")]
    Compress(std::io::Error),
    /// A stored row has a value this version doesn't understand.
    #[error("corrupt row in {table}: {message}")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl StoreError {
    /// A stable machine-readable kind, for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::CreateDir { .. } => "create_dir",
            StoreError::NotFound(_) => "not_found",
            StoreError::Sqlx(_) => "database",
            StoreError::Migrate(_) => "migrate",
            StoreError::Json(_) => "json",
            StoreError::Compress(_) => "compress",
            StoreError::CorruptRow { .. } => "corrupt_row",
        }
    }
}

/// Errors cross to the UI as `{ kind, message }`.
impl serde::Serialize for StoreError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("StoreError", 2)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}
