//! Helpers for the upload tests and bench: a real S3-compatible server (moto, from PyPI, installed on first use), a
//! severable loopback proxy in front of it, and stations with accepted photos.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use capture_station::crypto::KdfParams;
use capture_station::store::{Decision, NewShot, NewStudent, Store, StoreError, StudentStatus};
use capture_station::upload::ExportSecretKey;

/// Passphrase of every test station.
pub const PASS: &str = "test-passphrase";
/// Bucket the tests create.
pub const BUCKET: &str = "photos";

const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};

static PYTHON: OnceLock<String> = OnceLock::new();

fn has_moto(python: &str) -> bool {
    Command::new(python)
        .args(["-c", "import moto.server, boto3, flask, flask_cors"])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A Python interpreter with moto's server: the system `python3` if it has it, else a virtual environment
/// under the target directory, created and filled from PyPI (`pip install 'moto[server]'`) on first use.
/// Idempotent; never touches the system's Python packages.
pub fn python() -> &'static str {
    PYTHON.get_or_init(|| {
        if has_moto("python3") {
            return "python3".into();
        }
        let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-venv");
        let py = venv.join("bin/python").display().to_string();
        if has_moto(&py) {
            return py;
        }
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "python3 -m venv failed: install python3 and python3-venv"
        );
        let ok = Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", "moto[server]"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "pip install 'moto[server]' failed (is PyPI reachable?)");
        assert!(has_moto(&py), "moto is still not importable from {py}");
        py
    })
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Credentials moto enforces once [`Moto::setup`] enabled IAM auth.
#[derive(Debug, Clone)]
pub struct Creds {
    pub key: String,
    pub secret: String,
}

/// A moto S3 server process on loopback.
pub struct Moto {
    pub port: u16,
    child: Option<Child>,
    pub creds: Option<Creds>,
}

fn http_get_ok(port: u16, path: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && buf.starts_with(b"HTTP/1.") && &buf[9..12] == b"200")
}

const SETUP_PY: &str = r#"
import json, sys, urllib.request, boto3
port, bucket, auth = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
url = f"http://127.0.0.1:{port}"
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
if bucket:
    boto3.client("s3", **kw).create_bucket(Bucket=bucket)
out = {}
if auth:
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="station")
    iam.put_user_policy(UserName="station", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    k = iam.create_access_key(UserName="station")["AccessKey"]
    out = {"key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset-auth", data=b"0", method="POST",
                                                  headers={"Content-Type": "text/plain"})).read()
print(json.dumps(out))
"#;

const LIST_PY: &str = r#"
import json, sys, boto3, hashlib
port, bucket, key, secret = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                  aws_access_key_id=key, aws_secret_access_key=secret)
out = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for o in page.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        out[o["Key"]] = body.hex()
print(json.dumps(out))
"#;

