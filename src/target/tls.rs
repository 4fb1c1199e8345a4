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
//! - **A certificate of `--cacert` served as the server's own is trusted
//!   as itself, CA or not.** `openssl req -x509` (the usual self-signed
//!   certificate) says CA:TRUE, and rustls refuses a CA certificate as a
//!   server's (`CaUsedAsEndEntity`) where curl accepts it. [`Verifier`]
//!   wraps rustls's verifier and makes that one refusal an acceptance when
//!   the certificate is byte for byte one the user gave (pinning), its
//!   name still checked (`verify_server_name`) and its dates too (read
//!   from its DER: rustls does not say them); any other refusal stands,
//!   and handshake signatures are the default verifier's. So the rustls
//!   configuration is built here and given to reqwest whole
//!   (`use_preconfigured_tls`): the same roots (`webpki-roots`), ALPN and
//!   client certificate reqwest would set. Under `--insecure` it checks
//!   nothing, as reqwest's `danger_accept_invalid_certs` did.
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
//!   HTTP/1.1 (no h2c). Which version answered is told under `--details`
//!   only: per case (`version: HTTP/2` in its block, from
//!   [`Actual::version`](crate::model::Actual), a `&'static str`: nothing
//!   allocated on the direct path) and counted per run ([`Versions`]); the
//!   JSON report carries each case's (`actual.version`, left out when
//!   unknown).

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
    certs: Vec<CertificateDer<'static>>,
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
    certs: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
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
        certs,
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
    Ok(ClientIdentity {
        cert_path: cert_path.to_owned(),
        chain: chain.len(),
        certs: chain,
        key: Arc::new(key),
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

impl Tls {
    /// The reqwest client builder with these settings; `verify` false
    /// only for the target's client under `--insecure`. The rustls
    /// configuration is ours ([`Tls::client_config`]), handed to reqwest
    /// whole.
    pub(super) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
        verify: bool,
    ) -> Result<reqwest::ClientBuilder, String> {
        builder = builder.use_preconfigured_tls(self.client_config(verify)?);
        if self.http1_only {
            builder = builder.http1_only();
        }
        Ok(builder)
    }

    /// The rustls configuration: the built-in roots (Mozilla's, as reqwest
    /// has them) and the CAs of `--cacert`, checked by [`Verifier`] (or
    /// none under `--insecure` when `verify` is false), the client
    /// certificate, ALPN `h2` and `http/1.1` (only the latter with
    /// `--http1.1`).
    pub(super) fn client_config(&self, verify: bool) -> Result<rustls::ClientConfig, String> {
        let provider = Arc::new(
            rustls::crypto::CryptoProvider::get_default()
                .map(|p| (**p).clone())
                .unwrap_or_else(rustls::crypto::ring::default_provider),
        );
        let pinned = self
            .cacert
            .as_ref()
            .map(|ca| ca.certs.clone())
            .unwrap_or_default();
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for c in &pinned {
            // Checked when the file was read (`load_cacert`).
            roots
                .add(c.clone())
                .map_err(|e| format!("--cacert: a certificate cannot be trusted ({e})"))?;
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            roots.into(),
            provider.clone(),
        )
        .build()
        .map_err(|e| format!("cannot set up certificate verification: {e}"))?;
        let verifier = Verifier {
            webpki,
            pinned,
            verify: verify || !self.insecure,
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut config = match &self.identity {
            Some(id) => builder
                .with_client_auth_cert(id.certs.clone(), id.key.clone_key())
                // Checked when the files were read (`load_identity`).
                .map_err(|_| "--key: the certificate and key cannot be used together".to_owned())?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = if self.http1_only {
            vec![b"http/1.1".to_vec()]
        } else {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        };
        Ok(config)
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

/// The server's certificate, checked: by rustls's own verifier (the chain
/// to a trusted root, the name, the dates), except one case it refuses: a
/// certificate of `--cacert`, presented byte for byte as the server's own,
/// whose basic constraints say CA (what `openssl req -x509` makes by
/// default). That one is trusted as itself (pinned), its name and dates
/// still checked. Handshake signatures are always the default verifier's.
/// With `verify` false (`--insecure`, the target's client), nothing is
/// checked, as reqwest's `danger_accept_invalid_certs` did.
#[derive(Debug)]
struct Verifier {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
    verify: bool,
}

impl rustls::client::danger::ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls_pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if !self.verify {
            return Ok(rustls::client::danger::ServerCertVerified::assertion());
        }
        let refused = match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !ca_as_leaf(&refused)
            || !self
                .pinned
                .iter()
                .any(|p| p.as_ref() == end_entity.as_ref())
        {
            return Err(refused);
        }
        // Pinned: the certificate is the one trusted; its name and its
        // validity period are still what they must be.
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        let (not_before, not_after) = validity(end_entity.as_ref()).ok_or(
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding),
        )?;
        let time = now.as_secs();
        if time < not_before {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidYetContext {
                    time: now,
                    not_before: rustls_pki_types::UnixTime::since_unix_epoch(
                        std::time::Duration::from_secs(not_before),
                    ),
                },
            ));
        }
        if time > not_after {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ExpiredContext {
                    time: now,
                    not_after: rustls_pki_types::UnixTime::since_unix_epoch(
                        std::time::Duration::from_secs(not_after),
                    ),
                },
            ));
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        if !self.verify {
            return Ok(rustls::client::danger::HandshakeSignatureValid::assertion());
        }
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        if !self.verify {
            return Ok(rustls::client::danger::HandshakeSignatureValid::assertion());
        }
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        if !self.verify {
            // What reqwest's verifier for `danger_accept_invalid_certs`
            // offers: every scheme, none checked.
            use rustls::SignatureScheme as S;
            return vec![
                S::RSA_PKCS1_SHA1,
                S::ECDSA_SHA1_Legacy,
                S::RSA_PKCS1_SHA256,
                S::ECDSA_NISTP256_SHA256,
                S::RSA_PKCS1_SHA384,
                S::ECDSA_NISTP384_SHA384,
                S::RSA_PKCS1_SHA512,
                S::ECDSA_NISTP521_SHA512,
                S::RSA_PSS_SHA256,
                S::RSA_PSS_SHA384,
                S::RSA_PSS_SHA512,
                S::ED25519,
                S::ED448,
            ];
        }
        self.webpki.supported_verify_schemes()
    }
}

