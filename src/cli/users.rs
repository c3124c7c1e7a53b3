//! `weiquan users`: who may sign in to `weiquan serve`, with which role.
//! Passwords are read from standard input (a terminal gets a prompt with
//! echo off) and stored as argon2id hashes.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use weiquan::Error;
use weiquan::triage::{Role, Store};

use super::arg_error;

#[derive(clap::Args)]
pub struct UsersArgs {
    /// The case store (default: ./weiquan.db).
    #[arg(long, global = true, value_name = "FILE", default_value = "weiquan.db")]
    db: PathBuf,
    #[command(subcommand)]
    cmd: UsersCmd,
}

#[derive(Subcommand)]
enum UsersCmd {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        /// viewer (查阅: numbers masked, no edits), officer (承办: edits), admin (管理员: also users).
        #[arg(long)]
        role: String,
    },
    /// The users and their roles.
    List,
    /// Remove a user (their open sessions end at their next request).
    Remove { name: String },
}

pub fn run(a: UsersArgs) -> Result<ExitCode, Error> {
    let store = Store::open_existing(&a.db)?;
    match a.cmd {
        UsersCmd::Add { name, role } => {
            let role = Role::parse(&role).ok_or_else(|| {
                arg_error("--role", format!("`{role}`: viewer, officer or admin"))
            })?;
            let password = read_password()?;
            if password.chars().count() < weiquan::serve::MIN_PASSWORD {
                return Err(arg_error(
                    "password",
                    format!("密码至少 {} 个字符", weiquan::serve::MIN_PASSWORD),
                ));
            }
            let hash =
                weiquan::serve::hash_password(&password).map_err(|e| arg_error("password", e))?;
            store.add_user(&name, role, &hash)?;
            outln!("已添加用户 {} （{}）", name.trim(), role.label_zh());
        }
        UsersCmd::List => {
            outln!("{:<20} {:<8} created", "name", "role");
            for u in store.users()? {
                outln!("{:<20} {:<8} {}", u.name, u.role.as_str(), u.created_at);
            }
        }
        UsersCmd::Remove { name } => {
            if !store.remove_user(&name)? {
                return Err(arg_error("NAME", format!("没有用户 `{name}`")));
            }
            outln!("已删除用户 {}", name.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input; on a terminal, asked twice with echo
/// off (`stty`), so the password is neither shown nor in the shell history.
fn read_password() -> Result<String, Error> {
    let stdin = std::io::stdin();
    let read_line = || -> Result<String, Error> {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| arg_error("password", e.to_string()))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    if !stdin.is_terminal() {
        return read_line();
    }
    let echo = |on: bool| {
        let _ = std::process::Command::new("stty")
            .arg(if on { "echo" } else { "-echo" })
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    eprint!("密码：");
    echo(false);
    let first = read_line();
    eprint!("\n再输入一次：");
    let second = read_line();
    echo(true);
    eprintln!();
    let (first, second) = (first?, second?);
    if first != second {
        return Err(arg_error("password", "两次输入的密码不一致".into()));
    }
    Ok(first)
}
