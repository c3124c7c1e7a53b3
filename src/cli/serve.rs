//! `weiquan serve`: the case store as a web app for several officers
//! (weiquan::serve). This file reads the flags, hands the server what it
//! knows of the rules, and says where to point the browser.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use weiquan::Error;
use weiquan::serve::{RuleInfo, ServeConfig};
use weiquan::triage::Store;

use super::arg_error;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The case store (default: ./weiquan.db, where `scan --out out` keeps it).
    #[arg(long, value_name = "FILE", default_value = "weiquan.db")]
    db: PathBuf,
    /// Address to listen on. Another than loopback only when you mean it:
    /// the traffic is plain HTTP.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    listen: String,
}

pub fn run(a: ServeArgs) -> Result<ExitCode, Error> {
    let listen: SocketAddr = a
        .listen
        .parse()
        .map_err(|e| arg_error("--listen", format!("`{}`: {e}", a.listen)))?;
    let store = Store::open_existing(&a.db)?;
    if store.users()?.is_empty() {
        return Err(arg_error(
            "users",
            format!(
                "没有可登录的用户：先运行 `weiquan users --db {} add 名字 --role admin`",
                a.db.display()
            ),
        ));
    }
    drop(store);
    let mut config = ServeConfig::new(a.db.clone(), listen);
    config.rules = weiquan::rules::registry()
        .iter()
        .map(|r| RuleInfo {
            code: r.code().to_string(),
            name: r.name().to_string(),
            tables: r
                .needs()
                .iter()
                .map(|t| t.canonical().to_string())
                .collect(),
        })
        .collect();
    let running = weiquan::serve::start(config)?;
    if !running.addr.ip().is_loopback() {
        eprintln!(
            "注意：正在 {} 上提供服务，局域网内可访问；传输未加密（HTTP），请只在可信网络中使用",
            running.addr
        );
    }
    outln!(
        "weiquan serve: http://{} （案件库 {}）；Ctrl-C 停止",
        running.addr,
        a.db.display()
    );
    running.wait();
    Ok(ExitCode::SUCCESS)
}
