//! A small HTTP/1.1 client over one kept-alive TCP connection, for the
//! tests and the load benchmark of `weiquan serve` (a client crate would
//! bring its own copy of the HTTP stack's features into the build).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One user's connection: the session cookie and CSRF token it was given.
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            cookie: None,
            csrf: None,
            conn: None,
        }
    }

    /// Log in; the status of the attempt (the cookie and token are kept on 200).
    pub fn login(&mut self, user: &str, password: &str) -> Resp {
        let body = serde_json::json!({"user": user, "password": password}).to_string();
        let r = self.send("POST", "/api/login", &[], Some(body.as_bytes()));
        if r.status == 200 {
            let set = r.header("set-cookie").unwrap_or_default();
            self.cookie = set.split(';').next().map(str::to_string);
            self.csrf = r.json()["csrf"].as_str().map(str::to_string);
        }
        r
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, &[], None)
    }

    /// A write with the session's CSRF token.
    pub fn write(&mut self, method: &str, path: &str, body: &serde_json::Value) -> Resp {
        let token = self.csrf.clone().unwrap_or_default();
        let b = body.to_string();
        self.send(
            method,
            path,
            &[("X-CSRF-Token", &token)],
            Some(b.as_bytes()),
        )
    }

    /// A request with the cookie (if any) and these headers.
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        // One retry on a connection the server closed while idle.
        for attempt in 0..2 {
            match self.try_send(method, path, headers, body) {
                Ok(r) => return r,
                Err(e) if attempt == 0 => {
                    self.conn = None;
                    let _ = e;
                }
                Err(e) => panic!("{method} {path}: {e}"),
            }
        }
        unreachable!()
    }

    fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> std::io::Result<Resp> {
        if self.conn.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            self.conn = Some(BufReader::new(s));
        }
        let conn = self.conn.as_mut().unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() || method != "GET" {
            req.push_str("Content-Type: application/json\r\n");
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let s = conn.get_mut();
        s.write_all(req.as_bytes())?;
        s.write_all(body)?;
        let mut line = String::new();
        if conn.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|x| x.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let mut body = Vec::new();
        let len = if status == 204 || status == 304 {
            Some(0)
        } else {
            len
        };
        match len {
            Some(n) => {
                body.resize(n, 0);
                conn.read_exact(&mut body)?;
            }
            None => {
                conn.read_to_end(&mut body)?;
                self.conn = None;
            }
        }
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}
