//! HTTPS targets: which certificates are trusted (`--cacert`, or none with
//! `--insecure`), the client's own certificate for mutual TLS (`--cert`,
//! `--key`), the HTTP version (HTTP/2 by ALPN, `--http1.1` to force the old
//! one), and what a failed handshake is said to be.
//!
//! Decisions, and why:
//! - **`--cacert` adds to the built-in roots; it does not replace them**
//!   (curl's `--cacert` replaces its bundle). One client talks to the
//!   target and to the OAuth token endpoint: a service behind a private CA
//!   whose tokens come from a public identity provider needs both, and a
//!   CA added can only make more certificates valid, never fewer. A flag to
//!   trust only the file would buy nothing a test run needs.
//! - **Checked before anything is sent.** Every PEM file is read and parsed
//!   when the configuration is built (its certificates as X.509, the key
//!   loaded, the key matched against the certificate): a bad file is a
//!   configuration error (exit 2) naming the option and, for the
//!   certificates, the file, never one failed handshake per case. Files
//!   over [`MAX_PEM`] bytes are refused (`--cacert /dev/zero` must not read
//!   forever).
//! - **The key is a secret, and so is its path.** Its contents are never in
//!   a message (PEM errors quote lines: ours describe instead), nor in the
//!   `Debug` form of the settings; its path is one of the run's secrets
//!   (masked in every output, re-run commands included) and its errors name
//!   `--key` (or `GRAPH_CONTRACT_KEY`), not the path. `show`'s curl line
//!   says `--key "$GRAPH_CONTRACT_KEY"`.
//! - **A key needs its certificate, and the other way round**; a file
//!   holding both may be given to both. An encrypted key is refused with
//!   the command that decrypts it (there is no passphrase knob: a prompt
//!   cannot work under `cargo test`).
//! - **`--insecure` is the target's only.** It turns verification off for
//!   the exchanges with the target; the token endpoint, which receives the
//!   client secret, is still verified. Never on by default; said at the
//!   start of the run and in every report's summary; the write guard does
//!   not look at it. The summaries say it through the list of what the run
//!   ran under ([`INSECURE`], beside `strict`), which every report with a
//!   summary already carries (the terminal's last line, JSON's
//!   `summary.enforced`, the Markdown summary, the HTML report's header):
//!   no report format gained a field. JUnit has no summary.
//! - **A failed handshake is a TLS failure, not a failed connection.** It is
//!   not retried (a certificate does not get better in 100 ms), each case
//!   says it in a few constant words ("TLS: the server's certificate is not
//!   trusted (unknown issuer)"), so the failures group into one cause, and
//!   the first one's explanation with its remedy (`--cacert`, the names the
//!   certificate holds, its dates) is said once for the run
//!   ([`Failure::explained`]).
//! - **HTTP/2 when the server offers it.** ALPN offers `h2` and
//!   `http/1.1`; `--http1.1` offers only the latter. Plain HTTP stays
//!   HTTP/1.1 (no h2c). Which version answered is counted per run and told
//!   under `--details` only ([`Versions`]).

use rustls_pki_types::pem::SectionKind;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest PEM file read, in bytes (a CA bundle is a few hundred KB).
pub const MAX_PEM: u64 = 16 * 1024 * 1024;

/// The entry `--insecure` adds to what a run's summary says it ran under
/// (next to `strict`): every report with a summary shows it.
pub const INSECURE: &str = "TLS not verified (--insecure)";

/// The warning said at the start of a run under `--insecure`.
pub const INSECURE_WARNING: &str = "--insecure: the target's TLS certificate is not verified: \
     anyone between here and the target can read and change every exchange (the write guard still holds)";

