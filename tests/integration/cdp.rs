//! Headless Chromium driven over the DevTools protocol through
//! `--remote-debugging-pipe`: JSON messages, each ended by a NUL byte, on
//! the browser's file descriptors 3 (in) and 4 (out). No WebSocket, no
//! crate: `sh` maps the child's stdin/stdout pipes to those descriptors.
//! Each [`Tab`] lives in a browser context of its own (its own cookies),
//! so two tabs are two officers.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Browser {
    child: Child,
    input: ChildStdin,
    replies: Receiver<Value>,
    next_id: u64,
    /// Events seen while waiting for replies (exceptions and console errors).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// Chromium headless, offline and quiet (the report.html test uses them too).
pub const HEADLESS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long a page may take to reach a state before the test fails: a
/// bound so a broken page cannot hang the run, not a measure.
const PATIENCE: Duration = Duration::from_secs(30);

impl Browser {
    pub fn launch(chromium: &std::path::Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(chromium)
            .args(HEADLESS)
            .arg("--remote-debugging-pipe")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            let mut buf = Vec::new();
            while r.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        Browser {
            input: child.stdin.take().unwrap(),
            child,
            replies: rx,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Send a command (to a page session, or to the browser) and wait for its reply.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.input.write_all(&bytes).unwrap();
        self.input.flush().unwrap();
        let until = Instant::now() + PATIENCE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let v = self
                .replies
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no reply to {method}"));
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// A new tab in a browser context of its own, with its scripts' errors recorded.
    pub fn tab(&mut self) -> Tab {
        let ctx = self.call(None, "Target.createBrowserContext", json!({}));
        let ctx = ctx["browserContextId"].as_str().unwrap().to_string();
        let t = self.call(
            None,
            "Target.createTarget",
            json!({"url": "about:blank", "browserContextId": ctx}),
        );
        let target = t["targetId"].as_str().unwrap().to_string();
        let a = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        let session = a["sessionId"].as_str().unwrap().to_string();
        self.call(Some(&session), "Runtime.enable", json!({}));
        self.call(Some(&session), "Log.enable", json!({}));
        Tab { session }
    }

    /// Uncaught exceptions and error-level log entries (CSP violations
    /// among them) seen so far; not the failed requests the pages expect
    /// (401 before login, 409 on a conflict).
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| {
                let entry = &e["params"]["entry"];
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Log.entryAdded"
                        && entry["level"] == "error"
                        && entry["source"] != "network")
            })
            .map(|e| e["params"].to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Tab {
    session: String,
}

impl Tab {
    pub fn goto(&self, b: &mut Browser, url: &str) {
        b.call(Some(&self.session), "Page.navigate", json!({"url": url}));
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&self, b: &mut Browser, expr: &str) -> Value {
        let r = b.call(
            Some(&self.session),
            "Runtime.evaluate",
            json!({"expression": expr, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Wait until `expr` is truthy in the page.
    pub fn wait(&self, b: &mut Browser, expr: &str) {
        let until = Instant::now() + PATIENCE;
        let probe =
            format!("(() => {{ try {{ return !!({expr}); }} catch (_) {{ return false; }} }})()");
        while Instant::now() < until {
            if self.eval(b, &probe) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let body = self.eval(b, "document.body ? document.body.innerText : ''");
        panic!(
            "the page never got to `{expr}`; it shows:\n{body}\nerrors: {:?}",
            b.errors()
        );
    }

    pub fn click(&self, b: &mut Browser, selector: &str) {
        let js = format!("document.querySelector({}).click()", json!(selector));
        self.eval(b, &js);
    }

    /// Focus a field, clear it, and type into it as a keyboard would.
    pub fn type_into(&self, b: &mut Browser, selector: &str, text: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); e.focus(); e.select && e.select(); e.value = ''; return true; }})()",
            json!(selector)
        );
        self.eval(b, &js);
        b.call(
            Some(&self.session),
            "Input.insertText",
            json!({"text": text}),
        );
    }

    /// Choose an option of a `<select>` as a user would (a change event follows).
    pub fn choose(&self, b: &mut Browser, selector: &str, value: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); e.value = {}; e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value; }})()",
            json!(selector),
            json!(value)
        );
        assert_eq!(
            self.eval(b, &js),
            json!(value),
            "{selector} has no option {value}"
        );
    }

    pub fn text(&self, b: &mut Browser, selector: &str) -> String {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.textContent : null; }})()",
            json!(selector)
        );
        self.eval(b, &js).as_str().unwrap_or_default().to_string()
    }
}
