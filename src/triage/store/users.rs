//! The people who may sign in to `weiquan serve`, and what each may do.
//! The store keeps a password hash made by the caller (`serve` hashes with
//! argon2id), never a password.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use crate::triage::now_string;

/// What a user may do, each role including the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the queue with id and account numbers masked; edits nothing.
    Viewer,
    /// Reads everything and edits cases.
    Officer,
    /// An officer who also manages users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Viewer => "查阅",
            Role::Officer => "承办",
            Role::Admin => "管理员",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        let t = s.trim();
        [Role::Viewer, Role::Officer, Role::Admin]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t) || r.label_zh() == t)
    }

    pub fn can_edit(self) -> bool {
        self >= Role::Officer
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: String,
}

impl Store {
    /// Add a user. A name already taken is an error, not a replacement.
    pub fn add_user(&self, name: &str, role: Role, password_hash: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::config(
                std::path::Path::new("NAME"),
                format!("`{name}`: 用户名须为1至64个字符，不含控制字符"),
            ));
        }
        let done = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO users (name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), password_hash, now_string()],
            )
            .map_err(|e| Error::output(&self.path, e))?;
        if done == 0 {
            return Err(Error::config(
                std::path::Path::new("NAME"),
                format!("用户 `{name}` 已存在"),
            ));
        }
        Ok(())
    }

    /// Remove a user; false when there was none of that name.
    pub fn remove_user(&self, name: &str) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM users WHERE name = ?1", [name.trim()])
            .map_err(|e| Error::output(&self.path, e))?;
        Ok(n > 0)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        self.conn
            .prepare_cached(
                "SELECT name, role, password_hash, created_at FROM users WHERE name = ?1",
            )
            .and_then(|mut st| st.query_row([name.trim()], user_from_row).optional())
            .map_err(|e| self.read_err(e))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        let mut st = self
            .conn
            .prepare("SELECT name, role, password_hash, created_at FROM users ORDER BY name")
            .map_err(|e| self.read_err(e))?;
        let rows = st
            .query_map([], user_from_row)
            .map_err(|e| self.read_err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.read_err(e))
    }
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(1)?;
    Ok(User {
        name: r.get(0)?,
        role: Role::parse(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown role `{role}`").into(),
            )
        })?,
        password_hash: r.get(2)?,
        created_at: r.get(3)?,
    })
}