/// The TLS settings of a run. Its `Debug` form shows the files and counts,
/// nothing of the key.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// Certificates trusted besides the built-in roots (`--cacert`).
    pub cacert: Option<CaFile>,
    /// No verification of the target's certificate (`--insecure`).
    pub insecure: bool,
    /// The client certificate and key for mutual TLS (`--cert`, `--key`).
    pub identity: Option<ClientIdentity>,
    /// Offer only HTTP/1.1 (`--http1.1`).
    pub http1_only: bool,
}

/// `--cacert`: a PEM file of one or more certificates.
#[derive(Clone)]
pub struct CaFile {
    pub path: PathBuf,
    certs: Vec<reqwest::Certificate>,
}

impl CaFile {
    /// How many certificates the file holds.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

impl std::fmt::Debug for CaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaFile")
            .field("path", &self.path)
            .field("certificates", &self.certs.len())
            .finish()
    }
}

/// `--cert` and `--key`. Its `Debug` form names the certificate file and
/// nothing of the key.
#[derive(Clone)]
pub struct ClientIdentity {
    pub cert_path: PathBuf,
    /// Certificates in the chain (the leaf first).
    pub chain: usize,
    identity: reqwest::Identity,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("cert_path", &self.cert_path)
            .field("chain", &self.chain)
            .field("key", &format_args!("(withheld)"))
            .finish()
    }
}

/// Read `--cacert`: `option` names where the path came from (the flag, or
/// the variable and its flag), for messages.
pub fn load_cacert(option: &str, path: &Path) -> Result<CaFile, String> {
    let at = format!("{option} {}", path.display());
    let bytes = read_pem_file(path).map_err(|e| format!("{at}: {e}"))?;
    let certs = certificates(&bytes).map_err(|e| format!("{at}: {e}"))?;
    // Each must make a trust anchor (what the handshake will use).
    let mut store = rustls::RootCertStore::empty();
    for (i, der) in certs.iter().enumerate() {
        store.add(der.clone()).map_err(|e| {
            format!(
                "{at}: certificate {} of {} is not a CA certificate rustls can trust ({e})",
                i + 1,
                certs.len()
            )
        })?;
    }
    Ok(CaFile {
        path: path.to_owned(),
        certs: certs
            .iter()
            .map(|d| reqwest::Certificate::from_der(d))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{at}: {e}"))?,
    })
}