/// rustls's refusal of a CA certificate presented as a server's (webpki's
/// `CaUsedAsEndEntity`, which rustls passes on as an "other" error).
fn ca_as_leaf(e: &rustls::Error) -> bool {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)) => matches!(
            o.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

/// A certificate's validity period, `(notBefore, notAfter)` in seconds
/// since the epoch, read from its DER (rustls does not say it): `None` if
/// the DER is not a certificate's shape.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (tag, cert, _) = der_item(der)?;
    let (tag2, tbs, _) = der_item(cert)?;
    if tag != 0x30 || tag2 != 0x30 {
        return None;
    }
    let mut rest = tbs;
    // version [0] EXPLICIT (optional), serialNumber, signature, issuer.
    let (t, _, after) = der_item(rest)?;
    if t == 0xa0 {
        rest = after;
    }
    for _ in 0..3 {
        rest = der_item(rest)?.2;
    }
    let (t, validity, _) = der_item(rest)?;
    if t != 0x30 {
        return None;
    }
    let (t1, nb, after) = der_item(validity)?;
    let (t2, na, _) = der_item(after)?;
    Some((der_time(t1, nb)?, der_time(t2, na)?))
}

/// One DER item: its tag, its contents, what follows it.
fn der_item(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// An X.509 time (UTCTime `YYMMDDHHMMSSZ`, GeneralizedTime
/// `YYYYMMDDHHMMSSZ`) in seconds since the epoch.
fn der_time(tag: u8, text: &[u8]) -> Option<u64> {
    let digits = |s: &[u8]| -> Option<u64> {
        s.iter().try_fold(0u64, |a, &b| {
            b.is_ascii_digit().then(|| a * 10 + u64::from(b - b'0'))
        })
    };
    let (year, rest) = match (tag, text.len()) {
        (0x17, 13) => {
            let yy = digits(&text[..2])?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        (0x18, 15) => (digits(&text[..4])?, &text[4..]),
        _ => return None,
    };
    if rest[10] != b'Z' {
        return None;
    }
    if year < 1970 {
        // Before the epoch: as early as a `UnixTime` goes.
        return Some(0);
    }
    let (month, day) = (digits(&rest[..2])?, digits(&rest[2..4])?);
    let (h, m, sec) = (
        digits(&rest[4..6])?,
        digits(&rest[6..8])?,
        digits(&rest[8..10])?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm), the inverse of `date`.
    let y = if month <= 2 { year - 1 } else { year } as i64;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as u64 * 86_400 + h * 3600 + m * 60 + sec)
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

fn version_index(v: hyper::http::Version) -> usize {
    use hyper::http::Version;
    match v {
        Version::HTTP_09 => 0,
        Version::HTTP_10 => 1,
        Version::HTTP_11 => 2,
        Version::HTTP_2 => 3,
        _ => 4,
    }
}

/// `HTTP/2` for HTTP/2: what [`Actual::version`](crate::model::Actual)
/// holds.
pub fn version_name(v: hyper::http::Version) -> &'static str {
    VERSION_NAMES[version_index(v)]
}

/// The name of a version as [`version_name`] writes it (a JSON report read
/// back), if it is one.
pub fn known_version(name: &str) -> Option<&'static str> {
    VERSION_NAMES.iter().find(|n| **n == name).copied()
}

