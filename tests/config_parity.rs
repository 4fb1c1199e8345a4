//! Issue #12, one configuration: every knob is declared once, with a flag
//! and a variable, and both give the same configuration. The test walks
//! the declarations ([`config::KNOBS`]): a knob added later is checked
//! without anyone remembering to.

use graph_contract::config::{self, Env, Given, KNOBS, Kind, Scope};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

mod support;

const ALL: &[Scope] = &[Scope::Pages, Scope::Select, Scope::Run, Scope::Report];

fn crate_path(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Files the file knobs can load.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new() -> Files {
        let dir = std::env::temp_dir().join(format!("gc-parity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("vars.toml"), "[vars]\nuser-id = \"u-1\"\n").unwrap();
        std::fs::write(
            dir.join("scenarios.toml"),
            "[[scenario]]\npage = \"users\"\n[[scenario.setup]]\nmethod = \"GET\"\nurl = \"/v1.0/me\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("baseline.txt"), "users::get_user\n").unwrap();
        // The HTTPS knobs' PEM files: a CA, and a client certificate it
        // signed with its key.
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        std::fs::write(dir.join("ca.pem"), ca.self_signed(&ca_key).unwrap().pem()).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client.test".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        std::fs::write(dir.join("client.pem"), cert.pem()).unwrap();
        std::fs::write(dir.join("client-key.pem"), key.serialize_pem()).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A value for each knob that differs from its default (one or two for
/// lists), so that a knob read from the wrong place shows.
fn sample(flag: &str, files: &Files) -> Vec<String> {
    let v: Vec<String> = match flag {
        "paths" => vec![
            crate_path("fixtures/gate/users.md").display().to_string(),
            crate_path("fixtures/gate/groups.md").display().to_string(),
        ],
        "filter" => vec!["users".into(), "groups".into()],
        "skip" => vec!["delete".into()],
        "method" => vec!["GET,post".into()],
        "changed-since" => vec!["HEAD~1".into()],
        "target" => vec!["http://127.0.0.1:9/base".into()],
        "timeout" => vec!["2.5".into()],
        "token-env" => vec!["MY_TOKEN".into()],
        "oauth-token-url" => vec!["http://127.0.0.1:9/token".into()],
        "oauth-scope" => vec!["https://graph.microsoft.com/.default".into()],
        "header" => vec!["X-A: 1".into(), "X-B: two, three".into()],
        "secret-header" => vec!["X-Key: s3cr3t-value".into()],
        "deadline" => vec!["0.5".into()],
        "metadata" => vec![crate_path("fixtures/csdl/model.xml").display().to_string()],
        "vars" => vec![files.path("vars.toml")],
        "scenarios" => vec![files.path("scenarios.toml")],
        "retries" => vec!["7".into()],
        "odata" => vec!["strict".into()],
        "follow-pages" => vec!["5".into()],
        "max-body" => vec!["1000".into()],
        "jobs" => vec!["5".into()],
        "repeat" => vec!["3".into()],
        "min-coverage" => vec!["62.5".into()],
        "junit" | "json" | "summary" | "html" | "write-baseline" => vec![files.path(flag)],
        "baseline" => vec![files.path("baseline.txt")],
        "cacert" => vec![files.path("ca.pem")],
        "cert" => vec![files.path("client.pem")],
        "key" => vec![files.path("client-key.pem")],
        _ => vec![String::new()], // switches
    };
    v
}

/// The environment every build sees besides the knob: what some knobs
/// need (client credentials for the token endpoint, the token itself).
fn base_env() -> Vec<(String, String)> {
    vec![
        ("GRAPH_CONTRACT_CLIENT_ID".into(), "client".into()),
        ("GRAPH_CONTRACT_CLIENT_SECRET".into(), "c-s3cr3t".into()),
        ("MY_TOKEN".into(), "t0ken-value".into()),
        ("GRAPH_CONTRACT_TOKEN".into(), "default-t0ken-longer".into()),
    ]
}

/// The configuration as text, the `$metadata` judge by kind only (it
/// holds caches whose order is not the document's).
fn shown(mut c: config::Config) -> String {
    let metadata = c.settings.metadata.take().map(|m| match m {
        graph_contract::run::MetadataSource::File(_) => "file",
        graph_contract::run::MetadataSource::Target(_) => "target",
    });
    format!("{c:?} metadata={metadata:?}")
}

#[test]
fn every_knob_has_a_flag_and_a_variable_each_named_once() {
    let mut flags = HashSet::new();
    let mut vars = HashSet::new();
    for k in KNOBS {
        assert!(!k.flag.is_empty() && !k.var.is_empty(), "{k:?}");
        assert!(flags.insert(k.flag), "flag {} twice", k.flag);
        assert!(vars.insert(k.var), "variable {} twice", k.var);
        assert!(
            k.var.starts_with("GRAPH_CONTRACT_") || k.var == "TARGET_URL",
            "{}: variables are GRAPH_CONTRACT_*",
            k.var
        );
        assert!(!k.help.is_empty(), "{}: no help", k.flag);
        // The credentials have no flag (see the config module's docs).
        assert!(!config::CREDENTIAL_VARS.contains(&k.var), "{}", k.var);
    }
}

#[test]
fn the_flag_and_the_variable_of_every_knob_give_the_same_configuration() {
    let files = Files::new();
    let base = base_env();
    let default =
        shown(config::build(&Given::default(), &Env::from_pairs(base.clone()), ALL).unwrap());
    for k in KNOBS {
        // A knob that needs another one to mean anything gets it from both
        // forms alike.
        let mut extra: Vec<(&str, Vec<String>)> = Vec::new();
        if k.flag == "metadata-from-target" {
            extra.push(("target", sample("target", &files)));
        }
        if k.flag == "send-undeclared" {
            extra.push(("metadata", sample("metadata", &files)));
        }
        if k.flag == "oauth-scope" {
            extra.push(("oauth-token-url", sample("oauth-token-url", &files)));
        }
        // A client certificate and its key come together.
        if k.flag == "cert" {
            extra.push(("key", sample("key", &files)));
        }
        if k.flag == "key" {
            extra.push(("cert", sample("cert", &files)));
        }
        let values = sample(k.flag, &files);
        let mut given = Given::default();
        given.set(k.flag, values.clone());
        let mut env_given = Given::default();
        for (f, v) in &extra {
            given.set(f, v.clone());
            env_given.set(f, v.clone());
        }
        let text = match k.kind {
            Kind::Switch => "1".to_owned(),
            _ => values.join("\n"),
        };
        let mut env = base.clone();
        env.push((k.var.to_owned(), text));
        let from_flag = config::build(&given, &Env::from_pairs(base.clone()), ALL);
        let from_var = config::build(&env_given, &Env::from_pairs(env), ALL);
        let (from_flag, from_var) = match (from_flag, from_var) {
            (Ok(a), Ok(b)) => (shown(a), shown(b)),
            (a, b) => panic!("{}: flag {:?} / variable {:?}", k.flag, a.err(), b.err()),
        };
        assert_eq!(from_flag, from_var, "--{} and {} differ", k.flag, k.var);
        assert_ne!(from_flag, default, "--{} changed nothing", k.flag);
    }
}

#[test]
fn the_flag_wins_over_the_variable() {
    let mut given = Given::default();
    given.set("timeout", vec!["2".into()]);
    given.set("header", vec!["X-A: flag".into()]);
    let env = Env::from_pairs([
        ("GRAPH_CONTRACT_TIMEOUT", "9"),
        ("GRAPH_CONTRACT_HEADER", "X-A: var\nX-B: var"),
    ]);
    let c = config::build(&given, &env, ALL).unwrap();
    assert_eq!(c.settings.send.timeout, std::time::Duration::from_secs(2));
    assert_eq!(
        c.settings.send.headers,
        [("X-A".to_owned(), "flag".to_owned())]
    );
}

#[test]
fn a_bad_value_names_the_flag_or_the_variable_and_never_quotes_a_secret() {
    // (flag, value, the message has, the message must not have)
    let rows: &[(&str, &str, &str, &str)] = &[
        ("timeout", "1e20", "--timeout \"1e20\"", "GRAPH_CONTRACT"),
        ("jobs", "0", "from 1 to 1024", "GRAPH_CONTRACT"),
        (
            "secret-header",
            "no-colon-s3cr3t",
            "--secret-header",
            "s3cr3t",
        ),
        ("target", "ftp://u:pw-s3cr3t@h/", "", "pw-s3cr3t"),
    ];
    for (flag, value, has, hasnt) in rows {
        let mut given = Given::default();
        given.set(flag, vec![(*value).to_owned()]);
        let r = config::build(&given, &Env::default(), ALL).and_then(|c| {
            // A target is parsed when the run opens.
            graph_contract::run::Session::static_ignores(&c.settings, Default::default())
                .map(|_| ())
        });
        let e = r
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("--{flag} {value:?} accepted"));
        assert!(e.contains(has), "--{flag}: {e}");
        assert!(!e.contains(hasnt), "--{flag}: {e}");
        // The variable form names the variable and the flag.
        let k = config::find(flag).unwrap();
        if !k.secret {
            let env = Env::from_pairs([(k.var, *value)]);
            let e = config::build(&Given::default(), &env, ALL)
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(k.var) && e.contains(&format!("--{flag}")), "{e}");
        }
    }
}

#[test]
fn the_binary_takes_every_knob_of_check_and_names_its_variable_in_help() {
    let out = support::binary()
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for k in KNOBS.iter().filter(|k| !k.hidden) {
        if k.kind != Kind::Positional {
            assert!(
                help.contains(&format!("--{}", k.flag)),
                "--{} in help",
                k.flag
            );
        }
        assert!(
            help.contains(&format!("[env: {}]", k.var)),
            "{} in help",
            k.var
        );
    }
}

#[test]
fn the_readme_lists_every_knob() {
    let readme = std::fs::read_to_string(crate_path("README.md")).unwrap();
    for k in KNOBS.iter().filter(|k| !k.hidden) {
        assert!(
            readme.contains(&format!("`{}`", k.var)),
            "README lacks {}",
            k.var
        );
    }
}

#[test]
fn a_switch_variable_is_on_off_or_an_error_never_a_guess() {
    // (value, on, or the error)
    let rows: &[(&str, Option<bool>)] = &[
        ("1", Some(true)),
        ("TRUE", Some(true)),
        ("yes", Some(true)),
        ("On", Some(true)),
        ("0", Some(false)),
        ("false", Some(false)),
        ("No", Some(false)),
        ("off", Some(false)),
        ("flase", None),
        ("2", None),
        ("enabled", None),
    ];
    for (value, want) in rows {
        let env = Env::from_pairs([("GRAPH_CONTRACT_ALLOW_WRITES", *value)]);
        match (config::build(&Given::default(), &env, ALL), want) {
            (Ok(c), Some(on)) => assert_eq!(c.settings.send.allow_writes, *on, "{value:?}"),
            (Err(e), None) => {
                let e = e.to_string();
                assert!(
                    e.contains("GRAPH_CONTRACT_ALLOW_WRITES") && e.contains("--allow-writes"),
                    "{e}"
                );
            }
            (r, _) => panic!("{value:?}: {:?}", r.map(|c| c.settings.send.allow_writes)),
        }
    }
}

#[test]
fn a_bad_header_from_the_variable_is_named_by_the_variable() {
    let env = Env::from_pairs([("GRAPH_CONTRACT_HEADER", "X-A b")]);
    let e = config::build(&Given::default(), &env, ALL)
        .unwrap_err()
        .to_string();
    assert!(e.contains("GRAPH_CONTRACT_HEADER"), "{e}");
    let env = Env::from_pairs([("GRAPH_CONTRACT_TOKEN_ENV", "A=B")]);
    let e = config::build(&Given::default(), &env, ALL)
        .unwrap_err()
        .to_string();
    assert!(e.contains("GRAPH_CONTRACT_TOKEN_ENV"), "{e}");
}