/// Read `--cert` and `--key` (each option named as given, for messages).
/// The key's path and contents are in no message.
pub fn load_identity(
    cert_option: &str,
    cert_path: &Path,
    key_option: &str,
    key_path: &Path,
) -> Result<ClientIdentity, String> {
    let at = format!("{cert_option} {}", cert_path.display());
    let bytes = read_pem_file(cert_path).map_err(|e| format!("{at}: {e}"))?;
    let chain = certificates(&bytes).map_err(|e| format!("{at}: {e}"))?;
    // The key file: named by its option only.
    let key_bytes =
        read_pem_file(key_path).map_err(|e| format!("{key_option}: the key file it names: {e}"))?;
    let key = private_key(&key_bytes).map_err(|e| format!("{key_option}: {e}"))?;
    let provider = rustls::crypto::ring::default_provider();
    if let Err(e) = rustls::sign::CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider)
    {
        return Err(match e {
            rustls::Error::InconsistentKeys(_) => format!(
                "{key_option}: the private key is not the key of the certificate in {at} \
                 (its public key differs)"
            ),
            rustls::Error::General(_) => format!(
                "{key_option}: the private key cannot be used \
                 (not an RSA, ECDSA P-256/P-384 or Ed25519 key this build can sign with)"
            ),
            e => format!("{at}: the certificate and key do not make a client identity ({e})"),
        });
    }
    // reqwest reads its identity from one PEM text: written here from the
    // sections kept, so that what else the files hold does not matter.
    let mut pem = String::new();
    for der in &chain {
        pem_section(&mut pem, "CERTIFICATE", der.as_ref());
    }
    let (label, der): (&str, &[u8]) = match &key {
        PrivateKeyDer::Pkcs8(k) => ("PRIVATE KEY", k.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(k) => ("RSA PRIVATE KEY", k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => ("EC PRIVATE KEY", k.secret_sec1_der()),
        _ => {
            return Err(format!(
                "{key_option}: this kind of private key is not supported"
            ));
        }
    };
    pem_section(&mut pem, label, der);
    let identity = reqwest::Identity::from_pem(pem.as_bytes())
        .map_err(|_| format!("{key_option}: the certificate and key cannot be used together"))?;
    Ok(ClientIdentity {
        cert_path: cert_path.to_owned(),
        chain: chain.len(),
        identity,
    })
}

/// A file's bytes, up to [`MAX_PEM`]; the error says why not (never what
/// the file holds).
fn read_pem_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err("is a folder, not a PEM file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_PEM + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_PEM {
        return Err(format!(
            "larger than {} MiB: not a PEM file",
            MAX_PEM / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// Every PEM section of a file, in order, or what is wrong with it, in our
/// words: a PEM error quotes the file's lines, and a key file's lines are
/// the key.
fn sections(bytes: &[u8]) -> Result<Vec<(SectionKind, Vec<u8>)>, String> {
    let mut reader = std::io::Cursor::new(bytes);
    let mut out = Vec::new();
    loop {
        match rustls_pki_types::pem::from_buf(&mut reader) {
            Ok(Some(section)) => out.push(section),
            Ok(None) => return Ok(out),
            Err(rustls_pki_types::pem::Error::MissingSectionEnd { .. }) => {
                return Err("not valid PEM: a section has no -----END line".into());
            }
            Err(rustls_pki_types::pem::Error::IllegalSectionStart { .. }) => {
                return Err("not valid PEM: a -----BEGIN line is malformed".into());
            }
            Err(rustls_pki_types::pem::Error::Base64Decode(_)) => {
                return Err("not valid PEM: a section's base64 does not decode".into());
            }
            Err(_) => return Err("not valid PEM".into()),
        }
    }
}

/// What a file holding no section we want is, for the message.
fn not_pem_hint(bytes: &[u8]) -> &'static str {
    if bytes.first() == Some(&0x30) {
        " (it looks like DER: convert it with `openssl x509 -inform der -in FILE -out FILE.pem`)"
    } else if bytes.is_empty() {
        " (the file is empty)"
    } else {
        ""
    }
}

/// The certificates of a PEM file (at least one).
fn certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = sections(bytes)?
        .into_iter()
        .filter(|(kind, _)| *kind == SectionKind::Certificate)
        .map(|(_, der)| CertificateDer::from(der))
        .collect();
    if certs.is_empty() {
        return Err(format!(
            "no certificate in the file (expected PEM: -----BEGIN CERTIFICATE-----){}",
            not_pem_hint(bytes)
        ));
    }
    Ok(certs)
}

/// The private key of a PEM file (the first, if several).
fn private_key(bytes: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    // An encrypted key is a section rustls does not know (PKCS #8) or a
    // legacy one with `Proc-Type: 4,ENCRYPTED` headers (which fail to
    // decode): said as what it is.
    let encrypted = contains(bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(bytes, b"Proc-Type: 4,ENCRYPTED");
    if encrypted {
        return Err(
            "the private key is encrypted: graph-contract reads unencrypted PEM keys \
             (decrypt it to a file only you can read: `openssl pkey -in KEY -out KEY.plain`)"
                .into(),
        );
    }
    let key = sections(bytes)?
        .into_iter()
        .find_map(|(kind, der)| match kind {
            SectionKind::PrivateKey => Some(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::RsaPrivateKey => Some(PrivateKeyDer::Pkcs1(der.into())),
            SectionKind::EcPrivateKey => Some(PrivateKeyDer::Sec1(der.into())),
            _ => None,
        });
    key.ok_or_else(|| {
        format!(
            "no private key in the file (expected PEM: -----BEGIN PRIVATE KEY-----, \
             RSA PRIVATE KEY or EC PRIVATE KEY){}",
            not_pem_hint(bytes)
        )
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One PEM section, base64 in lines of 64.
fn pem_section(out: &mut String, label: &str, der: &[u8]) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
}

impl Tls {
    /// The reqwest client builder with these settings; `verify` false
    /// only for the target's client under `--insecure`.
    pub(super) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
        verify: bool,
    ) -> reqwest::ClientBuilder {
        builder = builder.use_rustls_tls();
        if let Some(ca) = &self.cacert {
            for c in &ca.certs {
                builder = builder.add_root_certificate(c.clone());
            }
        }
        if let Some(id) = &self.identity {
            builder = builder.identity(id.identity.clone());
        }
        if self.insecure && !verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if self.http1_only {
            builder = builder.http1_only();
        }
        builder
    }

    /// curl's options for the same settings, as shell words (`show`). The
    /// key's path is the variable's, for the shell to expand (module docs).
    pub fn curl_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(ca) = &self.cacert {
            out.push(format!(
                "--cacert {}",
                crate::report::shell_word(&ca.path.display().to_string())
            ));
        }
        if self.insecure {
            out.push("-k".into());
        }
        if let Some(id) = &self.identity {
            out.push(format!(
                "--cert {} --key \"$GRAPH_CONTRACT_KEY\"",
                crate::report::shell_word(&id.cert_path.display().to_string())
            ));
        }
        if self.http1_only {
            out.push("--http1.1".into());
        }
        out
    }
}

/// What the exchanges of a run showed, shared by every fork of a
/// replayer: the HTTP versions that answered, the first TLS failure.
#[derive(Debug, Default)]
pub struct Observed {
    versions: Versions,
    tls_failure: std::sync::OnceLock<String>,
}

impl Observed {
    /// The answers read, by HTTP version.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    /// The first TLS failure of the run, explained (said once).
    pub fn tls_failure(&self) -> Option<&str> {
        self.tls_failure.get().map(String::as_str)
    }

    pub(super) fn saw_tls_failure(&self, explained: impl FnOnce() -> String) {
        if self.tls_failure.get().is_none() {
            let _ = self.tls_failure.set(explained());
        }
    }
}

/// Answers read, by HTTP version.
#[derive(Debug, Default)]
pub struct Versions {
    counts: [AtomicU64; 5],
}

const VERSION_NAMES: [&str; 5] = ["HTTP/0.9", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"];

impl Versions {
    pub(super) fn count(&self, v: hyper::http::Version) {
        use hyper::http::Version;
        let i = match v {
            Version::HTTP_09 => 0,
            Version::HTTP_10 => 1,
            Version::HTTP_11 => 2,
            Version::HTTP_2 => 3,
            _ => 4,
        };
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }

    /// `(version, answers)` for each version that answered.
    pub fn seen(&self) -> Vec<(&'static str, u64)> {
        VERSION_NAMES
            .iter()
            .zip(&self.counts)
            .map(|(name, n)| (*name, n.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// `protocol: HTTP/2 (2,000 answers)`, or several; `None` before any
    /// answer.
    pub fn line(&self) -> Option<String> {
        let seen = self.seen();
        if seen.is_empty() {
            return None;
        }
        let parts: Vec<String> = seen
            .iter()
            .map(|(name, n)| {
                format!(
                    "{name} ({})",
                    crate::report::count(*n as usize, "answer", "answers")
                )
            })
            .collect();
        Some(format!(
            "{}: {}",
            if parts.len() == 1 {
                "protocol"
            } else {
                "protocols"
            },
            parts.join(", ")
        ))
    }
}

/// A failed TLS exchange: what each case says, and the run's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A few words, the same for every case that fails alike.
    pub short: String,
    /// The explanation with the remedy, said once per run.
    pub explained: String,
}

/// The TLS failure in an error's chain, if it is one; `host` is the
/// server's `host:port`.
pub(super) fn failure(
    e: &(dyn std::error::Error + 'static),
    host: &str,
    tls: &Tls,
) -> Option<Failure> {
    let err = find_rustls(e).cloned().or_else(|| alert_in_text(e))?;
    Some(describe(&err, host, tls))
}

/// An alert the server sent after the handshake (TLS 1.3 asks for a
/// client certificate there), which reaches us through an HTTP/2
/// connection error: h2 keeps an I/O error's kind and text only (not the
/// error itself), so the rustls error is found by its words (`received
/// fatal alert: NAME`, rustls's `Display`).
fn alert_in_text(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    use rustls::AlertDescription as A;
    const KNOWN: &[A] = &[
        A::CertificateRequired,
        A::BadCertificate,
        A::UnsupportedCertificate,
        A::CertificateRevoked,
        A::CertificateExpired,
        A::CertificateUnknown,
        A::UnknownCA,
        A::AccessDenied,
        A::HandshakeFailure,
        A::ProtocolVersion,
        A::InsufficientSecurity,
        A::NoApplicationProtocol,
        A::IllegalParameter,
        A::DecodeError,
        A::DecryptError,
        A::InternalError,
    ];
    let text = super::error_chain(e);
    let (_, rest) = text.split_once("received fatal alert: ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    KNOWN
        .iter()
        .find(|a| format!("{a:?}") == name)
        .map(|a| rustls::Error::AlertReceived(*a))
}

/// The rustls error in a chain: itself, or inside an `io::Error` (whose
/// `source` skips the error it wraps; hyper-rustls wraps tokio-rustls's
/// `io::Error` in another one).
fn find_rustls<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    // Bounded: a chain is a few links.
    for _ in 0..32 {
        let s = next?;
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        next = match s.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => s.source(),
        };
    }
    None
}

/// The words for a rustls error.
fn describe(err: &rustls::Error, host: &str, tls: &Tls) -> Failure {
    use rustls::CertificateError as C;
    let trusted = match &tls.cacert {
        Some(ca) => format!(
            "the built-in roots and the {} of --cacert {}",
            crate::report::count(ca.len(), "certificate", "certificates"),
            ca.path.display()
        ),
        None => "the built-in roots (Mozilla's)".to_owned(),
    };
    let (short, explained) = match err {
        rustls::Error::InvalidCertificate(c) => {
            let (what, why) = match c {
                C::UnknownIssuer => (
                    "is not trusted (unknown issuer)".to_owned(),
                    format!(
                        "it is not signed by a CA among {trusted}: give its CA's certificate \
                         with --cacert FILE (GRAPH_CONTRACT_CACERT), or turn verification off \
                         with --insecure"
                    ),
                ),
                C::NotValidForName => (
                    "is not valid for this host name (name mismatch)".to_owned(),
                    format!(
                        "it does not name {}: use a target URL with a name the certificate holds, \
                         or a certificate that names it",
                        host_only(host)
                    ),
                ),
                C::NotValidForNameContext {
                    expected,
                    presented,
                } => (
                    "is not valid for this host name (name mismatch)".to_owned(),
                    format!(
                        "it names {} but not {}: use a target URL with one of those names, \
                         or a certificate that names it",
                        if presented.is_empty() {
                            "nothing".to_owned()
                        } else {
                            presented
                                .iter()
                                .map(|n| presented_name(n))
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                        server_name(expected)
                    ),
                ),
                C::Expired => (
                    "has expired".to_owned(),
                    "it is past its validity period: renew it (or check this machine's clock)"
                        .to_owned(),
                ),
                C::ExpiredContext { time, not_after } => (
                    "has expired".to_owned(),
                    format!(
                        "it was valid until {}, and it is {} here: renew it \
                         (or check this machine's clock)",
                        date(not_after.as_secs()),
                        date(time.as_secs())
                    ),
                ),
                C::NotValidYet => (
                    "is not valid yet".to_owned(),
                    "its validity period has not begun (check this machine's clock)".to_owned(),
                ),
                C::NotValidYetContext { time, not_before } => (
                    "is not valid yet".to_owned(),
                    format!(
                        "it is valid from {}, and it is {} here (check this machine's clock)",
                        date(not_before.as_secs()),
                        date(time.as_secs())
                    ),
                ),
                C::Revoked => (
                    "has been revoked".to_owned(),
                    "its CA revoked it".to_owned(),
                ),
                C::BadSignature => (
                    "has a bad signature".to_owned(),
                    "its signature does not verify with its issuer's key".to_owned(),
                ),
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => (
                    "is not for TLS servers (invalid purpose)".to_owned(),
                    "its extended key usage does not allow server authentication".to_owned(),
                ),
                other => (
                    "was refused".to_owned(),
                    format!(
                        "rustls says: {}",
                        rustls::Error::InvalidCertificate(other.clone())
                    ),
                ),
            };
            (
                format!("TLS: the server's certificate {what}"),
                format!("TLS: the certificate of {host} {what}: {why}"),
            )
        }
        rustls::Error::AlertReceived(alert) => {
            use rustls::AlertDescription as A;
            let name = alert_words(*alert);
            let certificate_alert = matches!(
                alert,
                A::CertificateRequired
                    | A::BadCertificate
                    | A::UnsupportedCertificate
                    | A::CertificateRevoked
                    | A::CertificateExpired
                    | A::CertificateUnknown
                    | A::UnknownCA
                    | A::AccessDenied
                    | A::HandshakeFailure
            ) || (tls.identity.is_some() && *alert == A::DecryptError);
            // (A server that finds our certificate's issuer by name and
            // fails its signature says `decrypt error`.)
            let why = match (&tls.identity, certificate_alert) {
                (None, true) => "it may ask for a client certificate: give one with \
                     --cert FILE --key FILE (GRAPH_CONTRACT_CERT, GRAPH_CONTRACT_KEY)"
                    .to_owned(),
                (Some(id), true) => format!(
                    "it did not accept the client certificate of --cert {} \
                     (not signed by a CA it trusts, expired, or not for client authentication?)",
                    id.cert_path.display()
                ),
                _ => "the server ended the handshake".to_owned(),
            };
            (
                format!("TLS: the server refused the handshake ({name})"),
                format!("TLS: {host} refused the handshake ({name}): {why}"),
            )
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            "TLS: the server does not speak TLS as expected".to_owned(),
            format!(
                "TLS: {host} sent no valid TLS ({err}): is it plain HTTP? \
                 (then the target URL is http://, not https://)"
            ),
        ),
        other => (
            format!("TLS: the handshake failed ({other})"),
            format!("TLS: the handshake with {host} failed: {other}"),
        ),
    };
    Failure { short, explained }
}

/// `127.0.0.1` of `127.0.0.1:8443`, `::1` of `[::1]:8443`.
fn host_only(host: &str) -> &str {
    let h = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    h.trim_start_matches('[').trim_end_matches(']')
}

fn server_name(n: &rustls::pki_types::ServerName<'_>) -> String {
    match n {
        rustls::pki_types::ServerName::DnsName(d) => d.as_ref().to_owned(),
        rustls::pki_types::ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// A name the certificate holds, as webpki writes it (`DnsName("a.test")`,
/// `IpAddress(10.0.0.1)`), without the wrapping.
fn presented_name(n: &str) -> &str {
    n.strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .or_else(|| {
            n.strip_prefix("IpAddress(")
                .and_then(|r| r.strip_suffix(')'))
        })
        .unwrap_or(n)
}

/// `CertificateRequired` → `certificate required`.
fn alert_words(a: rustls::AlertDescription) -> String {
    let debug = format!("{a:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    // `UnknownCA` → `unknown c a`: the acronym kept whole.
    out.replace(" c a", " CA")
}

/// A UTC date, `2024-05-01`, from seconds since the epoch (civil from
/// days, Howard Hinnant's algorithm).
fn date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// The shared observations of a run.
pub(super) fn observed() -> Arc<Observed> {
    Arc::new(Observed::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_epoch_seconds() {
        let rows: &[(u64, &str)] = &[
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_714_521_600, "2024-05-01"),
            (4_102_444_799, "2099-12-31"),
        ];
        for (secs, want) in rows {
            assert_eq!(date(*secs), *want, "{secs}");
        }
    }

    #[test]
    fn alerts_read_as_words() {
        use rustls::AlertDescription as A;
        assert_eq!(alert_words(A::CertificateRequired), "certificate required");
        assert_eq!(alert_words(A::UnknownCA), "unknown CA");
        assert_eq!(alert_words(A::HandshakeFailure), "handshake failure");
    }

    #[test]
    fn pem_files_are_refused_in_our_words() {
        // (file contents, what the message says)
        let secret_line = "MIIsecretkeymaterialdonotprint";
        let rows: &[(&str, &str)] = &[
            ("", "the file is empty"),
            ("hello", "no certificate in the file"),
            (
                "-----BEGIN CERTIFICATE-----\nMIIB\n",
                "has no -----END line",
            ),
            (
                "-----BEGIN CERTIFICATE----\nMIIB\n-----END CERTIFICATE-----\n",
                "-----BEGIN line is malformed",
            ),
            (
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                "base64 does not decode",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "no certificate in the file",
            ),
        ];
        for (text, says) in rows {
            let e = certificates(text.as_bytes()).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
        assert!(
            certificates(&[0x30, 0x82, 0x01])
                .unwrap_err()
                .contains("DER")
        );
        // A key's lines are never quoted.
        let rows: &[(String, &str)] = &[
            (
                format!("-----BEGIN PRIVATE KEY-----\n{secret_line}\n"),
                "no -----END line",
            ),
            (
                format!(
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{secret_line}\n-----END ENCRYPTED PRIVATE KEY-----\n"
                ),
                "encrypted",
            ),
            (
                format!(
                    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n{secret_line}\n-----END RSA PRIVATE KEY-----\n"
                ),
                "encrypted",
            ),
            (
                format!("-----BEGIN CERTIFICATE-----\n{secret_line}\n-----END CERTIFICATE-----\n"),
                "no private key",
            ),
            (
                format!("-----BEGIN PRIVATE KEY {secret_line}\n"),
                "malformed",
            ),
        ];
        for (text, says) in rows {
            let e = private_key(text.as_bytes()).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
            assert!(!e.contains(secret_line), "{e}");
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_is_said_so() {
        let e = load_cacert("--cacert", Path::new("/no/such/ca.pem")).unwrap_err();
        assert!(
            e.starts_with("--cacert /no/such/ca.pem: cannot read"),
            "{e}"
        );
        let e = load_cacert("--cacert", Path::new("/")).unwrap_err();
        assert!(e.contains("folder"), "{e}");
        let e = load_identity(
            "--cert",
            Path::new("/no/such/cert.pem"),
            "--key",
            Path::new("/no/such/key.pem"),
        )
        .unwrap_err();
        assert!(
            e.starts_with("--cert /no/such/cert.pem: cannot read"),
            "{e}"
        );
    }

    #[test]
    fn presented_names_lose_webpki_s_wrapping() {
        assert_eq!(presented_name("DnsName(\"a.test\")"), "a.test");
        assert_eq!(presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(presented_name("DirectoryName"), "DirectoryName");
    }

    #[test]
    fn host_names_without_ports() {
        assert_eq!(host_only("127.0.0.1:8443"), "127.0.0.1");
        assert_eq!(host_only("[::1]:8443"), "::1");
        assert_eq!(host_only("graph.test"), "graph.test");
    }
}