impl Versions {
    pub(super) fn count(&self, v: hyper::http::Version) {
        self.counts[version_index(v)].fetch_add(1, Ordering::Relaxed);
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
                C::Other(_) if ca_as_leaf(err) => (
                    "is a CA certificate, not a server's".to_owned(),
                    format!(
                        "the server presents a CA certificate (basic constraints CA:TRUE, what \
                         `openssl req -x509` makes by default) as its own, and a CA certificate \
                         is trusted only as itself: give this very certificate with --cacert FILE \
                         (GRAPH_CONTRACT_CACERT){}, or serve a certificate made for the server \
                         (basicConstraints=CA:FALSE) signed by a CA",
                        if tls.cacert.is_some() {
                            " (the server's is not among the certificates of --cacert)"
                        } else {
                            ""
                        }
                    ),
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
    fn validity_periods_are_read_from_certificates() {
        // (not before, not after) as (y, m, d): UTCTime before 2050,
        // GeneralizedTime from 2050 (RFC 5280, as rcgen writes them).
        type Ymd = (i32, u8, u8);
        let rows: &[(Ymd, Ymd)] = &[
            ((2000, 1, 1), (2001, 1, 1)),
            ((2024, 2, 29), (2049, 12, 31)),
            ((2025, 6, 30), (2050, 1, 1)),
            ((1999, 12, 31), (2100, 3, 1)),
        ];
        let key = rcgen::KeyPair::generate().unwrap();
        for (nb, na) in rows {
            let mut params = rcgen::CertificateParams::new(vec!["a.test".to_string()]).unwrap();
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params.not_before = rcgen::date_time_ymd(nb.0, nb.1, nb.2);
            params.not_after = rcgen::date_time_ymd(na.0, na.1, na.2);
            let cert = params.self_signed(&key).unwrap();
            let (b, a) = validity(cert.der()).unwrap();
            let day = |(y, m, d): Ymd| format!("{y:04}-{m:02}-{d:02}");
            assert_eq!((date(b), date(a)), (day(*nb), day(*na)));
            assert_eq!(b % 86_400, 0, "midnight");
        }
        // Times to the second, and what is not a time.
        let rows: &[(u8, &str, Option<u64>)] = &[
            (0x17, "700101000000Z", Some(0)),
            (
                0x17,
                "240501123456Z",
                Some(1_714_521_600 + 12 * 3600 + 34 * 60 + 56),
            ),
            (0x18, "20240501000000Z", Some(1_714_521_600)),
            (0x17, "491231235959Z", Some(2_524_607_999)),
            (0x17, "500101000000Z", Some(0)),
            (0x17, "240501000000", None),
            (0x17, "241301000000Z", None),
            (0x18, "240501000000Z", None),
            (0x17, "24050100000aZ", None),
            (0x04, "240501000000Z", None),
        ];
        for (tag, text, want) in rows {
            assert_eq!(der_time(*tag, text.as_bytes()), *want, "{text}");
        }
        // Not a certificate: no period, never a panic.
        let cert = {
            let params = rcgen::CertificateParams::new(vec!["a.test".to_string()]).unwrap();
            params.self_signed(&key).unwrap().der().to_vec()
        };
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &cert[..40],
            b"hello",
        ] {
            assert_eq!(validity(bad), None, "{bad:?}");
        }
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