impl Moto {
    /// Starts moto on `port` (or a free one) and waits until it answers.
    pub fn start(port: Option<u16>) -> Moto {
        let port = port.unwrap_or_else(free_port);
        let child = Command::new(python())
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !http_get_ok(port, "/moto-api/data.json") {
            assert!(
                Instant::now() < deadline,
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            port,
            child: Some(child),
            creds: None,
        }
    }

    /// Creates `bucket` (unless empty) and, with `auth`, an IAM user whose keys moto then enforces
    /// (signature checked) for every later request.
    pub fn setup(&mut self, bucket: &str, auth: bool) {
        let out = Command::new(python())
            .args([
                "-c",
                SETUP_PY,
                &self.port.to_string(),
                bucket,
                if auth { "1" } else { "0" },
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "moto setup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if auth {
            self.creds = Some(Creds {
                key: v["key"].as_str().unwrap().into(),
                secret: v["secret"].as_str().unwrap().into(),
            });
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every object in the bucket with its bytes.
    pub fn objects(&self, bucket: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
        let c = self.creds.clone().unwrap_or(Creds {
            key: "any".into(),
            secret: "any".into(),
        });
        let out = Command::new(python())
            .args([
                "-c",
                LIST_PY,
                &self.port.to_string(),
                bucket,
                &c.key,
                &c.secret,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: std::collections::BTreeMap<String, String> =
            serde_json::from_slice(&out.stdout).unwrap();
        v.into_iter()
            .map(|(k, h)| (k, hex::decode(h).unwrap()))
            .collect()
    }

    /// Kills the server process (its in-memory objects are lost).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback TCP proxy that can be cut (connections reset, port refusing) and restored, to stop "the
/// server" mid-batch while moto keeps its objects for inspection.
pub struct Proxy {
    pub port: u16,
    upstream: u16,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    listener: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let p = Proxy {
            port: free_port(),
            upstream,
            up: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
            listener: Arc::new(Mutex::new(None)),
        };
        p.restore();
        p
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Accepts and forwards connections again.
    pub fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        self.up.store(true, Ordering::SeqCst);
        let (up, conns, upstream) = (self.up.clone(), self.conns.clone(), self.upstream);
        let h = std::thread::spawn(move || {
            while up.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                            continue;
                        };
                        conns.lock().unwrap().push(client.try_clone().unwrap());
                        conns.lock().unwrap().push(server.try_clone().unwrap());
                        pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pipe(server, client);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        *self.listener.lock().unwrap() = Some(h);
    }

    /// Resets every open connection and stops listening (new connections are refused).
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        if let Some(h) = self.listener.lock().unwrap().take() {
            h.join().unwrap();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// A station database with accepted photos, created through the library (cheap KDF), usable by the binary.
pub struct Station {
    pub dir: tempfile::TempDir,
    pub export_key: ExportSecretKey,
}

/// A fake 40 KB "JPEG" (JPEG signature, random body): the store and packages treat photos as bytes.
pub fn fake_jpeg(seed: u64, len: usize) -> Vec<u8> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((4..len).map(|_| rng.r#gen::<u8>()));
    v
}

/// Stores a `len`-byte fake JPEG (from `seed`) as the accepted 480×640 photo of `student_no` with
/// collection code `code`: no check rows, verdict pass, `supersede` as given. Returns the store's answer, so
/// a refusal can be asserted.
pub fn accept_shot(
    store: &mut Store,
    student_no: &str,
    code: &str,
    (seed, len): (u64, usize),
    supersede: bool,
) -> Result<i64, StoreError> {
    let jpeg = fake_jpeg(seed, len);
    store.store_shot(
        &NewShot {
            student_no,
            code,
            jpeg: &jpeg,
            width: 480,
            height: 640,
            quality: 90,
            checks: &[],
            verdict_pass: Some(true),
            supersede,
        },
        &Decision::Accept,
        "test",
    )
}

impl Station {
    /// A station `id` with `photos` accepted photos (students `<id>-0001`…), config written for `target`.
    pub fn new(id: &str, photos: usize) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let st = Station {
            dir,
            export_key: ExportSecretKey::generate(),
        };
        let mut store = Store::create(&st.db(), PASS, FAST_KDF, id, id).unwrap();
        for i in 0..photos {
            st.add_photo(
                &mut store,
                &format!("{id}-{:04}", i + 1),
                &format!("CODE-{id}-{i}"),
                i as u64,
            );
        }
        st.write_config("");
        st
    }

    pub fn open(&self) -> Store {
        Store::open(&self.db(), PASS).unwrap()
    }

    /// Adds a student (if new) and an accepted photo for them.
    pub fn add_photo(&self, store: &mut Store, student_no: &str, code: &str, seed: u64) -> i64 {
        if store.find_student(student_no).unwrap().is_none() {
            store
                .add_student(
                    &NewStudent {
                        student_no: student_no.into(),
                        name: format!("学生{student_no}"),
                        class: "计科2001".into(),
                        status: StudentStatus::Normal,
                        id_no: None,
                    },
                    "test",
                )
                .unwrap();
        }
        accept_shot(store, student_no, code, (seed, 40 * 1024), true).unwrap()
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db(&self) -> PathBuf {
        self.data().join("station.db")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Writes the config: cheap KDF, this station's export public key, fast retries, plus `extra` TOML
    /// (e.g. an `[upload.s3]` table).
    pub fn write_config(&self, extra: &str) {
        let text = format!(
            "[security]\nkdf_memory_kib = 19456\nkdf_iterations = 2\n\n[upload]\nexport_public_key = \"{}\"\n\
             retry_initial_ms = 200\nretry_max_ms = 1000\nretention_days = 0\n{extra}",
            self.export_key.public().to_hex()
        );
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// `[upload.s3]` settings for an endpoint.
    pub fn s3_config(endpoint: &str, creds: Option<&Creds>, bucket: &str) -> String {
        let (k, s) = creds
            .map(|c| (c.key.clone(), c.secret.clone()))
            .unwrap_or(("anything".into(), "anything".into()));
        format!(
            "target = \"s3\"\n\n[upload.s3]\nendpoint = \"{endpoint}\"\nbucket = \"{bucket}\"\nprefix = \"exam/2026\"\n\
             access_key_id = \"{k}\"\nsecret_access_key = \"{s}\"\n"
        )
    }

    pub fn config(&self) -> capture_station::config::Config {
        capture_station::config::Config::load(&self.config_path()).unwrap()
    }

    pub fn export_key_file(&self) -> PathBuf {
        let p = self.dir.path().join("export.key");
        if !p.exists() {
            self.export_key.write_new(&p).unwrap();
        }
        p
    }

    /// The binary with `--data-dir`, `--config` and the passphrase set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_capture-station"));
        c.arg("--data-dir")
            .arg(self.data())
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .env("CAPTURE_STATION_PASSPHRASE", PASS)
            .env_remove("RUST_LOG")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY");
        c
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Exports this station's public signing key into `dir` (`station-key export`), as the registrar enrols it;
    /// returns `dir`.
    pub fn enrol(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let id = self.open().station_id().to_string();
        let file = dir.join(format!("{id}.pub"));
        if !file.exists() {
            let (code, out, err) =
                self.run(&["station-key", "export", "--out", file.to_str().unwrap()]);
            assert_eq!(code, 0, "{out}\n{err}");
        }
        dir.to_path_buf()
    }

    /// The stations folder beside this station's files, with this station enrolled.
    pub fn stations_dir(&self) -> PathBuf {
        self.enrol(&self.dir.path().join("stations"))
    }

    /// `upload status --json`.
    pub fn status(&self) -> serde_json::Value {
        let (code, out, err) = self.run(&["upload", "status", "--json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    }
}

/// Photo ids in state `uploaded`, straight from the database.
pub fn uploaded_ids(db: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT id FROM photos WHERE state = 'uploaded' ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap()
}
